"""Lineage queries at scale: a store with 100k artifacts across 10k runs (10-step chains), then the time of a
run's steps and outputs, an artifact's full upstream lineage, and the latest run of a pipeline. Goal: each
under 10 ms. Run: ``python -m tools.bench.bench_store``.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path

from tools.bench._common import BenchRow, Budget, median_s, print_rows
from zen_store import SQLiteLineageStore, new_id

RUNS = 10_000
STEPS = 10


def fill(path: Path) -> tuple[list[str], list[str]]:
    """Create the schema through zen, then bulk-insert runs, step runs, artifacts and events."""
    SQLiteLineageStore.open(path).close()
    conn = sqlite3.connect(path)
    run_ids: list[str] = []
    last_artifacts: list[str] = []
    now = time.time()
    conn.execute("BEGIN")
    for r in range(RUNS):
        run_id = new_id() + f"{r:06d}"
        run_ids.append(run_id)
        conn.execute(
            "INSERT INTO runs (run_id, pipeline_name, run_name, status, started_at, ended_at, spec_json, stack, "
            "repo_dirty, sources_json) VALUES (?, ?, NULL, 'completed', ?, ?, '{}', 'default', 0, '{}')",
            (run_id, f"pipeline_{r % 20}", now + r, now + r + 1),
        )
        previous: str | None = None
        artifact = ""
        for s in range(STEPS):
            step_id = f"{run_id}s{s}"
            artifact = f"{run_id}a{s}"
            conn.execute(
                "INSERT INTO step_runs (step_run_id, run_id, step_name, seq, status, source, config_json, cache_key, "
                "cache_json, started_at, ended_at) VALUES (?, ?, ?, ?, 'completed', 'm.f', ?, ?, '{}', ?, ?)",
                (step_id, run_id, f"s{s}", s, json.dumps({"n": s}), f"{run_id}k{s}", now + r, now + r),
            )
            conn.execute(
                "INSERT INTO artifacts (artifact_id, uri, type_name, materializer, format, format_version, kind, "
                "content_hash, size, metadata_json, created_at, producer_step_run_id) "
                "VALUES (?, ?, 'int', 'm', 'zen-json', 1, 'data', 'sha256:0', 10, '{}', ?, ?)",
                (artifact, f"/a/{artifact}", now + r, step_id),
            )
            conn.execute("INSERT INTO events VALUES (?, ?, 'output', 'output')", (step_id, artifact))
            if previous is not None:
                conn.execute("INSERT INTO events VALUES (?, ?, 'input', 'x')", (step_id, previous))
            previous = artifact
        last_artifacts.append(artifact)
    conn.execute("COMMIT")
    conn.close()
    return run_ids, last_artifacts


def run() -> list[BenchRow]:
    """Fill, then time the queries (median of 50 calls each); returns the result rows."""
    with tempfile.TemporaryDirectory(prefix="zen-bench-store-") as tmp:
        path = Path(tmp) / "lineage.db"
        started = time.perf_counter()
        run_ids, last_artifacts = fill(path)
        fill_s = time.perf_counter() - started
        store = SQLiteLineageStore.open(path)
        middle_run = run_ids[len(run_ids) // 2]
        deep = last_artifacts[len(last_artifacts) // 2]
        steps = store.step_runs(middle_run)
        assert len(steps) == STEPS and all(s.outputs for s in steps)
        graph = store.lineage(deep)
        assert len(graph.artifacts) == STEPS
        steps_s = median_s(lambda: store.step_runs(middle_run))
        lineage_s = median_s(lambda: store.lineage(deep))
        latest_s = median_s(lambda: store.last_run("pipeline_7"))
        cached_key = f"{middle_run}k{STEPS - 1}"
        assert store.find_cached(cached_key) is not None
        cache_s = median_s(lambda: store.find_cached(cached_key))
        prefix_s = median_s(lambda: store.get_run(middle_run))
        rows = [
            BenchRow.single(f"store fill: {RUNS * STEPS:,} artifacts across {RUNS:,} runs", fill_s, "s"),
            BenchRow.single("a run's steps and outputs (100k artifacts)", steps_s, "s", budget=Budget(limit=0.010)),
            BenchRow.single("an artifact's full upstream lineage", lineage_s, "s", budget=Budget(limit=0.010)),
            BenchRow.single("latest run of a pipeline", latest_s, "s", budget=Budget(limit=0.010)),
            BenchRow.single("cache look-up by key (hit, with outputs)", cache_s, "s", budget=Budget(limit=0.001)),
            BenchRow.single("a run by id (prefix-capable look-up)", prefix_s, "s", budget=Budget(limit=0.010)),
        ]
        store.close()
        return rows


if __name__ == "__main__":
    print_rows(run())
