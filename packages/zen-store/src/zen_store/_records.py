"""The records the lineage store keeps and returns: frozen values, JSON-friendly, independent of SQLite."""

from __future__ import annotations

from datetime import datetime

import attrs

from zen_types import JSONValue

__all__ = [
    "ArtifactRecord",
    "CachedStep",
    "Comparison",
    "GcReport",
    "LineageEdge",
    "LineageGraph",
    "RepoRecord",
    "RunRecord",
    "StepDifference",
    "StepRunRecord",
]

RUN_STATUSES = ("running", "completed", "failed", "crashed", "stopped")
STEP_STATUSES = ("running", "completed", "cached", "failed", "stopped", "crashed")
"""``running`` while it runs; ``stopped`` when interrupted or cancelled with its run; ``crashed`` when its process
died."""


@attrs.frozen(kw_only=True)
class ArtifactRecord:
    """One stored artifact."""

    artifact_id: str
    uri: str
    type_name: str
    materializer: str | None
    format: str
    format_version: int
    kind: str
    content_hash: str
    size: int
    metadata: dict[str, JSONValue] = attrs.field(factory=dict)
    created_at: datetime
    producer_step_run_id: str | None = None


@attrs.frozen(kw_only=True)
class RepoRecord:
    """The state of the git repository a run started from."""

    head_sha: str | None = None
    dirty: bool = False
    diff_digest: str | None = None


@attrs.frozen(kw_only=True)
class RunRecord:
    """One pipeline run."""

    run_id: str
    pipeline_name: str
    run_name: str | None
    status: str
    started_at: datetime
    ended_at: datetime | None
    spec_json: str
    stack: str
    repo: RepoRecord = attrs.field(factory=RepoRecord)
    sources: dict[str, str] = attrs.field(factory=dict)
    """Every pinned object of the run: qualified name -> source string."""

    @property
    def dirty(self) -> bool:
        """True when the run started from uncommitted code."""
        return self.repo.dirty


@attrs.frozen(kw_only=True)
class StepRunRecord:
    """One step of a run, with the artifacts it read and wrote (or reused, when cached)."""

    step_run_id: str
    run_id: str
    step_name: str
    status: str
    source: str
    config: dict[str, JSONValue] | None
    cache_key: str | None
    cache_components: dict[str, JSONValue] | None
    cached_from: str | None
    started_at: datetime
    ended_at: datetime | None
    error: str | None
    inputs: dict[str, ArtifactRecord] = attrs.field(factory=dict)
    outputs: dict[str, ArtifactRecord] = attrs.field(factory=dict)

    @property
    def duration(self) -> float | None:
        """Seconds the step took."""
        return None if self.ended_at is None else (self.ended_at - self.started_at).total_seconds()


@attrs.frozen(kw_only=True)
class CachedStep:
    """A completed step run whose outputs can be reused for the same cache key."""

    step_run_id: str
    cache_key: str
    outputs: dict[str, ArtifactRecord]


@attrs.frozen(kw_only=True)
class LineageEdge:
    """Step run ``step_run_id`` read (``input``) or wrote (``output``) artifact ``artifact_id`` as ``name``."""

    step_run_id: str
    artifact_id: str
    direction: str
    name: str


@attrs.frozen(kw_only=True)
class LineageGraph:
    """Artifacts and step runs connected by read/write events."""

    root: str
    artifacts: dict[str, ArtifactRecord]
    step_runs: dict[str, StepRunRecord]
    edges: tuple[LineageEdge, ...]


@attrs.frozen(kw_only=True)
class StepDifference:
    """How one slot differs between two runs."""

    step_name: str
    field: str
    a: JSONValue
    b: JSONValue


@attrs.frozen(kw_only=True)
class Comparison:
    """What differs between run ``a`` and run ``b``."""

    run_a: str
    run_b: str
    pipeline_a: str
    pipeline_b: str
    differences: tuple[StepDifference, ...]
    only_in_a: tuple[str, ...]
    only_in_b: tuple[str, ...]
    repo_a: RepoRecord
    repo_b: RepoRecord

    @property
    def same(self) -> bool:
        """True when nothing compared differs."""
        return not (self.differences or self.only_in_a or self.only_in_b)


@attrs.frozen(kw_only=True)
class GcReport:
    """What garbage collection found (and deleted, unless it was a dry run)."""

    unreferenced: tuple[str, ...]
    stale_staging: tuple[str, ...]
    bytes: int
    deleted: bool
