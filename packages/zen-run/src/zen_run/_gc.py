"""Garbage collection of a stack's artifact store: what no lineage store writing to it references.

The rules (what is kept, leases, unfinished writes) are zen-store's ``collect_garbage``; this module gives it the
stack's lineage store and a way to read the references of every *other* lineage store named in the artifact
store's registry of referents - opening them read-only in effect, and never creating one where it is gone.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from zen_run._stores import Stores
from zen_store import (
    STALE_AFTER_S,
    GcReport,
    References,
    Referent,
    StoreError,
    collect_garbage,
    is_postgres_url,
    open_lineage_store,
)
from zen_store import forget_referent as _forget_referent

__all__ = ["forget_referent", "garbage_collect", "read_references"]


def garbage_collect(
    stores: Stores, *, delete: bool, older_than_s: float = STALE_AFTER_S, lineage_files: Sequence[str] = ()
) -> GcReport:
    """Artifacts no lineage store writing to this artifact store references (committed before gc began and
    before every run in progress), and unfinished writes left by killed writers (staging folders; on remote
    stores also uploads without a manifest and multipart uploads older than ``older_than_s``).

    ``lineage_files`` are the SQLite lineage files the project's stacks name now: a lineage store registered at
    a file that is gone (the project folder moved) is looked for among them by its id."""
    return collect_garbage(
        stores.artifacts,
        stores.lineage,
        read_references=functools.partial(read_references, lineage_files=lineage_files),
        delete=delete,
        older_than_s=older_than_s,
    )


def forget_referent(stores: Stores, store_id: str) -> bool:
    """Drop a lineage store from the artifact store's registry of referents; False when it is not there."""
    return _forget_referent(stores.artifacts, store_id)


def read_references(referent: Referent, *, lineage_files: Sequence[str] = ()) -> References:
    """What another lineage store named in an artifact store's registry references (never creating a store where
    one is gone); when its file is gone, the one of ``lineage_files`` with its id is read instead."""
    location = referent.location
    postgres = is_postgres_url(location)
    if "://" in location and not postgres:
        raise StoreError(f"no lineage store back-end here opens {location!r}")
    if not postgres and not Path(location).is_file():
        location = _moved_lineage(referent.store_id, lineage_files) or ""
        if not location:
            raise StoreError(f"{referent.location} does not exist")
    if not postgres and Path(location).stat().st_size == 0:  # SQLite would start a new store in it
        raise StoreError(f"{location} is empty (0 bytes)")
    other = open_lineage_store(location)
    try:
        return References(store_id=other.store_id, uris=frozenset(other.artifact_uris()))
    finally:
        other.close()


def _moved_lineage(store_id: str, lineage_files: Sequence[str]) -> str | None:
    """The lineage file of ``lineage_files`` whose store has id ``store_id`` (where a moved project's is now)."""
    for path in lineage_files:
        if is_postgres_url(path) or not Path(path).is_file() or Path(path).stat().st_size == 0:
            continue
        candidate = open_lineage_store(path)
        try:
            if candidate.store_id == store_id:
                return path
        finally:
            candidate.close()
    return None
