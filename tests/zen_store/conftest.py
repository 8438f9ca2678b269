"""Fixtures shared by the artifact-store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from zen_store import ArtifactStorage, ArtifactStore, open_artifact_store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStorage:
    """An artifact store in a temporary folder, and one on moto's S3 server: each test runs on both."""
    if request.param == "local":
        return ArtifactStore(tmp_path / "artifacts")
    endpoint = request.getfixturevalue("s3_endpoint")
    url = request.getfixturevalue("s3_url")
    return open_artifact_store(url, zen_dir=tmp_path / ".zen", options={"endpoint_url": endpoint})
