"""Where zen-run meets the packages below it: materializers + artifact store + lineage store + git pinning.

The runner, client and CLI call only this module for storage and code identity, so the policies that join the
lower packages live in one place: artifacts are written by a materializer into a staging area and committed
atomically; their records carry the materializer's identity, format and the content hash; reads verify the
hash and pick the reader for the stored format and requested type (views).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import zen_git
from zen_materialize import (
    Location,
    Materializer,
    MaterializerError,
    MaterializerRegistry,
    write_artifact,
)
from zen_materialize import default_registry as _materialize_registry
from zen_run.errors import StackError
from zen_store import (
    STALE_AFTER_S,
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ArtifactRecord,
    ArtifactStorage,
    GcReport,
    LineageStore,
    LineageStoreDamagedError,
    References,
    Referent,
    RepoRecord,
    StagingArea,
    StorageOption,
    StoreError,
    UnsafePathError,
    WriterLease,
    collect_garbage,
    forget_referent,
    is_postgres_url,
    new_id,
    open_artifact_store,
    open_lineage_store,
    referents,
)
from zen_types import JSONValue

__all__ = [
    "Pinner",
    "STORAGE_FAULTS",
    "Stores",
    "default_registry",
    "describe_storage_fault",
    "explicit_writer",
    "materializer_name",
    "materializer_version",
    "read_references",
    "resolve_source",
]

HEARTBEAT_EVERY_S = 30.0


def default_registry() -> MaterializerRegistry:
    """zen-materialize's registry plus the materializers that need zen-git too (a torch module's class is stored
    as pinned code), registered lazily: torch is imported only when a module is written or read."""
    registry = _materialize_registry()
    registry.register_lazy(
        "zen_run._torch_module", types=["torch.nn.modules.module.Module"], formats=["zen-torch-module"]
    )
    registry.register_lazy(
        "zen_run._torch_checkpoint", types=["zen_run._torch_checkpoint.Checkpoint"], formats=["zen-torch-checkpoint"]
    )
    return registry


def explicit_writer(registry: MaterializerRegistry, cls: type, tp: object) -> Materializer[object]:
    """Validate an explicitly chosen materializer class for an output of type ``tp``."""
    if not issubclass(cls, Materializer):
        raise MaterializerError(f"{cls!r} is not a Materializer subclass.")
    return registry.check_writer(cls, tp)


def materializer_name(materializer: Materializer[object]) -> str:
    """The materializer's import path."""
    return type(materializer).ref().name


def materializer_version(materializer: Materializer[object]) -> str:
    """Name, format and format version: what a cache key must change with."""
    return str(type(materializer).ref())


def resolve_source(source: str, *, root: Path | None = None) -> object:
    """The object a recorded source string names (from git history when pinned; ``root``: the project)."""
    return zen_git.resolve(source, root=root)


class Pinner:
    """Code identity for one project: source strings, fingerprints and repository state.

    It holds the project's ``zen_git.SourceCache`` (module files hashed and parsed once per file state, commit
    trees read once) across runs; each run gets its own ``zen_git.Pinner`` from :meth:`for_run`.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache = zen_git.SourceCache()

    def for_run(self) -> zen_git.Pinner:
        """One run's pinning state: the repository's status read once, each module decided once."""
        return zen_git.Pinner(self.root, cache=self.cache)

    def pin_many(self, objects: Mapping[str, object]) -> tuple[dict[str, str], RepoRecord]:
        """Source strings for the run's objects and the repository state, from one ``git status``."""
        pinner = self.for_run()
        sources = pinner.pin_many(objects)
        state = pinner.state()
        return sources, RepoRecord(head_sha=state.head_sha, dirty=state.dirty, diff_digest=state.diff_digest)

    def fingerprint(self, func: object) -> tuple[str, dict[str, str]]:
        """Digest of the step's normalised code and the in-repository code it calls, with per-part digests."""
        found = zen_git.code_fingerprint(func, root=self.root)
        return found.digest, dict(found.parts)


class Stores:
    """The artifact store and the lineage store of one stack, as the runner and the client use them."""

    def __init__(
        self,
        artifacts: ArtifactStorage,
        lineage: LineageStore,
        *,
        zen_dir: Path | None = None,
        known_options: Mapping[str, Mapping[str, StorageOption]] | None = None,
    ) -> None:
        self.artifacts = artifacts
        self.lineage = lineage
        self._zen_dir = zen_dir
        self._known_options = dict(known_options or {})
        self._others: dict[str, ArtifactStorage] = {}
        self._unleased: str | None = None
        """The run in progress, while it executes."""
        self._lease: WriterLease | None = None

    @classmethod
    def open(
        cls,
        *,
        artifacts: str,
        lineage: str,
        zen_dir: Path,
        options: Mapping[str, StorageOption],
        known_options: Mapping[str, Mapping[str, StorageOption]] | None = None,
    ) -> Stores:
        """Open the stores at these locations: the artifact store at a path or fsspec URL, the lineage store at a
        path (SQLite) or a ``postgresql://`` URL.

        ``known_options`` gives the storage options of other artifact stores by location (the project's other
        stacks), for reading artifacts that runs on those stacks wrote into the same lineage store.
        """
        if "://" in lineage and not is_postgres_url(lineage):
            raise StackError(
                f"lineage store {lineage!r}: give the path of a SQLite file or a PostgreSQL URL "
                f"(postgresql://user@host:port/dbname)."
            )
        artifact_store = open_artifact_store(artifacts, zen_dir=zen_dir, options=options)
        if not is_postgres_url(lineage) and not Path(lineage).exists():
            _refuse_lost_lineage(Path(lineage), artifact_store)
        return cls(
            artifact_store,
            open_lineage_store(lineage),
            zen_dir=zen_dir,
            known_options=known_options,
        )

    def _store_for(self, uri: str) -> ArtifactStorage:
        """The artifact store holding ``uri``: this stack's, or the one another stack of the project wrote to.

        A URI from the lineage store is checked before any file system call: no ``..``, and it must lie in one of
        the project's artifact stores, which are opened for reading only where they exist (nothing is created
        outside a store because a lineage record says so)."""
        path = uri.split("://", 1)[-1]
        if "\0" in uri or ".." in path.split("/"):
            raise UnsafePathError(f"artifact URI {uri!r} contains '..'; refusing to read it (was lineage altered?).")
        location = uri.rstrip("/").rsplit("/", 1)[0]
        mine = self.artifacts.location.rstrip("/")
        if "/" not in uri or location == mine:
            return self.artifacts
        store = self._others.get(location)
        if store is not None:
            return store
        known = {known.rstrip("/") for known in self._known_options}
        if self._zen_dir is None or location not in known:
            raise UnsafePathError(
                f"artifact URI {uri!r} is outside every artifact store of this project's stacks; refusing to read "
                f"it. Register the stack that wrote it (`zen stack register`), or check the lineage store for "
                f"altered records."
            )
        if "://" not in location and not Path(location).is_dir():
            raise ArtifactNotFoundError(f"artifact {uri} is not there: its artifact store {location} does not exist.")
        store = open_artifact_store(location, zen_dir=self._zen_dir, options=self._known_options.get(location))
        self._others[location] = store
        return store

    @staticmethod
    def open_artifacts(*, artifacts: str, zen_dir: Path, options: Mapping[str, StorageOption]) -> ArtifactStorage:
        """The artifact store alone (a Dask worker's view of the stack: it never touches lineage)."""
        return open_artifact_store(artifacts, zen_dir=zen_dir, options=options)

    def close(self) -> None:
        """Close the lineage connection."""
        self.lineage.close()

    # -- runs ------------------------------------------------------------------------------------------------
    # Queries and run bookkeeping go straight to ``self.lineage``; this class adds only what joins the stores.

    @contextmanager
    def heartbeat(self, run_id: str) -> Iterator[None]:
        """Hold a writer's lease on the artifact store while the run executes (so ``zen gc`` keeps what it
        commits until its lineage is recorded) and keep the run's heartbeat and the lease fresh (every 30 s)."""
        stop = threading.Event()
        self._unleased = run_id
        with contextlib.suppress(OSError):  # not writable now: the first commit tries again, its step says why
            self._take_lease()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_EVERY_S):
                with contextlib.suppress(OSError, StoreError):  # a full disk: the next beat tries again
                    self.lineage.heartbeat(run_id)
                    if self._lease is not None:
                        self._lease.renew()

        thread = threading.Thread(target=beat, name=f"zen-heartbeat-{run_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            self._unleased = None
            if self._lease is not None:
                with contextlib.suppress(OSError):  # left behind, it is dropped by gc once this process is gone
                    self._lease.release()
                self._lease = None

    def _take_lease(self) -> None:
        """Take the writer's lease for the run in progress if it is not held yet (raises OSError if the store
        cannot be written): nothing is committed without it."""
        if self._unleased is None or self._lease is not None:
            return
        self._lease = WriterLease(
            self.artifacts,
            run_id=self._unleased,
            referent=Referent(store_id=self.lineage.store_id, location=self.lineage.location),
        )

    def artifact_intact(self, artifact: ArtifactRecord) -> bool:
        """True when the artifact's files are present and match their content hash."""
        try:
            self.artifacts.verify(artifact.uri, artifact.content_hash)
        except (ArtifactNotFoundError, ArtifactIntegrityError, UnsafePathError):  # not (intact) in *this* store
            return False
        return True

    # -- artifacts ---------------------------------------------------------------------------------------------

    def stage(self, step_name: str, output_name: str) -> StagingArea:
        """A staging area for an ``Output[T]`` parameter."""
        return self.artifacts.stage()

    def discard_staged(self, staged: StagingArea) -> None:
        """Drop a failed step's staging area."""
        self.artifacts.discard(staged)

    def _record(
        self,
        staged: StagingArea,
        materializer: Materializer[object] | None,
        *,
        type_name: str,
        metadata: Mapping[str, JSONValue],
    ) -> ArtifactRecord:
        self._take_lease()
        stored = self.artifacts.commit(staged)
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
        )

    def write_value(
        self, materializer: Materializer[object], value: object, *, step_name: str, output_name: str, type_name: str
    ) -> ArtifactRecord:
        """Write a returned value with its materializer and commit it atomically."""
        staged = self.artifacts.stage()
        try:
            metadata = write_artifact(materializer, value, staged, artifact=output_name, step=step_name)
            return self._record(staged, materializer, type_name=type_name, metadata=metadata)
        except BaseException:
            self.artifacts.discard(staged)  # nothing when it was committed
            raise

    def commit_staged(
        self,
        staged: StagingArea,
        materializer: Materializer[object] | None,
        *,
        type_name: str,
        metadata: Mapping[str, JSONValue],
        value: object,
    ) -> ArtifactRecord:
        """Commit an ``Output[T]`` the step filled (through ``write()``, or files under its ``uri``)."""
        meta = dict(metadata)
        if materializer is not None and value is not None:
            meta = {**materializer.metadata(value), **meta}
        return self._record(staged, materializer, type_name=type_name, metadata=meta)

    def local_path(self, artifact: ArtifactRecord) -> str:
        """Where the artifact's files are on this machine."""
        return str(self._store_for(artifact.uri).path_of(artifact.uri))

    def read_value(
        self, registry: MaterializerRegistry, artifact: ArtifactRecord, as_type: object, reader: type | None
    ) -> object:
        """Verify the artifact's content hash and read it with the reader its format and ``as_type`` call for."""
        path = self._store_for(artifact.uri).verify(artifact.uri, artifact.content_hash)
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
        return chosen.read(Location(str(path)))

    # -- maintenance -------------------------------------------------------------------------------------------

    def garbage_collect(self, *, delete: bool, older_than_s: float = STALE_AFTER_S) -> GcReport:
        """Artifacts no lineage store writing to this artifact store references (committed before gc began and
        before every run in progress), and unfinished writes left by killed writers (staging folders; on remote
        stores also uploads without a manifest and multipart uploads older than ``older_than_s``)."""
        return collect_garbage(
            self.artifacts, self.lineage, read_references=read_references, delete=delete, older_than_s=older_than_s
        )

    def forget_referent(self, store_id: str) -> bool:
        """Drop a lineage store from the artifact store's registry of referents; False when it is not there."""
        return forget_referent(self.artifacts, store_id)


def _refuse_lost_lineage(path: Path, artifacts: ArtifactStorage) -> None:
    """Refuse to create a lineage file where one that wrote to ``artifacts`` was lost (it would hide its runs)."""
    lost = [r for r in referents(artifacts) if r.location == str(path.resolve())]
    if lost:
        raise LineageStoreDamagedError(
            str(path),
            f"the file is missing, but lineage store {lost[0].store_id} there recorded artifacts in "
            f"{artifacts.location}",
        )


def read_references(referent: Referent) -> References:
    """What another lineage store named in an artifact store's registry references (never creating a store where
    one is gone)."""
    postgres = is_postgres_url(referent.location)
    if "://" in referent.location and not postgres:
        raise StoreError(f"no lineage store back-end here opens {referent.location!r}")
    if not postgres and not Path(referent.location).is_file():
        raise StoreError(f"{referent.location} does not exist")
    other = open_lineage_store(referent.location)
    try:
        return References(store_id=other.store_id, uris=frozenset(other.artifact_uris()))
    finally:
        other.close()


STORAGE_FAULTS = (OSError, StoreError, UnsafePathError, ArtifactNotFoundError, ArtifactIntegrityError)
"""What reading inputs or saving outputs can raise besides the step's own code: a full disk, a read-only folder,
a symbolic link in an output folder, a missing or altered input (a damaged lineage file is not one of them)."""


def describe_storage_fault(exc: BaseException) -> str:
    """The cause of a storage fault in one clause: the OS's words and the file, or zen's own message."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc).rstrip(".")
