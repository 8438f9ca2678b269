"""The lineage-store contract, so another back-end (a server database) can stand in for SQLite.

zen-run depends only on these methods; :class:`~zen_store.SQLiteLineageStore` is the reference
implementation. Every write is one transaction; reads return the frozen records of :mod:`zen_store._records`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from zen_store._records import (
    ArtifactRecord,
    CachedStep,
    Comparison,
    LineageGraph,
    RepoRecord,
    RunRecord,
    StepRunRecord,
)
from zen_types import JSONValue

__all__ = ["LineageStore"]


class LineageStore(Protocol):
    """Runs, step runs, artifacts and the events between them."""

    def create_run(
        self,
        *,
        pipeline_name: str,
        run_name: str | None,
        spec_json: str,
        stack: str,
        repo: RepoRecord,
        sources: Mapping[str, str],
    ) -> str:
        """Record a running run owned by this process; return its id."""
        ...

    def heartbeat(self, run_id: str) -> None:
        """Refresh the owner's lease on a running run."""
        ...

    def finish_run(self, run_id: str, *, status: str) -> None:
        """Record a run's final status."""
        ...

    def record_step(
        self,
        *,
        run_id: str,
        step_name: str,
        status: str,
        source: str,
        config: Mapping[str, JSONValue] | None,
        cache_key: str | None,
        cache_components: Mapping[str, JSONValue] | None,
        started_at: float,
        ended_at: float,
        inputs: Mapping[str, str],
        new_artifacts: Sequence[tuple[str, ArtifactRecord]],
        reused_outputs: Mapping[str, str] | None = None,
        cached_from: str | None = None,
        error: str | None = None,
        step_run_id: str | None = None,
    ) -> str:
        """Record a finished step run with its new artifacts and events, atomically (completing the row
        ``start_step`` wrote when ``step_run_id`` is given)."""
        ...

    def start_step(
        self, *, run_id: str, step_name: str, source: str, config: Mapping[str, JSONValue] | None, started_at: float
    ) -> str:
        """Record a step as running; returns its step run id."""
        ...

    def find_cached(self, cache_key: str) -> CachedStep | None:
        """A completed step run with this cache key, if any."""
        ...

    def completed_steps(self, run_id: str) -> dict[str, CachedStep]:
        """The completed or cached steps of a run."""
        ...

    def runs(
        self,
        *,
        pipeline_name: str | None = None,
        status: str | None = None,
        run_name: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[RunRecord]:
        """Runs, newest first, filtered."""
        ...

    def get_run(self, run_id: str) -> RunRecord:
        """A run by id or unique prefix."""
        ...

    def last_run(self, pipeline_name: str) -> RunRecord:
        """The newest run of a pipeline."""
        ...

    def step_runs(self, run_id: str) -> list[StepRunRecord]:
        """A run's step runs in execution order."""
        ...

    def artifact(self, key: str) -> ArtifactRecord:
        """An artifact by id, prefix or URI."""
        ...

    def lineage(self, artifact_id: str, *, downstream: bool = False) -> LineageGraph:
        """The upstream (or downstream) graph of an artifact."""
        ...

    def compare(self, run_a: str, run_b: str) -> Comparison:
        """What differs between two runs."""
        ...
