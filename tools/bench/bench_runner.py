"""Framework overhead of the reference runner against a hand-written floor, measured in the same run.

Workloads (the peers' benchmark shapes): a 10- and a 50-step chain of trivial int steps, a 20-way fan-out with
a join, and a 160 MB float64 array passed between two steps; each with artifacts and lineage persisted. The
baseline does the least a framework could: pickle each value to a file and insert one SQLite row per step
(committed). Also a fully cached re-run of the 50-step chain. Run: ``python tools/bench/bench_runner.py``.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tools.bench._common import BenchRow, generated_function, print_rows
from zen_run import PipelineInstance, RunContext, RunOptions, execute, pipeline, step
from zen_run._project import Project


@step
def start() -> int:
    """The head of a chain."""
    return 0


@step
def inc(x: int) -> int:
    """A trivial step."""
    return x + 1


@step
def make_array() -> NDArray[np.float64]:
    """160 MB of float64."""
    return np.arange(20_000_000, dtype=np.float64)


@step
def total(arr: NDArray[np.float64]) -> float:
    """Reads the array."""
    return float(arr[-1])


GOAL = "< 3x (aim 1.5x)"


def chain_pipeline(length: int) -> PipelineInstance:
    """``start`` followed by ``length - 1`` ``inc`` steps."""
    slots = [f"s{i}" for i in range(length)]
    body = "    h = s0()\n" + "".join(f"    h = {s}(h)\n" for s in slots[1:]) + "    return None\n"
    func = generated_function(f"chain_{length}", slots, body, {"__name__": __name__})
    pipe = pipeline(func)
    return pipe(s0=start(), **{s: inc() for s in slots[1:]})


def fanout_pipeline(width: int) -> PipelineInstance:
    """``start`` feeding ``width`` ``inc`` steps, all joined by one step."""
    ns: dict[str, object] = {"int": int, "__name__": __name__}
    join_params = [f"x{i}: int" for i in range(width)]
    join_func = generated_function(
        "join_all", join_params, f"    return {' + '.join(f'x{i}' for i in range(width))}\n", ns
    )
    join_func.__annotations__ = {**{f"x{i}": int for i in range(width)}, "return": int}
    joined = step(join_func)
    slots = ["head", *(f"w{i}" for i in range(width)), "joiner"]
    body = (
        "    h = head()\n"
        + "".join(f"    o{i} = w{i}(h)\n" for i in range(width))
        + f"    joiner({', '.join(f'o{i}' for i in range(width))})\n"
    )
    func = generated_function(f"fanout_{width}", slots, body, {"__name__": __name__})
    pipe = pipeline(func)
    return pipe(head=start(), joiner=joined(), **{f"w{i}": inc() for i in range(width)})


def array_pipeline() -> PipelineInstance:
    """A 160 MB array from one step to the next."""

    def arrays(make, use) -> None:  # type: ignore[no-untyped-def]  # slots are untyped here on purpose
        use(make())

    return pipeline(arrays)(make=make_array(), use=total())


def baseline(values: list[object], root: Path) -> float:
    """Seconds to pickle each value to a file and insert (and commit) one SQLite row per value."""
    db = sqlite3.connect(root / "baseline.db")
    db.execute("CREATE TABLE IF NOT EXISTS runs (step TEXT, path TEXT, created REAL)")
    started = time.perf_counter()
    for index, value in enumerate(values):
        path = root / f"v{index}-{time.perf_counter_ns()}.pkl"
        with path.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        db.execute("INSERT INTO runs VALUES (?, ?, ?)", (f"s{index}", str(path), time.time()))
        db.commit()
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def timed_run(instance: PipelineInstance, context: RunContext, *, cache: bool) -> float:
    """Seconds for one run of ``instance`` in ``context``, caching on or off, progress off."""
    started = time.perf_counter()
    execute(instance, context, RunOptions(enable_cache=None if cache else False, progress=False))
    return time.perf_counter() - started


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def run(*, repeats: int = 3) -> list[BenchRow]:
    """Measure every workload; returns one row per measurement."""
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory(prefix="zen-bench-") as tmp:
        root = Path(tmp)
        os.environ["ZEN_ROOT"] = str(root / "project")
        context = RunContext.open(project=Project(root / "project"))
        for length in (10, 50):
            instance = chain_pipeline(length)
            timed_run(instance, context, cache=False)  # warm imports and code fingerprints
            zen_s = _median([timed_run(instance, context, cache=False) for _ in range(repeats)])
            baseline(list(range(length)), root)  # warm the baseline's files and SQLite too
            base_s = _median([baseline(list(range(length)), root) for _ in range(repeats)])
            name = f"{length}-step int chain, per step"
            rows.append(BenchRow.compare(name, zen_s / length, base_s / length, "s", GOAL))
            if length == 50:
                timed_run(instance, context, cache=True)
                cached = _median([timed_run(instance, context, cache=True) for _ in range(repeats)])
                rows.append(BenchRow.single("50-step chain, fully cached re-run", cached, "s", "< 50 ms"))
        fan = fanout_pipeline(20)
        timed_run(fan, context, cache=False)
        zen_s = _median([timed_run(fan, context, cache=False) for _ in range(repeats)])
        base_s = _median([baseline(list(range(22)), root) for _ in range(repeats)])
        rows.append(BenchRow.compare("20-way fan-out + join, per step", zen_s / 22, base_s / 22, "s", GOAL))
        arrays = array_pipeline()
        zen_s = _median([timed_run(arrays, context, cache=False) for _ in range(2)])
        data = np.arange(20_000_000, dtype=np.float64)
        base_s = _median([baseline([data, float(data[-1])], root) for _ in range(2)])
        rows.append(BenchRow.compare("160 MB array between two steps, whole run", zen_s, base_s, "s", GOAL))
        RunContext.forget()
    return rows


if __name__ == "__main__":
    print_rows(run())
