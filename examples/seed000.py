"""The seed 000 example as a module: ``returns_one`` -> ``adds`` with ``AddConfig(add_amount=3)``.

Steps live in an importable module (not ``__main__``) so zen can pin them to a git commit and re-run them.
"""

from __future__ import annotations

from zen_run import BaseStepConfig, Slot, pipeline, step


class AddConfig(BaseStepConfig):
    """How much ``adds`` adds."""

    add_amount: int = 1


@step
def returns_one() -> int:
    """A step with no inputs and one output named ``output``."""
    return 1


@step
def adds(some_num: int, config: AddConfig) -> int:
    """A step with one input (passed by value) and a config."""
    return some_num + config.add_amount


@pipeline
def add_pipeline(first: Slot[[], int], second: Slot[[int], int]) -> None:
    """Data dependencies only: the output of ``first`` feeds ``second``."""
    second(first())


instance = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
