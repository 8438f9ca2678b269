"""Steps and pipelines the Dask orchestrator tests use (module level, so workers can import them)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from zen_run import BaseStepConfig, Slot, pipeline, step
from zen_types import PipelineInstance


class BranchConfig(BaseStepConfig):
    """One branch of the fan-out."""

    factor: int = 1
    sleep_s: float = 0.0
    fail: bool = False


@step
def seed() -> list[int]:
    """The fan-out's source."""
    return [1, 2, 3]


@step
def branch(values: list[int], config: BranchConfig) -> dict[str, float]:
    """Scales the values (after sleeping, to show overlap); fails on demand."""
    time.sleep(config.sleep_s)
    if config.fail:
        raise ValueError("branch failed on purpose")
    return {"sum": float(sum(v * config.factor for v in values)), "factor": float(config.factor)}


@step
def join(a: dict[str, float], b: dict[str, float], c: dict[str, float], d: dict[str, float]) -> float:
    """Gathers the branches' sums."""
    return a["sum"] + b["sum"] + c["sum"] + d["sum"]


@pipeline
def fan_out(  # noqa: PLR0917  # a pipeline declares one parameter per slot
    source: Slot[[], list[int]],
    one: Slot[[list[int]], dict[str, float]],
    two: Slot[[list[int]], dict[str, float]],
    three: Slot[[list[int]], dict[str, float]],
    four: Slot[[list[int]], dict[str, float]],
    gather: Slot[[dict[str, float], dict[str, float], dict[str, float], dict[str, float]], float],
) -> None:
    """A source, four independent branches, a join."""
    values = source()
    gather(one(values), two(values), three(values), four(values))


def fan_out_instance(*, sleep_s: float = 0.0, fail_three: bool = False) -> PipelineInstance:
    """The fan-out with branch factors 1..4."""
    return fan_out(
        source=seed(),
        one=branch(BranchConfig(factor=1, sleep_s=sleep_s)),
        two=branch(BranchConfig(factor=2, sleep_s=sleep_s)),
        three=branch(BranchConfig(factor=3, sleep_s=sleep_s, fail=fail_three)),
        four=branch(BranchConfig(factor=4, sleep_s=sleep_s)),
        gather=join(),
    )


class CrashConfig(BaseStepConfig):
    """Kill the worker process running the step: always, or only while ``marker`` does not exist yet."""

    marker: str = ""
    always: bool = False


@step
def crash(values: list[int], config: CrashConfig) -> int:
    """Takes its worker process down (as an out-of-memory kill would), then, on a retry, succeeds."""
    marker = Path(config.marker)
    if config.always or not marker.exists():
        marker.touch()
        os._exit(13)
    return sum(values)


@pipeline
def fragile(source: Slot[[], list[int]], risky: Slot[[list[int]], int]) -> None:
    """A source and a step that may kill its worker."""
    risky(source())


def fragile_instance(marker: Path, *, always: bool) -> PipelineInstance:
    """The fragile pipeline with a crashing step."""
    return fragile(source=seed(), risky=crash(CrashConfig(marker=str(marker), always=always)))
