"""Loading the object a source string names, from git history when it is pinned.

A pinned module is read from the commit's blobs in memory (the working tree is never checked out or written)
and executed as a private module (``zen_pinned_<sha12>.<module>``), so the live module of the same name is
untouched. While it executes, its imports of modules from the same top-level package are served from the same
commit, so sibling modules match. Loading the same source twice returns the same object. Loading is refused
when the module's folder has uncommitted changes now (seed 000's safeguard), and upward relative imports are
refused with the line named.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import sys
import types
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

from zen_git._pin import SourceRef, _installed_version, check_relative_imports
from zen_git._repo import RepoView, open_repo
from zen_git.errors import SourceResolutionError, UncommittedCodeError

__all__ = ["resolve"]

_LOADED: dict[str, object] = {}
_IMPORTERS: dict[tuple[str, str, Path], _PinnedImporter] = {}


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


class _PinnedImporter:
    """Executes modules of one top-level package as they were at one commit."""

    def __init__(self, repo: RepoView, sha: str, top: str, package_root: Path) -> None:
        self.repo = repo
        self.sha = sha
        self.top = top
        self.package_root = package_root  # the directory that contains the top-level package (or module)
        self.prefix = f"zen_pinned_{sha[:12]}"
        self.modules: dict[str, types.ModuleType] = {}

    def _find(self, dotted: str) -> tuple[str, bytes, bool] | None:
        relative_dir = self.package_root.relative_to(self.repo.root)
        base = relative_dir.joinpath(*dotted.split("."))
        for candidate, is_package in ((base.with_suffix(".py"), False), (base / "__init__.py", True)):
            data = self.repo.blob(self.sha, candidate.as_posix())
            if data is not None:
                return candidate.as_posix(), data, is_package
        return None

    def load(self, dotted: str) -> types.ModuleType:
        """The module ``dotted`` as it was at the commit (parents first, each once)."""
        if dotted in self.modules:
            return self.modules[dotted]
        parent, _, _ = dotted.rpartition(".")
        if parent:
            self.load(parent)
        found = self._find(dotted)
        if found is None:
            if dotted == self.top or parent:
                namespace = types.ModuleType(f"{self.prefix}.{dotted}")
                namespace.__path__ = []
                self.modules[dotted] = namespace
                return namespace
            raise SourceResolutionError(f"{dotted} does not exist at commit {self.sha}.")
        relative, data, is_package = found
        source = data.decode("utf-8")
        path = self.repo.root / relative
        check_relative_imports(path, source)
        module = types.ModuleType(f"{self.prefix}.{dotted}")
        module.__file__ = f"{path}@{self.sha[:12]}"
        module.__package__ = f"{self.prefix}.{dotted if is_package else parent}"
        if is_package:
            module.__path__ = []
        module.__dict__["__builtins__"] = self._builtins(dotted if is_package else parent)
        self.modules[dotted] = module
        sys.modules[module.__name__] = module
        code = compile(source, module.__file__, "exec")
        exec(code, module.__dict__)
        return module

    def _builtins(self, package: str) -> dict[str, object]:
        original = builtins.__import__
        table = dict(vars(builtins))

        def pinned_import(
            name: str,
            globals_: Mapping[str, object] | None = None,
            locals_: Mapping[str, object] | None = None,
            fromlist: Sequence[str] = (),
            level: int = 0,
        ) -> types.ModuleType:
            target = name
            if level == 1:
                target = f"{package}.{name}" if name else package
            if level <= 1 and (target == self.top or target.startswith(self.top + ".")):
                module = self.load(target)
                for item in fromlist or ():
                    if not hasattr(module, item) and self._find(f"{target}.{item}") is not None:
                        setattr(module, item, self.load(f"{target}.{item}"))
                if fromlist or level == 1:
                    return module
                return self.load(target.split(".")[0])
            return original(name, globals_, locals_, fromlist, level)

        table["__import__"] = pinned_import
        return table


def _module_file(module_name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin).resolve()


def _split_module(ref: SourceRef) -> tuple[str, str]:
    """Split ``a.b.Name`` or ``a.b.Outer.Inner`` into (module, qualname) by finding the module file."""
    parts = ref.dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        if _module_file(module_name) is not None:
            return module_name, ".".join(parts[cut:])
    raise SourceResolutionError(f"{ref}: no module of it can be found on the import path.")


def resolve(source: str, *, root: Path | str | None = None) -> object:
    """The object ``source`` names: imported as it is now, or loaded from git history when pinned."""
    if source in _LOADED:
        return _LOADED[source]
    ref = SourceRef.parse(source)
    if not ref.pinned:
        if ref.version is not None:
            current = _installed_version(ref.module)
            if current is not None and current != ref.version:
                warnings.warn(
                    f"{ref.dotted} was recorded with {ref.version}; {current} is installed.", UserWarning, stacklevel=2
                )
        obj = _import_live(ref.dotted)
        _LOADED[source] = obj
        return obj
    module_name, qualname = _split_module(ref)
    file = _module_file(module_name)
    assert file is not None
    repo = open_repo(Path(root) if root is not None else file.parent)
    if repo is None or not repo.contains(file):
        raise SourceResolutionError(f"{source}: {file} is not in a git repository, so the pin cannot be loaded.")
    dirty = repo.folder_dirty(file.parent)
    if dirty:
        raise UncommittedCodeError(
            f"cannot load {source} from history: {file.parent} has uncommitted changes ({', '.join(dirty[:3])}). "
            f"Commit or stash them first; loading pinned code next to uncommitted code is refused (seed 000 safeguard)."
        )
    assert ref.sha is not None
    top = module_name.split(".")[0]
    depth = len(module_name.split(".")) - (0 if file.name == "__init__.py" else 1)
    package_root = file.parent
    for _ in range(depth):
        package_root = package_root.parent
    key = (ref.sha, top, package_root)
    importer = _IMPORTERS.get(key)
    if importer is None:  # one importer per commit and package: objects loaded from one commit share modules
        importer = _IMPORTERS[key] = _PinnedImporter(repo, ref.sha, top, package_root)
    found: object = importer.load(module_name)
    for attr in qualname.split("."):
        if not hasattr(found, attr):
            raise SourceResolutionError(f"{source}: {module_name} at {ref.sha[:12]} has no {qualname}.")
        found = getattr(found, attr)
    _LOADED[source] = found
    return found
