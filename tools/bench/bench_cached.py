"""A fully cached re-run beside the least a cache could do, in the same process, interleaved run by run.

A chain of 10, 50 and 200 trivial int steps is run once, then re-run with every step a cache hit: zen works out
each step's cache key (code, config, input content hashes, materializers), looks it up, checks the reused
artifact is still intact (without hashing it again when its files are unchanged), and records the hit in the
run's lineage. The floor does the least that keeps those promises: per step a sha256 key over the previous value's
hash, one indexed SQLite look-up, a stat of the stored file and one row inserted; one commit per run. Every side
and length is re-run in turn, interleaved; a weighted line over the three lengths' medians splits each side's
time into a fixed cost per re-run and a cost per step, and 1-step re-runs measure the fixed cost directly (see
``_fit``), each with its 95% interval.

``python -m tools.bench.bench_cached`` prints the rows; ``--profile`` prints where a cached 50-step re-run spends
its time instead (cProfile, cumulative, the 30 most expensive calls).
"""

from __future__ import annotations

import cProfile
import functools
import hashlib
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tools.bench._chain import chain_pipeline, timed_run
from tools.bench._common import BenchRow, Budget, print_rows
from tools.bench._fit_rows import split_rows
from zen_run import PipelineInstance, RunContext
from zen_run._project import Project

LENGTHS = (10, 50, 200)
REPEATS = 15


class _Floor:
    """A cache at the floor: values stored once as files, found again by key in an indexed SQLite table."""

    def __init__(self, folder: Path, length: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.length = length
        self.db = sqlite3.connect(folder / "floor-cache.db", isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, path TEXT, hash TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS hits (run INTEGER, step TEXT, key TEXT)")
        digest = "start"
        for index in range(length):  # the first run: every value stored
            key = _key(index, digest)
            path = folder / f"value-{length}-{index}"
            path.write_text(str(index))
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (key, str(path), digest))
        self.runs = 0

    def rerun(self) -> float:
        """Seconds for a re-run where every step is found, checked present and recorded."""
        started = time.perf_counter()
        self.runs += 1
        self.db.execute("BEGIN IMMEDIATE")
        digest = "start"
        for index in range(self.length):
            key = _key(index, digest)
            path, digest = self.db.execute("SELECT path, hash FROM results WHERE key = ?", (key,)).fetchone()
            Path(path).stat()
            self.db.execute("INSERT INTO hits VALUES (?, ?, ?)", (self.runs, f"s{index}", key))
        self.db.execute("COMMIT")
        return time.perf_counter() - started


def _key(index: int, digest: str) -> str:
    return hashlib.sha256(f"plus_one:{index > 0}:{digest}".encode()).hexdigest()


def _context(folder: Path) -> RunContext:
    os.environ["ZEN_ROOT"] = str(folder / "project")
    return RunContext.open(project=Project(folder / "project"))


def run(*, repeats: int = REPEATS) -> list[BenchRow]:
    """Every figure of this module, as rows."""
    rows: list[BenchRow] = []
    samples: dict[str, dict[int, list[float]]] = {"zen": {}, "floor": {}}
    with tempfile.TemporaryDirectory(prefix="zen-bench-cached-") as tmp:
        folder = Path(tmp)
        context = _context(folder)
        sides: dict[tuple[str, int], Callable[[], float]] = {}
        for length in (1, *LENGTHS):  # the 1-step re-runs measure the fixed cost directly
            sides["zen", length] = functools.partial(timed_run, chain_pipeline(length), context, cache=True)
            sides["floor", length] = _Floor(folder / "floor", length).rerun
        for action in sides.values():
            action()  # the zen side's first run computes every step; then both are warm
            action()
        keys = list(sides)
        for index in range(repeats):  # every side and length interleaved, in a rotating order
            for key in keys[index % len(keys) :] + keys[: index % len(keys)]:
                samples[key[0]].setdefault(key[1], []).append(sides[key]())
        RunContext.forget()
    for length in LENGTHS:
        rows.append(
            BenchRow.compare(
                f"{length}-step chain, fully cached re-run: zen vs the floor (key, look-up, stat, row per step)",
                statistics.median(samples["zen"][length]),
                statistics.median(samples["floor"][length]),
                "s",
                budget=Budget(limit=0.010) if length == 50 else None,
            )
        )
    for name, by_length in samples.items():
        rows.extend(
            split_rows(name, by_length, LENGTHS, run="cached re-run", one_run="a 1-step re-run", step="cached step")
        )
    return rows


def profile(*, runs: int = 20) -> None:
    """Print where cached 50-step re-runs spend their time (cumulative, the 30 most expensive calls)."""
    with tempfile.TemporaryDirectory(prefix="zen-bench-cached-") as tmp:
        context = _context(Path(tmp))
        instance: PipelineInstance = chain_pipeline(50)
        for _ in range(3):
            timed_run(instance, context, cache=True)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            timed_run(instance, context, cache=True)
        profiler.disable()
        RunContext.forget()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    if "--profile" in sys.argv[1:]:
        profile()
    else:
        print_rows(run())
