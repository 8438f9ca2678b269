"""Who uses an artifact store: the lineage stores that write to it, and the writers holding it right now.

Both are kept *inside the artifact store* (under ``.zen-store/``), so every process that opens the store - from
any lineage store, on any machine sharing the folder or bucket - sees the same list:

- ``referents/<store id>.<location digest>.json``: one record per lineage store and place it wrote here from
  (its id and where it is; stores written by earlier versions have ``referents/<store id>.json``). It is written
  before a run's first artifact, and when a lineage file whose id wrote here from elsewhere is opened (a copied
  project folder: the copy has the same id, and its references must protect its artifacts too); zen never
  removes one, except on request (``zen gc --forget``).
- ``leases/<lease id>.json``: one per run in progress, written before the run commits anything and removed after
  its lineage is recorded; its modification time (the storage clock) is when the lease began. A writer renews
  ``leases/<lease id>.beat`` with its heartbeat so other hosts can tell a live writer from a dead one.

:mod:`zen_store._gc` reads both: references from every referent, and no artifact committed after the oldest live
lease began is swept.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
import uuid
from typing import TYPE_CHECKING, Final

import attrs

from zen_store._process import alive
from zen_store._storage import ArtifactStorage

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "LEASE_STALE_S",
    "Lease",
    "LeaseState",
    "Referent",
    "WriterLease",
    "forget_referent",
    "is_registered",
    "referents",
    "register_referent",
]

LEASE_STALE_S: Final = 300.0
"""How long a lease of a writer on another host lives without a heartbeat (same host: while its process lives)."""

_HOST: Final = socket.gethostname()


@functools.cache
def _converter() -> cattrs.Converter:
    """Made when a referent or lease is first written or read (cattrs is slow to import; opening stores to query
    them needs neither)."""
    import cattrs

    return cattrs.Converter(forbid_extra_keys=False)


@attrs.frozen(kw_only=True)
class Referent:
    """A lineage store that writes to this artifact store: its id and where to open it."""

    store_id: str
    location: str


@attrs.frozen(kw_only=True)
class Lease:
    """A run in progress that may commit artifacts: who holds it."""

    lease_id: str
    run_id: str
    store_id: str
    pid: int
    host: str


@attrs.frozen(kw_only=True)
class LeaseState:
    """A lease as ``zen gc`` sees it: when it began and whether its writer is still there."""

    lease: Lease
    started_at: float
    live: bool


def _dump(value: object) -> bytes:
    return json.dumps(_converter().unstructure(value), sort_keys=True).encode()


def referents(artifacts: ArtifactStorage) -> list[Referent]:
    """Every lineage store registered as writing to ``artifacts``."""
    import cattrs

    found: list[Referent] = []
    for key in sorted(artifacts.list_meta("referents")):
        raw = artifacts.read_meta(key)
        if raw is None:
            continue
        try:
            found.append(_converter().structure(json.loads(raw), Referent))
        except (ValueError, cattrs.BaseValidationError):
            # Unreadable: keep it as an unknown referent, so gc refuses rather than ignoring a store.
            found.append(Referent(store_id=_store_id(key), location="?"))
    return found


def _store_id(key: str) -> str:
    """The lineage store id a registry key is for (``referents/<id>.json`` or ``referents/<id>.<digest>.json``)."""
    return key.removeprefix("referents/").split(".", 1)[0]


def _key(referent: Referent) -> str:
    digest = hashlib.sha256(referent.location.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"referents/{referent.store_id}.{digest}.json"


def is_registered(artifacts: ArtifactStorage, referent: Referent) -> bool:
    """True when ``referent`` is registered from its location (one read)."""
    return artifacts.read_meta(_key(referent)) is not None


def register_referent(artifacts: ArtifactStorage, referent: Referent) -> None:
    """Record that ``referent`` writes to ``artifacts`` from its location (once per location)."""
    if not is_registered(artifacts, referent):
        artifacts.write_meta(_key(referent), _dump(referent))


def forget_referent(artifacts: ArtifactStorage, store_id: str) -> bool:
    """Drop a lineage store from the registry, from every place it was registered from (its references stop
    protecting artifacts); False if unknown."""
    keys = [
        key for key in artifacts.list_meta("referents") if key.removeprefix("referents/").split(".", 1)[0] == store_id
    ]
    for key in keys:
        artifacts.delete_meta(key)
    return bool(keys)


def leases(artifacts: ArtifactStorage, *, now: float) -> list[LeaseState]:
    """Every lease on ``artifacts``, with its start and liveness judged at ``now`` (storage clock)."""
    import cattrs

    found = artifacts.list_meta("leases")
    states: list[LeaseState] = []
    for key, started in found.items():
        if not key.endswith(".json"):
            continue
        raw = artifacts.read_meta(key)
        beat = found.get(key.removesuffix(".json") + ".beat", started)
        try:
            lease = _converter().structure(json.loads(raw or b""), Lease)
        except (ValueError, cattrs.BaseValidationError):
            lease = Lease(lease_id=key, run_id="?", store_id="?", pid=-1, host="?")
        same_host = lease.host == _HOST and lease.pid > 0  # pids mean something only on their own host
        live = alive(lease.pid) if same_host else now - max(beat, started) < LEASE_STALE_S
        states.append(LeaseState(lease=lease, started_at=started, live=live))
    return states


def drop_lease(artifacts: ArtifactStorage, lease_id: str) -> None:
    """Remove a lease and its heartbeat."""
    artifacts.delete_meta(f"leases/{lease_id}.json")
    artifacts.delete_meta(f"leases/{lease_id}.beat")


class WriterLease:
    """The lease a run holds on its artifact store from before its first commit until its lineage is recorded."""

    def __init__(self, artifacts: ArtifactStorage, *, run_id: str, referent: Referent) -> None:
        self.artifacts = artifacts
        self.lease = Lease(
            lease_id=f"{os.getpid()}-{uuid.uuid4().hex}",
            run_id=run_id,
            store_id=referent.store_id,
            pid=os.getpid(),
            host=_HOST,
        )
        register_referent(artifacts, referent)
        artifacts.write_meta(f"leases/{self.lease.lease_id}.json", _dump(self.lease), durable=False)

    def renew(self) -> None:
        """Tell other hosts the writer is alive."""
        self.artifacts.write_meta(f"leases/{self.lease.lease_id}.beat", b"", durable=False)

    def release(self) -> None:
        """End the lease: the run's lineage is recorded, its artifacts are protected by references now."""
        drop_lease(self.artifacts, self.lease.lease_id)
