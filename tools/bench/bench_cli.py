"""Start-up cost of the ``zen`` command: ``zen --help`` and a command's ``--help``, in fresh processes.

Help runs before any command, so it imports only click and the command modules (each command imports the rest
of zen when it runs). Figures: the median wall time of ``zen --help``, ``zen runs list --help`` and
``zen ui --help`` (a plugged-in command, loaded from its entry point). Baseline, measured in the same run: a
Python process that does nothing (``python -c pass``), the floor of any command written in Python. Before the
command was rebuilt on click with lazy imports, ``zen --help`` imported every zen package and measured about
0.45-0.6 s on an idle 2-core machine.

Run: ``python -m tools.bench.bench_cli``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from tools.bench._common import BenchRow, print_rows

REPEATS = 15
ZEN = str(Path(sys.executable).with_name("zen"))


def _median_s(command: list[str]) -> float:
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run() -> list[BenchRow]:
    """``zen --help`` and two commands' help against an empty Python process, in the same run."""
    baseline = _median_s([sys.executable, "-c", "pass"])
    return [
        BenchRow.compare(f"zen {' '.join(args)}", _median_s([ZEN, *args]), baseline, "s", "< 0.3 s")
        for args in (["--help"], ["runs", "list", "--help"], ["ui", "--help"])
    ]


if __name__ == "__main__":
    print_rows(run())
