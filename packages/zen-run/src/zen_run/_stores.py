"""The join of a stack's two stores: the artifact store and the lineage store, as a run and the client use them.

Each store keeps its own invariants (zen-store); this module keeps the ones that need both:

- a lineage file is never created where one that recorded artifacts in this artifact store was lost (it would
  hide that store's runs, and gc would take their artifacts);
- while a run executes, its process holds a writer's lease on the artifact store, taken before its first step
  starts (or its first commit) and renewed with the run's heartbeat, so ``zen gc`` keeps every artifact committed
  until its lineage is recorded, wherever the step ran;
- a cache hit counts only when the recorded artifacts are intact in this artifact store.

Queries and run bookkeeping go straight to :attr:`Stores.lineage`, typed by the ``LineageStore`` protocol, so
any back-end serves; steps write and read artifacts through :attr:`Stores.io`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from zen_run._artifact_io import ArtifactIO
from zen_run._heartbeat import Heartbeats
from zen_run.errors import MissedHeartbeatWarning, StackError
from zen_store import (
    HEARTBEAT_STALE_S,
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ArtifactRecord,
    ArtifactStorage,
    LineageStore,
    LineageStoreDamagedError,
    Referent,
    StorageOption,
    StoreError,
    UnsafePathError,
    WriterLease,
    former_locations,
    is_postgres_url,
    is_registered,
    open_artifact_store,
    open_lineage_store,
    referents,
    register_referent,
    remember_location,
)

__all__ = ["Stores"]

HEARTBEAT_EVERY_S = 30.0
_HEARTBEATS = Heartbeats(lambda: HEARTBEAT_EVERY_S)
"""The process's heartbeat thread (the interval is read at each beat)."""


class Stores:
    """The artifact store and the lineage store of one stack."""

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
        self.io = ArtifactIO(
            artifacts,
            zen_dir=zen_dir,
            known_options=known_options,
            before_commit=self._take_lease,
            lineage_copy=lineage.lineage_copy,
        )
        """The artifact store as steps use it; each commit first takes the run's writer's lease, and a small
        artifact lost from the store is put back from the lineage store's copy."""
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
        if not is_postgres_url(lineage):
            _refuse_lost_lineage(Path(lineage), artifact_store)
        lineage_store = open_lineage_store(lineage)
        if "://" not in artifact_store.location:  # a remote store's URIs name no folder; its runs register copies
            _remember_location(artifact_store, lineage_store)
            if not is_postgres_url(lineage):
                _register_copy(artifact_store, lineage_store)
        return cls(artifact_store, lineage_store, zen_dir=zen_dir, known_options=known_options)

    def close(self) -> None:
        """Close the lineage connection."""
        self.lineage.close()

    @contextmanager
    def heartbeat(self, run_id: str) -> Iterator[None]:
        """Hold a writer's lease on the artifact store while the run executes, from before its first step starts
        (:meth:`steps_starting`; so ``zen gc`` keeps what it commits until its lineage is recorded), and keep the
        run's heartbeat and the lease fresh (every 30 s, from the process's heartbeat thread).

        A beat that cannot be recorded (a full disk, a read-only folder, a server gone) does not stop the run:
        the run's own writes stop it if they fail too, each with its own error. It is one warning - at the first
        failed beat, and again after a beat succeeded in between - and the next beat tries again. A run that
        misses beats for ``HEARTBEAT_STALE_S`` seconds may be marked crashed by another process; its next write then
        fails saying so.
        """
        ending = threading.Event()
        failing = False
        self._unleased = run_id  # leased once a step starts (steps_starting): a fully cached run takes none

        def beat() -> None:
            nonlocal failing
            try:
                self.lineage.heartbeat(run_id)
                if self._lease is not None:
                    self._lease.renew()
            except Exception as exc:  # whatever stopped the beat becomes the warning, never a thread traceback
                if not failing and not ending.is_set():
                    # One line, no source line: the frame of a background thread would tell the user nothing.
                    warnings.warn_explicit(
                        _missed_beat(run_id, self.lineage.location, exc), MissedHeartbeatWarning, "zen", 0, "zen_run"
                    )
                failing = True
            else:
                failing = False

        try:
            with _HEARTBEATS.keeping(beat):  # leaving waits for a beat in progress: none comes after the run's end
                try:
                    yield
                finally:
                    ending.set()
        finally:
            self._unleased = None
            if self._lease is not None:
                with contextlib.suppress(OSError):  # left behind, it is dropped by gc once this process is gone
                    self._lease.release()
                self._lease = None

    def steps_starting(self) -> None:
        """Steps of the run in progress are about to execute, here or in other processes (which commit without a
        lease of their own): take the run's writer's lease now. Not writable now: a commit here tries again, and
        its step says why."""
        with contextlib.suppress(OSError):
            self._take_lease()

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
        """True when the artifact's files are present in this artifact store (where it is now, when it moved
        since the artifact was recorded) and match their content hash, or were lost and are put back from the
        lineage store's copy of them (a small artifact after a power loss)."""
        try:
            uri = self.io.finder.own_uri(artifact.uri)
            if uri is None:
                return False  # another stack's store: this stack's steps (its workers) may not reach it
        except UnsafePathError:
            return False
        try:
            self.artifacts.verify(uri, artifact.content_hash)
        except (ArtifactNotFoundError, ArtifactIntegrityError, UnsafePathError):  # not (intact) in *this* store
            try:
                files = self.lineage.lineage_copy(artifact)
                if not files:
                    return False
                self.artifacts.restore(uri, artifact.content_hash, files)
            except (ArtifactNotFoundError, ArtifactIntegrityError, UnsafePathError):
                return False
        return True


def _missed_beat(run_id: str, location: str, exc: BaseException) -> str:
    root = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ is not None else exc
    cause = " ".join(str(root).split()) or type(root).__name__
    return (
        f"run {run_id} could not record its heartbeat in the lineage store {location} ({cause}); the run goes "
        f"on, but if it records none for {HEARTBEAT_STALE_S / 60:g} minutes other processes will take it for "
        f"crashed. Free disk space or fix the store's permissions (or connection)."
    )


def _refuse_lost_lineage(path: Path, artifacts: ArtifactStorage) -> None:
    """Refuse to open a lineage file where one that wrote to ``artifacts`` was lost: missing, or emptied to 0 bytes
    (SQLite takes an empty file for a new database, and would silently start an empty store there, hiding its
    runs); and refuse a folder in the file's place. A file with content costs one ``stat``."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        state = "the file is missing"
    else:
        if path.is_dir():
            raise LineageStoreDamagedError(str(path), "it is a folder, not a lineage file")
        if size > 0:
            return
        state = "the file is empty (0 bytes)"
    lost = [r for r in referents(artifacts) if r.location == str(path.resolve())]
    if lost:
        raise LineageStoreDamagedError(
            str(path),
            f"{state}, but lineage store {lost[0].store_id} there recorded artifacts in {artifacts.location}",
        )


def _remember_location(artifacts: ArtifactStorage, lineage: LineageStore) -> None:
    """Record where the local artifact store is now among the folders it has been in, so the URIs recorded here
    stay readable after the project folder moves (see :mod:`zen_store._moves`); one read once recorded.

    A store written before stores kept that list may have moved already: the record this lineage store left in it
    (its referent, written by its first run there) says where the lineage file was then, and the artifact store
    sat in the same place relative to it, so that folder is recorded too. Nothing when the store is read-only.
    """
    if not remember_location(artifacts) or former_locations(artifacts) != {artifacts.location}:
        return  # recorded before, or cannot be written, or the store has kept its list for a while
    if is_postgres_url(lineage.location):
        return  # a server's URL: the same wherever the hosts mount the artifact store
    relative = os.path.relpath(artifacts.location, Path(lineage.location).parent)
    for referent in referents(artifacts):
        if referent.store_id == lineage.store_id and referent.location not in (lineage.location, "?"):
            remember_location(artifacts, os.path.normpath(Path(referent.location).parent / relative))


def _register_copy(artifacts: ArtifactStorage, lineage: LineageStore) -> None:
    """Register a lineage file as writing to ``artifacts`` from where it is now when its id wrote there from another
    place: a copy (a copied project folder; both have the same id) or the same file moved. Done when it is opened,
    before it writes or deletes anything, so that gc run from either copy keeps what the other references. One
    read once registered; nothing when the artifact store cannot be written. (A remote store is not read on every
    open for this: a copy's first run registers it there, with its writer's lease.)"""
    referent = Referent(store_id=lineage.store_id, location=lineage.location)
    with contextlib.suppress(OSError):
        if is_registered(artifacts, referent):
            return
        if any(other.store_id == referent.store_id for other in referents(artifacts)):
            register_referent(artifacts, referent)
