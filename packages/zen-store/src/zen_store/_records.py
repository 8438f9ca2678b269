"""The records the lineage store keeps and returns: frozen values, JSON-friendly, independent of SQLite."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Final

import attrs

from zen_store._search import search_words
from zen_store._text import check_fields, kept, unstorable
from zen_types import JSONValue

__all__ = [
    "LOG_LIMIT",
    "VALUE_TYPE_KEY",
    "ArtifactRecord",
    "CachedStep",
    "Comparison",
    "FinishedStep",
    "GcReport",
    "LineageEdge",
    "LineageGraph",
    "NewRun",
    "RepoRecord",
    "RunRecord",
    "RunDeletion",
    "RunStatus",
    "StartedStep",
    "StepDifference",
    "StepLogs",
    "StepRunRecord",
    "StepStatus",
]


class RunStatus(StrEnum):
    """Where a run is: ``running`` until its owner records how it ended, or ``crashed`` when the owner died."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    """Interrupted (Ctrl-C)."""
    CRASHED = "crashed"
    """Its process died (or stopped beating) before recording an end."""


class StepStatus(StrEnum):
    """Where a step run is: ``running`` while it runs, then how it ended."""

    RUNNING = "running"
    COMPLETED = "completed"
    CACHED = "cached"
    """Not executed: the outputs of an earlier step run with the same cache key were reused."""
    FAILED = "failed"
    STOPPED = "stopped"
    """Interrupted, or cancelled when its run ended first."""
    CRASHED = "crashed"
    """Its process died while it ran."""


VALUE_TYPE_KEY: Final = "value_type"
"""The metadata key under which an artifact keeps the class its value had, when its declared type said less."""


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
    name: str | None = None
    """The artifact's name: ``<pipeline>.<slot>.<output>``, or the one its step gave (``ArtifactName``). A record
    handed to :meth:`LineageStore.record_step` without one gets the default."""
    version: int | None = None
    """Its version among the artifacts of that name: 1, 2, ... in the order they were recorded; given by the
    lineage store when it records the artifact (None before)."""
    files: Mapping[str, bytes] | None = attrs.field(default=None, eq=False, repr=False)
    """A small artifact's bytes by relative path, as its writer committed them (``StoredArtifact.files``): the
    lineage store records them with the artifact, in the same transaction, and keeps them as the artifact's
    lineage copy, which makes it durable without an fsync and restores it if its files are lost. None on records
    read back from a lineage store (:meth:`LineageStore.artifact_files` gives the copy) and for larger artifacts."""

    @property
    def label(self) -> str:
        """``name:version`` as people read and type it (``iris_model:3``), or the id of an unnamed record."""
        return self.artifact_id if self.name is None else f"{self.name}:{self.version}"

    @property
    def value_type(self) -> str:
        """The class the stored value had (``Pipeline``) when it said more than the declared ``type_name``
        (``BaseEstimator``), kept in the metadata under ``value_type``; else the declared type."""
        recorded = self.metadata.get(VALUE_TYPE_KEY)
        return recorded if isinstance(recorded, str) and recorded else self.type_name


@attrs.frozen(kw_only=True)
class RepoRecord:
    """The state of the git repository a run started from."""

    head_sha: str | None = None
    dirty: bool = False
    """A tracked file was modified, staged, deleted or renamed and not committed (as ``git describe --dirty``)."""
    diff_digest: str | None = None
    """A digest of those changes (None when clean): two dirty runs with the same digest started from one state."""


@attrs.frozen(kw_only=True)
class RunRecord:
    """One pipeline run."""

    run_id: str
    pipeline_name: str
    run_name: str | None
    status: RunStatus
    started_at: datetime
    ended_at: datetime | None
    spec_json: str
    stack: str
    repo: RepoRecord = attrs.field(factory=RepoRecord)
    sources: dict[str, str] = attrs.field(factory=dict)
    """Every pinned object of the run: qualified name -> source string."""
    tags: tuple[str, ...] = ()

    @property
    def dirty(self) -> bool:
        """True when the run started while tracked files had uncommitted changes (untracked files do not count)."""
        return self.repo.dirty


@attrs.frozen(kw_only=True)
class StepRunRecord:
    """One step of a run, with the artifacts it read and wrote (or reused, when cached)."""

    step_run_id: str
    run_id: str
    step_name: str
    status: StepStatus
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


LOG_LIMIT: Final = 1_000_000
"""Characters of a step run's output kept in the lineage store: the last ones (the tail), when it printed more."""


@attrs.frozen(kw_only=True)
class StepLogs:
    """What a step run printed - its stdout, stderr and ``logging`` records, interleaved as they were written.

    ``cut`` counts the characters dropped from the start to keep the last :data:`LOG_LIMIT`. Every back-end
    stores :meth:`bounded`, so they all return the same text.
    """

    text: str = ""
    cut: int = 0

    def bounded(self) -> StepLogs:
        """These logs as a lineage store keeps them: at most :data:`LOG_LIMIT` characters (the tail; ``cut``
        counts the rest), NUL written as U+FFFD and unpaired surrogates as ``\\udcXX`` escapes (neither can be
        stored as UTF-8 text in every database)."""
        text, cut = self.text, self.cut
        if len(text) > LOG_LIMIT:
            cut += len(text) - LOG_LIMIT
            text = text[-LOG_LIMIT:]
        return StepLogs(text=kept(text), cut=cut)

    def tail(self, lines: int) -> str:
        """The last ``lines`` lines of the text."""
        kept = self.text.splitlines()[-lines:] if lines > 0 else []
        return "\n".join(kept)

    def lines(self) -> list[str]:
        """The text's lines as a terminal showed them: a line redrawn with carriage returns (a progress bar) as
        its last state."""
        return [line.rstrip("\r").rsplit("\r", 1)[-1] for line in self.text.splitlines()]

    def __bool__(self) -> bool:
        return bool(self.text) or self.cut > 0


@attrs.frozen(kw_only=True)
class NewRun:
    """What is recorded when a run starts: the run is ``running`` and owned by the recording process."""

    pipeline_name: str
    run_name: str | None = None
    spec_json: str
    stack: str
    repo: RepoRecord = attrs.field(factory=RepoRecord)
    sources: Mapping[str, str] = attrs.field(factory=dict)
    tags: tuple[str, ...] = ()
    configs: Mapping[str, Mapping[str, JSONValue] | None] = attrs.field(factory=dict)
    """Each step's config by slot name: not stored as such (steps record their own), only made searchable."""

    def __attrs_post_init__(self) -> None:
        # Names no lineage store keeps are refused here, before any back-end sees them (see ``_text``).
        check_fields(
            [
                ("pipeline name", self.pipeline_name),
                ("run name", self.run_name),
                ("stack name", self.stack),
                ("pipeline spec", self.spec_json),
                *(("tag", tag) for tag in self.tags),
                *(("step name", slot) for slot in self.configs),
            ]
        )

    def search_text(self) -> str:
        """What run search matches, as every back-end stores it: the words (``search_words``) of the pipeline
        name, run name, tags and each step's config (``slot key value`` per leaf), joined by single spaces - so
        ``zen runs search 0.01`` finds the runs with a learning rate of 0.01."""
        words: list[str] = []

        def walk(prefix: str, value: JSONValue) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    walk(f"{prefix} {key}", item)
            elif isinstance(value, list):
                for item in value:
                    walk(prefix, item)
            else:
                words.append(f"{prefix} {value}")

        for slot, config in sorted(self.configs.items()):
            if config is not None:
                walk(slot, dict(config))
        return " ".join(search_words(self.pipeline_name, self.run_name or "", *self.tags, *words))


def _kept(text: str | None) -> str | None:
    return None if text is None else kept(text)


@attrs.frozen(kw_only=True)
class StartedStep:
    """A step that starts running: recorded with status ``running`` so a live or crashed run shows it."""

    run_id: str
    step_name: str
    source: str
    config: Mapping[str, JSONValue] | None = None
    started_at: float

    def __attrs_post_init__(self) -> None:
        # Names no lineage store keeps are refused here, before any back-end sees them (see ``_text``).
        check_fields([("run id", self.run_id), ("step name", self.step_name), ("step source", self.source)])


@attrs.frozen(kw_only=True)
class FinishedStep:
    """What is recorded when a step run ends (completed, cached, failed or stopped), in one transaction.

    ``inputs`` and ``reused_outputs`` name artifacts already recorded (by id); ``new_outputs`` are the artifacts
    this step run wrote. ``step_run_id`` completes the row :meth:`LineageStore.start_step` wrote; without it a
    new row is added (a cached step never starts).
    """

    run_id: str
    step_name: str
    status: StepStatus
    source: str
    config: Mapping[str, JSONValue] | None = None
    cache_key: str | None = None
    cache_components: Mapping[str, JSONValue] | None = None
    started_at: float
    ended_at: float
    inputs: Mapping[str, str] = attrs.field(factory=dict)
    new_outputs: Mapping[str, ArtifactRecord] = attrs.field(factory=dict)
    reused_outputs: Mapping[str, str] = attrs.field(factory=dict)
    cached_from: str | None = None
    error: str | None = attrs.field(default=None, converter=_kept)
    """Why the step failed or stopped: free text, kept with NUL and unpaired surrogates replaced (see ``_text``)."""
    step_run_id: str | None = None
    logs: StepLogs | None = None
    """What the step printed while it ran (stored with it; nothing is stored when it printed nothing)."""

    def __attrs_post_init__(self) -> None:
        # Names no lineage store keeps are refused here, before any back-end sees them (see ``_text``).
        # One look over all the names joined decides the usual case; the fields are named only for a refusal.
        names = [self.step_name, self.source, self.run_id, self.step_run_id, self.cache_key, self.cached_from]
        names += [*self.inputs, *self.inputs.values(), *self.reused_outputs, *self.reused_outputs.values()]
        names += self.new_outputs
        for art in self.new_outputs.values():
            names += art.artifact_id, art.uri, art.type_name, art.materializer, art.format, art.kind, art.content_hash
            names.append(art.name)
        if unstorable("".join(filter(None, names))) is not None:
            check_fields(self._named_fields())

    def _named_fields(self) -> list[tuple[str, str | None]]:
        """Every name of the record with the field it fills, in the order they are checked."""
        fields: list[tuple[str, str | None]] = [
            ("step name", self.step_name),
            ("step source", self.source),
            ("run id", self.run_id),
            ("step run id", self.step_run_id),
            ("cache key", self.cache_key),
            ("step run id", self.cached_from),
        ]
        fields += [("input name", name) for name in self.inputs]
        fields += [("artifact id", artifact_id) for artifact_id in self.inputs.values()]
        fields += [("output name", name) for name in self.reused_outputs]
        fields += [("artifact id", artifact_id) for artifact_id in self.reused_outputs.values()]
        fields += [("output name", name) for name in self.new_outputs]
        for art in self.new_outputs.values():
            fields += [
                ("artifact id", art.artifact_id),
                ("artifact URI", art.uri),
                ("type name", art.type_name),
                ("materializer", art.materializer),
                ("format", art.format),
                ("kind", art.kind),
                ("content hash", art.content_hash),
                ("artifact name", art.name),
            ]
        return fields


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
class RunDeletion:
    """What deleting a run removed from the lineage store (the artifacts' files stay until ``zen gc --delete``)."""

    run_id: str
    pipeline_name: str
    step_runs: int
    artifacts: tuple[str, ...]
    """Ids of the artifact records removed: the run's outputs that no other run reads or reused."""
    kept: tuple[str, ...] = ()
    """Ids of the run's outputs kept because other runs read or reused them."""


@attrs.frozen(kw_only=True)
class GcReport:
    """What garbage collection found (and deleted, unless it was a dry run)."""

    unreferenced: tuple[str, ...]
    """Artifacts no lineage store references, committed before gc began (deleted unless a dry run)."""
    stale_staging: tuple[str, ...]
    bytes: int
    deleted: bool
    too_recent: int = 0
    """Unreferenced artifacts kept because they are newer than the mark or than a live writer's lease."""
    live_writers: int = 0
    """Runs in progress holding a lease on the artifact store."""
