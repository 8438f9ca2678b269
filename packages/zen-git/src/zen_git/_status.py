"""A repository's tracked changes (``git status --untracked-files=no``), read again only when something the answer
depends on changed.

What git answers from: HEAD (its file, the branch file it names, ``packed-refs``), the index, every tracked file in
the work tree, and the configuration and attributes that say how files are compared. A snapshot takes the identity
(inode, size, modification and change times, mode) of each of those files and of every folder holding a tracked
file (a new ``.gitattributes`` in one changes the folder), one ``lstat`` each. While the snapshot is the one taken
when git last answered, the answer stands; any difference asks git again. A write always moves a file's change
time, which nothing but the clock sets, so content cannot change under an unchanged identity - except within the
file system's timestamp tick of the last change: an answer is kept only when every file and folder last changed
more than two seconds before git was asked, and nothing changed while it answered.

Nothing is kept (git is asked every time) for a repository this cannot judge: one whose refs are in a reftable,
one with submodules (their own work trees) or more than 5000 tracked files and folders, one whose configuration
includes other files or runs filters (their output depends on more than the files), and any process with a
``GIT_*`` variable that points git at other files or configuration (``GIT_DIR``, ``GIT_INDEX_FILE``,
``GIT_CONFIG*``, ...).
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Final

import attrs

from zen_git._git import GitRepo, Status

__all__ = ["StatusCache"]

_SETTLED_NS: Final = 2_000_000_000
_Identity = tuple[int, int, int, int, int] | None
"""(inode, size, modification ns, change ns, mode) of a path, None when it does not exist."""
_UNSURE_CONFIG: Final = ("include", "filter", "attributesfile")
"""Configuration (lower-cased) that makes git read files or run commands a snapshot does not cover."""
_ELSEWHERE: Final = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_ATTR_",
    "GIT_NAMESPACE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
)
"""Environment variables (prefixes) that point git at other files or other configuration."""
_MOST_PATHS: Final = 5000
"""Beyond this many tracked files and folders, a snapshot (an ``lstat`` each, from Python) would cost about what
git's own status does (which may also have a file system monitor), so git is asked."""


def _identity(path: str) -> _Identity:
    try:
        found = os.lstat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_mode


@attrs.frozen
class _Snapshot:
    head: str
    """The text of HEAD."""
    files: tuple[tuple[str, _Identity], ...]

    def settled(self, now_ns: int) -> bool:
        """True when every file and folder last changed well before ``now_ns``."""
        limit = now_ns - _SETTLED_NS
        return all(found is None or max(found[2], found[3]) < limit for _, found in self.files)


@attrs.frozen
class _Listing:
    """The tracked paths of one state of the index, and the folders holding them (None: not judged by stats)."""

    paths: tuple[str, ...] | None


class StatusCache:
    """The last ``git status`` of each repository, with the snapshot it answered (see the module docstring)."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[_Snapshot, Status]] = {}
        self._listings: dict[Path, tuple[_Identity, _Listing]] = {}
        self._configs: dict[str, tuple[_Identity, bool]] = {}

    def status(self, repo: GitRepo) -> Status:
        """``repo``'s tracked changes, HEAD and branch (no untracked files): the last answer while nothing it
        depends on changed, else git's."""
        before = self._snapshot(repo)
        known = self._known.get(repo.root)
        if before is not None and known is not None and known[0] == before:
            return known[1]
        asked = time.time_ns()
        found = repo.status(untracked=False)
        if before is not None and before.settled(asked) and self._snapshot(repo) == before:
            self._known[repo.root] = (before, found)
        else:
            self._known.pop(repo.root, None)
        return found

    def _snapshot(self, repo: GitRepo) -> _Snapshot | None:
        if any(name.startswith(_ELSEWHERE) for name in os.environ):
            return None
        git_dir = repo.git_dir
        common = git_dir
        try:
            common = (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
        except FileNotFoundError:
            pass
        except OSError:
            return None
        if (common / "reftable").exists():
            return None
        try:
            head = (git_dir / "HEAD").read_text()
        except OSError:
            return None
        meta = [
            git_dir / "HEAD",
            git_dir / "index",
            common / "packed-refs",
            git_dir / "config.worktree",
            common / "info" / "attributes",
        ]
        if head.startswith("ref: "):
            meta.append(common / head.removeprefix("ref: ").strip())
        configs = [common / "config", *_user_configs()]
        if any(self._unsure(str(config)) for config in configs):
            return None
        listing = self._listing(repo)
        if listing.paths is None:
            return None
        root = f"{repo.root}{os.sep}"
        files = [(str(path), _identity(str(path))) for path in (*meta, *configs)]
        files += [(path, _identity(root + path)) for path in listing.paths]  # "" is the work tree's own folder
        return _Snapshot(head=head, files=tuple(files))

    def _listing(self, repo: GitRepo) -> _Listing:
        """The tracked files and the folders holding them, from ``git ls-files`` once per state of the index."""
        index = _identity(str(repo.git_dir / "index"))
        known = self._listings.get(repo.root)
        if known is not None and known[0] == index:
            return known[1]
        out = repo.git(["ls-files", "-s", "-z"]).decode("utf-8", "surrogateescape")
        paths: set[str] = {""}
        listing = _Listing(paths=None)
        for record in out.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            if meta.startswith("160000 "):  # a submodule: its work tree is its own repository's
                break
            paths.add(path)
            folder = path.rpartition("/")[0]  # git's paths are separated by "/"
            while folder and folder not in paths:
                paths.add(folder)
                folder = folder.rpartition("/")[0]
        else:
            listing = _Listing(paths=tuple(sorted(paths)) if len(paths) <= _MOST_PATHS else None)
        if _identity(str(repo.git_dir / "index")) == index:
            self._listings[repo.root] = (index, listing)
        return listing

    def _unsure(self, path: str) -> bool:
        """True when the configuration file at ``path`` includes other files or sets filters."""
        found = _identity(path)
        known = self._configs.get(path)
        if known is not None and known[0] == found:
            return known[1]
        try:
            text = Path(path).read_text(errors="replace").lower() if found is not None else ""
        except OSError:
            return True
        unsure = (found is not None and not stat.S_ISREG(found[4])) or any(word in text for word in _UNSURE_CONFIG)
        self._configs[path] = (found, unsure)
        return unsure


def _user_configs() -> list[Path]:
    """The system and global configuration files git reads (and the global attributes file)."""
    home = Path.home()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "git"
    return [Path("/etc/gitconfig"), home / ".gitconfig", xdg / "config", xdg / "attributes"]
