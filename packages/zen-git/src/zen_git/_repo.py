"""The only module that talks to GitPython: repository state, dirty paths and blobs at a commit.

Untracked files count as uncommitted (GitPython's ``is_dirty()`` ignores them by default), and so do staged
and modified ones: ``git status --porcelain --untracked-files=all`` is read once per :class:`RepoView`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import attrs
import git

__all__ = ["RepoState", "RepoView", "open_repo"]


@attrs.frozen(kw_only=True)
class RepoState:
    """The state a run starts from: HEAD, branch, whether anything is uncommitted, a digest of the changes."""

    root: str | None
    head_sha: str | None
    branch: str | None
    dirty: bool
    diff_digest: str | None
    untracked: tuple[str, ...] = ()
    shallow: bool = False


class RepoView:
    """A repository opened once, with its uncommitted paths read once."""

    def __init__(self, repo: git.Repo) -> None:
        self._repo = repo
        work_tree = repo.working_tree_dir
        self.root = Path(str(work_tree)).resolve()
        self.head_sha: str | None = repo.head.commit.hexsha if repo.head.is_valid() else None
        self.shallow = (Path(repo.git_dir) / "shallow").exists()
        self.dirty_paths, self.untracked = self._status()

    def _status(self) -> tuple[frozenset[str], tuple[str, ...]]:
        text = str(self._repo.git.status("--porcelain=v1", "-z", "--untracked-files=all"))
        paths: set[str] = set()
        untracked: list[str] = []
        entries = text.split("\0")
        index = 0
        while index < len(entries):
            entry = entries[index]
            index += 1
            if len(entry) < 4:
                continue
            code, path = entry[:2], entry[3:]
            paths.add(path)
            if code == "??":
                untracked.append(path)
            if code[0] in "RC":  # a rename or copy is followed by its source path
                if index < len(entries):
                    paths.add(entries[index])
                index += 1
        return frozenset(paths), tuple(sorted(untracked))

    def folder_dirty(self, folder: Path) -> list[str]:
        """Uncommitted paths inside ``folder`` (recursively)."""
        relative = folder.resolve().relative_to(self.root).as_posix()
        if relative in ("", "."):
            return sorted(self.dirty_paths)
        prefix = relative + "/"
        return sorted(p for p in self.dirty_paths if p.startswith(prefix))

    def contains(self, path: Path) -> bool:
        """True when ``path`` is inside this work tree."""
        resolved = path.resolve()
        return resolved == self.root or self.root in resolved.parents

    def blob(self, sha: str, relative: str) -> bytes | None:
        """The bytes of ``relative`` at commit ``sha`` (None when it does not exist there)."""
        try:
            tree = self._repo.commit(sha).tree
            item = tree / relative
        except (KeyError, ValueError, git.BadName):
            return None
        data: bytes = item.data_stream.read()
        return data

    def state(self) -> RepoState:
        """HEAD, branch, dirty flag and a digest of the uncommitted diff."""
        branch: str | None
        try:
            branch = self._repo.active_branch.name
        except TypeError:  # detached HEAD
            branch = None
        digest: str | None = None
        if self.dirty_paths:
            diff = str(self._repo.git.diff("HEAD")) if self.head_sha else ""
            hasher = hashlib.sha256(diff.encode())
            for path in self.untracked:
                file = self.root / path
                hasher.update(path.encode())
                if file.is_file():
                    hasher.update(file.read_bytes())
            digest = f"sha256:{hasher.hexdigest()}"
        return RepoState(
            root=str(self.root),
            head_sha=self.head_sha,
            branch=branch,
            dirty=bool(self.dirty_paths),
            diff_digest=digest,
            untracked=self.untracked,
            shallow=self.shallow,
        )


def open_repo(path: Path) -> RepoView | None:
    """The repository containing ``path``, or None when there is none."""
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        return None
    return RepoView(repo)
