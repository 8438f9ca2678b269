"""Steps and pipelines the runner tests use (module level, so they can be pinned and re-imported)."""

from __future__ import annotations

from typing import NamedTuple

from zen_run import BaseStepConfig, Input, Output, Slot, pipeline, step

CALLS: dict[str, int] = {}
FAIL: dict[str, bool] = {"middle": False}


def _count(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1


class AddConfig(BaseStepConfig):
    """How much to add."""

    add_amount: int = 1


def helper_offset() -> int:
    """In-repository code a step calls: editing it must invalidate the cache."""
    return 0


@step
def returns_one() -> int:
    """1."""
    _count("returns_one")
    return 1


@step
def adds(some_num: int, config: AddConfig) -> int:
    """Adds the configured amount."""
    _count("adds")
    return some_num + config.add_amount + helper_offset()


@step
def middle(x: int) -> int:
    """Fails on demand."""
    _count("middle")
    if FAIL["middle"]:
        raise ValueError("middle failed on purpose")
    return x * 10


@step
def wrong_type() -> int:
    """Declares int, returns str."""
    return "not an int"  # type: ignore[return-value]  # the runner must catch this


class Split(NamedTuple):
    """Two named outputs."""

    low: list[int]
    high: list[int]


@step
def numbers() -> list[int]:
    """Some numbers."""
    return [5, 1, 9, 3]


@step
def split(values: list[int]) -> Split:
    """Named outputs."""
    return Split([v for v in values if v < 5], [v for v in values if v >= 5])


@step
def total(values: Input[list[int]], result: Output[int]) -> None:
    """Seed 001 style: an Input handle and an Output handle."""
    result.write(sum(values.read()))
    result.metadata["note"] = "summed"


@pipeline
def add_pipeline(first: Slot[[], int], second: Slot[[int], int]) -> None:
    """The seed 000 pipeline."""
    second(first())


@pipeline
def three(first: Slot[[], int], second: Slot[[int], int], third: Slot[[int], int]) -> None:
    """A chain of three."""
    third(second(first()))


@pipeline
def handles(source: Slot[[], list[int]], splitter: Slot[[list[int]], Split], summer: Slot[[list[int]], None]) -> None:
    """Named outputs and handles."""
    parts = splitter(source())
    summer(parts.high)


@pipeline
def single(only: Slot[[], int]) -> None:
    """One step."""
    only()


class Unstorable:
    """A plain class no materializer handles."""


@step
def interrupted(x: int) -> int:
    """Behaves as if the user pressed Ctrl-C while it ran."""
    raise KeyboardInterrupt


@pipeline(enable_cache=False)
def uncached(first: Slot[[], int], second: Slot[[int], int]) -> None:
    """The seed pipeline with caching turned off for the whole pipeline."""
    second(first())
