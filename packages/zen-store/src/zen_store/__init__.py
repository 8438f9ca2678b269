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

from zen_store._artifacts import STALE_AFTER_S, ArtifactStore, CommittedArtifact, StoredArtifact, content_hash
from zen_store._gc import GC_MARGIN_S, References, collect_garbage
from zen_store._integrity import BACKUP_EVERY, Health, RestoreReport, check_file, restore
from zen_store._lineage import open_lineage_store
from zen_store._naming import default_artifact_name
from zen_store._postgres import POSTGRES_SCHEMA_VERSION, PostgresLineageStore, is_postgres_url
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
from zen_store._referents import LEASE_STALE_S, Referent, WriterLease, forget_referent, referents
from zen_store._remote import MANIFEST, RemoteArtifactStore, StorageOption
from zen_store._sqlite import HEARTBEAT_STALE_S, SCHEMA_VERSION, SQLiteLineageStore, new_id
from zen_store._staging import StagingArea
from zen_store._storage import ArtifactStorage, open_artifact_store
from zen_store.errors import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    GcRefusedError,
    LineageStoreDamagedError,
    RecordNotFoundError,
    RunInProgressError,
    SchemaVersionError,
    StoreError,
    UnsafePathError,
    UnstorableTextError,
)

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
    "is_postgres_url",
    "new_id",
    "open_artifact_store",
    "open_lineage_store",
    "referents",
    "remember_password",
    "restore",
]
