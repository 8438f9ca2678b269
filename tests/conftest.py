"""Shared test configuration: hypothesis profiles (fast locally, thorough in CI) and a temporary zen project."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh zen project root (``ZEN_ROOT``) with real stores under ``.zen/``; closed afterwards."""
    from zen_run import RunContext

    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setenv("ZEN_ROOT", str(root))
    monkeypatch.delenv("ZEN_STACK", raising=False)
    RunContext.forget()
    yield root
    RunContext.forget()
