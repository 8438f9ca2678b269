"""The repository state a run starts from, recorded with the run.

It comes from the run's one ``git status`` read: HEAD, branch (None when detached), whether the tree is dirty, and
a digest of the uncommitted state (each changed path with its HEAD, index and working-tree blob ids), so two dirty
states can be told apart without storing the diff.

Dirty means what ``git describe --dirty`` means: a tracked file is modified, staged, deleted or renamed. Untracked
files (notes, data, outputs lying in the tree) do not make a run dirty: they are no part of any commit a run could
be reproduced from, and code of the run's own in an untracked module is recorded unpinned anyway, with the reason.
They are listed in :attr:`RepoState.untracked`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import attrs

from zen_git._cache import ModuleFacts
from zen_git._git import GitRepo, Status

__all__ = ["RepoState", "state_of"]


@attrs.frozen(kw_only=True)
class RepoState:
    """The state a run starts from: HEAD, branch, whether a tracked file has uncommitted changes (``dirty``), a
    digest of those changes, and the untracked files (which do not make the tree dirty)."""

    root: str | None
    head_sha: str | None
    branch: str | None
    dirty: bool
    diff_digest: str | None
    untracked: tuple[str, ...] = ()
    shallow: bool = False


def state_of(repo: GitRepo, status: Status, facts: Callable[[str], ModuleFacts | None]) -> RepoState:
    """The state of ``repo`` from its ``status`` (working-tree blob ids come from ``facts``: the run's look at each
    file, so a file the run already read is not read again)."""
    dirty = bool(status.changed)
    digest: str | None = None
    if dirty:
        hasher = hashlib.sha256()
        for path, entry in sorted(status.changed.items()):
            found = facts(str(repo.root / path))
            now = found.blob_id if found is not None else "-"
            hasher.update(f"{path}\0{entry.code}\0{entry.head_id}\0{entry.index_id}\0{now}\n".encode())
        digest = f"sha256:{hasher.hexdigest()}"
    return RepoState(
        root=str(repo.root),
        head_sha=status.head_sha,
        branch=status.branch,
        dirty=dirty,
        diff_digest=digest,
        untracked=status.untracked,
        shallow=repo.shallow,
    )
