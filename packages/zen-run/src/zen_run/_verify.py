"""Checking stored artifacts against their recorded content hashes: ``zen verify`` and ``Client().verify()``.

Every artifact record names a stored copy (its URI) and the content hash it must have; identical bytes are
stored once, so several records may name one copy, which is checked once. A quick check trusts a copy whose
files are unchanged since this process verified them; ``full`` hashes every byte again (a bit that rotted on
disk, or a change that put its modification time back). A small artifact whose copy is lost or damaged (a power
loss takes back files that were never fsynced) is put back from the lineage store's copy of its bytes, checked
against the same hash, and reported as restored.
"""

from __future__ import annotations

import attrs

from zen_run._stores import Stores
from zen_store import ArtifactIntegrityError, ArtifactNotFoundError, ArtifactRecord, StoreError, UnsafePathError

__all__ = ["DamagedArtifact", "VerifyReport", "verify_artifacts"]

_ALL: int = 2**62
"""No limit on the records listed."""


@attrs.frozen(kw_only=True)
class DamagedArtifact:
    """A stored copy that is missing or does not hold the recorded bytes, with every record naming it."""

    uri: str
    artifact_ids: tuple[str, ...]
    problem: str


@attrs.frozen(kw_only=True)
class VerifyReport:
    """What ``zen verify`` found."""

    records: int
    """Artifact records checked."""
    copies: int
    """Stored copies checked (records of identical bytes share one)."""
    bytes: int
    full: bool
    damaged: tuple[DamagedArtifact, ...]
    restored: tuple[DamagedArtifact, ...] = ()
    """Copies that were lost or damaged and are put back from the lineage store's copy (``problem``: what was
    wrong); they are intact now."""

    @property
    def ok(self) -> bool:
        """True when every recorded artifact is present and holds its recorded bytes."""
        return not self.damaged


def verify_artifacts(stores: Stores, *, full: bool = False) -> VerifyReport:
    """Check every recorded artifact's stored copy against its content hash (each copy once)."""
    records = stores.lineage.artifacts(limit=_ALL)
    copies: dict[tuple[str, str], list[ArtifactRecord]] = {}
    for record in records:
        copies.setdefault((record.uri, record.content_hash), []).append(record)
    damaged: list[DamagedArtifact] = []
    restored: list[DamagedArtifact] = []
    for (uri, _), sharing in sorted(copies.items()):
        try:
            _, problem = stores.io.check(sharing[0], full=full)
            if problem is not None:
                ids = tuple(sorted(r.artifact_id for r in sharing))
                restored.append(DamagedArtifact(uri=uri, artifact_ids=ids, problem=problem))
        except (ArtifactNotFoundError, ArtifactIntegrityError, UnsafePathError, StoreError, OSError) as exc:
            # missing, altered, outside every store, or in a store that cannot be opened or read here
            ids = tuple(sorted(r.artifact_id for r in sharing))
            damaged.append(DamagedArtifact(uri=uri, artifact_ids=ids, problem=str(exc)))
    return VerifyReport(
        records=len(records),
        copies=len(copies),
        bytes=sum(sharing[0].size for sharing in copies.values()),
        full=full,
        damaged=tuple(damaged),
        restored=tuple(restored),
    )
