"""Where a zen project lives: the root directory and its ``.zen/`` folder.

The root is ``$ZEN_ROOT`` when set; otherwise the nearest directory, from the current one upwards, that holds a
``.zen/`` folder or is the root of a git work tree (``.git``); otherwise the current directory. The nearest
marker wins, so a git repository inside a folder that happens to hold a ``.zen/`` (a home directory, ``/tmp``)
is a project of its own. Stores and the project's configuration (stacks) live under ``<root>/.zen/``.

A root found this way that is a shared folder (the home folder, the temporary folder, the file system's root) and
not a git repository is almost always a stray ``.zen/`` capturing unrelated work: finding one warns
(:class:`~zen_run.errors.SharedProjectRootWarning`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from pathlib import Path

import attrs

from zen_run.errors import NoProjectError, ProjectRootError, SharedProjectRootWarning

__all__ = ["ZEN_DIR", "Project", "find_project_root"]

ZEN_DIR = ".zen"


def find_project_root(start: Path | None = None) -> Path:
    """The project root for ``start`` (default: the current directory), by the rules above."""
    env = os.environ.get("ZEN_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    root = next((c for c in (here, *here.parents) if (c / ZEN_DIR).is_dir() or (c / ".git").exists()), here)
    if root in _shared_folders(here) and not (root / ".git").exists():
        warnings.warn(SharedProjectRootWarning(root=root, here=here), stacklevel=2)
    return root


def _shared_folders(here: Path) -> set[Path]:
    """Folders many unrelated projects live below: a project there captures them all."""
    folders = {Path(tempfile.gettempdir()).resolve(), Path(here.anchor)}
    with contextlib.suppress(RuntimeError):  # no home folder can be determined (no HOME, no passwd entry)
        folders.add(Path.home().resolve())
    return folders


@attrs.frozen
class Project:
    """A project root and the paths zen keeps under it."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The project for ``start`` (see :func:`find_project_root`)."""
        return cls(find_project_root(start))

    @property
    def zen_dir(self) -> Path:
        """``<root>/.zen``: stores and configuration."""
        return self.root / ZEN_DIR

    @property
    def config_path(self) -> Path:
        """The project's configuration file (stacks, the active stack)."""
        return self.zen_dir / "config.json"

    @property
    def in_git_work_tree(self) -> bool:
        """True when the root or a folder above it holds ``.git``: only then can runs pin their code."""
        return any((folder / ".git").exists() for folder in (self.root, *self.root.parents))

    def make_importable(self) -> None:
        """Put the project root and the current directory at the front of ``sys.path`` (each once), as Python
        does for the folder of a script it runs: every ``zen`` command imports the project's modules by name
        (steps, config and value classes, materializers) from there, without ``PYTHONPATH``."""
        for folder in (str(Path.cwd()), str(self.root)):
            if folder not in sys.path:
                sys.path.insert(0, folder)

    def existing(self) -> Project:
        """This project, which must exist already (:class:`~zen_run.errors.NoProjectError` otherwise): whatever
        only reads a project (``Client``, ``zen runs list``) never creates ``.zen/``; running a pipeline does."""
        if not self.zen_dir.is_dir():
            raise NoProjectError(root=self.root)
        return self

    def ensure(self) -> Project:
        """Create ``.zen/`` if needed (with a .gitignore so stores are never committed by accident), and the root
        folder itself when the folder it goes in exists, as ``mkdir`` does: never the folders above it, which a
        mistyped ``ZEN_ROOT`` would otherwise conjure up (:class:`~zen_run.errors.ProjectRootError`)."""
        if not self.root.is_dir():
            if self.root.exists() or not self.root.parent.is_dir():
                raise ProjectRootError(root=self.root)
            self.root.mkdir(exist_ok=True)
        self.zen_dir.mkdir(exist_ok=True)
        ignore = self.zen_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# zen's stores and local configuration\n*\n")
        return self
