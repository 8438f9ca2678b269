"""The lineage-store contract: everything zen-run asks of a lineage back-end, and nothing else.

:class:`~zen_store.SQLiteLineageStore` is the reference implementation; a server database (PostgreSQL) is
another. An implementation passes the shared suite in ``tests/zen_store/test_lineage_contract.py``: add it to
the ``lineage_store`` fixture's back-ends there and every test runs against it too.

What every implementation keeps:

- Every write is one transaction: a step run is recorded with its new artifacts and all its events, or not at
  all; concurrent writers (several processes, several machines) wait for each other instead of failing.
- Reads return the frozen records of :mod:`zen_store._records`, statuses as :class:`RunStatus` and
  :class:`StepStatus`; an unknown id raises :class:`~zen_store.RecordNotFoundError` (runs, step runs) or
  :class:`~zen_store.ArtifactNotFoundError` (artifacts) with a sentence naming what to do.
- A run is owned by the process that created it (pid and host) until it finishes; reads first mark the
  running runs whose owner died, or stopped beating for five minutes, as crashed (with the steps they were in).
- Ids are the caller's prefix or whole id; a prefix is literal (no pattern characters) and must be unique.

A minimal use::

    store: LineageStore = SQLiteLineageStore.open(".zen/lineage.db")
    run_id = store.create_run(NewRun(pipeline_name="train", spec_json="{}", stack="default"))
    store.finish_run(run_id, status=RunStatus.COMPLETED)
    assert store.get_run(run_id).status is RunStatus.COMPLETED
    store.close()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from zen_store._records import (
    ArtifactRecord,
    CachedStep,
    Comparison,
    FinishedStep,
    LineageGraph,
    NewRun,
    RunDeletion,
    RunRecord,
    RunStatus,
    StartedStep,
    StepLogs,
    StepRunRecord,
)
from zen_types import JSONValue

__all__ = ["LineageStore"]


class LineageStore(Protocol):
    """Runs, step runs, artifacts and the events between them."""

    @property
    def store_id(self) -> str:
        """This store's identity: random, made when the store was created, kept in the store itself (a store
        recreated empty at the same place has a new one)."""
        ...

    @property
    def location(self) -> str:
        """Where the store is (a path or URL), as written into the artifact store's registry of referents."""
        ...

    def close(self) -> None:
        """Release the connection; the store is not used afterwards."""
        ...

    # -- a run's owner writes --------------------------------------------------------------------------------

    def create_run(self, run: NewRun) -> str:
        """Record a running run owned by this process; return its new id."""
        ...

    def heartbeat(self, run_id: str) -> None:
        """Refresh the owner's lease on a running run."""
        ...

    def finish_run(self, run_id: str, *, status: RunStatus) -> None:
        """Record a run's final status; its steps still ``running`` become ``stopped``."""
        ...

    def start_step(
        self, *, run_id: str, step_name: str, source: str, config: Mapping[str, JSONValue] | None, started_at: float
    ) -> str:
        """Record a step as running (after the run's earlier steps, in order); return its step run id."""
        ...

    def record_step(self, step: FinishedStep) -> str:
        """Record a finished step run with its new artifacts and events, atomically (completing the row
        ``start_step`` wrote when ``step.step_run_id`` is given; raising StoreError if that row is not running);
        return its step run id."""
        ...

    def record_steps(self, finished: Sequence[FinishedStep], started: Sequence[StartedStep]) -> list[str]:
        """Record finished steps (as :meth:`record_step` does, in order), then start steps (as :meth:`start_step`
        does), all in one transaction: a runner's one write per step. Returns the started steps' ids."""
        ...

    def write_logs(self, step_run_id: str, logs: StepLogs) -> None:
        """Replace what a running step run printed so far (so a live view shows it); ``record_step`` writes the
        final logs. Stores :meth:`StepLogs.bounded`."""
        ...

    def find_cached(self, cache_key: str) -> CachedStep | None:
        """The newest completed step run with this cache key, with its outputs, if any."""
        ...

    def completed_steps(self, run_id: str) -> dict[str, CachedStep]:
        """The completed or cached steps of a run, by step name (to resume it)."""
        ...

    # -- maintenance -------------------------------------------------------------------------------------------

    def clear_cache(self, *, pipeline_name: str | None = None) -> int:
        """Forget cache keys (of one pipeline's runs, or all); artifacts stay. Returns how many were forgotten."""
        ...

    def delete_run(self, run_id: str) -> RunDeletion:
        """Remove a run (id or unique prefix) with its step runs, their events, and the artifact records of its
        outputs that no other run read or reused, in one transaction; the artifacts' files stay until garbage
        collection. Raises :class:`~zen_store.RunInProgressError` for a run still running (nothing is deleted)."""
        ...

    def reap_crashed(self) -> int:
        """Mark running runs whose owner is gone as crashed (with their running steps); returns how many."""
        ...

    def artifact_uris(self) -> set[str]:
        """Every artifact URI the store references (what garbage collection must keep)."""
        ...

    # -- queries -----------------------------------------------------------------------------------------------

    def lineage_copy(self, artifact: ArtifactRecord) -> dict[str, bytes] | None:
        """The bytes of a small artifact kept with its record, by relative path (see ``ArtifactRecord.files``), from
        any record of the same stored copy (URI and content hash); None when the store keeps none."""
        ...

    def runs(
        self,
        *,
        pipeline_name: str | None = None,
        status: RunStatus | None = None,
        run_name: str | None = None,
        tag: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[RunRecord]:
        """Runs, newest first, filtered (``since`` inclusive, ``until`` exclusive)."""
        ...

    def search_runs(self, text: str, *, limit: int = 50) -> list[RunRecord]:
        """Runs, newest first, whose pipeline name, run name, tags or config values (``NewRun.search_text``)
        contain every word of ``text``; a word ending in ``*`` matches as a prefix. Words are split and folded
        by ``zen_store._search`` (store :meth:`NewRun.search_text`, compare :func:`search_terms`), never by the
        back-end's own tokenizer. Text without words finds nothing."""
        ...

    def get_run(self, run_id: str) -> RunRecord:
        """A run by id or unique prefix."""
        ...

    def last_run(self, pipeline_name: str) -> RunRecord:
        """The newest run of a pipeline."""
        ...

    def pipelines(self) -> list[str]:
        """Names of every pipeline with recorded runs, sorted."""
        ...

    def step_runs(self, run_id: str) -> list[StepRunRecord]:
        """A run's step runs in execution order, with the artifacts each read and wrote (or reused)."""
        ...

    def step_run(self, step_run_id: str) -> StepRunRecord | None:
        """One step run by its id (a cached step's ``cached_from`` names the one whose outputs it reused); None
        when there is none, as after its run was deleted."""
        ...

    def step_logs(self, step_run_id: str) -> StepLogs:
        """What a step run printed, as stored (empty when it printed nothing or was cached)."""
        ...

    def previous_step_run(self, pipeline_name: str, step_name: str, *, before_run: str) -> StepRunRecord | None:
        """The latest run of ``step_name`` in the latest run of the same pipeline started before ``before_run``."""
        ...

    def artifact(self, key: str) -> ArtifactRecord:
        """An artifact by id, URI, name (its latest version), ``name:version``, or unique id prefix."""
        ...

    def artifact_version(self, name: str, version: int | None = None) -> ArtifactRecord:
        """The artifact ``name`` at ``version``, or its latest version."""
        ...

    def artifacts(self, *, name: str | None = None, limit: int = 50) -> list[ArtifactRecord]:
        """Recorded artifacts, newest first (one name's versions, latest first, with ``name``)."""
        ...

    def lineage(self, artifact_id: str, *, downstream: bool = False) -> LineageGraph:
        """The upstream (or downstream) graph of an artifact."""
        ...

    def compare(self, run_a: str, run_b: str) -> Comparison:
        """What differs between two runs."""
        ...
