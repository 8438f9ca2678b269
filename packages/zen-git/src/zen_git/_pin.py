"""Pinning code to commits: ``module.Name@<40-hex sha>`` when the module's whole folder is committed.

Seed 000: every custom class or function a pipeline uses resolves to a source string. When every file in the
folder of its module is committed (modified, staged and untracked files all count as uncommitted), the string
carries the commit sha; otherwise a warning is given and the string is unpinned (``module.Name``). Objects of
zen's own packages resolve to ``module.Name@zen_<version>``; other installed packages to
``module.Name@<distribution>_<version>``. Upward relative imports (``from .. import x``) in a module to pin are
refused with the file and line named: pinning covers one folder, so code above it would silently float.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Mapping
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path

import attrs

from zen_git._repo import RepoState, RepoView, open_repo
from zen_git.errors import SourceResolutionError, UnpinnedCodeWarning, UpwardRelativeImportError

__all__ = ["Pinner", "SourceRef", "check_relative_imports", "pin", "repo_state"]

_SHA_LENGTH = 40


@attrs.frozen(kw_only=True)
class SourceRef:
    """A parsed source string: ``module.name`` plus a git sha or a package version (or neither)."""

    module: str
    name: str
    sha: str | None = None
    version: str | None = None
    """``zen_0.1.0`` or ``<distribution>_<version>`` for installed code."""

    def __str__(self) -> str:
        base = f"{self.module}.{self.name}"
        if self.sha:
            return f"{base}@{self.sha}"
        if self.version:
            return f"{base}@{self.version}"
        return base

    @property
    def builtin_version(self) -> str | None:
        """The installed-package pin (``zen_0.1.0``, ``attrs_25.1.0``), or None; the same as ``version``."""
        return self.version

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
        """Parse ``module.Name[@sha|@dist_version]``; the module/name split is found when resolving, so a
        parsed ref keeps the whole dotted path in ``module`` and the last part in ``name``."""
        dotted, at, pin_part = source.partition("@")
        if (
            (at and not pin_part)
            or not dotted
            or "." not in dotted
            or any(not p.isidentifier() for p in dotted.split("."))
        ):
            raise SourceResolutionError(f"{source!r} is not a source string (expected module.Name[@sha]).")
        module, _, name = dotted.rpartition(".")
        sha = pin_part if len(pin_part) == _SHA_LENGTH and all(c in "0123456789abcdef" for c in pin_part) else None
        return cls(module=module, name=name, sha=sha, version=pin_part or None if sha is None else None)


def check_relative_imports(path: Path, source: str | None = None) -> None:
    """Raise UpwardRelativeImportError if the module at ``path`` imports from a parent package."""
    text = source if source is not None else path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 2:
            dots = "." * node.level
            raise UpwardRelativeImportError(
                f"{path}:{node.lineno}: `from {dots}{node.module or ''} import ...` reaches above the module's "
                f"folder, which pinning cannot cover. Use an absolute import (from my_package.x import y)."
            )


@cache
def _distributions() -> Mapping[str, list[str]]:
    return packages_distributions()


def _installed_version(module: str) -> str | None:
    top = module.split(".", maxsplit=1)[0]
    if top.startswith("zen_"):
        try:
            return f"zen_{version(top.replace('_', '-'))}"
        except PackageNotFoundError:
            return None
    for dist in _distributions().get(top, []):
        try:
            return f"{dist}_{version(dist)}"
        except PackageNotFoundError:
            continue
    return None


class Pinner:
    """Resolves objects to source strings for one run: one ``git status`` for the whole run."""

    def __init__(self, root: Path | str, *, repo: RepoView | None = None) -> None:
        self.root = Path(root).resolve()
        self.repo = repo if repo is not None else open_repo(self.root)
        self._folders: dict[Path, list[str]] = {}
        self._modules: dict[str, tuple[str | None, str | None, str | None]] = {}

    def state(self) -> RepoState:
        """The repository state (or an empty one outside a repository)."""
        if self.repo is None:
            return RepoState(root=None, head_sha=None, branch=None, dirty=False, diff_digest=None)
        return self.repo.state()

    def pin(self, obj: object) -> SourceRef:
        """The source string of ``obj`` (warns with UnpinnedCodeWarning when it cannot be pinned)."""
        ref, reason = self._pin(obj)
        if reason is not None:
            self._warn([(ref, reason)])
        return ref

    def pin_many(self, objects: Mapping[str, object]) -> dict[str, str]:
        """Source strings for many objects, keyed like ``objects``; one warning lists every unpinned one."""
        out: dict[str, str] = {}
        unpinned: list[tuple[SourceRef, str]] = []
        for key, obj in objects.items():
            ref, reason = self._pin(obj)
            out[key] = str(ref)
            if reason is not None:
                unpinned.append((ref, reason))
        if unpinned:
            self._warn(unpinned)
        return out

    def _pin(self, obj: object) -> tuple[SourceRef, str | None]:
        module_name = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        if not isinstance(module_name, str) or not isinstance(qualname, str):
            raise SourceResolutionError(f"{obj!r} has no module and name to pin.")
        outcome = self._modules.get(module_name)
        if outcome is None:  # one decision per module and run: the hot path is a dict look-up
            outcome = self._modules[module_name] = self._pin_module(module_name)
        sha, version, reason = outcome
        return SourceRef(module=module_name, name=qualname, sha=sha, version=version), reason

    def _pin_module(self, module_name: str) -> tuple[str | None, str | None, str | None]:
        """(sha, installed version, reason it is unpinned) for every object of ``module_name``."""
        if module_name == "__main__":
            return None, None, "it is defined in __main__, which cannot be imported again; move it to a module"
        if module_name.split(".", maxsplit=1)[0].startswith("zen_"):
            # zen's own built-ins are versioned with zen (seed 000: path@zen_x.y.z), even in zen's own checkout.
            return None, _installed_version(module_name), None
        module = sys.modules.get(module_name)
        file = getattr(module, "__file__", None)
        if not isinstance(file, str):
            return None, _installed_version(module_name), None
        path = Path(file).resolve()
        if self.repo is None or not self.repo.contains(path) or "site-packages" in path.parts:
            installed = _installed_version(module_name)
            if installed is not None:
                return None, installed, None
            return (
                None,
                None,
                "there is no git repository" if self.repo is None else "its file is outside the repository",
            )
        check_relative_imports(path)
        if self.repo.head_sha is None:
            return None, None, "the repository has no commits yet"
        folder = path.parent
        dirty = self._folders.get(folder)
        if dirty is None:
            dirty = self._folders[folder] = self.repo.folder_dirty(folder)
        if dirty:
            shown = ", ".join(dirty[:3]) + (" ..." if len(dirty) > 3 else "")
            return None, None, f"its folder has uncommitted files ({shown})"
        return self.repo.head_sha, None, None

    @staticmethod
    def _warn(unpinned: list[tuple[SourceRef, str]]) -> None:
        listed = "; ".join(f"{ref.dotted}: {reason}" for ref, reason in unpinned)
        warnings.warn(
            f"not pinned to a commit ({listed}). Runs using this code record unpinned names and may not be "
            f"reproducible; commit the code to pin it.",
            UnpinnedCodeWarning,
            stacklevel=3,
        )


def pin(obj: object, *, root: Path | str | None = None) -> SourceRef:
    """Pin one object (opens the repository containing ``root``, default: the current directory)."""
    return Pinner(root or Path.cwd()).pin(obj)


def repo_state(path: Path | str) -> RepoState:
    """The state of the repository containing ``path``."""
    return Pinner(path).state()
