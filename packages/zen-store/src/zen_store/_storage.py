"""The artifact-store contract shared by the local and the fsspec stores, and the one way to open either.

zen-run depends only on these methods. Both stores stage writes on local disk, commit atomically and
write-once, hash content on commit and verify it on read, and hand readers a local directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from zen_store._artifacts import ArtifactStore, CommittedArtifact, StoredArtifact
from zen_store._location import StorageOption
from zen_store._staging import StagingArea
from zen_store.errors import StoreError

__all__ = ["ArtifactStorage", "open_artifact_store"]


class ArtifactStorage(Protocol):
    """Where artifacts live: committed once, verified on every read, listed and deleted by ``zen gc``."""

    @property
    def location(self) -> str:
        """A path or URL that :func:`open_artifact_store` opens this store again from."""
        ...

    def stage(self) -> StagingArea:
        """A fresh, empty local directory to write one artifact into."""
        ...

    def discard(self, staging: StagingArea) -> None:
        """Throw away a staging directory that will not be committed."""
        ...

    def commit(self, staging: StagingArea, *, name: str | None = None, small_limit: int = ...) -> StoredArtifact:
        """Make a filled staging directory a committed artifact, atomically, under its content address (or
        ``name``, write-once); identical bytes stored already are reused instead of stored again.

        A store whose barrier would have to sync an artifact of at most ``small_limit`` bytes may instead return
        its bytes (:attr:`StoredArtifact.files`) and leave it out of the barrier; the caller then records them in
        the lineage transaction that records the artifact, and :meth:`restore` puts them back if they are lost."""
        ...

    def restore(self, uri: str, expected_hash: str, files: Mapping[str, bytes]) -> Path:
        """Put back a lost or damaged artifact from its lineage copy (its bytes by relative path), checked against
        ``expected_hash`` (ArtifactIntegrityError when they differ), atomically; returns a local directory
        holding it."""
        ...

    def sync(self) -> None:
        """The durability barrier: everything committed (or reused) since the last call survives a power loss
        once this returns. Called once per step, before the lineage commit that records its outputs."""
        ...

    def verify(self, uri: str, expected_hash: str, *, full: bool = False) -> Path:
        """A local directory holding the artifact, after checking its content hash (``full``: hash it even when
        the store knows its files are unchanged since it last verified them)."""
        ...

    def path_of(self, uri: str) -> Path:
        """A local directory holding the committed artifact."""
        ...

    def exists(self, uri: str) -> bool:
        """True when the artifact is committed."""
        ...

    def delete(self, uri: str) -> None:
        """Remove a committed artifact."""
        ...

    def sizes(self) -> dict[str, int]:
        """Every committed artifact's name and size in bytes."""
        ...

    def committed(self) -> dict[str, CommittedArtifact]:
        """Every committed artifact's size and commit time (on the storage's own clock)."""
        ...

    def committed_at(self, name: str) -> float | None:
        """When artifact ``name`` was last committed or reused (storage clock); None when it is not there."""
        ...

    def write_meta(self, key: str, data: bytes, *, durable: bool = ...) -> None:
        """Write or replace one of the store's own records (``<kind>/<name>``), whole or not at all."""
        ...

    def read_meta(self, key: str) -> bytes | None:
        """One of the store's own records, or None."""
        ...

    def list_meta(self, kind: str) -> dict[str, float]:
        """The store's records of one kind, with their modification times on the storage's clock."""
        ...

    def delete_meta(self, key: str) -> None:
        """Remove one of the store's own records."""
        ...

    def stale_staging(self, *, older_than_s: float = ...) -> list[str]:
        """Unfinished writes whose writers are gone."""
        ...

    def cleanup_stale(self, *, older_than_s: float = ...) -> list[str]:
        """Remove unfinished writes whose writers are gone; returns what was removed."""
        ...


def open_artifact_store(
    location: str, *, zen_dir: Path, options: Mapping[str, StorageOption] | None = None
) -> ArtifactStorage:
    """The artifact store at ``location``: a local path (or ``file://`` URL) or any other fsspec URL.

    ``zen_dir`` is the project's ``.zen`` folder, where a remote store keeps its local staging and read cache.
    """
    if location.startswith("file://"):
        location = location.removeprefix("file://")
    if "://" not in location:
        if options:  # they only mean something to remote stores; refuse them instead of ignoring them
            raise StoreError(
                f"artifact store {location!r} is a local folder; storage options ({', '.join(sorted(options))}) "
                f"apply to URLs such as s3://bucket/prefix only."
            )
        return ArtifactStore(Path(location))
    from zen_store._remote import RemoteArtifactStore, default_cache  # only for URLs: local stores do without

    return RemoteArtifactStore(location, cache=default_cache(zen_dir, location), options=options)
