"""Code identity for one project: source strings, fingerprints and repository state, through zen-git.

A :class:`Pinner` lives as long as the project's :class:`~zen_run._context.RunContext`, so module files are hashed
and parsed once per file state and commit trees read once, across runs; each run reads the repository's status
once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from zen_store import RepoRecord

if TYPE_CHECKING:
    import zen_git

__all__ = ["Pinner", "resolve_source"]


class Pinner:
    """Code identity for one project: source strings, fingerprints and repository state.

    It holds the project's ``zen_git.SourceCache`` (module files hashed and parsed once per file state, commit
    trees read once) across runs; each run gets its own ``zen_git.Pinner`` from :meth:`for_run`.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: zen_git.SourceCache | None = None
        self._runs = threading.local()
        """``current``: the pinning state of the run this thread compiles inside :meth:`one_run` (per thread, so
        runs compiled at once in one process never share one)."""

    @property
    def cache(self) -> zen_git.SourceCache:
        """The project's source cache, made (and zen-git imported) when code is first pinned: a process that only
        reads what was recorded (a ``Client``, ``zen runs list``) never imports git machinery."""
        if self._cache is None:
            import zen_git

            self._cache = zen_git.SourceCache()
        return self._cache

    def for_run(self) -> zen_git.Pinner:
        """One run's pinning state: the repository's status read once, each module decided once (inside
        :meth:`one_run`, that run's)."""
        current: zen_git.Pinner | None = getattr(self._runs, "current", None)
        if current is not None:
            return current
        import zen_git

        return zen_git.Pinner(self.root, cache=self.cache, untracked=False)  # a run records no untracked files

    @contextmanager
    def one_run(self) -> Iterator[None]:
        """Pin for one run: everything pinned inside the block shares one pinning state, so the run reads the
        repository's status and each changed module file once, even when it pins twice (a reused compilation
        whose code changed is compiled afresh)."""
        outer = getattr(self._runs, "current", None)
        self._runs.current = self.for_run()
        try:
            yield
        finally:
            self._runs.current = outer

    def pin_many(self, objects: Mapping[str, object]) -> tuple[dict[str, str], RepoRecord]:
        """Source strings for the run's objects and the repository state, from one ``git status``."""
        pinner = self.for_run()
        sources = pinner.pin_many(objects)
        state = pinner.state()
        return sources, RepoRecord(head_sha=state.head_sha, dirty=state.dirty, diff_digest=state.diff_digest)

    def fingerprint(self, func: object) -> tuple[str, dict[str, str]]:
        """Digest of the step's normalised code and the in-repository code it calls, with per-part digests."""
        import zen_git

        found = zen_git.code_fingerprint(func, root=self.root)
        return found.digest, dict(found.parts)


def resolve_source(source: str, *, root: Path | None = None) -> object:
    """The object a recorded source string names (from git history when pinned; ``root``: the project)."""
    import zen_git

    return zen_git.resolve(source, root=root)
