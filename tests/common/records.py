"""Small lineage records shared by the lineage-store tests of every back-end."""

from __future__ import annotations

from datetime import UTC, datetime

from zen_store import ArtifactRecord


def artifact_record(artifact_id: str, uri: str = "u", content: str = "sha256:0") -> ArtifactRecord:
    """An int artifact record with fixed fields, differing only where a test says."""
    return ArtifactRecord(
        artifact_id=artifact_id,
        uri=uri,
        type_name="int",
        materializer="m",
        format="zen-json",
        format_version=1,
        kind="data",
        content_hash=content,
        size=1,
        metadata={"k": [1, 2]},
        created_at=datetime.now(UTC),
    )
