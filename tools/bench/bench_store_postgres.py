"""Lineage queries at scale on PostgreSQL, beside SQLite in the same run: the store of ``bench_store`` (100k
artifacts across 10k runs of 10-step chains) filled into both back-ends, then the same queries timed on each.
Goal: each in milliseconds on PostgreSQL too (a server on loopback: every query is a network round trip).

Run: ``python -m tools.bench.bench_store_postgres``. It starts a throw-away PostgreSQL server on 127.0.0.1 (the
test suite's, Debian's ``postgresql`` package), or uses ``$ZEN_BENCH_POSTGRES_URL`` (an empty database).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from tests.common.postgres import PostgresServer, find_bindir
from tools.bench._common import BenchRow, Budget, median_s, print_rows
from tools.bench.bench_store import RUNS, STEPS, fill
from zen_store import PostgresLineageStore, SQLiteLineageStore, new_id

Store = SQLiteLineageStore | PostgresLineageStore
QUERY_BUDGET: Final = Budget(limit=0.010)
"""Lineage queries stay in milliseconds at 100k artifacts (the design's budget), on a server on loopback."""


def fill_postgres(url: str) -> tuple[list[str], list[str]]:
    """Create the schema through zen, then bulk-load (COPY) the same shape of records as ``bench_store.fill``."""
    import psycopg

    PostgresLineageStore.open(url).close()
    run_ids: list[str] = []
    last_artifacts: list[str] = []
    now = time.time()
    runs: list[tuple[object, ...]] = []
    steps: list[tuple[object, ...]] = []
    artifacts: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    for r in range(RUNS):
        run_id = new_id() + f"{r:06d}"
        run_ids.append(run_id)
        runs.append((run_id, f"pipeline_{r % 20}", "completed", now + r, now + r + 1, "{}", "default", False, "{}"))
        previous: str | None = None
        artifact = ""
        for s in range(STEPS):
            step_id = f"{run_id}s{s}"
            artifact = f"{run_id}a{s}"
            config = json.dumps({"n": s})
            steps.append(
                (step_id, run_id, f"s{s}", s, "completed", "m.f", config, f"{run_id}k{s}", "{}", now + r, now + r)
            )
            artifacts.append(
                (artifact, f"/a/{artifact}", "int", "m", "zen-json", 1, "data", "sha256:0", 10, "{}", now + r, step_id)
            )
            events.append((step_id, artifact, "output", "output"))
            if previous is not None:
                events.append((step_id, previous, "input", "x"))
            previous = artifact
        last_artifacts.append(artifact)
    tables = {
        "runs (run_id, pipeline_name, status, started_at, ended_at, spec_json, stack, repo_dirty, sources_json)": runs,
        "step_runs (step_run_id, run_id, step_name, seq, status, source, config_json, cache_key, cache_json, "
        "started_at, ended_at)": steps,
        "artifacts (artifact_id, uri, type_name, materializer, format, format_version, kind, content_hash, size, "
        "metadata_json, created_at, producer_step_run_id)": artifacts,
        "events (step_run_id, artifact_id, direction, name)": events,
    }
    with psycopg.connect(url) as conn:
        for table, rows in tables.items():
            with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        conn.execute("ANALYZE")
    return run_ids, last_artifacts


def measure(store: Store, run_ids: list[str], last_artifacts: list[str]) -> dict[str, float]:
    """Median seconds of each lineage query on a filled store."""
    middle_run = run_ids[len(run_ids) // 2]
    deep = last_artifacts[len(last_artifacts) // 2]
    steps = store.step_runs(middle_run)
    assert len(steps) == STEPS and all(s.outputs for s in steps)
    assert len(store.lineage(deep).artifacts) == STEPS
    cached_key = f"{middle_run}k{STEPS - 1}"
    assert store.find_cached(cached_key) is not None
    return {
        "a run's steps and outputs (100k artifacts)": median_s(lambda: store.step_runs(middle_run)),
        "an artifact's full upstream lineage": median_s(lambda: store.lineage(deep)),
        "latest run of a pipeline": median_s(lambda: store.last_run("pipeline_7")),
        "cache look-up by key (hit, with outputs)": median_s(lambda: store.find_cached(cached_key)),
        "a run by id (prefix-capable look-up)": median_s(lambda: store.get_run(middle_run)),
    }


@contextmanager
def _database() -> Iterator[str]:
    given = os.environ.get("ZEN_BENCH_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries: install Debian's postgresql package or set ZEN_PG_BIN.")
    server = PostgresServer(bindir)
    saved = os.environ.get("PGPASSFILE")
    try:
        server.start()
        os.environ["PGPASSFILE"] = str(server.passfile)
        yield server.create_database()
    finally:
        server.destroy()
        if saved is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = saved


def run() -> list[BenchRow]:
    """Fill both back-ends, time the queries (median of 50 calls each); PostgreSQL's figures with SQLite's as the
    same-run baseline."""
    with tempfile.TemporaryDirectory(prefix="zen-bench-store-") as tmp, _database() as url:
        path = Path(tmp) / "lineage.db"
        run_ids, last_artifacts = fill(path)
        sqlite = SQLiteLineageStore.open(path)
        baseline = measure(sqlite, run_ids, last_artifacts)
        sqlite.close()
        started = time.perf_counter()
        run_ids, last_artifacts = fill_postgres(url)
        fill_s = time.perf_counter() - started
        postgres = PostgresLineageStore.open(url)
        figures = measure(postgres, run_ids, last_artifacts)
        postgres.close()
    rows = [BenchRow.single(f"PostgreSQL fill (COPY): {RUNS * STEPS:,} artifacts across {RUNS:,} runs", fill_s, "s")]
    rows += [
        BenchRow.compare(
            f"PostgreSQL: {name} (baseline: SQLite)", figures[name], baseline[name], "s", budget=QUERY_BUDGET
        )
        for name in figures
    ]
    return rows


if __name__ == "__main__":
    print_rows(run())
