"""Errors of the artifact store and the lineage store.

::

    ZenError
    ├── StoreError (RuntimeError)           a store cannot be opened or written
    │   ├── SchemaVersionError              the lineage file was written by a newer zen, or not by zen
    │   ├── LineageStoreDamagedError        the lineage file is corrupt, truncated or gone
    │   └── GcRefusedError                  gc cannot consult every lineage store that writes to the artifacts
    ├── ArtifactNotFoundError (LookupError)
    ├── RecordNotFoundError (LookupError)
    ├── RunInProgressError (RuntimeError)   a run still running cannot be deleted
    ├── ArtifactIntegrityError (ValueError)
    ├── UnsafePathError (ValueError)
    └── UnstorableTextError (ValueError)  a name holds a character no lineage store keeps (NUL, a surrogate)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen_types.errors import ZenError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "DamagedCopyError",
    "GcRefusedError",
    "LineageStoreDamagedError",
    "RecordNotFoundError",
    "RunInProgressError",
    "SchemaVersionError",
    "StoreError",
    "UnsafePathError",
    "UnstorableTextError",
    "ZenError",
]


class StoreError(ZenError, RuntimeError):
    """A store cannot be opened or written."""


class ArtifactNotFoundError(ZenError, LookupError):
    """No artifact with that id or URI (in the lineage store or on disk)."""


class RecordNotFoundError(ZenError, LookupError):
    """No run, step run or pipeline matches (or a prefix matches several)."""


class RunInProgressError(ZenError, RuntimeError):
    """A run that is still running was asked to be deleted."""

    def __init__(self, run_id: str, pipeline_name: str) -> None:
        self.run_id = run_id
        self.pipeline_name = pipeline_name
        super().__init__(
            f"run {run_id} of pipeline {pipeline_name!r} is still running, so it cannot be deleted; nothing was "
            f"deleted. Wait for it to end (or stop it), then delete it."
        )


class ArtifactIntegrityError(ZenError, ValueError):
    """An artifact's files no longer match the content hash recorded when it was written."""


class DamagedCopyError(ArtifactIntegrityError):
    """An artifact is damaged and so is the lineage store's copy of it (a small artifact's bytes, kept with its
    record): neither holds the recorded bytes, so the step must run again."""

    def __init__(self, uri: str, actual: str, expected: str) -> None:
        self.uri = uri
        self.actual = actual
        self.expected = expected
        super().__init__(
            f"artifact {uri} is damaged and the lineage store's copy of it is damaged too: its content hash "
            f"{actual[:19]}… differs from the recorded {expected[:19]}…. Re-run the step that produced it (its "
            f"cache entry is no longer used)."
        )


class UnsafePathError(ZenError, ValueError):
    """A name or URI would reach outside the store's root."""


class UnstorableTextError(ZenError, ValueError):
    """A name, tag or other text to record holds a character no lineage store keeps; nothing was recorded."""

    def __init__(self, field: str, value: str, character: str) -> None:
        self.field = field
        self.value = value
        self.character = character
        if character == "\x00":
            what = "a NUL character (U+0000), which PostgreSQL cannot store"
        else:
            what = (
                f"an unpaired surrogate (U+{ord(character):04X}: often a byte that is not UTF-8, decoded with "
                f"'surrogateescape'), which is not Unicode text and SQLite cannot store"
            )
        super().__init__(
            f"the {field} {value!r} holds {what}; nothing was recorded. Remove that character from the {field} "
            f"(every lineage store refuses it, so runs read the same on all of them)."
        )


class SchemaVersionError(StoreError):
    """The lineage database was written by a newer zen (or is not a zen database)."""


class GcRefusedError(StoreError):
    """Garbage collection cannot consult every lineage store that writes to the artifact store; nothing deleted."""

    def __init__(self, location: str, problems: Sequence[str]) -> None:
        self.location = location
        self.problems = tuple(problems)
        super().__init__(f"gc refused, nothing was deleted from {location}: " + "; ".join(self.problems) + ".")


class LineageStoreDamagedError(StoreError):
    """The lineage file is damaged (not a database, malformed, truncated) or missing; nothing was written to it."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"the lineage store {path} is damaged ({detail}); zen stopped before writing to it. Run `zen doctor` "
            f"to check it and restore the last good backup (the damaged file is kept beside it)."
        )
