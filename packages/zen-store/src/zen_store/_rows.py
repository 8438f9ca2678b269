"""Lineage rows as records, the same for every back-end: the columns a query selects and the record each row
becomes.

Both back-ends store the same columns with the same meaning (timestamps as seconds since the epoch, JSON as the
text :func:`to_json` writes), so a row read from SQLite or PostgreSQL becomes a record here, once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Final, cast

from zen_store._records import ArtifactRecord, FinishedStep, RepoRecord, RunRecord, RunStatus, StepStatus
from zen_types import JSONValue

__all__ = [
    "ARTIFACT_COLUMNS",
    "RUN_COLUMNS",
    "STEP_COLUMNS",
    "Row",
    "artifact_file_values",
    "artifact_of",
    "artifact_values",
    "finished_step_values",
    "json_dict",
    "load_json",
    "opt_str",
    "opt_ts",
    "run_of",
    "step_events",
    "to_json",
    "ts",
]

Row = tuple[object, ...]

ARTIFACT_COLUMNS: Final = (
    "artifact_id, uri, type_name, materializer, format, format_version, kind, content_hash, size, metadata_json, "
    "created_at, producer_step_run_id, name, version"
)
"""The columns :func:`artifact_of` reads, in its order."""
RUN_COLUMNS: Final = (
    "run_id, pipeline_name, run_name, status, started_at, ended_at, spec_json, stack, repo_head, repo_dirty, "
    "repo_diff_digest, sources_json, tags_json"
)
"""The columns :func:`run_of` reads, in its order."""
STEP_COLUMNS: Final = (
    "step_run_id, run_id, step_name, status, source, config_json, cache_key, cache_json, cached_from, started_at, "
    "ended_at, error"
)


def ts(value: object) -> datetime:
    """A stored timestamp (seconds since the epoch) as an aware UTC datetime."""
    return datetime.fromtimestamp(float(cast("float", value)), tz=UTC)


def opt_ts(value: object) -> datetime | None:
    return None if value is None else ts(value)


def opt_str(value: object) -> str | None:
    return None if value is None else str(value)


_STORED_JSON: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
"""Made once: ``json.dumps`` given options makes a new encoder per call."""


def to_json(value: object) -> str:
    """JSON as every back-end stores it: sorted keys, no spaces, non-ASCII escaped (so any text is kept)."""
    return _STORED_JSON.encode(value)


def load_json(text: object) -> JSONValue:
    return cast("JSONValue", json.loads(str(text))) if text is not None else None


def json_dict(text: object) -> dict[str, JSONValue]:
    value = load_json(text)
    return value if isinstance(value, dict) else {}


def artifact_of(row: Row) -> ArtifactRecord:
    """The artifact record of a row of :data:`ARTIFACT_COLUMNS`."""
    return ArtifactRecord(
        artifact_id=str(row[0]),
        uri=str(row[1]),
        type_name=str(row[2]),
        materializer=opt_str(row[3]),
        format=str(row[4]),
        format_version=int(cast("int", row[5])),
        kind=str(row[6]),
        content_hash=str(row[7]),
        size=int(cast("int", row[8])),
        metadata=json_dict(row[9]),
        created_at=ts(row[10]),
        producer_step_run_id=opt_str(row[11]),
        name=opt_str(row[12]),
        version=None if row[13] is None else int(cast("int", row[13])),
    )


def run_of(row: Row) -> RunRecord:
    """The run record of a row of :data:`RUN_COLUMNS`."""
    return RunRecord(
        run_id=str(row[0]),
        pipeline_name=str(row[1]),
        run_name=opt_str(row[2]),
        status=RunStatus(str(row[3])),
        started_at=ts(row[4]),
        ended_at=opt_ts(row[5]),
        spec_json=str(row[6]),
        stack=str(row[7]),
        repo=RepoRecord(head_sha=opt_str(row[8]), dirty=bool(row[9]), diff_digest=opt_str(row[10])),
        sources={k: str(v) for k, v in json_dict(row[11]).items()},
        tags=tuple(str(t) for t in tags) if isinstance(tags := load_json(row[12]), list) else (),
    )


def finished_step_values(step: FinishedStep) -> Row:
    """A finished step run's status, source, config, cache key and components, reuse, times and error, in that
    order: the columns both back-ends write when a step run ends."""
    return (
        StepStatus(step.status).value,
        step.source,
        None if step.config is None else to_json(dict(step.config)),
        step.cache_key,
        None if step.cache_components is None else to_json(dict(step.cache_components)),
        step.cached_from,
        step.started_at,
        step.ended_at,
        step.error,
    )


def artifact_values(art: ArtifactRecord, step_run_id: str) -> Row:
    """A new artifact's columns in :data:`ARTIFACT_COLUMNS` order up to its producer (its name and version are
    allocated by the back-end inside the recording transaction)."""
    return (
        art.artifact_id,
        art.uri,
        art.type_name,
        art.materializer,
        art.format,
        art.format_version,
        art.kind,
        art.content_hash,
        art.size,
        to_json(art.metadata),
        art.created_at.timestamp(),
        step_run_id,
    )


def artifact_file_values(step: FinishedStep) -> list[Row]:
    """The lineage copies of a finished step's new small artifacts: (artifact id, relative path, bytes) per file."""
    return [
        (art.artifact_id, relative, data)
        for art in step.new_outputs.values()
        if art.files
        for relative, data in art.files.items()
    ]


def step_events(step: FinishedStep, step_run_id: str) -> list[Row]:
    """The input and output events of a finished step run (new and reused outputs alike)."""
    events: list[Row] = [(step_run_id, aid, "input", name) for name, aid in step.inputs.items()]
    events += [(step_run_id, art.artifact_id, "output", name) for name, art in step.new_outputs.items()]
    events += [(step_run_id, aid, "output", name) for name, aid in step.reused_outputs.items()]
    return events
