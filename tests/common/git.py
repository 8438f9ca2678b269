"""Running git in the tests' real repositories, as a fixed test author (no user configuration needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["git"]


def git(root: Path, *args: str) -> str:
    """``git ARGS`` in ``root``; its standard output, stripped. A failing command fails the test."""
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
