"""Facts that stay true until a file or a commit changes, kept across runs by the object the caller holds.

A module file's facts (its git blob id, the modules it imports) are read and parsed once per
``(path, mtime, size, inode, ctime)``: an unchanged module is never re-read or re-parsed (a file changed in the
last two seconds is read each time, since file times are too coarse to tell two quick edits apart). A commit's
tree entries never change, so they are kept by ``(git dir, commit, path)``. Which folder belongs to which
repository is kept per folder. Dropping the :class:`SourceCache` drops all of it.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import functools
import hashlib
import os
import sys
import time
import types
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from zen_git._git import GitRepo, Status, TreeEntry, blob_id, find_work_tree
from zen_git._memory import CompiledFile, compile_file, same_code
from zen_git._status import StatusCache

__all__ = ["ImportRef", "Location", "ModuleFacts", "SourceCache", "real_file"]


@attrs.frozen(kw_only=True)
class ImportRef:
    """One import statement: ``level`` dots, the module after them, and the names it takes from it."""

    level: int
    module: str
    names: tuple[str, ...]
    line: int


@attrs.frozen(kw_only=True)
class ModuleFacts:
    """What pinning needs to know about one module file."""

    blob_id: str
    imports: tuple[ImportRef, ...]
    is_symlink: bool


_StatKey = tuple[int, int, int, int]
_SETTLED_NS = 2_000_000_000


def _imports(data: bytes, filename: str) -> tuple[ImportRef, ...]:
    try:
        tree = ast.parse(data, filename=filename)
    except (SyntaxError, ValueError):
        return ()
    found: list[ImportRef] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [ImportRef(level=0, module=alias.name, names=(), line=node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            found.append(ImportRef(level=node.level, module=node.module or "", names=names, line=node.lineno))
    return tuple(found)


def real_file(file: str) -> Path:
    """A module file with its folders resolved but its own name kept (a symlinked file stays visible)."""
    absolute = Path(file).absolute()
    return absolute.parent.resolve() / absolute.name


@functools.cache
def _record(distribution: str) -> tuple[Path, Mapping[str, tuple[str, str]]] | None:
    """A distribution's install folder and its ``RECORD`` hashes by path (posix, relative to that folder).
    Read once per process: installing another version under a running process is not followed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import distribution as find

    try:
        found = find(distribution)
    except PackageNotFoundError:
        return None
    hashes = {str(f): (f.hash.mode, f.hash.value) for f in found.files or () if f.hash is not None}
    return Path(str(found.locate_file(""))).resolve(), hashes


def _recorded_hash(distribution: str, file: str) -> tuple[str, str] | None:
    record = _record(distribution)
    if record is None:
        return None
    folder, hashes = record
    real = Path(file).resolve()
    if not real.is_relative_to(folder):
        return None
    return hashes.get(real.relative_to(folder).as_posix())


def _placement(name: str, file: str) -> str | None:
    parts = name.split(".")
    absolute = Path(os.path.normpath(Path(file).absolute()))  # symbolic links kept: they are checked
    is_package = absolute.name == "__init__.py"
    if not absolute.name.endswith(".py") or (not is_package and absolute.name != f"{parts[-1]}.py"):
        return ""
    folder = absolute.parent
    for part in reversed(parts if is_package else parts[:-1]):
        if folder.name != part:
            return ""
        if folder.is_symlink():
            return str(folder)
        folder = folder.parent
    on_path = {Path(entry or ".").resolve() for entry in sys.path}
    return None if folder.resolve() in on_path else ""


@attrs.frozen(kw_only=True)
class Location:
    """Where a module file is: its real path, its repository (None: in none) and its path in that repository."""

    path: str
    repo: GitRepo | None
    relative: str


class SourceCache:
    """Module facts by file state, commit trees by commit, repositories by folder; hold one per process or
    project and hand it to each run's :class:`~zen_git.Pinner`."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[_StatKey, ModuleFacts]] = {}
        self._trees: dict[tuple[Path, str, str], TreeEntry | None] = {}
        self._repos: dict[Path, GitRepo | None] = {}
        self._work_trees: dict[Path, Path | None] = {}
        self._locations: dict[str, Location] = {}
        self._loaded: weakref.WeakKeyDictionary[types.ModuleType, str] = weakref.WeakKeyDictionary()
        self._noticed: set[str] = set()
        self._compiled: dict[str, tuple[str, CompiledFile | None]] = {}
        self._same: weakref.WeakKeyDictionary[object, tuple[str, object, bool]] = weakref.WeakKeyDictionary()
        self._placements: dict[tuple[str, str, tuple[str, ...]], str | None] = {}
        self._installed: dict[tuple[str, str], tuple[_StatKey, bool]] = {}
        self._statuses = StatusCache()

    def tracked_status(self, repo: GitRepo) -> Status:
        """``repo``'s HEAD, branch and tracked changes (no untracked files), asked of git only when something it
        answers from changed since it last answered (see ``_status``)."""
        return self._statuses.status(repo)

    def first_notice(self, topic: str) -> bool:
        """True the first time ``topic`` is asked about: a notice given once per cache (per project and
        process), such as the one about notebook code, is not repeated on every run."""
        if topic in self._noticed:
            return False
        self._noticed.add(topic)
        return True

    def compiled(self, path: str, blob: str) -> CompiledFile | None:
        """The module file at ``path`` compiled, when its bytes are still those of blob id ``blob`` (None when
        they are not, or do not compile); kept for the file's latest bytes."""
        cached = self._compiled.get(path)
        if cached is not None and cached[0] == blob:
            return cached[1]
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        if blob_id(data) != blob:
            return None
        found = compile_file(data, path)
        self._compiled[path] = (blob, found)
        return found

    def same_code(self, obj: object, module: types.ModuleType, path: str, blob: str) -> bool:
        """True when the functions ``obj`` holds are those the file at ``path`` (blob id ``blob``) compiles to
        (see ``_memory``); kept per object, file bytes and function code (a reload may replace ``__code__``)."""
        code = getattr(getattr(obj, "func", obj), "__code__", None)
        try:
            cached = self._same.get(obj)
        except TypeError:  # not weak-referenceable: worked out every time
            cached = None
        if cached is not None and cached[0] == blob and cached[1] is code:
            return cached[2]
        compiled = self.compiled(path, blob)
        found = compiled is None or same_code(obj, module, compiled)
        with contextlib.suppress(TypeError):
            self._same[obj] = (blob, code, found)
        return found

    def differs_from_record(self, distribution: str, file: str) -> bool:
        """True when ``file`` is listed in ``distribution``'s ``RECORD`` with a hash its bytes no longer have (an
        installed file edited in place); False when it matches or no hash is recorded for it. Worked out once
        per file state."""
        try:
            st = Path(file).stat()
        except OSError:
            return False
        key = (distribution, file)
        state = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
        cached = self._installed.get(key)
        if cached is not None and cached[0] == state:
            return cached[1]
        recorded = _recorded_hash(distribution, file)
        differs = False
        if recorded is not None:
            algorithm, expected = recorded
            try:
                digest = hashlib.new(algorithm, Path(file).read_bytes()).digest()
            except (OSError, ValueError):  # unreadable, or a hash this Python does not know: cannot tell
                digest = None
            if digest is not None:
                differs = base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != expected
        self._installed[key] = (state, differs)
        return differs

    def placement(self, name: str, file: str) -> str | None:
        """Why module ``name`` could not be loaded by name from where ``file`` is: ``""`` when its name does not
        lead to the file from a folder on ``sys.path``, else the symbolically linked folder it goes through;
        None when it can. Kept per name, file and ``sys.path`` (folders are taken as they were first seen, as
        in :meth:`locate`)."""
        key = (name, file, tuple(sys.path))
        if key not in self._placements:
            self._placements[key] = _placement(name, file)
        return self._placements[key]

    def blob_when_first_seen(self, module: types.ModuleType, path: str, blob: str) -> str:
        """The blob id of the bytes ``module`` was imported from, as far as this cache can tell: ``blob``
        (that of its file at ``path`` now) when this is the cache's first look at the module and the module's
        functions are the ones those bytes compile to, else what was found at the first look (``""`` when the
        file had changed between the import and that first look)."""
        found = self._loaded.get(module)
        if found is None:
            compiled = self.compiled(path, blob)
            found = blob if compiled is not None and same_code(module, module, compiled) else ""
            self._loaded[module] = found
        return found

    def locate(self, file: str) -> Location:
        """The real path and repository of a module's ``__file__``, worked out once per file name.

        Folders are resolved once: a folder symlink pointed elsewhere while the process runs is not noticed
        (the import system caches module paths in the same way).
        """
        found = self._locations.get(file)
        if found is None:
            real = real_file(file)
            repo = self.repo_for(real.parent)
            relative = real.relative_to(repo.root).as_posix() if repo is not None else ""
            found = self._locations[file] = Location(path=str(real), repo=repo, relative=relative)
        return found

    def facts(self, path: str) -> ModuleFacts | None:
        """Facts of the module file at ``path`` (None when it is not a readable regular file)."""
        try:
            file = Path(path)
            st = file.stat()
            is_link = file.is_symlink()
        except OSError:
            return None
        key = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
        cached = self._files.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            data = file.read_bytes()
        except OSError:
            return None
        imports = _imports(data, path) if path.endswith(".py") else ()
        facts = ModuleFacts(blob_id=blob_id(data), imports=imports, is_symlink=is_link)
        # File times tick coarsely (a few milliseconds): a file changed again within the same tick, at the same
        # size, would look unchanged. As git does with "racily clean" entries, facts of a file changed in the
        # last seconds are not kept; nor are those of a file that changed while it was read.
        settled = time.time_ns() - st.st_mtime_ns > _SETTLED_NS
        if settled and len(data) == st.st_size:
            self._files[path] = (key, facts)
        return facts

    def repo_for(self, directory: Path) -> GitRepo | None:
        """The repository whose work tree holds ``directory`` (a submodule's own, when inside one)."""
        if directory not in self._work_trees:
            self._work_trees[directory] = find_work_tree(directory)
        work_tree = self._work_trees[directory]
        if work_tree is None:
            return None
        if work_tree not in self._repos:
            self._repos[work_tree] = GitRepo.open(work_tree)
        return self._repos[work_tree]

    def tree_entries(self, repo: GitRepo, commit: str, paths: Iterable[str]) -> dict[str, TreeEntry | None]:
        """Entries of ``paths`` in ``commit`` (None where absent); one ``git ls-tree`` for those not yet known."""
        wanted = set(paths)
        missing = [p for p in wanted if (repo.git_dir, commit, p) not in self._trees]
        if missing:
            found = repo.tree_entries(commit, missing)
            for path in missing:
                self._trees[(repo.git_dir, commit, path)] = found.get(path)
        return {p: self._trees[(repo.git_dir, commit, p)] for p in wanted}
