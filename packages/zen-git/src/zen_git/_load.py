"""Loading the object a source string names, from git history when it is pinned.

A pinned module is read from the commit's blobs in memory (the working tree is never checked out or written)
and executed under its real name, but outside ``sys.modules`` (it is there only while its body runs, for the
decorators that resolve annotations through it), so the live module of the same name is untouched while
fingerprints and cache keys of the loaded code match those of the code when it ran. String annotations of its
classes are evaluated in it once it ran, so they resolve later without it in ``sys.modules``. While it executes,
its imports of every module the commit holds (under a ``sys.path`` folder of the repository) are served from
the same commit, so sibling modules and packages match, even when the working tree has since edited, deleted
or renamed them. The loaded source is registered with ``linecache``, so ``inspect.getsource`` and tracebacks
show the code that ran. Loading the same source twice returns the same object.

``module.Name@<dist>==<version>`` is imported as installed when that version is installed and refused with
InstalledVersionError otherwise; ``module.Name@zen_<version>`` warns when zen's version differs.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import importlib.util
import inspect
import linecache
import sys
import types
import typing
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from zen_git._cache import SourceCache, real_file
from zen_git._git import GitRepo, TreeEntry
from zen_git._origins import record_module
from zen_git._pin import SourceRef, check_relative_imports, installed_version
from zen_git.errors import GitCommandError, InstalledVersionError, SourceResolutionError

__all__ = ["resolve"]

# Module-level because a loaded object must stay the same object for the process (a second resolve of a source
# returns what the first returned) and loaded modules are never unloaded, like imported ones. Never cleared.
_LOADED: dict[str, object] = {}
_HISTORIES: dict[tuple[Path, str], _History] = {}
_CACHE = SourceCache()


def _import_live(dotted: str) -> object:
    """Import the longest importable module prefix of ``dotted`` and walk the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj: object = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError as exc:
            raise SourceResolutionError(f"{dotted}: module {module_name} has no attribute path {parts[cut:]}") from exc
        return obj
    raise SourceResolutionError(f"{dotted}: no importable module in it.")


class _History:
    """One commit of one repository: executes the modules it holds, each once, importing each other."""

    def __init__(self, repo: GitRepo, sha: str, roots: Sequence[str]) -> None:
        self.repo = repo
        self.sha = sha
        self.roots = list(roots)  # repository folders (posix, "" for the root) that modules are found under
        self.tree: dict[str, TreeEntry] = repo.whole_tree(sha)
        self.folders = {path.rsplit("/", i)[0] for path in self.tree for i in range(1, path.count("/") + 1)}
        self.modules: dict[str, types.ModuleType] = {}

    def find(self, dotted: str) -> tuple[str, bool] | None:
        """``(path, is_package)`` of module ``dotted`` at the commit, ``("", True)`` for a namespace package."""
        relative = "/".join(dotted.split("."))
        for root in self.roots:
            base = f"{root}/{relative}" if root else relative
            for candidate, is_package in ((f"{base}.py", False), (f"{base}/__init__.py", True)):
                entry = self.tree.get(candidate)
                if entry is not None and entry.is_file:
                    return candidate, is_package
        for root in self.roots:
            if (f"{root}/{relative}" if root else relative) in self.folders:
                return "", True
        return None

    def load(self, dotted: str) -> types.ModuleType:
        """The module ``dotted`` as it was at the commit (parents first, each once)."""
        if dotted in self.modules:
            return self.modules[dotted]
        parent, _, child = dotted.rpartition(".")
        parent_module = self.load(parent) if parent else None
        found = self.find(dotted)
        if found is None:
            raise ModuleNotFoundError(f"No module named {dotted!r} at commit {self.sha[:12]}", name=dotted)
        relative, is_package = found
        module = types.ModuleType(dotted)
        module.__package__ = dotted if is_package else parent
        if is_package:
            module.__path__ = []
        self.modules[dotted] = module
        if parent_module is not None:
            setattr(parent_module, child, module)
        if not relative:  # a namespace package: a folder without __init__.py
            return module
        data = self.repo.blob(self.tree[relative].object_id)
        filename = f"{self.repo.root / relative}@{self.sha[:12]}"
        module.__file__ = filename
        module.__dict__["__builtins__"] = self._builtins(module.__package__ or "")
        text = data.decode("utf-8", "replace")
        linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
        with _in_sys_modules(module):
            exec(compile(data, filename, "exec"), module.__dict__)
        _evaluate_class_annotations(module)
        record_module(module, self.sha, text)
        return module

    def serves(self, dotted: str) -> bool:
        """True when the commit holds the top-level package or module of ``dotted``."""
        return self.find(dotted.split(".", maxsplit=1)[0]) is not None

    def _builtins(self, package: str) -> dict[str, object]:
        original = builtins.__import__
        table = dict(vars(builtins))

        def pinned_import(
            name: str,
            globals_: Mapping[str, object] | None = None,
            locals_: Mapping[str, object] | None = None,
            fromlist: Sequence[str] | None = (),
            level: int = 0,
        ) -> types.ModuleType:
            target = name
            if level > 0:
                base = package.split(".")
                base = base[: len(base) - (level - 1)]
                target = ".".join([*base, name] if name else base)
            if target and self.serves(target):
                module = self.load(target)
                for item in fromlist or ():
                    if not hasattr(module, item) and self.find(f"{target}.{item}") is not None:
                        self.load(f"{target}.{item}")
                if fromlist or level > 0:
                    return module
                return self.load(target.split(".")[0])
            return original(name, globals_, locals_, fromlist or (), level)

        table["__import__"] = pinned_import
        return table


@contextlib.contextmanager
def _in_sys_modules(module: types.ModuleType) -> Iterator[None]:
    """``module`` in ``sys.modules`` under its name while its body runs, then the live module (if any) again.

    Decorators that run in the body (``@step``, attrs, NamedTuple) resolve string annotations of classes
    through ``sys.modules[cls.__module__]``, as ``typing.get_type_hints`` does.
    """
    name = module.__name__
    live = sys.modules.get(name)
    sys.modules[name] = module
    try:
        yield
    finally:
        if live is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = live


def _evaluate_class_annotations(module: types.ModuleType) -> None:
    """Replace the string annotations (``from __future__ import annotations``) of the classes ``module`` defines
    with the objects they name in the module, so ``typing.get_type_hints`` resolves them later although the
    module is not in ``sys.modules``. An annotation that cannot be evaluated here stays a string."""
    pending = [v for v in vars(module).values() if inspect.isclass(v) and v.__module__ == module.__name__]
    while pending:
        cls = pending.pop()
        annotations = vars(cls).get("__annotations__")
        if isinstance(annotations, dict):
            for key, value in list(annotations.items()):
                # NamedTuple turns its string annotations into ForwardRefs; others keep the strings.
                text = value.__forward_arg__ if isinstance(value, typing.ForwardRef) else value
                if isinstance(text, str):
                    try:
                        annotations[key] = eval(text, vars(module), dict(vars(cls)))  # the module's own code
                    except Exception:  # left as written: get_type_hints reports it if it is used
                        continue
        pending += [v for v in vars(cls).values() if inspect.isclass(v) and v.__module__ == module.__name__]


def _module_file(module_name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return real_file(spec.origin)


def _history(ref: SourceRef, root: Path | None) -> tuple[_History, str, str, str]:
    """The commit's history view, ``ref`` split into (module, qualname) by the modules the commit holds, and
    the module's path in the commit."""
    assert ref.sha is not None
    parts = ref.dotted.split(".")
    live = next((f for cut in range(len(parts) - 1, 0, -1) if (f := _module_file(".".join(parts[:cut])))), None)
    start = live.parent if live is not None else (root or Path.cwd()).resolve()
    repo = _CACHE.repo_for(start)
    if repo is None:
        raise SourceResolutionError(
            f"{ref}: {start} is not in a git repository, so the pin cannot be loaded; run from the project folder."
        )
    history = _HISTORIES.get((repo.git_dir, ref.sha))
    if history is None:
        roots: list[str] = []
        for entry in sys.path:
            folder = Path(entry or ".").resolve()
            if folder.is_relative_to(repo.root) and (relative := folder.relative_to(repo.root).as_posix()) not in roots:
                roots.append("" if relative == "." else relative)
        if "" not in roots:
            roots.append("")
        try:
            history = _HISTORIES[(repo.git_dir, ref.sha)] = _History(repo, ref.sha, roots)
        except GitCommandError as exc:
            shallow = " (a shallow clone: fetch more history with `git fetch --unshallow`)" if repo.shallow else ""
            raise SourceResolutionError(
                f"{ref}: commit {ref.sha} cannot be read from {repo.root}{shallow}: {exc.detail}"
            ) from exc
    for cut in range(len(parts) - 1, 0, -1):
        found = history.find(".".join(parts[:cut]))
        if found is not None and found[0]:
            return history, ".".join(parts[:cut]), ".".join(parts[cut:]), found[0]
    raise SourceResolutionError(f"{ref}: commit {ref.sha[:12]} of {repo.root} has no module of that name.")


def _check_version(source: str, ref: SourceRef) -> None:
    from importlib.metadata import PackageNotFoundError, version  # slow to import; needed only here

    assert ref.version is not None
    distribution = ref.distribution
    if distribution is not None:
        dist, recorded = distribution
        try:
            current: str | None = version(dist)
        except PackageNotFoundError:
            current = None
        if current != recorded:
            raise InstalledVersionError(source=source, distribution=dist, recorded=recorded, installed=current)
        return
    current_pin = installed_version(ref.module)
    if current_pin is not None and current_pin != ref.version and "==" not in current_pin:
        warnings.warn(f"{ref.dotted} was recorded with {ref.version}; {current_pin} is installed.", UserWarning, 3)


def resolve(source: str, *, root: Path | str | None = None) -> object:
    """The object ``source`` names: imported as it is now, or loaded from git history when pinned.

    ``root`` is where to look for the repository when the module no longer exists in the working tree
    (default: the current directory).
    """
    if source in _LOADED:
        return _LOADED[source]
    ref = SourceRef.parse(source)
    if not ref.pinned:
        if ref.version is not None:
            _check_version(source, ref)
        obj = _import_live(ref.dotted)
        _LOADED[source] = obj
        return obj
    history, module_name, qualname, relative = _history(ref, Path(root) if root is not None else None)
    check_relative_imports(history.repo.root / relative, history.repo.blob(history.tree[relative].object_id))
    found: object = history.load(module_name)
    for attr in qualname.split("."):
        if not hasattr(found, attr):
            raise SourceResolutionError(f"{source}: {module_name} at {history.sha[:12]} has no {qualname}.")
        found = getattr(found, attr)
    _LOADED[source] = found
    return found
