"""The artifact store as a step uses it: stage, write and commit outputs; verify and read inputs.

An :class:`ArtifactIO` needs no lineage store, so it serves wherever a step executes: the driver's process, or a
worker on a cluster that never sees lineage. Outputs are written by a materializer into a staging area and
committed atomically; their records carry the materializer's identity, format and the content hash, and a small
artifact's record carries its bytes (``ArtifactRecord.files``, at most ``SMALL_ARTIFACT_LIMIT``), which the driver
records as its lineage copy instead of the barrier fsyncing its files. Reads verify the hash first and pick the
reader for the stored format and the requested type (views); an artifact whose files a power loss took back (missing,
empty, truncated) is put back from its lineage copy (the record's own bytes, or ``lineage_copy``), checked against
its content hash, instead of failing. A URI taken from a record is checked before any file system call, and found
where it is now when the project folder moved
(``_store_finder.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from zen_run._store_finder import StoreFinder
from zen_store import (
    SMALL_ARTIFACT_LIMIT,
    VALUE_TYPE_KEY,
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ArtifactRecord,
    ArtifactStorage,
    StagingArea,
    StorageOption,
    StoredArtifact,
    StoreError,
    UnsafePathError,
    new_id,
)
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize import Materializer, MaterializerRegistry

__all__ = ["STORAGE_FAULTS", "ArtifactIO", "describe_storage_fault"]

STORAGE_FAULTS = (OSError, StoreError, UnsafePathError, ArtifactNotFoundError, ArtifactIntegrityError)
"""What reading inputs or saving outputs can raise besides the step's own code: a full disk, a read-only folder,
a symbolic link in an output folder, a missing or altered input (a damaged lineage file is not one of them)."""


def describe_storage_fault(exc: BaseException) -> str:
    """The cause of a storage fault in one clause: the OS's words and the file, or zen's own message."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc).rstrip(".")


class ArtifactIO:
    """One artifact store, as the steps executed with it write and read artifacts.

    ``zen_dir`` and ``known_options`` (the storage options of the project's other artifact stores, by location)
    let it read artifacts that runs on the project's other stacks wrote; without them it reads only its own
    store. ``before_commit`` is called before each commit (the driver takes its writer's lease there, so
    ``zen gc`` keeps what is committed until its lineage is recorded). ``lineage_copy`` finds the bytes the lineage
    store keeps of a small artifact (a worker that sees no lineage store has only the records' own)."""

    def __init__(
        self,
        store: ArtifactStorage,
        *,
        zen_dir: Path | None = None,
        known_options: Mapping[str, Mapping[str, StorageOption]] | None = None,
        before_commit: Callable[[], None] | None = None,
        lineage_copy: Callable[[ArtifactRecord], Mapping[str, bytes] | None] | None = None,
    ) -> None:
        self.store = store
        self.finder = StoreFinder(store, zen_dir=zen_dir, known_options=known_options)
        """Which store holds a recorded URI, and where it is now if the project folder moved."""
        self._before_commit = before_commit
        self._lineage_copy = lineage_copy

    # -- writing -----------------------------------------------------------------------------------------------

    def stage(self) -> StagingArea:
        """A staging area for an ``Output[T]`` parameter."""
        return self.store.stage()

    def discard_staged(self, staged: StagingArea) -> None:
        """Drop a failed step's staging area."""
        self.store.discard(staged)

    def write_value(
        self,
        materializer: Materializer[object],
        value: object,
        *,
        step_name: str,
        output_name: str,
        type_name: str,
        value_type: str | None = None,
        on_staged: Callable[[StagingArea], None] | None = None,
    ) -> ArtifactRecord:
        """Write a returned value with its materializer and commit it atomically (``on_staged`` hears where it is
        being written: a progress display measures it)."""
        from zen_materialize import write_artifact  # the materializers load with the first value written or read

        staged = self.store.stage()
        try:
            if on_staged is not None:
                on_staged(staged)
            metadata = write_artifact(materializer, value, staged, artifact=output_name, step=step_name)
            return self._commit(staged, materializer, type_name=type_name, metadata=metadata, value_type=value_type)
        except BaseException:
            self.store.discard(staged)  # nothing when it was committed
            raise

    def commit_staged(
        self,
        staged: StagingArea,
        materializer: Materializer[object] | None,
        *,
        type_name: str,
        metadata: Mapping[str, JSONValue],
        value: object,
        value_type: str | None = None,
    ) -> ArtifactRecord:
        """Commit an ``Output[T]`` the step filled (through ``write()``, or files under its ``uri``)."""
        meta = dict(metadata)
        if materializer is not None and value is not None:
            meta = {**materializer.metadata(value), **meta}
        return self._commit(staged, materializer, type_name=type_name, metadata=meta, value_type=value_type)

    def _commit(
        self,
        staged: StagingArea,
        materializer: Materializer[object] | None,
        *,
        type_name: str,
        metadata: Mapping[str, JSONValue],
        value_type: str | None = None,
    ) -> ArtifactRecord:
        """Commit ``staged`` and describe it; ``value_type`` (the class the value had, when the declared
        ``type_name`` said less) is kept in the metadata under ``VALUE_TYPE_KEY``."""
        if value_type is not None:
            metadata = {**metadata, VALUE_TYPE_KEY: value_type}
        if self._before_commit is not None:
            self._before_commit()
        stored = self.store.commit(staged, small_limit=SMALL_ARTIFACT_LIMIT)
        return _described(stored, materializer, type_name=type_name, metadata=metadata)

    def sync(self) -> None:
        """The durability barrier, once per step before its outputs are recorded: what was committed since the last
        call survives a power loss once this returns (a small artifact: once the record carrying its bytes does)."""
        self.store.sync()

    # -- reading -----------------------------------------------------------------------------------------------

    def verify(self, artifact: ArtifactRecord, *, full: bool = False) -> Path:
        """The artifact's folder, hash checked (``full``: always hashed), restored from its lineage copy if lost."""
        return self.check(artifact, full=full)[0]

    def check(self, artifact: ArtifactRecord, *, full: bool = False) -> tuple[Path, str | None]:
        """:meth:`verify`, also saying what was wrong with an artifact it put back from its lineage copy."""
        found = self.finder.locate(artifact.uri)
        try:
            return found.store.verify(found.uri, artifact.content_hash, full=full), None
        except (ArtifactNotFoundError, ArtifactIntegrityError) as exc:
            files = artifact.files or (self._lineage_copy(artifact) if self._lineage_copy is not None else None)
            if not files:
                raise
            problem = str(exc)
        return found.store.restore(found.uri, artifact.content_hash, files), problem

    def local_path(self, artifact: ArtifactRecord) -> str:
        """Where the artifact's files are on this machine (a small one verified first: cheap, and restored if lost)."""
        if artifact.size <= SMALL_ARTIFACT_LIMIT:
            return str(self.verify(artifact))
        found = self.finder.locate(artifact.uri)
        return str(found.store.path_of(found.uri))

    def read_value(
        self, registry: MaterializerRegistry, artifact: ArtifactRecord, as_type: object, reader: type | None
    ) -> object:
        """Verify the artifact's content hash and read it with the reader its format and ``as_type`` call for."""
        from zen_materialize import Location, MaterializerError, read_artifact
        from zen_run._registry import explicit_writer

        path = self.verify(artifact)
        if reader is not None:
            chosen: Materializer[object] = (
                explicit_writer(registry, reader, as_type) if as_type is not None else reader()
            )
        elif artifact.materializer is None:
            raise MaterializerError(
                f"artifact {artifact.artifact_id} holds files a step wrote itself (no materializer); "
                f"read them under its uri: {path}"
            )
        else:
            return registry.read(
                Location(str(path)),
                format=artifact.format,
                as_type=as_type,
                materializer=artifact.materializer,
                name=f"{artifact.artifact_id} ({artifact.type_name})",
            )
        label = f"{artifact.artifact_id} ({artifact.type_name})"
        return read_artifact(chosen, Location(str(path)), artifact=label, wanted=artifact.type_name)


def _described(
    stored: StoredArtifact,
    materializer: Materializer[object] | None,
    *,
    type_name: str,
    metadata: Mapping[str, JSONValue],
) -> ArtifactRecord:
    """The record of a committed output (carrying a small artifact's bytes, for the driver to record)."""
    ref = type(materializer).ref() if materializer is not None else None
    return ArtifactRecord(
        artifact_id=new_id(),
        uri=stored.uri,
        type_name=type_name,
        materializer=ref.name if ref else None,
        format=ref.format if ref else "directory",
        format_version=ref.format_version if ref else 1,
        kind=type(materializer).KIND.value if materializer is not None else "data",
        content_hash=stored.content_hash,
        size=stored.size,
        metadata=dict(metadata),
        created_at=datetime.now(UTC),
        files=stored.files,
    )
