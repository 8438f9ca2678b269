"""Counting what a process fsyncs: the OS calls themselves, patched on ``os`` (no storage of ours is mocked)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

__all__ = ["count_syncs"]


def count_syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of every ``os.fsync``/``os.fdatasync`` this process makes from now on (they still sync)."""
    seen: list[str] = []

    def counting(real: Callable[[int], None]) -> Callable[[int], None]:
        def call(fd: int) -> None:
            seen.append(str(Path(f"/proc/self/fd/{fd}").readlink()))
            real(fd)

        return call

    monkeypatch.setattr(os, "fsync", counting(os.fsync))
    monkeypatch.setattr(os, "fdatasync", counting(os.fdatasync))
    return seen
