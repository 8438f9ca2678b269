"""The repository state a run starts from, recorded with the run.

It comes from the run's one ``git status`` read: HEAD, branch (None when detached), whether anything is
uncommitted, and a digest of the uncommitted state (each changed or untracked path with its HEAD, index and
working-tree blob ids), so two dirty states can be told apart without storing the diff.
"""

from __future__ import annotations

import hashlib

import attrs

from zen_git._cache import SourceCache
from zen_git._git import GitRepo, Status

__all__ = ["RepoState", "state_of"]


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


def state_of(repo: GitRepo, status: Status, cache: SourceCache) -> RepoState:
    """The state of ``repo`` from its ``status`` (working-tree blob ids come from ``cache``)."""
    dirty = bool(status.changed or status.untracked)
    digest: str | None = None
    if dirty:
        hasher = hashlib.sha256()
        for path, entry in sorted(status.changed.items()):
            facts = cache.facts(str(repo.root / path))
            now = facts.blob_id if facts is not None else "-"
            hasher.update(f"{path}\0{entry.code}\0{entry.head_id}\0{entry.index_id}\0{now}\n".encode())
        for path in status.untracked:
            facts = cache.facts(str(repo.root / path))
            hasher.update(f"{path}\0??\0{facts.blob_id if facts is not None else '-'}\n".encode())
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
