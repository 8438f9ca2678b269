"""The ``zen`` command line run as a user runs it: a fresh ``python -m zen_run`` process in a folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["zen"]


def zen(
    cwd: Path, *args: str, code: int | None = 0, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``zen ARGS`` in ``cwd``, without the test process's ``ZEN_ROOT`` and ``PYTHONPATH`` (``env`` adds
    variables); asserts the exit code unless ``code`` is None."""
    base = {k: v for k, v in os.environ.items() if k not in ("ZEN_ROOT", "PYTHONPATH")}
    done = subprocess.run(
        [sys.executable, "-m", "zen_run", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if code is not None:
        assert done.returncode == code, done.stdout + done.stderr
    return done
