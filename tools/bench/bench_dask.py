"""The Dask orchestrator against the reference runner: a 20-way fan-out of 0.5 s sleeping steps.

The reference runner runs the 20 branches one after another (about 10 s); the Dask orchestrator on a
LocalCluster of 2 single-threaded worker processes runs two at a time, so the goal is close to 2x faster. The
cluster is started once beforehand (its start-up is reported on its own row) and the stack points at it, as a
user with a running cluster would. Both runs persist artifacts and lineage with caching off.
Run: ``python -m tools.bench.bench_dask``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

from distributed import LocalCluster

from tools.bench._common import BenchRow, generated_function, print_rows
from zen_run import PipelineInstance, RunContext, RunOptions, execute, pipeline, step
from zen_run._project import Project
from zen_run._stack import Stack, StackRegistry

WIDTH = 20
NAP_S = 0.5


@step
def origin() -> int:
    """The fan-out's source."""
    return 1


@step
def nap(x: int) -> int:
    """Half a second of pretend work."""
    time.sleep(NAP_S)
    return x + 1


def fanout(width: int) -> PipelineInstance:
    """``origin`` feeding ``width`` independent ``nap`` steps."""
    slots = ["head", *(f"b{i}" for i in range(width))]
    body = "    h = head()\n" + "".join(f"    b{i}(h)\n" for i in range(width))
    func = generated_function(f"naps_{width}", slots, body, {"__name__": __name__})
    return pipeline(func)(head=origin(), **{f"b{i}": nap() for i in range(width)})


def _timed(instance: PipelineInstance, context: RunContext) -> float:
    started = time.perf_counter()
    run = execute(instance, context, RunOptions(enable_cache=False, progress=None))
    elapsed = time.perf_counter() - started
    if run.status != "completed":  # pragma: no cover - a benchmark of a failed run would mislead
        raise RuntimeError(f"benchmark run {run.id} ended {run.status}")
    return elapsed


def run(*, repeats: int = 2) -> list[BenchRow]:
    """Measure both orchestrators on the same pipeline in one project; returns the rows."""
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:  # the workers import this module by name
        sys.path.insert(0, root)
    warnings.simplefilter("ignore")  # unpinned-code warnings for the generated pipeline
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory(prefix="zen-bench-dask-") as tmp:
        project = Project(Path(tmp) / "project")
        os.environ["ZEN_ROOT"] = str(project.root)
        instance = fanout(WIDTH)
        started = time.perf_counter()
        with LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster:
            startup = time.perf_counter() - started
            StackRegistry(project.ensure()).register(
                Stack(name="bench-dask", orchestrator="dask", options={"address": str(cluster.scheduler_address)})
            )
            local = RunContext.open(project=project)
            dask = RunContext.open(project=project, stack="bench-dask")
            _timed(instance, dask)  # warm: workers import zen and this module once
            on_dask = min(_timed(instance, dask) for _ in range(repeats))
            reference = min(_timed(instance, local) for _ in range(repeats))
        RunContext.forget()
    serial = WIDTH * NAP_S
    rows.append(
        BenchRow.compare(
            f"{WIDTH}-way fan-out of {NAP_S} s steps: Dask (2 workers) vs reference runner",
            on_dask,
            reference,
            "s",
            "ratio close to 0.5 (2x faster)",
        )
    )
    rows.append(BenchRow.single(f"  reference runner vs sleeping alone ({serial:.0f} s)", reference - serial, "s"))
    rows.append(BenchRow.single("  LocalCluster start-up (2 worker processes), not in the runs above", startup, "s"))
    return rows


if __name__ == "__main__":
    print_rows(run())
