"""Writing a set of files as one artifact, for the artifact-store tests (local and remote alike)."""

from __future__ import annotations

from pathlib import Path

from zen_store import ArtifactStorage, StoredArtifact


def write_files(store: ArtifactStorage, files: dict[str, bytes]) -> StoredArtifact:
    """Stage ``files`` (relative name -> bytes) and commit them as one artifact."""
    staging = store.stage()
    for name, data in files.items():
        target = Path(staging.uri) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return store.commit(staging)
