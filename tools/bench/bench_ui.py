"""Dashboard page loads on a big project: 1,000 runs and 100k artifacts (10-step runs, 10 outputs per step, one
or two tags per run).

Each page is timed through the real app (Starlette's test client: routing, queries through ``zen_run.Client``,
rendering, the DAG and lineage drawings), median of 20 loads, against a same-run baseline: the ``Client`` calls
that page needs, without rendering. Run: ``python -m tools.bench.bench_ui``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from tools.bench._common import BenchRow, median_s, print_rows
from zen_run import Client, RunContext
from zen_run._project import Project
from zen_store import new_id
from zen_types import EdgeSpec, IOSpec, PipelineSpec, StepSpec
from zen_ui import create_app

RUNS = 1_000
STEPS = 10
OUTPUTS = 10
REPEATS = 20


def _spec(pipeline: str) -> str:
    outputs = tuple(
        IOSpec(name=f"o{k}", type="ndarray[tuple[Any, ...], dtype[float64]]", type_path="numpy.ndarray", kind="return")
        for k in range(OUTPUTS)
    )
    steps = tuple(
        StepSpec(
            name=f"s{s}",
            step_name=f"step_{s}",
            source=f"bench.step_{s}",
            inputs=(IOSpec(name="x", type="ndarray", type_path="numpy.ndarray", kind="value"),) if s else (),
            outputs=outputs,
            config={"n": s},
        )
        for s in range(STEPS)
    )
    edges = tuple(
        EdgeSpec(source_step=f"s{s - 1}", source_output="o0", target_step=f"s{s}", target_input="x")
        for s in range(1, STEPS)
    )
    return PipelineSpec(pipeline_name=pipeline, steps=steps, edges=edges).to_json()


def fill(path: Path) -> tuple[list[str], list[str]]:
    """Bulk-insert runs, step runs, artifacts and events into the schema zen created; returns run ids and each
    run's last artifact."""
    conn = sqlite3.connect(path)
    specs = {p: _spec(f"pipeline_{p}") for p in range(20)}
    run_ids: list[str] = []
    last: list[str] = []
    now = time.time() - RUNS * 2
    conn.execute("BEGIN")
    for r in range(RUNS):
        run_id = new_id() + f"{r:06d}"
        run_ids.append(run_id)
        conn.execute(
            "INSERT INTO runs (run_id, pipeline_name, run_name, status, started_at, ended_at, spec_json, stack, "
            "repo_dirty, sources_json, tags_json) VALUES (?, ?, NULL, ?, ?, ?, ?, 'default', 0, '{}', ?)",
            (
                run_id,
                f"pipeline_{r % 20}",
                "failed" if r % 17 == 0 else "completed",
                now + r,
                now + r + 1,
                specs[r % 20],
                json.dumps(["nightly", f"batch-{r % 10}"] if r % 3 == 0 else [f"batch-{r % 10}"]),
            ),
        )
        previous = ""
        for s in range(STEPS):
            step_id = f"{run_id}s{s}"
            conn.execute(
                "INSERT INTO step_runs (step_run_id, run_id, step_name, seq, status, source, config_json, cache_key, "
                "cache_json, started_at, ended_at) VALUES (?, ?, ?, ?, 'completed', ?, ?, ?, '{}', ?, ?)",
                (
                    step_id,
                    run_id,
                    f"s{s}",
                    s,
                    f"bench.step_{s}",
                    json.dumps({"n": s}),
                    f"{run_id}k{s}",
                    now + r,
                    now + r,
                ),
            )
            for k in range(OUTPUTS):
                artifact = f"{run_id}a{s}o{k}"
                conn.execute(
                    "INSERT INTO artifacts (artifact_id, uri, type_name, materializer, format, format_version, kind, "
                    "content_hash, size, metadata_json, created_at, producer_step_run_id) "
                    "VALUES (?, ?, 'ndarray[tuple[Any, ...], dtype[float64]]', 'bench.M', 'npy', 1, 'data', "
                    "'sha256:0', 10, ?, ?, ?)",
                    (artifact, f"/a/{artifact}", json.dumps({"shape": [10]}), now + r, step_id),
                )
                conn.execute("INSERT INTO events VALUES (?, ?, 'output', ?)", (step_id, artifact, f"o{k}"))
            if previous:
                conn.execute("INSERT INTO events VALUES (?, ?, 'input', 'x')", (step_id, previous))
            previous = f"{run_id}a{s}o0"
        last.append(previous)
    conn.execute("COMMIT")
    conn.close()
    return run_ids, last


def run() -> list[BenchRow]:
    """Fill a project, then time each page against the client calls behind it."""
    with tempfile.TemporaryDirectory(prefix="zen-bench-ui-") as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        saved = os.environ.get("ZEN_ROOT")
        os.environ["ZEN_ROOT"] = str(root)
        try:
            RunContext.forget()
            client = Client(Project(root).ensure().root)  # a Client only reads: the project is made first
            db = Path(client.context.stack.lineage_store)
            started = time.perf_counter()
            run_ids, last = fill(db if db.is_absolute() else root / db)
            fill_s = time.perf_counter() - started
            middle, other = run_ids[RUNS // 2], run_ids[RUNS // 2 + 20]
            page_10 = run_ids[RUNS - 50 * 9]
            with TestClient(create_app(root)) as http:

                def get(path: str) -> Callable[[], object]:
                    def load() -> object:
                        response = http.get(path)
                        assert response.status_code == 200, (path, response.text[:300])
                        return response

                    return load

                def run_data() -> object:
                    run = client.get_run(middle)
                    return run.spec, {n: (s.inputs, s.outputs) for n, s in run.steps.items()}

                pages: list[tuple[str, str, Callable[[], object]]] = [
                    ("runs page, first 50 of 1,000", "/", lambda: client.runs(limit=51)),
                    (
                        "runs page, filtered by pipeline",
                        "/?pipeline=pipeline_7",
                        lambda: client.runs("pipeline_7", limit=51),
                    ),
                    (
                        "runs page, filtered by tag (1 run in 10)",
                        "/?tag=batch-7",
                        lambda: client.runs(tag="batch-7", limit=51),
                    ),
                    ("runs page 10 (cursor)", f"/?after={page_10}", lambda: client.runs(limit=51)),
                    ("run page: DAG of 10 steps, 100 artifacts", f"/runs/{middle}", run_data),
                    ("run JSON (/api/runs/ID), polled while running", f"/api/runs/{middle}", run_data),
                    (
                        "artifact page with lineage",
                        f"/artifacts/{last[RUNS // 2]}",
                        lambda: client.lineage(last[RUNS // 2]),
                    ),
                    ("compare two runs", f"/compare?a={middle}&b={other}", lambda: client.compare(middle, other)),
                ]
                rows = [BenchRow.single(f"ui fill: {RUNS:,} runs, {RUNS * STEPS * OUTPUTS:,} artifacts", fill_s, "s")]
                for name, path, baseline in pages:
                    get(path)()  # warm: templates compiled, pages cached by the OS
                    rows.append(
                        BenchRow.compare(
                            f"ui {name}",
                            median_s(get(path), REPEATS),
                            median_s(baseline, REPEATS),
                            "s",
                            goal="< 200 ms",
                        )
                    )
            return rows
        finally:
            RunContext.forget()
            if saved is None:
                os.environ.pop("ZEN_ROOT", None)
            else:
                os.environ["ZEN_ROOT"] = saved


if __name__ == "__main__":
    print_rows(run())
