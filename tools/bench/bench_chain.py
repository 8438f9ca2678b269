"""zen beside Hamilton (the fastest peer that persists results) and a hand-written floor, in the same process, on
the same disk, interleaved run by run; then the budgets of a run: fixed cost, cost per step, a fully cached
re-run, peak memory, a large array step, and ``import zen_run``.

- **Chains** of 10, 50 and 200 trivial int steps, artifacts and lineage persisted, new values each run (see
  ``_chain.py``; a row shows a run storing the values of the run before): zen with caching off; Hamilton
  1.90 with its result cache (``recompute=True``: every node computed and its result stored, each run); the floor
  (``_chain.Floors.floor``) pickles each value to a file, fsyncs it and commits one SQLite row per step; a second floor
  (``Floors.floor_in_row``, informational) is as durable as zen keeps small values: the file is not fsynced and
  the pickled bytes go into the committed row. Every side and length runs in turn, interleaved in a rotating
  order, for 15 rounds, and more (up to 40) until zen's fixed cost is known within 1 ms; a weighted line over
  the three lengths' medians splits each side's time into a fixed cost per run and a cost per step, and 1-step
  runs measure the fixed cost directly (a 1-step run minus one step's cost), each with its 95% interval (see
  ``_fit``); zen's direct figure is taken in CPU time too, which a loaded machine does not blur (the benchmark's
  project is not in a git repository, so neither includes pinning: these rows are informational, and the budget
  of 3 ms per run is judged where users run zen, in a git project with its steps pinned: see
  ``bench_git_project``).
- **Array**: a 160 MB float64 array created (and changed between attempts) before timing; zen runs a one-step
  pipeline that returns it (written, hashed, made durable) and reads it back through the client (verified); the
  floor does ``np.save`` to a file, fsyncs it and ``np.load``s it.
- **Peak RSS** (``VmHWM``) of a fresh process that imports zen and runs the 50-step chain once; **import** time
  of ``import zen_run`` (its names load lazily) and of what a pipeline module imports (``from zen_run import
  Client, pipeline, step`` and zen-types' ``BaseStepConfig, Input, Output``) in fresh processes, wall and CPU, the
  best of ten; once with bytecode as this environment has it (none is written under ``PYTHONDONTWRITEBYTECODE``,
  so every module of zen and its libraries is compiled from source each time) and once with every module's
  bytecode cached (an installed zen after its first import), in a cache folder of its own.

Hamilton is a benchmark-only dependency (``uv sync --group bench``); without it its rows are left out and say so.
Run: ``python -m tools.bench.bench_chain``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from tools.bench._chain import PER_STEP, PER_STEP_GOAL, Floors, chain_pipeline, timed_run
from tools.bench._common import BenchRow, Budget, print_rows
from tools.bench._fit import MIN_RUNS, fit_line, fixed_by_difference
from tools.bench._fit_rows import split_rows
from zen_run import Client, PipelineInstance, RunContext, RunOptions, execute, pipeline, step
from zen_run._project import Project

LENGTHS = (10, 50, 200)
REPEATS = 15
ARRAY_ATTEMPTS = 6
"""Attempts of the array step on each side (6: each side goes first three times)."""
MOST_REPEATS = 40
FIXED_PRECISION = 0.001
"""Seconds: the chains run past ``REPEATS`` rounds (up to ``MOST_REPEATS``) until the 95% interval of zen's fixed
cost per run is no wider than this, a third of its 3 ms budget."""
IMPORT_BUDGET = Budget(limit=0.25)
CPU_LENGTHS = (1, 10, 50)
IN_ROW = "zen vs a floor as durable as zen's small values (pickle file, no fsync; its bytes in the SQLite row)"
SAME_VALUES = "50-step chain, no cache, the values of the run before (stored once, not written again)"
MISSING_HAMILTON = "Hamilton not installed (python3 -m uv sync --frozen --group bench): no Hamilton rows"
ROOT = Path(__file__).resolve().parents[2]
_ARRAY: list[NDArray[np.float64]] = []
_K = TypeVar("_K", bound=Hashable)


@step
def given_array() -> NDArray[np.float64]:
    """The array made before timing (the step only hands it over)."""
    return _ARRAY[0]


def _array_pipeline() -> PipelineInstance:
    def one_array(make) -> None:  # type: ignore[no-untyped-def]  # slots are untyped here on purpose
        make()

    return pipeline(one_array)(make=given_array())


def _hamilton_module(length: int, folder: Path, *, fresh: bool) -> ModuleType:
    """A module of ``length`` chained functions (Hamilton reads their source, so it is a real file); the head
    returns a new number each run when ``fresh``, as zen's chain does (Hamilton's cache stores a value once too)."""
    head = "time.time_ns()" if fresh else "0"
    lines = [f"import time\n\n\ndef s0() -> int:\n    return {head}\n"]
    lines += [f"def s{i}(s{i - 1}: int) -> int:\n    return s{i - 1} + 1\n" for i in range(1, length)]
    path = folder / f"hamilton_{'fresh' if fresh else 'same'}_{length}.py"
    path.write_text("\n\n".join(lines))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _hamilton_runner(length: int, folder: Path, *, fresh: bool = True) -> Callable[[], float] | None:
    try:  # imported by name: a benchmark-only dependency, without type information
        driver = importlib.import_module("hamilton.driver")
    except ImportError:
        return None
    module = _hamilton_module(length, folder, fresh=fresh)
    cache = folder / f"hamilton-cache-{module.__name__}"

    def run() -> float:
        started = time.perf_counter()
        dr = driver.Builder().with_modules(module).with_cache(path=cache, recompute=True).build()
        dr.execute([f"s{length - 1}"])
        return time.perf_counter() - started

    return run


def _floor(length: int, floors: Floors, *, in_row: bool = False) -> float:
    """The floor for a chain of ``length`` steps (see ``_chain.Floors``), new values each run."""
    start = time.time_ns()
    return (floors.floor_in_row if in_row else floors.floor)(list(range(start, start + length)))


def _interleaved(
    sides: Mapping[_K, Callable[[], float]],
    repeats: int,
    *,
    enough: Callable[[Mapping[_K, list[float]]], bool] | None = None,
    most: int = 0,
) -> dict[_K, list[float]]:
    """The seconds of each side's runs, each warmed once, then run in rounds interleaved in a rotating order (so
    each sees the same machine state, whatever drifts during the benchmark): ``repeats`` rounds, then more while
    ``enough`` says the runs so far do not measure what they must, up to ``most`` rounds."""
    samples: dict[_K, list[float]] = {name: [] for name in sides}
    for action in sides.values():
        action()  # warm imports, code fingerprints, files
    names = list(sides)
    index = 0
    while index < repeats or (enough is not None and index < most and not enough(samples)):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            samples[name].append(sides[name]())
        index += 1
    return samples


def _fixed_cost_known(samples: Mapping[tuple[str, int], list[float]]) -> bool:
    """Whether zen's fixed cost per run is known to ``FIXED_PRECISION`` (its 95% interval no wider)."""
    fixed = fit_line({length: samples["zen", length] for length in LENGTHS}).fixed
    return fixed.high - fixed.low <= FIXED_PRECISION


def _cpu_run(instance: PipelineInstance, context: RunContext) -> float:
    """CPU seconds this process spends on one run of ``instance``, caching off."""
    started = time.process_time()
    execute(instance, context, RunOptions(enable_cache=False, progress=False))
    return time.process_time() - started


def _cpu_fixed_row(context: RunContext, repeats: int) -> BenchRow:
    """zen's fixed cost per run in CPU time, measured directly (1-step runs minus one step's CPU, fitted over 10-
    and 50-step runs): what the wall-clock figure would be with no wait for the disk or for another process, so a
    loaded machine, whose wall-clock interval cannot decide the budget, still shows where the figure lies."""
    sides = {length: functools.partial(_cpu_run, chain_pipeline(length), context) for length in CPU_LENGTHS}
    direct = fixed_by_difference(_interleaved(sides, repeats), short=1)
    return BenchRow.estimated(
        "zen: fixed cost per run in CPU time, direct (a 1-step run minus one step's CPU; informational)",
        direct.value,
        (direct.low, direct.high),
        "s",
    )


def _same_values_rows(context: RunContext, folder: Path, repeats: int) -> list[BenchRow]:
    """The 50-step chain storing the values of the run before: zen and Hamilton both address results by content,
    so neither writes them again."""
    sides: dict[str, Callable[[], float]] = {
        "zen": functools.partial(timed_run, chain_pipeline(50, fresh=False), context, cache=False)
    }
    hamilton = _hamilton_runner(50, folder, fresh=False)
    if hamilton is not None:
        sides["hamilton"] = hamilton
    medians = {name: statistics.median(times) for name, times in _interleaved(sides, repeats).items()}
    if hamilton is None:
        return [BenchRow.single(SAME_VALUES, medians["zen"], "s")]
    return [BenchRow.compare(f"{SAME_VALUES}: zen vs Hamilton", medians["zen"], medians["hamilton"], "s")]


_RSS_CHILD = textwrap.dedent(
    """
    import os, sys, warnings
    warnings.simplefilter("ignore")
    os.environ["ZEN_ROOT"] = sys.argv[1]
    from tools.bench._chain import chain_pipeline  # no numpy: the process holds zen alone
    from zen_run import RunContext, RunOptions, execute
    from zen_run._project import Project
    from pathlib import Path
    context = RunContext.open(project=Project(Path(sys.argv[1])))
    execute(chain_pipeline(50), context, RunOptions(enable_cache=False, progress=False))
    status = Path("/proc/self/status").read_text().splitlines()
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))  # kB; ru_maxrss keeps the parent's
    """
)

_USER_IMPORTS = "from zen_run import Client, pipeline, step; from zen_types import BaseStepConfig, Input, Output"
_IMPORT_CHILD = (
    "import time; c = time.process_time(); w = time.perf_counter(); import zen_run; "
    f"w1, c1 = time.perf_counter() - w, time.process_time() - c; {_USER_IMPORTS}; "
    "print(w1, c1, time.perf_counter() - w, time.process_time() - c)"
)
IMPORT_REPEATS = 10


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600
    )
    return done.stdout.strip().splitlines()[-1]


def _import_rows() -> list[BenchRow]:
    """Import times in fresh processes, with bytecode as this environment has it and with all of it cached."""
    as_is = "no bytecode written" if sys.flags.dont_write_bytecode else "bytecode as installed"
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory(prefix="zen-bench-bytecode-") as cache:
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
            "PYTHONPYCACHEPREFIX": cache
        }
        _child(_IMPORT_CHILD, env=cached)  # compiles every module once, into the cache folder
        for label, env in ((as_is, None), ("bytecode cached", cached)):
            samples = [[float(v) for v in _child(_IMPORT_CHILD, env=env).split()] for _ in range(IMPORT_REPEATS)]
            best = [min(sample[i] for sample in samples) for i in range(4)]
            named = f"fresh process, {label}, best of {IMPORT_REPEATS}"
            rows.append(BenchRow.single(f"import zen_run ({named}, wall)", best[0], "s", budget=IMPORT_BUDGET))
            rows.append(BenchRow.single(f"import zen_run ({named}, CPU)", best[1], "s"))
            user = "from zen_run import Client, pipeline, step + zen_types' BaseStepConfig, Input, Output"
            rows.append(BenchRow.single(f"{user} ({named}, wall)", best[2], "s", budget=IMPORT_BUDGET))
            rows.append(BenchRow.single(f"{user} ({named}, CPU)", best[3], "s"))
    return rows


def _array_rows(context: RunContext, folder: Path) -> list[BenchRow]:
    _ARRAY[:] = [np.random.default_rng(0).random(20_000_000)]
    instance = _array_pipeline()
    zen_times: list[float] = []
    floor_times: list[float] = []

    def zen_side() -> None:
        started = time.perf_counter()
        run = execute(instance, context, RunOptions(enable_cache=False, progress=False))
        read = Client(context=context).get_run(run.id).steps["make"].outputs["output"].read()
        zen_times.append(time.perf_counter() - started)
        assert isinstance(read, np.ndarray) and read.shape == _ARRAY[0].shape

    def floor_side() -> None:
        started = time.perf_counter()
        path = folder / f"floor-{time.perf_counter_ns()}.npy"
        with path.open("wb") as handle:
            np.save(handle, _ARRAY[0])
            handle.flush()
            os.fsync(handle.fileno())
        assert np.load(path).shape == _ARRAY[0].shape
        floor_times.append(time.perf_counter() - started)
        path.unlink()

    for attempt in range(ARRAY_ATTEMPTS):
        _ARRAY[0][0] = attempt  # new content each time, outside the timing: an array stored before is not rewritten
        # Each side goes first in every other attempt: whichever follows the other's 160 MB write and fsync may find
        # the disk still busy with it, or the page cache warm.
        for side in (zen_side, floor_side) if attempt % 2 == 0 else (floor_side, zen_side):
            side()
    _ARRAY.clear()
    return [
        BenchRow.compare(
            "160 MB array step (made before timing): zen write + fsync + read vs np.save + fsync + np.load",
            statistics.median(zen_times),
            statistics.median(floor_times),
            "s",
            budget=Budget(limit=1.2, on_ratio=True, inclusive=True),
        )
    ]


def run(*, repeats: int = REPEATS, most_repeats: int = MOST_REPEATS) -> list[BenchRow]:
    """Every figure of this module, as rows."""
    load = os.getloadavg()[0]
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory(prefix="zen-bench-chain-") as tmp, Floors(Path(tmp)) as floors:
        folder = Path(tmp)
        os.environ["ZEN_ROOT"] = str(folder / "project")
        context = RunContext.open(project=Project(folder / "project"))
        sides: dict[tuple[str, int], Callable[[], float]] = {}
        for length in (1, *LENGTHS):  # the 1-step runs measure the fixed cost directly
            sides["zen", length] = functools.partial(timed_run, chain_pipeline(length), context, cache=False)
            sides["floor", length] = functools.partial(_floor, length, floors)
            sides["floor in row", length] = functools.partial(_floor, length, floors, in_row=True)
            hamilton = _hamilton_runner(length, folder)
            if hamilton is not None:
                sides["hamilton", length] = hamilton
        samples: dict[str, dict[int, list[float]]] = {"zen": {}, "hamilton": {}, "floor": {}, "floor in row": {}}
        timed = _interleaved(sides, repeats, enough=_fixed_cost_known, most=most_repeats)
        for (name, length), runs in timed.items():
            samples[name][length] = runs
        medians = {name: {length: statistics.median(t) for length, t in by.items()} for name, by in samples.items()}
        for length in LENGTHS:
            zen_s = medians["zen"][length]
            if medians["hamilton"]:
                rows.append(
                    BenchRow.compare(
                        f"{length}-step chain, no cache: zen vs Hamilton 1.90 with its result cache (whole run)",
                        zen_s,
                        medians["hamilton"][length],
                        "s",
                        budget=Budget(limit=0.8, on_ratio=True, inclusive=True) if length == 50 else None,
                    )
                )
            rows.append(
                BenchRow.compare(
                    f"{length}-step chain, no cache: zen vs the floor (pickle + fsync + SQLite row per step)",
                    zen_s,
                    medians["floor"][length],
                    "s",
                    PER_STEP_GOAL,
                    budget=PER_STEP if length == 50 else None,
                )
            )
            rows.append(
                BenchRow.compare(
                    f"{length}-step chain, no cache: {IN_ROW}", zen_s, medians["floor in row"][length], "s"
                )
            )
        for name, by_length in samples.items():
            if not by_length:
                rows.append(BenchRow.single(MISSING_HAMILTON, 0, "s"))
                continue
            rows.extend(split_rows(name, by_length, LENGTHS))
        rows.append(_cpu_fixed_row(context, max(repeats, MIN_RUNS)))
        rows.extend(_same_values_rows(context, folder, repeats))
        chain = chain_pipeline(50)
        timed_run(chain, context, cache=True)
        cached = statistics.median([timed_run(chain, context, cache=True) for _ in range(repeats)])
        rows.append(BenchRow.single("50-step chain, fully cached re-run", cached, "s", budget=Budget(limit=0.010)))
        rows.extend(_array_rows(context, folder))
        RunContext.forget()
        rss_kb = int(_child(_RSS_CHILD, str(folder / "rss-project")))
        rss = "peak RSS of a process running the 50-step chain"
        rows.append(BenchRow.single(rss, rss_kb / 1024, "MB", budget=Budget(limit=50, inclusive=True)))
    rows.extend(_import_rows())
    rows.append(BenchRow.single("load average (1 min) when this benchmark began, 2 cores", load, "runnable"))
    return rows


if __name__ == "__main__":
    print_rows(run())
