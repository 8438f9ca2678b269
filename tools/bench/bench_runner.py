"""The reference runner on a wide pipeline: a 20-way fan-out with a join, against the floor, in the same run.

Chains (10, 50, 200 steps beside Hamilton), the cached re-run, the large array, memory and import time are in
``bench_chain``; this adds the other shape the peers benchmark: one step feeding 20 trivial int steps, all
joined by one, artifacts and lineage persisted, caching off. Every value differs from the others and from the
run before's (artifacts are addressed by content: a value stored before is not written again). The floor (see
``_chain.Floors.floor``) stores 22 values as DESIGN.md's budget defines it (pickle file fsynced, one committed SQLite
row each); an informational row uses ``Floors.floor_in_row``, as durable as zen keeps small values. A 22-step
chain (the same number of steps, one input each) is timed beside the fan-out so the fan-out's own cost shows;
and 1-step runs of zen and of the floor give the cost per step beyond a run's fixed cost, which 22 steps share
where the 50-step chain spreads it over 50 (the budget row keeps it, as DESIGN.md's budget is per step of a whole
run). Every side runs in turn, interleaved in a rotating order. Run: ``python -m tools.bench.bench_runner``
(``--profile``: where the fan-out's runs and the chain's spend their time, one after the other).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tools.bench._chain import PER_STEP, PER_STEP_GOAL, Floors, chain_pipeline, timed_run
from tools.bench._common import BenchRow, generated_function, print_rows
from zen_run import PipelineInstance, RunContext, pipeline, step
from zen_run._project import Project
from zen_types import AnyFunction

WIDTH = 20
BEYOND_ONE = {"fan-out": "one step", "floor": "floor, one step"}
"""Each side, and the 1-step run whose time (the run's fixed cost and one step) is taken off it."""


@step
def start() -> int:
    """The fan-out's source: a new number each run."""
    return time.time_ns()


def _adding(amount: int) -> AnyFunction:
    """A trivial step function adding ``amount``: each branch of the fan-out returns its own value."""
    func = generated_function(f"add_{amount}", ["x: int"], f"    return x + {amount}\n", {"__name__": __name__})
    func.__annotations__ = {"x": int, "return": int}
    return func


def fanout_pipeline(width: int) -> PipelineInstance:
    """``start`` feeding ``width`` branches adding 1..width, all joined by one step."""
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
    return pipe(head=start(), joiner=joined(), **{f"w{i}": step(_adding(i + 1))() for i in range(width)})


def _values(steps: int) -> list[object]:
    begin = time.time_ns()
    return list(range(begin, begin + steps))


def run(*, repeats: int = 15) -> list[BenchRow]:
    """The fan-out's cost per step, zen against the floors and against a chain of as many steps, interleaved."""
    steps = WIDTH + 2
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="zen-bench-") as tmp, Floors(Path(tmp)) as floors:
        root = Path(tmp)
        os.environ["ZEN_ROOT"] = str(root / "project")
        context = RunContext.open(project=Project(root / "project"))
        fan, chain, one = fanout_pipeline(WIDTH), chain_pipeline(steps), chain_pipeline(1)
        sides: dict[str, Callable[[], float]] = {
            "fan-out": lambda: timed_run(fan, context, cache=False),
            "chain": lambda: timed_run(chain, context, cache=False),
            "one step": lambda: timed_run(one, context, cache=False),
            "floor": lambda: floors.floor(_values(steps)),
            "floor, one step": lambda: floors.floor(_values(1)),
            "floor in row": lambda: floors.floor_in_row(_values(steps)),
        }
        for action in sides.values():
            action()  # warm imports, code fingerprints, the floors' files and databases
        names = list(sides)
        for index in range(repeats):
            for name in names[index % len(names) :] + names[: index % len(names)]:
                samples.setdefault(name, []).append(sides[name]())
        RunContext.forget()
    medians = {name: statistics.median(times) for name, times in samples.items()}
    per_step = {name: median / steps for name, median in medians.items()}
    beyond = {side: (medians[side] - medians[one]) / (steps - 1) for side, one in BEYOND_ONE.items()}
    fan_out = f"{WIDTH}-way fan-out + join, per step"
    return [
        BenchRow.compare(
            f"{fan_out}: zen vs the floor", per_step["fan-out"], per_step["floor"], "s", PER_STEP_GOAL, budget=PER_STEP
        ),
        BenchRow.compare(
            f"{fan_out}: zen vs a floor as durable as zen's small values (pickle file, no fsync; its bytes in the "
            f"SQLite row)",
            per_step["fan-out"],
            per_step["floor in row"],
            "s",
        ),
        BenchRow.compare(
            f"{fan_out} beyond a 1-step run (the run's fixed cost left out on both sides): zen vs the floor",
            beyond["fan-out"],
            beyond["floor"],
            "s",
        ),
        BenchRow.compare(
            f"{fan_out}: zen vs zen on a {steps}-step chain (the fan-out's own cost)",
            per_step["fan-out"],
            per_step["chain"],
            "s",
        ),
    ]


def profile(*, runs: int = 20) -> None:
    """Print where the fan-out's runs spend their time, and then a 22-step chain's (cumulative, the 30 most
    expensive calls each): what the fan-out costs beyond a chain of as many steps is their difference."""
    steps = WIDTH + 2
    with tempfile.TemporaryDirectory(prefix="zen-bench-") as tmp:
        os.environ["ZEN_ROOT"] = str(Path(tmp) / "project")
        context = RunContext.open(project=Project(Path(tmp) / "project"))
        for label, instance in (("fan-out", fanout_pipeline(WIDTH)), (f"{steps}-step chain", chain_pipeline(steps))):
            for _ in range(3):
                timed_run(instance, context, cache=False)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(runs):
                timed_run(instance, context, cache=False)
            profiler.disable()
            print(f"== {label}, {runs} runs")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        RunContext.forget()


if __name__ == "__main__":
    if "--profile" in sys.argv[1:]:
        profile()
    else:
        print_rows(run())
