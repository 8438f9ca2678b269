"""SQLite and PostgreSQL agree: the same sequence of writes gives the same answers to every query (a differential
property, as the Dask orchestrator is checked against the reference runner)."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.common.postgres import PostgresServer
from zen_store import (
    ArtifactRecord,
    FinishedStep,
    LineageStore,
    NewRun,
    RunStatus,
    StepRunRecord,
    StepStatus,
    open_lineage_store,
)


@attrs.frozen
class StepPlan:
    """One step to record: how it ended, its config and cache key, which earlier artifacts it read (by index),
    how many outputs it wrote, and whether it was started (``start_step``) before it ended."""

    name: str
    status: StepStatus
    config: dict[str, int | float | str] | None
    cache_key: str | None
    inputs: list[int]
    outputs: int
    started: bool


@attrs.frozen
class RunPlan:
    """One run: its pipeline, tags, steps and how it ended (``running``: never finished)."""

    pipeline: str
    tags: tuple[str, ...]
    steps: list[StepPlan]
    status: RunStatus


_STEP = st.builds(
    StepPlan,
    name=st.sampled_from(["a", "b", "c", "d"]),
    status=st.sampled_from([StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.CACHED]),
    # Any config values: run search splits them one way on every back-end ("À" is "a", "0.01" one word).
    config=st.none()
    | st.dictionaries(
        st.sampled_from(["lr", "n", "name"]),
        st.integers(-3, 3) | st.sampled_from([0.01, -1.5]) | st.text("abÀé01.-_ ", max_size=4),
    ),
    cache_key=st.none() | st.sampled_from(["k1", "k2", "k3"]),
    inputs=st.lists(st.integers(0, 50), max_size=3),
    outputs=st.integers(0, 2),
    started=st.booleans(),
)
_RUN = st.builds(
    RunPlan,
    pipeline=st.sampled_from(["train", "evaluate"]),
    tags=st.lists(st.sampled_from(["nightly", "gpu"]), max_size=2, unique=True).map(tuple),
    steps=st.lists(_STEP, max_size=4),
    status=st.sampled_from([RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.STOPPED, RunStatus.RUNNING]),
)


def _record(artifact_id: str, n: int) -> ArtifactRecord:
    return ArtifactRecord(
        artifact_id=artifact_id,
        uri=f"/store/{artifact_id}",
        type_name="int",
        materializer="m",
        format="zen-json",
        format_version=1,
        kind="data",
        content_hash=f"sha256:{n % 3}",
        size=n,
        metadata={"n": n},
        created_at=datetime.fromtimestamp(1_700_000_000 + n, tz=UTC),
    )


def _replay(db: LineageStore, runs: list[RunPlan]) -> dict[str, str]:
    """Apply the writes; returns run name -> run id (ids are made by each store)."""
    ids: dict[str, str] = {}
    artifacts: list[str] = []
    for r, run in enumerate(runs):
        run_id = db.create_run(
            NewRun(
                pipeline_name=run.pipeline,
                run_name=f"r{r}",
                spec_json="{}",
                stack="s",
                tags=run.tags,
                configs={step.name: step.config for step in run.steps},
            )
        )
        ids[f"r{r}"] = run_id
        for s, step in enumerate(run.steps):
            at = 100.0 * r + s  # distinct start times: the newest cache hit is well defined
            started = (
                db.start_step(run_id=run_id, step_name=step.name, source="m.f", config=step.config, started_at=at)
                if step.started and step.status is not StepStatus.CACHED
                else None
            )
            new = {f"out{o}": _record(f"{r}-{s}-{o}", len(artifacts) + o) for o in range(step.outputs)}
            inputs = {f"in{i}": artifacts[k % len(artifacts)] for i, k in enumerate(step.inputs)} if artifacts else {}
            db.record_step(
                FinishedStep(
                    run_id=run_id,
                    step_name=step.name,
                    status=step.status,
                    source="m.f",
                    config=step.config,
                    cache_key=step.cache_key,
                    started_at=at,
                    ended_at=at + 0.5,
                    inputs=inputs,
                    new_outputs=new,
                    step_run_id=started,
                )
            )
            artifacts += [a.artifact_id for a in new.values()]
        if run.status is not RunStatus.RUNNING:
            db.finish_run(run_id, status=run.status)
    return ids


def _step_view(step: StepRunRecord) -> object:
    return (
        step.step_name,
        str(step.status),
        step.config,
        step.cache_key,
        {k: a.artifact_id for k, a in step.inputs.items()},
        {k: (a.artifact_id, a.metadata, a.content_hash, a.size, a.created_at) for k, a in step.outputs.items()},
    )


def _answers(db: LineageStore, ids: dict[str, str]) -> dict[str, object]:
    """Every query's answer with store-made ids replaced by the names the test gave (and clock times left out)."""
    names = {run_id: name for name, run_id in ids.items()}
    steps = {name: db.step_runs(run_id) for name, run_id in ids.items()}
    step_names = {s.step_run_id: f"{name}/{s.step_name}/{i}" for name, ss in steps.items() for i, s in enumerate(ss)}
    out: dict[str, object] = {
        "runs": [(names[r.run_id], r.pipeline_name, str(r.status), r.tags) for r in db.runs(limit=1000)],
        "steps": {name: [_step_view(s) for s in ss] for name, ss in steps.items()},
        "pipelines": db.pipelines(),
        "tagged": [names[r.run_id] for r in db.runs(tag="nightly", limit=1000)],
        "failed": [names[r.run_id] for r in db.runs(status=RunStatus.FAILED, limit=1000)],
        "completed": {name: sorted(db.completed_steps(run_id)) for name, run_id in ids.items()},
    }
    queries = ("train", "nightly gpu", "r0", "lr", "l*", "a lr", "b name", "evaluate n*", "0", "1 lr", "À", "0.01")
    for query in (*queries, "-1.5", "é*", "a_b", "0.*"):
        out[f"search {query}"] = [names[r.run_id] for r in db.search_runs(query, limit=1000)]
    uris = sorted(db.artifact_uris())
    out["uris"] = uris
    for key in ("k1", "k2", "k3"):
        hit = db.find_cached(key)
        out[f"cached {key}"] = None if hit is None else (step_names[hit.step_run_id], sorted(hit.outputs))
    for uri in uris:
        artifact_id = uri.rsplit("/", 1)[-1]
        for downstream in (False, True):
            graph = db.lineage(artifact_id, downstream=downstream)
            out[f"lineage {artifact_id} {downstream}"] = (
                sorted(graph.artifacts),
                sorted(step_names[s] for s in graph.step_runs),
                sorted((step_names[e.step_run_id], e.artifact_id, e.direction, e.name) for e in graph.edges),
            )
    if len(ids) >= 2:
        comparison = db.compare(ids["r0"], ids["r1"])
        out["compare"] = (comparison.differences, comparison.only_in_a, comparison.only_in_b)
    return out


@given(runs=st.lists(_RUN, min_size=1, max_size=4))
@settings(max_examples=20, deadline=None)
def test_sqlite_and_postgres_answer_every_query_alike(postgres_server: PostgresServer, runs: list[RunPlan]) -> None:
    """Any sequence of runs, started and finished steps (completed, failed, cached; with inputs and outputs) and
    run endings, written to both back-ends, reads back the same from both: runs, steps, cache hits, lineage both
    ways, comparisons, tags, statuses."""
    import shutil
    import tempfile
    from pathlib import Path

    scratch = Path(tempfile.mkdtemp(prefix="zen-agree-"))
    sqlite = open_lineage_store(scratch / "lineage.db")
    postgres = open_lineage_store(postgres_server.create_schema())
    try:
        assert _answers(sqlite, _replay(sqlite, runs)) == _answers(postgres, _replay(postgres, runs))
    finally:
        sqlite.close()
        postgres.close()
        shutil.rmtree(scratch, ignore_errors=True)
