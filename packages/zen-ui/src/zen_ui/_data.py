"""What the dashboard shows, as JSON data: built from ``zen_run.Client`` views, served by ``/api/`` and rendered by
the pages from the same dictionaries, so the API and the HTML never disagree.

Every value is plain JSON (strings, numbers, lists, dicts); times are ISO 8601 in UTC; durations are seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from zen_run import Artifact, Client, Run, StepRun
from zen_run.drawing import short_type_name
from zen_store import ArtifactRecord, Comparison, LineageGraph, StepRunRecord
from zen_types import JSONValue, PipelineSpec

__all__ = [
    "RunFilter",
    "artifact_data",
    "compare_data",
    "lineage_data",
    "logs_data",
    "run_data",
    "run_summary",
    "runs_data",
    "step_data",
]

PAGE_SIZE = 50
SMALL_VALUE_BYTES = 1024
_SLACK = timedelta(milliseconds=1)  # start times round-trip through floats; look a little past the cursor
_OVERLAP = 50  # runs started within that millisecond that may precede the cursor in the page order
STATUSES = ("running", "completed", "failed", "crashed", "stopped")


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 3) if end is not None else None


@attrs.frozen(kw_only=True)
class RunFilter:
    """The runs page's filters: pipeline, status, tag, started since; ``after`` (a run id) is the paging cursor."""

    pipeline: str | None = None
    status: str | None = None
    tag: str | None = None
    since: datetime | None = None
    after: str | None = None
    limit: int = PAGE_SIZE


def run_summary(run: Run) -> dict[str, JSONValue]:
    """One row of the runs list."""
    r = run.record
    return {
        "run_id": r.run_id,
        "run_name": r.run_name,
        "pipeline_name": r.pipeline_name,
        "status": r.status,
        "started_at": _time(r.started_at),
        "ended_at": _time(r.ended_at),
        "duration_s": _seconds(r.started_at, r.ended_at),
        "stack": r.stack,
        "tags": list(r.tags),
        "head_sha": r.repo.head_sha,
        "dirty": r.repo.dirty,
    }


def runs_data(client: Client, filters: RunFilter) -> dict[str, JSONValue]:
    """A page of runs, newest first, with the cursor of the next page (``None`` on the last page).

    The cursor is the last shown run: the next page starts just after it in the store's order (start time, then
    id, both descending), so runs that started in the same instant are neither skipped nor shown twice.
    """
    if filters.after is None:
        runs = client.runs(
            filters.pipeline, status=filters.status, tag=filters.tag, since=filters.since, limit=filters.limit + 1
        )
    else:
        until = client.get_run(filters.after).started_at + _SLACK
        runs = client.runs(
            filters.pipeline,
            status=filters.status,
            tag=filters.tag,
            since=filters.since,
            until=until,
            limit=filters.limit + _OVERLAP,
        )
        ids = [r.id for r in runs]
        runs = (
            runs[ids.index(filters.after) + 1 :] if filters.after in ids else [r for r in runs if r.started_at < until]
        )
    page = runs[: filters.limit]
    more = len(runs) > filters.limit
    return {
        "runs": [run_summary(r) for r in page],
        "next_after": page[-1].id if more and page else None,
        "pipelines": list(client.pipelines()),
        "statuses": list(STATUSES),
    }


def artifact_summary(record: ArtifactRecord) -> dict[str, JSONValue]:
    """An artifact as listed under a step or in lineage: id, name and version, short type, size, hash, metadata."""
    return {
        "artifact_id": record.artifact_id,
        "name": record.name,
        "version": record.version,
        "type": short_type_name(record.value_type),
        "type_name": record.type_name,
        "value_type": record.value_type,
        "materializer": record.materializer,
        "format": record.format,
        "kind": record.kind,
        "size": record.size,
        "content_hash": record.content_hash,
        "metadata": dict(record.metadata),
        "created_at": _time(record.created_at),
        "producer_step_run_id": record.producer_step_run_id,
    }


def _step_record(record: StepRunRecord) -> dict[str, JSONValue]:
    return {
        "step_run_id": record.step_run_id,
        "status": record.status,
        "source": record.source,
        "config": record.config,
        "cache_key": record.cache_key,
        "cached_from": record.cached_from,
        "started_at": _time(record.started_at),
        "ended_at": _time(record.ended_at),
        "duration_s": _seconds(record.started_at, record.ended_at),
        "error": record.error,
        "inputs": {name: artifact_summary(a) for name, a in record.inputs.items()},
        "outputs": {name: artifact_summary(a) for name, a in record.outputs.items()},
    }


def small_value(artifact: Artifact) -> str | None:
    """The value itself, as text, when it is a small JSON value (a metric, a short string, a small dict)."""
    if artifact.record.size > SMALL_VALUE_BYTES:
        return None
    small = artifact.small_value()  # read safely: plain stored JSON, hash checked, no class imported
    if small is None:
        return None
    text = small.text
    return text if len(text) <= 120 else text[:119] + "…"


def step_data(
    spec: PipelineSpec, name: str, step: StepRun | None, *, with_values: bool = False
) -> dict[str, JSONValue]:
    """One step of a run: what was bound (from the spec) and what happened (``pending`` until it starts)."""
    bound = next(s for s in spec.steps if s.name == name)
    data: dict[str, JSONValue] = {
        "name": name,
        "step_name": bound.step_name,
        "bound_source": bound.source,
        "config_class": bound.config_class,
        "input_types": {i.name: short_type_name(i.type) for i in bound.inputs},
        "output_types": {o.name: short_type_name(o.type) for o in bound.outputs},
        "status": "pending",
        "source": bound.source,
        "config": bound.config,
        "cache_key": None,
        "cached_from": None,
        "started_at": None,
        "ended_at": None,
        "duration_s": None,
        "error": None,
        "inputs": {},
        "outputs": {},
    }
    if step is not None:
        data.update(_step_record(step.record))
        if with_values:
            outputs = data["outputs"]
            for out_name, artifact in step.outputs.items():
                shown = small_value(artifact)
                entry = outputs.get(out_name) if isinstance(outputs, dict) else None
                if shown is not None and isinstance(entry, dict):
                    entry["value"] = shown
    return data


def logs_data(step: StepRun | None) -> dict[str, JSONValue]:
    """What a step printed, as the terminal showed it (``text``), how many characters before it were not kept
    (``cut``), and the run and step that printed it (``from_run_id``, ``from_step``): for a cached step, which did
    not run, the step run that made the outputs it reused (None when its run was deleted); empty for a step that
    has not run."""
    printed_by = step if step is None or step.record.cached_from is None else step.cached_from
    if printed_by is None:
        return {"text": "", "cut": 0, "from_run_id": None, "from_step": None}
    logs = printed_by.logs
    lines = logs.lines()
    return {
        "text": "\n".join(lines) + ("\n" if lines else ""),
        "cut": logs.cut,
        "from_run_id": printed_by.record.run_id,
        "from_step": printed_by.record.step_name,
    }


def _steps(run: Run, *, with_values: bool = False) -> dict[str, JSONValue]:
    spec = run.spec
    steps: Mapping[str, StepRun] = run.steps
    return {s.name: step_data(spec, s.name, steps.get(s.name), with_values=with_values) for s in spec.steps}


def run_data(run: Run) -> dict[str, JSONValue]:
    """A run with every bound step (in topological order), the DAG's edges and the run's pins."""
    spec = run.spec
    r = run.record
    return {
        "run": run_summary(run),
        "steps": list(_steps(run).values()),
        "edges": [
            {
                "source_step": e.source_step,
                "source_output": e.source_output,
                "target_step": e.target_step,
                "target_input": e.target_input,
            }
            for e in spec.edges
        ],
        "sources": dict(r.sources),
        "repo": {"head_sha": r.repo.head_sha, "dirty": r.repo.dirty, "diff_digest": r.repo.diff_digest},
    }


def artifact_data(artifact: Artifact) -> dict[str, JSONValue]:
    """An artifact's record (its preview and lineage are served beside it)."""
    return {**artifact_summary(artifact.record), "uri": artifact.uri}


def lineage_data(graph: LineageGraph) -> dict[str, JSONValue]:
    """A lineage graph: artifacts, step runs and the read/write edges between them."""
    return {
        "root": graph.root,
        "artifacts": {a_id: artifact_summary(a) for a_id, a in graph.artifacts.items()},
        "step_runs": {
            s_id: {"step_name": s.step_name, "run_id": s.run_id, "status": s.status}
            for s_id, s in graph.step_runs.items()
        },
        "edges": [
            {"step_run_id": e.step_run_id, "artifact_id": e.artifact_id, "direction": e.direction, "name": e.name}
            for e in sorted(graph.edges, key=lambda e: (e.step_run_id, e.direction, e.name))
        ],
    }


def compare_data(client: Client, a: Run, b: Run) -> dict[str, JSONValue]:
    """Two runs side by side: per step (union of both, in order) status, source, config and outputs."""
    comparison: Comparison = client.compare(a.id, b.id)
    steps_a, steps_b = _steps(a, with_values=True), _steps(b, with_values=True)
    names = list(steps_a) + [n for n in steps_b if n not in steps_a]
    rows: list[JSONValue] = []
    for name in names:
        rows.append({"name": name, "a": steps_a.get(name), "b": steps_b.get(name)})
    return {
        "a": run_summary(a),
        "b": run_summary(b),
        "same": comparison.same,
        "differences": [
            {"step_name": d.step_name, "field": d.field, "a": d.a, "b": d.b} for d in comparison.differences
        ],
        "only_in_a": list(comparison.only_in_a),
        "only_in_b": list(comparison.only_in_b),
        "steps": rows,
    }
