"""A chain of trivial int steps without heavy imports, for measuring a process that runs only zen (peak memory)."""

from __future__ import annotations

from tools.bench._common import generated_function
from zen_run import PipelineInstance, pipeline, step

__all__ = ["chain_pipeline"]


@step
def first() -> int:
    """The head of a chain."""
    return 0


@step
def plus_one(x: int) -> int:
    """A trivial step."""
    return x + 1


def chain_pipeline(length: int) -> PipelineInstance:
    """``first`` followed by ``length - 1`` ``plus_one`` steps."""
    slots = [f"s{i}" for i in range(length)]
    body = "    h = s0()\n" + "".join(f"    h = {s}(h)\n" for s in slots[1:]) + "    return None\n"
    func = generated_function(f"chain_{length}", slots, body, {"__name__": __name__})
    return pipeline(func)(s0=first(), **{s: plus_one() for s in slots[1:]})
