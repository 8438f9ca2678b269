"""Garbage collection that cannot race a writer: mark, then read references, then sweep only what is older.

The steps, in this order:

1. **Mark**: write a record to the artifact store and read its modification time back: ``mark``, on the same
   clock that stamps every commit (the file system's, or the object store's).
2. **Leases**: the oldest live writer's lease start (see :mod:`zen_store._referents`) lowers the horizon:
   ``horizon = min(mark, oldest live lease start) - GC_MARGIN_S``.
3. **References**: every URI that any registered lineage store references. A lineage store that cannot be
   opened, or that is not the one that registered (a lost file recreated empty has a new id), stops gc with an
   error naming it: its references are unknown, so nothing can be proved unreferenced. A copy of gc's own
   lineage file registered from another place (a copied project folder) is read like any other; a place of its
   own that holds nothing now is where the project folder was before it moved.
4. **Sweep**: an artifact is deleted only when no reference names it *and* it was committed before the horizon.
   Identical bytes are stored once, so a writer may *reuse* an old, unreferenced artifact at any moment: it
   stamps the artifact's commit time, then looks for gc's record ``deleting/<name>``; gc writes that record, then
   reads the commit time again, and deletes only when it is still before the horizon. One of the two always sees
   the other: either gc sees the new stamp and keeps the artifact, or the writer sees the record and stores its own
   copy beside it. The record names gc's process and host: one a killed gc left behind is ignored by writers and
   removed by the next gc at once when that process is known to be gone (:mod:`zen_store._deleting`).

Why no referenced artifact is lost: a run takes its lease before its first commit and releases it after its
lineage is recorded. An artifact committed by a run whose lease gc saw live is newer than the horizon; a run
whose lease was created after gc listed the leases commits after the mark; a run whose lease was released
before that listing has its references recorded before gc reads them. What is left is unreferenced: outputs of
failed steps and of writers that died, and artifacts whose runs were deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Final

import attrs

from zen_store._artifacts import DELETING
from zen_store._deleting import abandoned, deleting_record
from zen_store._protocol import LineageStore
from zen_store._records import GcReport
from zen_store._referents import Referent, drop_lease, leases, referents
from zen_store._storage import ArtifactStorage
from zen_store.errors import GcRefusedError, StoreError

__all__ = ["GC_MARGIN_S", "ReadReferences", "References", "collect_garbage", "storage_now", "sweep_one"]

GC_MARGIN_S: Final = 5.0
"""Artifacts committed less than this long before gc began are never swept (covers coarse storage clocks: S3
keeps modification times to the second)."""


@attrs.frozen(kw_only=True)
class References:
    """What another lineage store references, read by whoever could open it."""

    store_id: str
    uris: frozenset[str]


ReadReferences = Callable[[Referent], References]
"""Reads the references of another lineage store named in the registry (raises StoreError when it cannot)."""


def storage_now(artifacts: ArtifactStorage) -> float:
    """The artifact store's clock: the modification time of a record written just now."""
    key = f"marks/{uuid.uuid4().hex}"
    artifacts.write_meta(key, b"", durable=False)
    try:
        stamp = artifacts.list_meta("marks").get(key)
    finally:
        artifacts.delete_meta(key)
    if stamp is None:  # pragma: no cover - a store that does not keep what it was just given
        raise StoreError(f"artifact store {artifacts.location} did not keep a record written just now.")
    return stamp


def _references(lineage: LineageStore, artifacts: ArtifactStorage, read_references: ReadReferences) -> set[str]:
    """Every URI any lineage store writing to ``artifacts`` references (raises GcRefusedError if one is unknown)."""
    referenced = set(lineage.artifact_uris())
    problems: list[str] = []
    for referent in referents(artifacts):
        if referent.store_id == lineage.store_id:
            if referent.location == lineage.location or _gone(referent.location):
                continue  # this very store, or where it was before its folder moved
            try:  # a copy of this lineage file (a copied project folder) that writes here too
                copy = read_references(referent)
            except StoreError as exc:
                problems.append(
                    f"lineage store {referent.store_id} at {referent.location}, a copy of this one "
                    f"({lineage.location}), also writes to this artifact store and cannot be opened ({exc}). Run gc "
                    f"where it can be opened, or delete that copy"
                )
                continue
            if copy.store_id == lineage.store_id:  # else another store took that place: it registered itself
                referenced |= copy.uris
            continue
        if referent.location == lineage.location:
            problems.append(
                f"lineage store {referent.store_id} at {referent.location} wrote to this artifact store, but the file "
                f"there now is a different store ({lineage.store_id}): it was lost and recreated. Restore it "
                f"(`zen doctor --restore`), or run `zen gc --forget {referent.store_id}` if its runs are gone for good"
            )
            continue
        try:
            other = read_references(referent)
        except StoreError as exc:
            problems.append(
                f"lineage store {referent.store_id} at {referent.location} also writes to this artifact store and "
                f"cannot be opened ({exc}). Run gc where it can be opened, or `zen gc --forget {referent.store_id}` "
                f"if its runs are gone for good"
            )
            continue
        if other.store_id != referent.store_id:
            problems.append(
                f"lineage store {referent.store_id} at {referent.location} wrote to this artifact store, but that "
                f"file is now store {other.store_id}: it was lost and recreated. Restore it (`zen doctor --restore` "
                f"there), or run `zen gc --forget {referent.store_id}` if its runs are gone for good"
            )
            continue
        referenced |= other.uris
    if problems:
        raise GcRefusedError(artifacts.location, problems)
    return referenced


def _gone(location: str) -> bool:
    """True when a lineage file's recorded place holds nothing now (a server's URL is never gone)."""
    return "://" not in location and not Path(location).exists()


def collect_garbage(
    artifacts: ArtifactStorage,
    lineage: LineageStore,
    *,
    read_references: ReadReferences,
    delete: bool,
    older_than_s: float,
) -> GcReport:
    """Find (and with ``delete`` remove) unreferenced artifacts committed before the horizon, writes cut short,
    and leases of dead writers; see the module docstring for why this cannot lose a referenced artifact."""
    try:
        mark = storage_now(artifacts)
    except OSError as exc:
        raise StoreError(
            f"gc cannot write to the artifact store {artifacts.location} ({exc.strerror or exc}), which it needs even "
            f"for a dry run: it records there when it began. Nothing was deleted; free disk space or fix the store's "
            f"permissions, then run gc again."
        ) from exc
    states = leases(artifacts, now=mark)
    horizon = min([mark, *(s.started_at for s in states if s.live)]) - GC_MARGIN_S
    referenced = {uri.rstrip("/").rsplit("/", 1)[-1] for uri in _references(lineage, artifacts, read_references)}
    committed = artifacts.committed()
    unreferenced = [name for name in committed if name not in referenced]
    sweep = tuple(name for name in unreferenced if committed[name].committed_at < horizon)
    stale = tuple(artifacts.stale_staging(older_than_s=older_than_s))
    if delete:
        kept = {name for name in sweep if not sweep_one(artifacts, name, horizon)}
        sweep = tuple(name for name in sweep if name not in kept)
        for key, stamp in artifacts.list_meta(DELETING).items():
            if stamp < mark - older_than_s or abandoned(artifacts.read_meta(key) or b""):  # left by a killed gc
                artifacts.delete_meta(key)
        artifacts.cleanup_stale(older_than_s=older_than_s)
        for state in states:
            if not state.live:
                drop_lease(artifacts, state.lease.lease_id)
    return GcReport(
        unreferenced=sweep,
        stale_staging=stale,
        bytes=sum(committed[name].size for name in sweep),
        deleted=delete,
        too_recent=len(unreferenced) - len(sweep),  # with those a writer reused while gc ran
        live_writers=sum(1 for s in states if s.live),
    )


def sweep_one(artifacts: ArtifactStorage, name: str, horizon: float) -> bool:
    """Delete ``name`` unless a writer reused it since it was listed (see the module docstring); True if deleted."""
    key = f"{DELETING}/{name}"
    artifacts.write_meta(key, deleting_record(), durable=False)
    try:
        stamp = artifacts.committed_at(name)
        if stamp is None or stamp >= horizon:
            return False
        artifacts.delete(name)
        return True
    finally:
        artifacts.delete_meta(key)
