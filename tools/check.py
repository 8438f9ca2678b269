"""Run every check zen promises: lint, format, ``mypy --strict`` over packages/tests/tools, and the test suite.

This is the README's second set-up command and what ``.ci/run`` calls. It stops at the first failing stage and
exits with that stage's code, so CI fails loudly and locally you see the first thing to fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _stage(name: str, argv: list[str]) -> None:
    print(f"==> {name}: {' '.join(argv)}", flush=True)
    started = time.perf_counter()
    code = subprocess.call(argv, cwd=ROOT)
    print(f"<== {name}: exit {code} in {time.perf_counter() - started:.1f}s", flush=True)
    if code != 0:
        sys.exit(code)


def main(argv: list[str]) -> None:
    """Run the stages; extra arguments go to pytest (e.g. ``-k store``)."""
    py = sys.executable
    _stage("ruff lint", [py, "-m", "ruff", "check", "."])
    _stage("ruff format", [py, "-m", "ruff", "format", "--check", "."])
    _stage("mypy --strict", [py, "-m", "mypy", "--config-file", "mypy.ini", "packages", "tests", "tools"])
    workers = os.environ.get("ZEN_TEST_WORKERS", "2")
    _stage("pytest", [py, "-m", "pytest", "-n", workers, *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
