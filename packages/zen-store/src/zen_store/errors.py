"""Errors of the artifact store and the lineage store."""

from __future__ import annotations

from zen_types.errors import ZenError

__all__ = [
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "RecordNotFoundError",
    "SchemaVersionError",
    "StoreError",
    "UnsafePathError",
]


class StoreError(ZenError, RuntimeError):
    """A store cannot be opened or written."""


class ArtifactNotFoundError(ZenError, LookupError):
    """No artifact with that id or URI (in the lineage store or on disk)."""


class RecordNotFoundError(ZenError, LookupError):
    """No run, step run or pipeline matches (or a prefix matches several)."""


class ArtifactIntegrityError(ZenError, ValueError):
    """An artifact's files no longer match the content hash recorded when it was written."""


class UnsafePathError(ZenError, ValueError):
    """A name or URI would reach outside the store's root."""


class SchemaVersionError(StoreError):
    """The lineage database was written by a newer zen (or is not a zen database)."""
