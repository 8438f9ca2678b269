"""Steps that print, log and fail, for the log-capture tests (module level, so workers and subprocesses import
them)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

from zen_run import BaseStepConfig, Slot, pipeline, step

log = logging.getLogger("tests.chatty")


class WaitConfig(BaseStepConfig):
    """A flag file the waiting step waits for (at most 60 s)."""

    flag: str = ""


@step
def chatty() -> int:
    """Prints to stdout and stderr, logs a warning, and prints from a thread it starts."""
    print("to stdout")
    print("to stderr", file=sys.stderr)
    log.warning("a warning record")
    log.debug("a debug record the logger's level filters out")
    worker = threading.Thread(target=lambda: print("from a thread the step started"))
    worker.start()
    worker.join()
    return 1


@step
def loud_failure(x: int) -> int:
    """Prints, then raises."""
    print(f"about to fail with {x}")
    raise ValueError("failed on purpose after printing")


@step
def waits(config: WaitConfig) -> int:
    """Prints, waits for the flag file, prints again (to watch its logs while it runs)."""
    print("before the flag", flush=True)
    flag = Path(config.flag)
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    print("after the flag")
    return 2


@step
def naps() -> bytes:
    """Prints, naps (a live display ticks meanwhile), and returns 2 MB."""
    print("napping")
    time.sleep(0.6)
    return bytes(2_000_000)


@step
def floods() -> int:
    """Prints more than the lineage store keeps."""
    print("x" * 1_100_000)
    print("the end")
    return 3


@pipeline
def one_step(only: Slot[[], int]) -> None:
    """A single step."""
    only()


@pipeline
def one_blob(only: Slot[[], bytes]) -> None:
    """A single step returning bytes."""
    only()


@pipeline
def print_then_fail(first: Slot[[], int], second: Slot[[int], int]) -> None:
    """The first step's output feeds the second."""
    second(first())


chatty_instance = one_step(only=chatty())
failing_instance = print_then_fail(first=chatty(), second=loud_failure())
flood_instance = one_step(only=floods())
