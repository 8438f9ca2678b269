"""Pinning code to commits: a pin is a promise that ``module.Name@<sha>`` loads the code that ran.

The rule: an object is pinned to HEAD only when the bytes of its module file are exactly the bytes of that file
in HEAD's tree (git blob ids compared, ``git hash-object`` semantics) and so are the bytes of every module of the
same repository it imports, directly or through others, and of the packages above them (loading the pin runs
those from the commit too), and the modules in memory were imported from those bytes (a module whose file
changed after it was imported is stale). ``git status`` alone is not trusted: it never lists ignored files.
Anything else is recorded unpinned, with one warning per run naming each object and why (:class:`UnpinnedReason`).

Objects of zen's own packages resolve to ``module.Name@zen_<version>``; code from installed distributions
(site-packages) to ``module.Name@<distribution>==<version>``. Code loaded from history by ``resolve`` keeps its
pin. Upward relative imports (``from .. import x``) in a module to pin are refused with the file and line named.

A :class:`Pinner` is one run's view: each repository's ``git status`` is read once, each module decided once.
Facts that outlive a run (file blob ids by file state, commit trees) live in the :class:`SourceCache` the caller
holds and passes to each run's pinner, so a run where nothing changed on disk starts no git command but one
``git status``.
"""

from __future__ import annotations

import ast
import enum
import sys
import warnings
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import attrs

from zen_git._cache import ImportRef, Location, ModuleFacts, SourceCache
from zen_git._git import GitRepo, Status, blob_id
from zen_git._memory import differing_constant
from zen_git._origins import pinned_origin
from zen_git._repo import RepoState, state_of
from zen_git.errors import SourceResolutionError, UnpinnedCodeWarning, UpwardRelativeImportError
from zen_types import install_hint

__all__ = [
    "Pinned",
    "Pinner",
    "SourceRef",
    "Unpinned",
    "UnpinnedReason",
    "check_relative_imports",
    "installed_version",
    "is_installed_path",
    "pin",
    "repo_state",
]

_SHA_LENGTHS = (40, 64)  # SHA-1 and SHA-256 repositories


@attrs.frozen(kw_only=True)
class SourceRef:
    """A parsed source string: ``module.name`` plus a git sha or a package version (or neither)."""

    module: str
    name: str
    sha: str | None = None
    version: str | None = None
    """``zen_0.1.0`` for zen's own code, ``<distribution>==<version>`` for installed code."""

    def __str__(self) -> str:
        base = f"{self.module}.{self.name}"
        if self.sha:
            return f"{base}@{self.sha}"
        if self.version:
            return f"{base}@{self.version}"
        return base

    @property
    def builtin_version(self) -> str | None:
        """The installed-package pin (``zen_0.1.0``, ``attrs==25.1.0``), or None; the same as ``version``."""
        return self.version

    @property
    def distribution(self) -> tuple[str, str] | None:
        """``(distribution, version)`` for a ``<distribution>==<version>`` pin, else None."""
        if self.version is None or "==" not in self.version:
            return None
        dist, _, ver = self.version.partition("==")
        return dist, ver

    @property
    def pinned(self) -> bool:
        """True when the source names a commit."""
        return self.sha is not None

    @property
    def dotted(self) -> str:
        """``module.name`` without the pin."""
        return f"{self.module}.{self.name}"

    @classmethod
    def parse(cls, source: str) -> SourceRef:
        """Parse ``module.Name[@sha|@zen_version|@dist==version]``; the module/name split is found when
        resolving, so a parsed ref keeps the whole dotted path in ``module`` and the last part in ``name``."""
        dotted, at, pin_part = source.partition("@")
        if (
            (at and not pin_part)
            or not dotted
            or "." not in dotted
            or any(not p.isidentifier() for p in dotted.split("."))
        ):
            raise SourceResolutionError(f"{source!r} is not a source string (expected module.Name[@sha]).")
        module, _, name = dotted.rpartition(".")
        sha = pin_part if len(pin_part) in _SHA_LENGTHS and all(c in "0123456789abcdef" for c in pin_part) else None
        return cls(module=module, name=name, sha=sha, version=pin_part or None if sha is None else None)


class UnpinnedReason(enum.Enum):
    """Why an object was recorded without a pin."""

    MAIN = "main"
    """Defined in ``__main__``: a script run directly, or a notebook cell."""
    LOCAL = "local"
    """Defined inside a function, so it cannot be imported by name."""
    NO_FILE = "no-file"
    """Its module has no readable source file (made in memory)."""
    NO_REPOSITORY = "no-repository"
    """The project is in no git repository."""
    OUTSIDE = "outside"
    """Its file is outside the repository and not in an installed distribution."""
    NO_DISTRIBUTION = "no-distribution"
    """Installed (site-packages) but no distribution metadata names it."""
    NO_COMMITS = "no-commits"
    """The repository has no commit yet."""
    UNTRACKED = "untracked"
    """Its file is not tracked by git."""
    IGNORED = "ignored"
    """Its file is ignored by git (the rule is named)."""
    STAGED = "staged"
    """Its bytes are staged (``git add``) but not committed."""
    MODIFIED = "modified"
    """Its file differs from HEAD and the change is not staged."""
    SYMLINK = "symlink"
    """Its file, or a folder its module name goes through, is a symbolic link; a commit stores the link, not
    the code."""
    NOT_IMPORTABLE = "not-importable"
    """Its module name does not lead to its file from a folder on ``sys.path`` (the file was loaded by path),
    so nothing could load the pin by name."""
    OTHER_REPOSITORY = "other-repository"
    """It imports code from another repository (a submodule or the project around one)."""
    IMPORT = "import"
    """A module of the repository it imports cannot be pinned (that module's reason is given)."""
    STALE = "stale"
    """Its module (or one it imports) was imported before its file last changed: the code in memory is not
    the file's (noticed across runs sharing a :class:`SourceCache`)."""


@attrs.frozen(kw_only=True)
class Pinned:
    """An object whose source string carries a pin (a commit, zen's version, or a distribution version)."""

    ref: SourceRef


@attrs.frozen(kw_only=True)
class Unpinned:
    """An object recorded without a pin, with the reason and a sentence for people."""

    ref: SourceRef
    reason: UnpinnedReason
    detail: str


def check_relative_imports(path: Path | str, source: str | bytes | None = None) -> None:
    """Raise UpwardRelativeImportError if the module at ``path`` imports from a parent package."""
    text = source if source is not None else Path(path).read_bytes()
    try:
        tree = ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 2:
            _refuse_upward(str(path), ImportRef(level=node.level, module=node.module or "", names=(), line=node.lineno))


def _refuse_upward(path: str, ref: ImportRef) -> None:
    raise UpwardRelativeImportError(
        f"{path}:{ref.line}: `from {'.' * ref.level}{ref.module} import ...` reaches above the module's "
        f"folder, which pinning cannot cover. Use an absolute import (from my_package.x import y)."
    )


@cache
def _distributions() -> Mapping[str, list[str]]:
    # Scanning every installed distribution's metadata takes tens of milliseconds; the set of installed
    # distributions does not change under a running process often enough to pay that per run. Never cleared.
    from importlib.metadata import packages_distributions

    return packages_distributions()


_StatKey = tuple[int, int, int]
_VERSIONS: dict[str, tuple[Path, _StatKey, str]] = {}
"""Installed versions by distribution name, each with the ``METADATA`` file it was read from and that file's
identity (inode, size, modification time) then. Reading a version parses the file (about 0.4 ms here), which
every run's pinning of zen's own materializers would pay; a ``stat`` tells a reinstall instead (pip replaces the
``.dist-info`` folder, so the file is gone or is another one), and the version is read again. Never cleared: an
entry is only trusted while its file is unchanged."""


def _stat_key(path: Path) -> _StatKey | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def _version(distribution: str) -> str:
    """The installed version of ``distribution`` (raises ``PackageNotFoundError``), read again only when its
    ``METADATA`` file changed since it was last read (see :data:`_VERSIONS`)."""
    from importlib.metadata import distribution as find  # slow to import: only when pinning

    known = _VERSIONS.get(distribution)
    if known is not None and _stat_key(known[0]) == known[1]:
        return known[2]
    found = find(distribution)
    version = found.version
    folder = getattr(found, "_path", None)  # a dist-info folder on disk (PathDistribution); else not remembered
    if isinstance(folder, Path):
        metadata = folder / "METADATA"
        key = _stat_key(metadata)
        if key is not None:
            _VERSIONS[distribution] = (metadata, key, version)
    return version


def installed_version(module: str) -> str | None:
    """``zen_<version>`` for zen's packages, ``<distribution>==<version>`` for other installed code, or None."""
    from importlib.metadata import PackageNotFoundError  # slow to import: only when pinning

    top = module.split(".", maxsplit=1)[0]
    if top.startswith("zen_"):
        try:
            return f"zen_{_version(top.replace('_', '-'))}"
        except PackageNotFoundError:
            return None
    for dist in _distributions().get(top, []):
        try:
            return f"{dist}=={_version(dist)}"
        except PackageNotFoundError:
            continue
    return None


def is_installed_path(path: str) -> bool:
    """True for a file under an installation folder (``site-packages``, ``dist-packages``)."""
    return any(f"{sep}{folder}{sep}" in path for folder in ("site-packages", "dist-packages") for sep in "/\\")


@attrs.frozen
class _Outcome:
    sha: str | None
    version: str | None
    reason: UnpinnedReason | None = None
    detail: str = ""


class Pinner:
    """One run's code pinning: repository state read once, each module decided once.

    ``root`` is the project folder; its repository (and repositories nested in it, such as submodules) is
    where code can be pinned. Pass the same ``cache`` to every run's pinner so unchanged files are not read
    again. ``untracked=False`` leaves :attr:`RepoState.untracked` empty: no decision and no recorded state needs
    those files, and listing them is half of what ``git status`` costs.
    """

    def __init__(self, root: Path | str, *, cache: SourceCache | None = None, untracked: bool = True) -> None:
        self.root = Path(root).resolve()
        self.cache = cache if cache is not None else SourceCache()
        self._untracked = untracked
        self.repo = self.cache.repo_for(self.root)
        self._statuses: dict[Path, Status] = {}
        self._files: dict[str, _Outcome] = {}
        self._modules: dict[str, _Outcome] = {}
        self._closures: dict[str, list[tuple[str, Location]]] = {}
        self._locations: dict[str, tuple[Location, list[str]] | None] = {}
        self._inside: dict[Path, bool] = {}
        self._seen_files: dict[str, ModuleFacts | None] = {}

    # -- repository state ------------------------------------------------------------------------------------

    def status(self, repo: GitRepo) -> Status:
        """``repo``'s status, read once per run."""
        found = self._statuses.get(repo.root)
        if found is None:
            found = repo.status() if self._untracked else self.cache.tracked_status(repo)
            self._statuses[repo.root] = found
        return found

    def state(self) -> RepoState:
        """The project repository's state (or an empty one outside a repository)."""
        if self.repo is None:
            return RepoState(root=None, head_sha=None, branch=None, dirty=False, diff_digest=None)
        return state_of(self.repo, self.status(self.repo), self._facts)

    # -- decisions ---------------------------------------------------------------------------------------------

    def decide(self, obj: object) -> Pinned | Unpinned:
        """Whether ``obj`` can be pinned, and its source string either way."""
        module_name = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        if not isinstance(module_name, str) or not isinstance(qualname, str):
            raise SourceResolutionError(f"{obj!r} has no module and name to pin.")
        bare = SourceRef(module=module_name, name=qualname)
        if "<locals>" in qualname.split("."):
            return Unpinned(
                ref=bare,
                reason=UnpinnedReason.LOCAL,
                detail="it is defined inside a function and cannot be imported by name; define it at module level",
            )
        origin = pinned_origin(obj)
        if origin is not None:  # code loaded from history keeps its pin
            return Pinned(ref=attrs.evolve(bare, sha=origin))
        outcome = self._modules.get(module_name)
        if outcome is None:  # one decision per module and run: the hot path is a dict look-up
            outcome = self._modules[module_name] = self._decide_module(module_name)
        ref = attrs.evolve(bare, sha=outcome.sha, version=outcome.version)
        if outcome.reason is not None:
            return Unpinned(ref=ref, reason=outcome.reason, detail=outcome.detail)
        if outcome.sha is not None and not self._same_code(obj, module_name):
            return Unpinned(
                ref=bare,
                reason=UnpinnedReason.STALE,
                detail=f"this {qualname} was defined before its module's file last changed (kept from before a "
                f"reload?), so its code is not the file's; rebuild the pipeline from the module as it is now",
            )
        return Pinned(ref=ref)

    def _facts(self, path: str) -> ModuleFacts | None:
        """The facts of a module file, looked at once per run (a run takes the files as they were then)."""
        if path in self._seen_files:
            return self._seen_files[path]
        found = self._seen_files[path] = self.cache.facts(path)
        return found

    def _same_code(self, obj: object, module_name: str) -> bool:
        """True when the functions ``obj`` holds are those its module's file compiles to now (once per object
        and run)."""
        module = sys.modules.get(module_name)
        location = self._closure(module_name)[0][1]
        facts = self._facts(location.path)
        if module is None or facts is None:
            return True
        return self.cache.same_code(obj, module, location.path, facts.blob_id)

    def pin(self, obj: object) -> SourceRef:
        """The source string of ``obj`` (warns with UnpinnedCodeWarning when it cannot be pinned)."""
        decision = self.decide(obj)
        if isinstance(decision, Unpinned):
            self._warn([decision])
        return decision.ref

    def pin_many(self, objects: Mapping[str, object]) -> dict[str, str]:
        """Source strings for many objects, keyed like ``objects``; one warning lists every unpinned one."""
        self._prefetch(objects.values())
        out: dict[str, str] = {}
        unpinned: dict[str, Unpinned] = {}
        for key, obj in objects.items():
            decision = self.decide(obj)
            out[key] = str(decision.ref)
            if isinstance(decision, Unpinned):
                unpinned.setdefault(decision.ref.dotted, decision)
        if unpinned:
            self._warn(list(unpinned.values()))
        return out

    def _warn(self, unpinned: list[Unpinned]) -> None:
        """One warning naming each unpinned object and why; code from ``__main__`` (a notebook) gets one notice
        per cache instead, since a notebook's every run would repeat it."""
        main = [u for u in unpinned if u.reason is UnpinnedReason.MAIN]
        other = [u for u in unpinned if u.reason is not UnpinnedReason.MAIN]
        if main and self.cache.first_notice("main"):
            names = ", ".join(u.ref.name for u in main)
            script = getattr(sys.modules.get("__main__"), "__file__", None)
            if isinstance(script, str):  # `python flows.py`: the file is a module zen can import by its name
                path = Path(script).resolve()
                shown = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)
                where = f"in the script {shown}, run directly"
                fix = (
                    f"run the pipeline with `zen run {shown}:OBJECT`, which imports the file by its module name (or "
                    f"import the steps from a module), and commit the code"
                )
            else:
                where = "in a notebook or in a script run directly"
                fix = "move it to a module of the project and commit it"
            warnings.warn(
                f"code defined {where} (__main__: {names}) is not pinned to a commit: its runs are recorded and "
                f"cached, but `zen rerun` cannot load that code again. To pin it, {fix}. (Said once per session.)",
                UnpinnedCodeWarning,
                stacklevel=_user_stacklevel(),
            )
        if other:
            by_detail: dict[str, list[str]] = {}  # objects sharing a reason (a whole module, no repository) once
            for item in other:
                by_detail.setdefault(item.detail, []).append(item.ref.dotted)
            listed = "; ".join(f"{', '.join(names)}: {detail}" for detail, names in by_detail.items())
            warnings.warn(
                f"not pinned to a commit ({listed}). Runs using this code record unpinned names and may not be "
                f"reproducible; do what each reason says (usually: commit the code) to pin it.",
                UnpinnedCodeWarning,
                stacklevel=_user_stacklevel(),
            )

    def _prefetch(self, objects: Iterable[object]) -> None:
        """Read the HEAD tree entries of every module file the objects need in one ``git ls-tree`` per repo."""
        if self.repo is None:
            return
        by_repo: dict[Path, tuple[GitRepo, set[str]]] = {}
        names = {getattr(obj, "__module__", None) for obj in objects}
        for module_name in names:
            if not isinstance(module_name, str) or module_name in self._modules or module_name == "__main__":
                continue
            for _, location in self._closure(module_name):
                if location.repo is not None:
                    by_repo.setdefault(location.repo.root, (location.repo, set()))[1].add(location.relative)
        for repo, paths in by_repo.values():
            head = self.status(repo).head_sha
            if head is not None:
                self.cache.tree_entries(repo, head, paths)

    def _decide_module(self, module_name: str) -> _Outcome:
        if module_name == "__main__":
            return _Outcome(
                None,
                None,
                UnpinnedReason.MAIN,
                "it is defined in __main__ (a script run directly, or a notebook cell), which cannot be imported "
                "again; move it to a module",
            )
        if module_name.split(".", maxsplit=1)[0] in _ZEN_PACKAGES:
            # zen's own code is versioned with zen (path@zen_x.y.z), even in zen's own checkout.
            return _Outcome(None, installed_version(module_name))
        file = getattr(sys.modules.get(module_name), "__file__", None)
        if not isinstance(file, str):
            installed = installed_version(module_name)
            if installed is not None:
                return _Outcome(None, installed)
            return _Outcome(None, None, UnpinnedReason.NO_FILE, "its module has no source file (made in memory)")
        if is_installed_path(file):
            installed = installed_version(module_name)
            distribution, _, version = installed.partition("==") if installed is not None else ("", "", "")
            if distribution and self.cache.differs_from_record(distribution, file):
                return _Outcome(
                    None,
                    None,
                    UnpinnedReason.MODIFIED,
                    f"{file} is not the file {installed} installed (its RECORD hash differs: edited in place); "
                    f"reinstall it with {install_hint(distribution, version=version, reinstall=True)}",
                )
            if installed is not None:
                return _Outcome(None, installed)
            return _Outcome(
                None, None, UnpinnedReason.NO_DISTRIBUTION, f"{file} is installed but no distribution names it"
            )
        if self.repo is None:
            return _Outcome(None, None, UnpinnedReason.NO_REPOSITORY, f"there is no git repository at {self.root}")
        closure = self._closure(module_name)
        location = closure[0][1]
        if location.repo is None:
            installed = installed_version(module_name)  # an editable install: its version names no code
            editable = f" (an editable install of {installed}, whose version does not say which code ran)"
            return _Outcome(
                None,
                None,
                UnpinnedReason.OUTSIDE,
                f"its file {location.path} is outside the repository {self.repo.root}{editable if installed else ''}",
            )
        first = self._file(location)
        if first.reason is not None:
            return first
        misplaced = self._misplaced(module_name, location)
        if misplaced is not None:
            return misplaced
        for dependency, dep in closure[1:]:
            if dep.repo is None:
                continue  # outside the project: not repository code
            if dep.repo.root != location.repo.root:
                return _Outcome(
                    None,
                    None,
                    UnpinnedReason.OTHER_REPOSITORY,
                    f"it imports {dependency} from another repository ({dep.repo.root}), which one pin cannot cover",
                )
            verdict = self._file(dep)
            if verdict.reason is None:
                verdict = self._misplaced(dependency, dep) or verdict
            if verdict.reason is not None:
                return _Outcome(None, None, UnpinnedReason.IMPORT, f"it imports {dependency}, and {verdict.detail}")
        for dependency, dep in closure:
            stale = self._stale(dependency, dep)
            if stale is not None:
                return stale
        return first

    def _closure(self, module_name: str) -> list[tuple[str, Location]]:
        """The module, then every loaded module it imports (directly or not) and their packages, whose file is
        not installed; each with its location."""
        found = self._closures.get(module_name)
        if found is not None:
            return found
        order: list[tuple[str, Location]] = []
        pending = [module_name]
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            located = self._located(name)
            if located is None:
                continue
            location, imported = located
            order.append((name, location))
            if name == module_name and location.repo is not None:
                facts = self._facts(location.path)
                for ref in facts.imports if facts is not None else ():
                    if ref.level >= 2:
                        _refuse_upward(location.path, ref)
            pending += imported
        self._closures[module_name] = order
        return order

    def _located(self, name: str) -> tuple[Location, list[str]] | None:
        """Module ``name``'s location (its repository None when outside the project) and the module names it
        may import (once per run)."""
        if name in self._locations:
            return self._locations[name]
        found: tuple[Location, list[str]] | None = None
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None) if module is not None else self._unloaded_file(name)
        if isinstance(file, str) and not is_installed_path(file):
            location = self.cache.locate(file)
            if location.repo is not None and not self._in_project(location.repo):
                location = attrs.evolve(location, repo=None)
            imported: list[str] = []
            facts = self._facts(location.path) if location.repo is not None else None
            if facts is not None and module is not None:  # remember the file as the module was first seen
                self.cache.blob_when_first_seen(module, location.path, facts.blob_id)
            if facts is not None and not name.startswith("zen_"):
                package = name if location.path.endswith("__init__.py") else name.rpartition(".")[0]
                parts = name.split(".")
                imported += [".".join(parts[:cut]) for cut in range(1, len(parts))]
                for ref in facts.imports:
                    imported += _imported_names(ref, package)
            found = (location, imported)
        self._locations[name] = found
        return found

    def _unloaded_file(self, name: str) -> str | None:
        """The project file module ``name`` would be imported from, when it is not imported yet: a module the
        step imports inside a function runs after pinning, so its file is checked like a loaded one's."""
        parts = name.split(".")
        folders: list[str] = []
        rest = parts
        for cut in range(len(parts) - 1, 0, -1):
            ancestor = sys.modules.get(".".join(parts[:cut]))
            if ancestor is not None:
                file = getattr(ancestor, "__file__", None)
                if isinstance(file, str) and is_installed_path(file):
                    return None
                folders, rest = list(getattr(ancestor, "__path__", None) or []), parts[cut:]
                break
        else:
            if self.repo is None:
                return None
            folders = list(sys.path)
        for folder in folders:
            base = Path(folder or ".").joinpath(*rest)
            for candidate in (base.with_name(f"{base.name}.py"), base / "__init__.py"):
                if candidate.is_file():
                    location = self.cache.locate(str(candidate))
                    return str(candidate) if location.repo is not None and self._in_project(location.repo) else None
        return None

    def _stale(self, name: str, location: Location) -> _Outcome | None:
        """An outcome when module ``name`` in memory was imported before its file last changed."""
        module = sys.modules.get(name)
        facts = self._facts(location.path) if location.repo is not None else None
        if module is None or facts is None:
            return None
        if self.cache.blob_when_first_seen(module, location.path, facts.blob_id) == facts.blob_id:
            compiled = self.cache.compiled(location.path, facts.blob_id)
            changed = differing_constant(module, compiled) if compiled is not None else None
            if changed is None:
                return None
            return _Outcome(
                None,
                None,
                UnpinnedReason.STALE,
                f"{name}.{changed} in memory is not the value {location.relative} gives it (the file changed after "
                f"the import, or the value was set from outside); reload the module (or restart) and run again",
            )
        return _Outcome(
            None,
            None,
            UnpinnedReason.STALE,
            f"{name} was imported before {location.relative} last changed, so the code in memory is not the "
            f"file's; reload the module (or restart) and run again",
        )

    def _misplaced(self, name: str, location: Location) -> _Outcome | None:
        """An outcome when loading ``name`` from a commit would not find this file: the module name must lead
        to it from a folder on ``sys.path``, through no symbolic link (``resolve`` finds modules that way)."""
        file = getattr(sys.modules.get(name), "__file__", None)
        if not isinstance(file, str):
            return None
        found = self.cache.placement(name, file)
        if found is None:
            return None
        if found:
            return _Outcome(
                None,
                None,
                UnpinnedReason.SYMLINK,
                f"{name} is imported through {found}, a symbolic link (a commit stores the link, not the code); "
                f"import it by its real path",
            )
        return _Outcome(
            None,
            None,
            UnpinnedReason.NOT_IMPORTABLE,
            f"its file {location.relative} is not where the name {name} leads from a folder on sys.path (it was "
            f"loaded from a file path), so the pin could not be loaded by name; import it as a module",
        )

    def _in_project(self, repo: GitRepo) -> bool:
        """True for the project's repository and repositories inside it (submodules)."""
        inside = self._inside.get(repo.root)
        if inside is None:
            inside = self._inside[repo.root] = self.repo is not None and repo.root.is_relative_to(self.repo.root)
        return inside

    def _file(self, location: Location) -> _Outcome:
        """Whether the bytes of a module file are exactly those of the same path at its repository's HEAD."""
        found = self._files.get(location.path)
        if found is None:
            assert location.repo is not None
            found = self._files[location.path] = self._check_file(location.repo, location)
        return found

    def _check_file(self, repo: GitRepo, location: Location) -> _Outcome:
        relative = location.relative
        facts = self._facts(location.path)
        if facts is None:
            return _Outcome(None, None, UnpinnedReason.NO_FILE, f"its file {relative} cannot be read")
        if facts.is_symlink:
            return _Outcome(
                None,
                None,
                UnpinnedReason.SYMLINK,
                f"{relative} is a symbolic link (a commit stores the link, not the code); import the real file",
            )
        head = self.status(repo).head_sha
        if head is None:
            return _Outcome(None, None, UnpinnedReason.NO_COMMITS, f"the repository {repo.root} has no commits yet")
        entry = self.cache.tree_entries(repo, head, [relative])[relative]
        now = facts.blob_id if repo.object_format == "sha1" else self._blob_in(repo, location.path)
        if entry is not None and entry.is_file and entry.object_id == now:
            return _Outcome(head, None)
        staged = repo.index_entries([relative]).get(relative)
        if entry is None:
            if staged is not None:
                return _Outcome(
                    None, None, UnpinnedReason.STAGED, f"{relative} is staged but not committed (it is new)"
                )
            rule = repo.ignoring_rules([relative]).get(relative)
            if rule is not None:
                return _Outcome(
                    None, None, UnpinnedReason.IGNORED, f"{relative} is ignored by git ({rule}), so no commit has it"
                )
            return _Outcome(None, None, UnpinnedReason.UNTRACKED, f"{relative} is not tracked by git")
        if staged is not None and staged.object_id == now:
            return _Outcome(None, None, UnpinnedReason.STAGED, f"{relative} has changes staged but not committed")
        listed = relative in self.status(repo).changed  # else git calls it clean: say why it is not
        hidden = None if listed else repo.hidden_change(relative, entry.object_id)
        if hidden is not None:  # the bytes differ although `git status` lists nothing
            return _Outcome(
                None,
                None,
                UnpinnedReason.MODIFIED,
                f"{relative} is not byte for byte the committed file, though git status shows it unchanged: {hidden}",
            )
        return _Outcome(None, None, UnpinnedReason.MODIFIED, f"{relative} has changes that are not committed")

    @staticmethod
    def _blob_in(repo: GitRepo, path: str) -> str:
        """The file's blob id in a repository whose object format is not the cached (SHA-1) one."""
        try:
            return blob_id(Path(path).read_bytes(), repo.object_format)
        except OSError:
            return ""


def _imported_names(ref: ImportRef, package: str) -> list[str]:
    """Every module name an import statement may load (the module, its packages, and names taken from it)."""
    if ref.level == 0:
        target = ref.module
    else:
        base = package.split(".")
        base = base[: len(base) - (ref.level - 1)] if ref.level > 1 else base
        target = ".".join([*base, ref.module] if ref.module else base)
    if not target:
        return []
    parts = target.split(".")
    names = [".".join(parts[:cut]) for cut in range(1, len(parts) + 1)]
    return names + [f"{target}.{name}" for name in ref.names if name != "*"]


_ZEN_PACKAGES = frozenset({"zen_types", "zen_materialize", "zen_store", "zen_git", "zen_run", "zen_ui"})


def _user_stacklevel() -> int:
    """The ``stacklevel`` of the nearest caller outside zen's packages, for ``warnings.warn`` called by the
    caller of this function: a warning points at the user's line (``.run()`` in a cell), not at zen's."""
    frame = sys._getframe(1)  # the frame that calls warnings.warn: stacklevel 1
    level = 1
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] in _ZEN_PACKAGES:
        frame = frame.f_back
        level += 1
    return level


def pin(obj: object, *, root: Path | str | None = None) -> SourceRef:
    """Pin one object (opens the repository containing ``root``, default: the current directory)."""
    return Pinner(root or Path.cwd()).pin(obj)


def repo_state(path: Path | str) -> RepoState:
    """The state of the repository containing ``path``."""
    return Pinner(path).state()
