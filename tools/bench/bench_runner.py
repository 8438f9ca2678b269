"""The reference runner on a wide pipeline: a 20-way fan-out with a join, against the floor, in the same run.

Chains (10, 50, 200 steps beside Hamilton), the cached re-run, the large array, memory and import time are in
``bench_chain``; this adds the other shape the peers benchmark: one step feeding 20 trivial int steps, all
joined by one, artifacts and lineage persisted, caching off. Every value differs from the others and from the
run before's (artifacts are addressed by content: a value stored before is not written again). The floor (see
``_chain.floor``) stores 22 values with the durability zen gives each step. Run:
``python -m tools.bench.bench_runner``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from tools.bench._chain import PER_STEP, PER_STEP_GOAL, floor, timed_run
from tools.bench._common import BenchRow, generated_function, print_rows
from zen_run import PipelineInstance, RunContext, pipeline, step
from zen_run._project import Project
from zen_types import AnyFunction

WIDTH = 20


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


def run(*, repeats: int = 3) -> list[BenchRow]:
    """The fan-out's cost per step, zen against the floor, interleaved run by run."""
    steps = WIDTH + 2
    with tempfile.TemporaryDirectory(prefix="zen-bench-") as tmp:
        root = Path(tmp)
        os.environ["ZEN_ROOT"] = str(root / "project")
        context = RunContext.open(project=Project(root / "project"))
        fan = fanout_pipeline(WIDTH)
        timed_run(fan, context, cache=False)  # warm imports and code fingerprints
        floor(list(range(steps)), root)  # and the floor's files and database
        zen_s, floor_s = [], []
        for _ in range(repeats):
            zen_s.append(timed_run(fan, context, cache=False))
            begin = time.time_ns()
            floor_s.append(floor(list(range(begin, begin + steps)), root))
        RunContext.forget()
    name = f"{WIDTH}-way fan-out + join, per step: zen vs the floor"
    zen_per_step, floor_per_step = statistics.median(zen_s) / steps, statistics.median(floor_s) / steps
    return [BenchRow.compare(name, zen_per_step, floor_per_step, "s", PER_STEP_GOAL, budget=PER_STEP)]


if __name__ == "__main__":
    print_rows(run())
