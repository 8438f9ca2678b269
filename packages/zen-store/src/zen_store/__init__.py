"""zen-store: where artifacts and lineage live.

It sits on zen-types, beside zen-materialize and zen-git, and below zen-run. The artifact store keeps each
artifact as an atomically committed, content-hashed directory under one root; the lineage store keeps runs,
step runs, artifacts and the events connecting them in SQLite, or in PostgreSQL for a team sharing one history
(``open_lineage_store`` picks by location). Artifact stores are local folders or any fsspec URL (S3 through
s3fs), with the same guarantees. It stores records and bytes only: turning an
artifact back into a value is zen-run's job, with a materializer, so this package does not import
zen-materialize.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zen_store._artifacts import (
        SMALL_ARTIFACT_LIMIT,
        STALE_AFTER_S,
        ArtifactStore,
        CommittedArtifact,
        StoredArtifact,
        content_hash,
    )
    from zen_store._gc import GC_MARGIN_S, References, collect_garbage
    from zen_store._integrity import BACKUP_EVERY, Health, RestoreReport, check_file, restore
    from zen_store._lineage import open_lineage_store
    from zen_store._location import StorageOption, is_postgres_url
    from zen_store._moves import former_locations, remember_location
    from zen_store._naming import default_artifact_name
    from zen_store._postgres import POSTGRES_CONNECTION_DEFAULTS, POSTGRES_SCHEMA_VERSION, PostgresLineageStore
    from zen_store._postgres_login import SavedPassword, remember_password
    from zen_store._protocol import LineageStore
    from zen_store._records import (
        LOG_LIMIT,
        VALUE_TYPE_KEY,
        ArtifactRecord,
        CachedStep,
        Comparison,
        FinishedStep,
        GcReport,
        LineageEdge,
        LineageGraph,
        NewRun,
        RepoRecord,
        RunDeletion,
        RunRecord,
        RunStatus,
        StartedStep,
        StepDifference,
        StepLogs,
        StepRunRecord,
        StepStatus,
    )
    from zen_store._referents import (
        LEASE_STALE_S,
        Referent,
        WriterLease,
        forget_referent,
        is_registered,
        referents,
        register_referent,
    )
    from zen_store._remote import MANIFEST, RemoteArtifactStore
    from zen_store._sqlite import HEARTBEAT_STALE_S, SCHEMA_VERSION, SQLiteLineageStore, new_id
    from zen_store._staging import StagingArea
    from zen_store._storage import ArtifactStorage, open_artifact_store
    from zen_store.errors import (
        ArtifactIntegrityError,
        ArtifactNotFoundError,
        DamagedCopyError,
        GcRefusedError,
        LineageStoreDamagedError,
        RecordNotFoundError,
        RunInProgressError,
        SchemaVersionError,
        StoreError,
        UnsafePathError,
        UnstorableTextError,
    )

# Each name's module, imported on first use (PEP 562): a process that opens a local SQLite project loads neither
# the PostgreSQL back-end nor the fsspec (S3) artifact store, nor garbage collection or file restores it does not
# run. The imports above say the same to type checkers.
_LAZY: dict[str, str] = {
    "ArtifactIntegrityError": "zen_store.errors",
    "ArtifactNotFoundError": "zen_store.errors",
    "ArtifactRecord": "zen_store._records",
    "ArtifactStorage": "zen_store._storage",
    "ArtifactStore": "zen_store._artifacts",
    "BACKUP_EVERY": "zen_store._integrity",
    "CachedStep": "zen_store._records",
    "CommittedArtifact": "zen_store._artifacts",
    "Comparison": "zen_store._records",
    "DamagedCopyError": "zen_store.errors",
    "FinishedStep": "zen_store._records",
    "GC_MARGIN_S": "zen_store._gc",
    "GcRefusedError": "zen_store.errors",
    "GcReport": "zen_store._records",
    "HEARTBEAT_STALE_S": "zen_store._sqlite",
    "Health": "zen_store._integrity",
    "LEASE_STALE_S": "zen_store._referents",
    "LOG_LIMIT": "zen_store._records",
    "LineageEdge": "zen_store._records",
    "LineageGraph": "zen_store._records",
    "LineageStore": "zen_store._protocol",
    "LineageStoreDamagedError": "zen_store.errors",
    "MANIFEST": "zen_store._remote",
    "NewRun": "zen_store._records",
    "POSTGRES_CONNECTION_DEFAULTS": "zen_store._postgres",
    "POSTGRES_SCHEMA_VERSION": "zen_store._postgres",
    "PostgresLineageStore": "zen_store._postgres",
    "RecordNotFoundError": "zen_store.errors",
    "References": "zen_store._gc",
    "Referent": "zen_store._referents",
    "RemoteArtifactStore": "zen_store._remote",
    "RepoRecord": "zen_store._records",
    "RestoreReport": "zen_store._integrity",
    "RunDeletion": "zen_store._records",
    "RunInProgressError": "zen_store.errors",
    "RunRecord": "zen_store._records",
    "RunStatus": "zen_store._records",
    "SCHEMA_VERSION": "zen_store._sqlite",
    "SQLiteLineageStore": "zen_store._sqlite",
    "SMALL_ARTIFACT_LIMIT": "zen_store._artifacts",
    "STALE_AFTER_S": "zen_store._artifacts",
    "SavedPassword": "zen_store._postgres_login",
    "SchemaVersionError": "zen_store.errors",
    "StagingArea": "zen_store._staging",
    "StartedStep": "zen_store._records",
    "StepDifference": "zen_store._records",
    "StepLogs": "zen_store._records",
    "StepRunRecord": "zen_store._records",
    "StepStatus": "zen_store._records",
    "StorageOption": "zen_store._location",
    "StoreError": "zen_store.errors",
    "StoredArtifact": "zen_store._artifacts",
    "UnsafePathError": "zen_store.errors",
    "UnstorableTextError": "zen_store.errors",
    "VALUE_TYPE_KEY": "zen_store._records",
    "WriterLease": "zen_store._referents",
    "check_file": "zen_store._integrity",
    "collect_garbage": "zen_store._gc",
    "content_hash": "zen_store._artifacts",
    "default_artifact_name": "zen_store._naming",
    "forget_referent": "zen_store._referents",
    "former_locations": "zen_store._moves",
    "is_postgres_url": "zen_store._location",
    "is_registered": "zen_store._referents",
    "new_id": "zen_store._sqlite",
    "open_artifact_store": "zen_store._storage",
    "open_lineage_store": "zen_store._lineage",
    "referents": "zen_store._referents",
    "register_referent": "zen_store._referents",
    "remember_location": "zen_store._moves",
    "remember_password": "zen_store._postgres_login",
    "restore": "zen_store._integrity",
}

__all__ = [
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "ArtifactRecord",
    "ArtifactStorage",
    "ArtifactStore",
    "BACKUP_EVERY",
    "CachedStep",
    "CommittedArtifact",
    "Comparison",
    "DamagedCopyError",
    "FinishedStep",
    "GC_MARGIN_S",
    "GcRefusedError",
    "GcReport",
    "HEARTBEAT_STALE_S",
    "Health",
    "LEASE_STALE_S",
    "LOG_LIMIT",
    "LineageEdge",
    "LineageGraph",
    "LineageStore",
    "LineageStoreDamagedError",
    "MANIFEST",
    "NewRun",
    "POSTGRES_CONNECTION_DEFAULTS",
    "POSTGRES_SCHEMA_VERSION",
    "PostgresLineageStore",
    "RecordNotFoundError",
    "References",
    "Referent",
    "RemoteArtifactStore",
    "RepoRecord",
    "RestoreReport",
    "RunDeletion",
    "RunInProgressError",
    "RunRecord",
    "RunStatus",
    "SCHEMA_VERSION",
    "SMALL_ARTIFACT_LIMIT",
    "SQLiteLineageStore",
    "STALE_AFTER_S",
    "SavedPassword",
    "SchemaVersionError",
    "StagingArea",
    "StartedStep",
    "StepDifference",
    "StepLogs",
    "StepRunRecord",
    "StepStatus",
    "StorageOption",
    "StoreError",
    "StoredArtifact",
    "UnsafePathError",
    "UnstorableTextError",
    "VALUE_TYPE_KEY",
    "WriterLease",
    "check_file",
    "collect_garbage",
    "content_hash",
    "default_artifact_name",
    "forget_referent",
    "former_locations",
    "is_postgres_url",
    "is_registered",
    "new_id",
    "open_artifact_store",
    "open_lineage_store",
    "referents",
    "register_referent",
    "remember_location",
    "remember_password",
    "restore",
]


if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any name as zen_store's

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'zen_store' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # once imported, an ordinary module attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})
