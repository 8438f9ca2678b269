"""A pipeline whose middle step waits at a gate (a file), so a test can act on the servers while a run is mid-way."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.zen_run.pipelines import returns_one, three
from zen_run import step
from zen_types import PipelineInstance


@step
def gated(x: int) -> int:
    """Marks ``$ZEN_TEST_GATE.started``, then waits (up to 2 minutes) until the file ``$ZEN_TEST_GATE`` exists."""
    gate = Path(os.environ["ZEN_TEST_GATE"])
    Path(f"{gate}.started").touch()
    deadline = time.monotonic() + 120
    while not gate.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return x + 1


@step
def doubles(x: int) -> int:
    """Twice its input."""
    return 2 * x


gated_instance: PipelineInstance = three(first=returns_one(), second=gated(), third=doubles())
"""returns_one -> gated -> doubles: 4 once the gate opens."""
