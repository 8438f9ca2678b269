"""What the `zen` command prints is safe for a terminal and a pipe: names users chose cannot send escape
sequences or break rows, and a reader that goes away (`| head`) ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

from tests.zen_run.test_cli import ZEN, zen
from tests.zen_run.test_cli import workdir as workdir  # noqa: PLC0414 - the same project, with its pipelines


def test_control_characters_in_names_are_escaped(workdir: Path) -> None:
    """A run name with an ANSI colour and a newline lists as one row with both shown as escapes."""
    zen(workdir, "run", "flows:instance", "-q", "--run-name", "evil\x1b[31mred\nsecond line")
    listed = zen(workdir, "runs", "list")
    assert "\x1b" not in listed and listed.count("\n") == 1
    assert "evil\\x1b[31mred\\nsecond line" in listed
    missing = zen(workdir, "runs", "show", "\x1b[2J", expect=3)
    assert "\x1b" not in missing and "\\x1b[2J" in missing


def test_a_failing_steps_traceback_cannot_restyle_the_terminal(workdir: Path) -> None:
    """A step raising with a terminal escape in its message: the one-line error and the traceback under it show the
    escape as text, and the traceback keeps its lines."""
    (workdir / "hostile.py").write_text(
        "from zen_run import Slot, pipeline, step\n\n"
        "@step\ndef loud() -> int:\n    raise ValueError('bad \\x1b[31m value\\nsecond line')\n\n"
        "@pipeline\ndef shouting(only: Slot[[], int]) -> None:\n    only()\n\n"
        "instance = shouting(only=loud())\n"
    )
    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    done = subprocess.run(
        [*ZEN, "run", "hostile:instance", "-q"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "\x1b" not in done.stderr
    assert "ValueError: bad \\x1b[31m value\nsecond line" in done.stderr, done.stderr


def test_gc_piped_into_head_exits_quietly(workdir: Path) -> None:
    """`zen gc | head -2` with a long report: two lines out, nothing on stderr, no traceback, exit 141."""
    zen(workdir, "init")
    root = workdir / ".zen" / "artifacts"
    old = time.time() - 3600
    for _ in range(2000):
        orphan = root / uuid.uuid4().hex
        orphan.mkdir()
        os.utime(orphan, (old, old))
    command = " ".join(ZEN) + " gc | head -2; exit ${PIPESTATUS[0]}"
    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    done = subprocess.run(
        ["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 141
    assert done.stdout.count("\n") == 2
    assert done.stderr == "", done.stderr
