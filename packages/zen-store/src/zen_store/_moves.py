"""Where a local artifact store has been: the folders its artifacts' URIs were recorded under.

Lineage records name a local artifact by its absolute path at the time it was written. A project folder that is
moved, copied, restored elsewhere or mounted at another path (a container, hosts mounting one shared folder at
different paths) keeps those records, so the store keeps the list of the folders it was opened from, inside
itself (``.zen-store/locations/<digest>``, one record per folder). A copy of the folder carries the list along.

The list is what makes a recorded URI the store's own: a URI under one of those folders names the artifact of the
same name in the store where it is now (``zen_run._store_finder`` re-anchors it; the content hash is verified on
every read as always). A URI under a folder the store never lived in is not re-anchored: another project's store
is not mixed in. A list that was tampered with cannot lead a read outside the store: only the artifact's name is
kept, and names stay confined to the store's root.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from typing import Final

from zen_store._storage import ArtifactStorage

__all__ = ["former_locations", "remember_location"]

_KIND: Final = "locations"


def _key(location: str) -> str:
    return f"{_KIND}/{hashlib.sha256(os.fsencode(location)).hexdigest()[:40]}"


def remember_location(store: ArtifactStorage, location: str | None = None) -> bool:
    """Record ``location`` (default: where ``store`` is now) among the folders ``store`` has been in; True when
    this added it, False when it was recorded before or the store cannot be written (a read-only mount). One read
    when it is recorded already."""
    where = location or store.location
    key = _key(where)
    with contextlib.suppress(OSError):
        if store.read_meta(key) is None:
            store.write_meta(key, os.fsencode(where))
            return True
    return False


def former_locations(store: ArtifactStorage) -> frozenset[str]:
    """Every folder ``store`` was recorded in (its current one once zen opened it there); empty for a
    store written before stores kept this list, or one that cannot be read."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for key in store.list_meta(_KIND):
            with contextlib.suppress(OSError, UnicodeDecodeError):
                raw = store.read_meta(key)
                if raw is not None and key == _key(where := os.fsdecode(raw)):  # a damaged record is ignored
                    found.add(where)
    return frozenset(found)
