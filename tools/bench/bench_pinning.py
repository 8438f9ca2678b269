"""Per-run cost of code pinning: what a run pays to pin its steps and fingerprint their code.

A committed package of 10 modules with 5 steps each (50 steps) in a temporary git repository; each "run" is
what the runner does before the first step: pin every step function (source strings + repository state) and
fingerprint each step's code. Figures: the first run in the process (cold: repository discovery, reading the
tree, hashing and parsing each module) and the mean of the following runs (warm: nothing changed on disk).
Baseline, measured in the same run: one ``git rev-parse HEAD`` subprocess, the least any git-asking run pays.
A warm run right after the commit costs one ``git status`` (the repository state recorded with the run: files
changed in the last two seconds are always asked of git) plus dictionary look-ups and one ``stat`` per module file;
once the repository has settled, a warm run asks git nothing and looks at each tracked file instead (one ``lstat``
each: the last row). Before git plumbing (GitPython, a ``git status`` and a re-parse of every step
module per run) the same workload measured 22-27 ms per warm run and 29-45 ms for the first (plus ~0.28 s to
import GitPython).

Run: ``python -m tools.bench.bench_pinning``.
"""

from __future__ import annotations

import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from tools.bench._common import BenchRow, print_rows
from zen_run._pinning import Pinner

MODULES = 10
STEPS_PER_MODULE = 5
WARM_RUNS = 30
SETTLED_S = 2.1
"""Seconds after which every file of the repository last changed more than two seconds ago: its state is kept
between runs from then on (``zen_git._status``)."""


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _project(root: Path) -> list[object]:
    """A committed package of step modules, imported; returns the step functions."""
    package = root / "bench_pin_steps"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("def scale(x: int) -> int:\n    return 2 * x\n")
    for m in range(MODULES):
        body = ["from zen_run import step", "from bench_pin_steps.helpers import scale", ""]
        for s in range(STEPS_PER_MODULE):
            body += ["", "@step", f"def s{m}_{s}(x: int) -> int:", f"    return scale(x) + {s}", ""]
        (package / f"mod{m}.py").write_text("\n".join(body))
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "steps")
    past = time.time() - 60  # saved a minute ago: files changed in the last seconds are re-read on purpose
    for file in package.iterdir():
        os.utime(file, (past, past))
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    found: list[object] = []
    for m in range(MODULES):
        module = importlib.import_module(f"bench_pin_steps.mod{m}")
        found += [getattr(module, f"s{m}_{s}").func for s in range(STEPS_PER_MODULE)]
    return found


def _one_run(pinner: Pinner, funcs: list[object]) -> float:
    started = time.perf_counter()
    sources, _ = pinner.pin_many({f"{f.__module__}.{getattr(f, '__qualname__', '')}": f for f in funcs})
    for func in funcs:
        pinner.fingerprint(func)
    elapsed = time.perf_counter() - started
    assert all("@" in s for s in sources.values()), sources
    return elapsed


def run() -> list[BenchRow]:
    """Cold and warm per-run pinning cost against one ``git rev-parse`` in the same run."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        root = Path(tmp).resolve()
        funcs = _project(root)
        try:
            pinner = Pinner(root)
            cold = _one_run(pinner, funcs)
            warm = statistics.mean(_one_run(pinner, funcs) for _ in range(WARM_RUNS))
            time.sleep(SETTLED_S)
            settled = statistics.mean(_one_run(pinner, funcs) for _ in range(WARM_RUNS))
            floor = []
            for _ in range(WARM_RUNS):
                started = time.perf_counter()
                subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True)
                floor.append(time.perf_counter() - started)
        finally:
            sys.path.remove(str(root))
    baseline = statistics.mean(floor)
    steps = MODULES * STEPS_PER_MODULE
    return [
        BenchRow.compare(f"pinning, first run ({steps} steps)", cold, baseline, "s", "one-off"),
        BenchRow.compare(
            f"pinning per run, warm, files committed moments ago ({steps} steps)", warm, baseline, "s", "< 3 ms per run"
        ),
        BenchRow.compare(
            f"pinning per run, warm, repository settled ({steps} steps)", settled, baseline, "s", "< 3 ms per run"
        ),
    ]


if __name__ == "__main__":
    print_rows(run())
