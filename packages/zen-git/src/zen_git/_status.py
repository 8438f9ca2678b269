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

import functools
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


def _identities(prefix: str, paths: tuple[str, ...]) -> tuple[_Identity, ...]:
    """The identity of ``prefix + path`` for each of ``paths``: a settled run looks at every tracked file and
    folder, so the loop holds little but the ``lstat`` (no call or path object per path)."""
    lstat = os.lstat
    found: list[_Identity] = []
    append = found.append
    for path in paths:
        try:
            st = lstat(prefix + path)
        except OSError:
            append(None)
        else:
            append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode))
    return tuple(found)


@attrs.frozen
class _Snapshot:
    head: str
    """The text of HEAD."""
    files: tuple[tuple[str, _Identity], ...]
    """git's own files (HEAD, the index, refs, configuration and attributes files), each with its identity."""
    tracked: tuple[str, ...]
    """The tracked files and the folders holding them, relative to the work tree."""
    identities: tuple[_Identity, ...]
    """The identity of each of ``tracked``, in the same order."""

    def settled(self, now_ns: int) -> bool:
        """True when every file and folder last changed well before ``now_ns``."""
        limit = now_ns - _SETTLED_NS
        found = (*(identity for _, identity in self.files), *self.identities)
        return all(identity is None or max(identity[2], identity[3]) < limit for identity in found)


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
        configs = _configs(common, os.environ.get("HOME"), os.environ.get("XDG_CONFIG_HOME"))
        config_ids = _identities("", configs)
        if any(self._unsure(path, found) for path, found in zip(configs, config_ids, strict=True)):
            return None
        listing = self._listing(repo)
        if listing.paths is None:
            return None
        meta = _meta(git_dir, common, head)
        files = (*zip(meta, _identities("", meta), strict=True), *zip(configs, config_ids, strict=True))
        root = f"{repo.root}{os.sep}"  # "" among the paths is the work tree's own folder
        return _Snapshot(head=head, files=files, tracked=listing.paths, identities=_identities(root, listing.paths))

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

    def _unsure(self, path: str, found: _Identity) -> bool:
        """True when the configuration file at ``path`` (whose identity is ``found``) includes other files or sets
        filters."""
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


@functools.lru_cache(maxsize=64)
def _meta(git_dir: Path, common: Path, head: str) -> tuple[str, ...]:
    """The files of git's own that a status answers from besides configuration: HEAD, the index, packed refs, the
    worktree's configuration, the attributes file, and the branch's ref when HEAD names one (the paths are worked
    out once for each git folder and text of HEAD: a run looks at them every time)."""
    meta = [
        git_dir / "HEAD",
        git_dir / "index",
        common / "packed-refs",
        git_dir / "config.worktree",
        common / "info" / "attributes",
    ]
    if head.startswith("ref: "):
        meta.append(common / head.removeprefix("ref: ").strip())
    return tuple(map(str, meta))


@functools.lru_cache(maxsize=64)
def _configs(common: Path, home: str | None, xdg_config_home: str | None) -> tuple[str, ...]:
    """The configuration files git reads (the repository's, the system's and the user's) and the user's attributes
    file, for a git folder and the values of ``HOME`` and ``XDG_CONFIG_HOME`` (worked out once for each)."""
    user = Path(home) if home else Path.home()
    xdg = Path(xdg_config_home or user / ".config") / "git"
    found = (common / "config", Path("/etc/gitconfig"), user / ".gitconfig", xdg / "config", xdg / "attributes")
    return tuple(map(str, found))
