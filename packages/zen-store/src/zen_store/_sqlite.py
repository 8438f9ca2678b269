"""The SQLite lineage store: the only module that talks to sqlite-utils.

Connections are configured by zen: autocommit mode with explicit ``BEGIN IMMEDIATE`` for every write (so
concurrent writers queue on the busy timeout instead of failing with "database is locked" at commit), WAL
journaling with ``synchronous=NORMAL`` on local disks (its checkpoints taken on a thread of their own, see
``_checkpoints``), and a 30 s busy timeout. The schema is versioned with
``PRAGMA user_version``; opening migrates under the write lock after a backup, and refuses a database written
by a newer zen. A completed step is recorded with its artifacts, the bytes of its small artifacts (their lineage
copies, which make them durable; see ``zen_store._artifacts``) and events in one transaction, together with the
start of the steps it makes ready: one write transaction per step, and no statement in it counts rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast

from zen_store._checkpoints import Checkpointer
from zen_store._compare import compare_runs
from zen_store._integrity import (
    BACKUP_EVERY,
    BACKUP_SHARE,
    backup_path,
    damage_marker,
    damage_of,
    mark_damaged,
    quick_check,
    write_backup,
)
from zen_store._naming import default_artifact_name, no_such_name, require_reused, several_artifacts, split_label
from zen_store._process import alive
from zen_store._records import (
    ArtifactRecord,
    CachedStep,
    Comparison,
    FinishedStep,
    LineageEdge,
    LineageGraph,
    NewRun,
    RunDeletion,
    RunRecord,
    RunStatus,
    StartedStep,
    StepLogs,
    StepRunRecord,
    StepStatus,
)
from zen_store._rows import (
    ARTIFACT_COLUMNS,
    RUN_COLUMNS,
    STEP_COLUMNS,
    Row,
    artifact_file_values,
    artifact_of,
    artifact_values,
    finished_step_values,
    load_json,
    opt_ts,
    run_of,
    step_events,
    to_json,
    ts,
)
from zen_store._search import SearchTerm, search_terms, search_words
from zen_store._text import matchable
from zen_store.errors import (
    ArtifactNotFoundError,
    LineageStoreDamagedError,
    RecordNotFoundError,
    RunInProgressError,
    SchemaVersionError,
    StoreError,
)
from zen_types import JSONValue, upgrade_hint

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["SCHEMA_VERSION", "SQLiteLineageStore", "new_id"]

SCHEMA_VERSION: Final = 7
BUSY_TIMEOUT_MS: Final = 30_000
HEARTBEAT_STALE_S: Final = 300.0
"""Seconds without a heartbeat after which another process takes a running run for crashed."""
_HOST: Final = socket.gethostname()

_JOINED_ARTIFACT_COLUMNS: Final = ", ".join(f"a.{c.strip()}" for c in ARTIFACT_COLUMNS.split(","))
""":data:`ARTIFACT_COLUMNS` of the table aliased ``a`` in a join."""
_NEXT_SEQ: Final = "SELECT COALESCE(MAX(seq), -1) + 1 FROM step_runs WHERE run_id = ?"
"""A step run's position in its run: one index probe on (run_id, seq), not a count of the run's rows."""
_TABLES: Final = frozenset(
    {"runs", "step_runs", "artifacts", "events", "step_logs", "artifact_names", "artifact_files"}
)


_LINEAGE_COPY: Final = (
    "SELECT path, data FROM artifact_files WHERE artifact_id = (SELECT a.artifact_id FROM artifacts a WHERE a.uri = ? "
    "AND a.content_hash = ? AND EXISTS (SELECT 1 FROM artifact_files f WHERE f.artifact_id = a.artifact_id) LIMIT 1)"
)
"""The files of one record's lineage copy among those of the stored copy ``(uri, content_hash)`` (by the uri index)."""


def new_id() -> str:
    """A time-sortable unique id: 12 hex digits of milliseconds, then 12 random hex digits."""
    return f"{int(time.time() * 1000):012x}{os.urandom(6).hex()}"  # uuid4's first 12 digits, at half the cost


def _fts_query(terms: list[SearchTerm]) -> str:
    """An FTS5 query requiring every term: each a quoted string (search words hold no quote), ``*`` for a
    prefix."""
    return " ".join(f'"{term.word}"' + ("*" if term.prefix else "") for term in terms)


_SCHEMA_6: Final = (
    """CREATE TABLE "runs" (
   "run_id" TEXT PRIMARY KEY,
   "pipeline_name" TEXT NOT NULL,
   "run_name" TEXT,
   "status" TEXT NOT NULL,
   "started_at" REAL NOT NULL,
   "ended_at" REAL,
   "spec_json" TEXT NOT NULL,
   "stack" TEXT NOT NULL,
   "repo_head" TEXT,
   "repo_dirty" INTEGER NOT NULL DEFAULT 0,
   "repo_diff_digest" TEXT,
   "sources_json" TEXT NOT NULL,
   "owner_pid" INTEGER,
   "owner_host" TEXT,
   "heartbeat_at" REAL,
   "tags_json" TEXT DEFAULT '[]',
   "search_text" TEXT DEFAULT ''
)""",
    """CREATE TABLE "step_runs" (
   "step_run_id" TEXT PRIMARY KEY,
   "run_id" TEXT NOT NULL REFERENCES "runs"("run_id"),
   "step_name" TEXT NOT NULL,
   "seq" INTEGER NOT NULL,
   "status" TEXT NOT NULL,
   "source" TEXT NOT NULL,
   "config_json" TEXT,
   "cache_key" TEXT,
   "cache_json" TEXT,
   "cached_from" TEXT,
   "started_at" REAL NOT NULL,
   "ended_at" REAL,
   "error" TEXT
)""",
    """CREATE TABLE "artifacts" (
   "artifact_id" TEXT PRIMARY KEY,
   "uri" TEXT NOT NULL,
   "type_name" TEXT NOT NULL,
   "materializer" TEXT,
   "format" TEXT NOT NULL,
   "format_version" INTEGER NOT NULL,
   "kind" TEXT NOT NULL,
   "content_hash" TEXT NOT NULL,
   "size" INTEGER NOT NULL,
   "metadata_json" TEXT NOT NULL,
   "created_at" REAL NOT NULL,
   "producer_step_run_id" TEXT,
   "name" TEXT,
   "version" INTEGER
)""",
    """CREATE TABLE "events" (
   "step_run_id" TEXT NOT NULL REFERENCES "step_runs"("step_run_id"),
   "artifact_id" TEXT NOT NULL REFERENCES "artifacts"("artifact_id"),
   "direction" TEXT NOT NULL,
   "name" TEXT NOT NULL,
   PRIMARY KEY ("step_run_id", "direction", "name")
)""",
    """CREATE INDEX "idx_runs_pipeline_name_started_at"
    ON "runs" ("pipeline_name", "started_at")""",
    """CREATE INDEX "idx_runs_status"
    ON "runs" ("status")""",
    """CREATE INDEX "idx_runs_started_at_run_id"
    ON "runs" ("started_at", "run_id")""",
    """CREATE INDEX "idx_step_runs_run_id_seq"
    ON "step_runs" ("run_id", "seq")""",
    """CREATE INDEX "idx_step_runs_cache_key_status"
    ON "step_runs" ("cache_key", "status")""",
    """CREATE INDEX "idx_artifacts_uri"
    ON "artifacts" ("uri")""",
    """CREATE INDEX "idx_artifacts_producer_step_run_id"
    ON "artifacts" ("producer_step_run_id")""",
    """CREATE INDEX "idx_events_artifact_id_direction"
    ON "events" ("artifact_id", "direction")""",
    """CREATE TABLE "step_logs" (
   "step_run_id" TEXT PRIMARY KEY,
   "text" TEXT NOT NULL,
   "cut" INTEGER NOT NULL DEFAULT 0
)""",
    """CREATE TABLE "artifact_names" (
   "name" TEXT PRIMARY KEY,
   "latest" INTEGER NOT NULL
)""",
    """CREATE UNIQUE INDEX "idx_artifacts_name_version"
    ON "artifacts" ("name", "version")""",
    """CREATE VIRTUAL TABLE "runs_fts" USING FTS5 (
    "search_text",
    tokenize='ascii tokenchars ''.''',
    content="runs"
)""",
    """CREATE TRIGGER "runs_ai" AFTER INSERT ON "runs" BEGIN
  INSERT INTO "runs_fts" (rowid, "search_text") VALUES (new.rowid, new."search_text");
END""",
    """CREATE TRIGGER "runs_ad" AFTER DELETE ON "runs" BEGIN
  INSERT INTO "runs_fts" ("runs_fts", rowid, "search_text") VALUES('delete', old.rowid, old."search_text");
END""",
    """CREATE TRIGGER "runs_au" AFTER UPDATE ON "runs" BEGIN
  INSERT INTO "runs_fts" ("runs_fts", rowid, "search_text") VALUES('delete', old.rowid, old."search_text");
  INSERT INTO "runs_fts" (rowid, "search_text") VALUES (new.rowid, new."search_text");
END""",
    """CREATE INDEX "idx_artifacts_created_at_artifact_id"
    ON "artifacts" ("created_at", "artifact_id")""",
)
"""A new file's schema 6, in the words sqlite-utils writes it when it migrates an older file to schema 6 (a test
proves the two identical). A new project creates it with these statements, so its first run does not import
sqlite-utils (about 150 ms of CPU, mostly click and its plugin machinery), which only older files need."""


_SQLITE_FULL: Final = 13
_CANNOT_WRITE: Final = frozenset({8, 10, _SQLITE_FULL, 14})  # SQLITE_READONLY, SQLITE_IOERR, _FULL, SQLITE_CANTOPEN


def _disk_full(exc: BaseException) -> bool:
    """True for SQLITE_FULL: the disk holding the file (or its WAL) has no space left."""
    cause = exc.__cause__ if isinstance(exc, StoreError) else exc
    code = getattr(cause, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == _SQLITE_FULL


_DISK_FULL_STEP: Final = (
    "disk full: the disk holding the lineage store filled up before this step was recorded, so the run stopped "
    "(outputs it saved were not recorded); free disk space, then `zen resume` the run"
)
"""The error of a step that was running when its run stopped on a full disk."""


def _cannot_write(exc: sqlite3.Error) -> bool:
    """True for errors that mean the file cannot be written now (read-only, full disk, I/O), not damage."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _CANNOT_WRITE


def _create_tables(db: sqlite_utils.Database) -> None:
    """The current schema, created by sqlite-utils (inside the caller's migration transaction)."""
    db.table("runs").create(
        {
            "run_id": str,
            "pipeline_name": str,
            "run_name": str,
            "status": str,
            "started_at": float,
            "ended_at": float,
            "spec_json": str,
            "stack": str,
            "repo_head": str,
            "repo_dirty": int,
            "repo_diff_digest": str,
            "sources_json": str,
            "owner_pid": int,
            "owner_host": str,
            "heartbeat_at": float,
            "tags_json": str,
            "search_text": str,
        },
        pk="run_id",
        not_null={"pipeline_name", "status", "started_at", "spec_json", "stack", "repo_dirty", "sources_json"},
        defaults={"repo_dirty": 0, "tags_json": "[]", "search_text": ""},
        if_not_exists=True,
    )
    db.table("step_runs").create(
        {
            "step_run_id": str,
            "run_id": str,
            "step_name": str,
            "seq": int,
            "status": str,
            "source": str,
            "config_json": str,
            "cache_key": str,
            "cache_json": str,
            "cached_from": str,
            "started_at": float,
            "ended_at": float,
            "error": str,
        },
        pk="step_run_id",
        not_null={"run_id", "step_name", "seq", "status", "source", "started_at"},
        foreign_keys=[("run_id", "runs", "run_id")],
        if_not_exists=True,
    )
    db.table("artifacts").create(
        {
            "artifact_id": str,
            "uri": str,
            "type_name": str,
            "materializer": str,
            "format": str,
            "format_version": int,
            "kind": str,
            "content_hash": str,
            "size": int,
            "metadata_json": str,
            "created_at": float,
            "producer_step_run_id": str,
            "name": str,
            "version": int,
        },
        pk="artifact_id",
        not_null={"uri", "type_name", "format", "format_version", "kind", "content_hash", "size", "metadata_json"}
        | {"created_at"},
        if_not_exists=True,
    )
    db.table("events").create(
        {"step_run_id": str, "artifact_id": str, "direction": str, "name": str},
        pk=("step_run_id", "direction", "name"),
        not_null={"step_run_id", "artifact_id", "direction", "name"},
        foreign_keys=[("step_run_id", "step_runs", "step_run_id"), ("artifact_id", "artifacts", "artifact_id")],
        if_not_exists=True,
    )
    _create_indexes(db)


def _create_indexes(db: sqlite_utils.Database) -> None:
    for table, columns in (
        ("runs", ["pipeline_name", "started_at"]),
        ("runs", ["status"]),
        ("runs", ["started_at", "run_id"]),
        ("step_runs", ["run_id", "seq"]),
        ("step_runs", ["cache_key", "status"]),
        ("artifacts", ["uri"]),
        ("artifacts", ["producer_step_run_id"]),
        ("events", ["artifact_id", "direction"]),
    ):
        db.table(table).create_index(columns, if_not_exists=True)


def _add_search(db: sqlite_utils.Database) -> None:
    """Schema 1 -> 2: run tags, and full-text search over pipeline name, run name, tags and config values."""
    runs = db.table("runs")
    if "tags_json" not in runs.columns_dict:
        runs.add_column("tags_json", str, not_null_default="[]")
        runs.add_column("search_text", str, not_null_default="")
    runs.enable_fts(["pipeline_name", "run_name", "tags_json", "search_text"], create_triggers=True, replace=True)


def _add_logs(db: sqlite_utils.Database) -> None:
    """Schema 2 -> 3: what each step run printed, one row per step run that printed anything (kept apart from
    ``step_runs``, so listing a run's steps never reads its logs)."""
    db.table("step_logs").create(
        {"step_run_id": str, "text": str, "cut": int},
        pk="step_run_id",
        not_null={"text", "cut"},
        defaults={"cut": 0},
        if_not_exists=True,
    )


_WORD_SEARCH: Final = "ascii tokenchars '.'"
"""FTS5's tokenizer for the stored search words: it splits them on the spaces between them and nowhere else (the
words hold no other ASCII separator; '.' joins the digits of a number), so search compares zen's words."""


def _add_word_search(db: sqlite_utils.Database) -> None:
    """Schema 4 -> 5: search over the words ``zen_store._search`` splits, the same as on PostgreSQL (FTS5's own
    tokenizer split "0.01" and folded "À" differently). Each run's ``search_text`` is split again from its
    names, tags and the config lines it held; the index covers that column alone."""
    conn = db.conn
    runs = conn.execute("SELECT run_id, pipeline_name, run_name, tags_json, search_text FROM runs").fetchall()
    conn.executemany(
        "UPDATE runs SET search_text = ? WHERE run_id = ?",
        [
            (" ".join(search_words(str(name), str(run or ""), *map(str, json.loads(tags)), str(text))), run_id)
            for run_id, name, run, tags, text in runs
        ],
    )
    db.table("runs").enable_fts(["search_text"], create_triggers=True, tokenize=_WORD_SEARCH, replace=True)


def _add_artifact_order(db: sqlite_utils.Database) -> None:
    """Schema 5 -> 6: artifacts in creation order, so listing the newest artifacts reads an index instead of
    sorting the whole table."""
    db.table("artifacts").create_index(["created_at", "artifact_id"], if_not_exists=True)


def _add_artifact_files(conn: sqlite3.Connection) -> None:
    """Schema 6 -> 7 (and a new file, after its schema 6): the lineage copies of small artifacts, one row per file,
    recorded with the artifact (see ``zen_store._artifacts``); a copy goes with its artifact's record."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS artifact_files (artifact_id TEXT NOT NULL REFERENCES artifacts (artifact_id) "
        "ON DELETE CASCADE, path TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (artifact_id, path))"
    )


_UPSERT_LOGS: Final = (
    "INSERT INTO step_logs (step_run_id, text, cut) VALUES (?, ?, ?) "
    "ON CONFLICT (step_run_id) DO UPDATE SET text = excluded.text, cut = excluded.cut"
)


def _add_names(db: sqlite_utils.Database) -> None:
    """Schema 3 -> 4: artifact names and versions. Recorded artifacts get their default name
    (``<pipeline>.<slot>.<output>``) and versions in the order they were created."""
    artifacts = db.table("artifacts")
    if "name" not in artifacts.columns_dict:
        artifacts.add_column("name", str)
        artifacts.add_column("version", int)
    conn = db.conn
    conn.execute(
        "UPDATE artifacts SET name = (SELECT r.pipeline_name || '.' || s.step_name || '.' || e.name "
        "FROM step_runs s JOIN runs r ON r.run_id = s.run_id JOIN events e ON e.step_run_id = s.step_run_id "
        "AND e.direction = 'output' AND e.artifact_id = artifacts.artifact_id "
        "WHERE s.step_run_id = artifacts.producer_step_run_id LIMIT 1) WHERE name IS NULL"
    )
    conn.execute("UPDATE artifacts SET name = 'artifact.' || artifact_id WHERE name IS NULL")
    conn.execute(
        "WITH numbered AS (SELECT artifact_id, row_number() OVER (PARTITION BY name ORDER BY created_at, "
        "artifact_id) AS v FROM artifacts) UPDATE artifacts SET version = "
        "(SELECT v FROM numbered WHERE numbered.artifact_id = artifacts.artifact_id) WHERE version IS NULL"
    )
    db.table("artifact_names").create({"name": str, "latest": int}, pk="name", not_null={"latest"}, if_not_exists=True)
    artifacts.create_index(["name", "version"], unique=True, if_not_exists=True)
    conn.execute(
        "INSERT OR REPLACE INTO artifact_names (name, latest) SELECT name, MAX(version) FROM artifacts GROUP BY name"
    )


_NEXT_NAME: Final = (
    "INSERT INTO artifact_names (name, latest) "
    "VALUES (COALESCE(?, COALESCE((SELECT pipeline_name FROM runs WHERE run_id = ?), '') || '.' || ?), 1) "
    "ON CONFLICT (name) DO UPDATE SET latest = latest + 1 RETURNING name, latest"
)
"""An output's name (its own, else ``<pipeline>.<slot>.<output>`` with the pipeline looked up in the same
statement) and next version."""


def _names(conn: sqlite3.Connection, step: FinishedStep) -> dict[str, tuple[str, int]]:
    """Name and next version of each new output of ``step``, by output name (inside the recording transaction,
    which holds the write lock: versions are given out one writer at a time, and never twice)."""
    found: dict[str, tuple[str, int]] = {}
    for output, art in step.new_outputs.items():
        slot_output = default_artifact_name("", step.step_name, output).removeprefix(".")
        row = conn.execute(_NEXT_NAME, (art.name, step.run_id, slot_output)).fetchone()
        found[output] = (str(row[0]), int(row[1]))
    return found


def _recorded(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """Those of the artifact ids ``ids`` that are recorded (asked in chunks well under SQLite's variable limit)."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        sql = f"SELECT artifact_id FROM artifacts WHERE artifact_id IN ({', '.join('?' for _ in chunk)})"
        found.update(str(r[0]) for r in conn.execute(sql, chunk))
    return found


def _record(conn: sqlite3.Connection, step: FinishedStep, recorded: set[str] | None = None) -> str:
    """Insert one finished step run, its new artifacts, events and logs (inside the caller's transaction).
    ``recorded``: reused artifacts known to be recorded in this transaction already (the others are looked up)."""
    values = finished_step_values(step)
    if step.reused_outputs:  # a cached step: its reused artifacts must still be recorded
        ids = sorted(set(step.reused_outputs.values()))
        known = recorded or set()
        require_reused(step, ids, known | _recorded(conn, [i for i in ids if i not in known]))
    step_run_id = step.step_run_id
    if step_run_id is None:
        step_run_id = new_id()
        conn.execute(
            f"INSERT INTO step_runs ({STEP_COLUMNS}, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ({_NEXT_SEQ}))",
            (step_run_id, step.run_id, step.step_name, *values, step.run_id),
        )
    else:
        updated = conn.execute(
            "UPDATE step_runs SET status = ?, source = ?, config_json = ?, cache_key = ?, cache_json = ?, "
            "cached_from = ?, started_at = ?, ended_at = ?, error = ? "
            "WHERE step_run_id = ? AND run_id = ? AND step_name = ? AND status = 'running'",
            (*values, step_run_id, step.run_id, step.step_name),
        ).rowcount
        if updated != 1:
            raise StoreError(
                f"step run {step_run_id} ({step.step_name} of run {step.run_id}) is not a running step of "
                f"that run; it cannot be completed (was the run reaped as crashed?)."
            )
    if step.new_outputs:  # a cached step adds none
        names = _names(conn, step)
        conn.executemany(
            f"INSERT INTO artifacts ({ARTIFACT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*artifact_values(art, step_run_id), *names[output]) for output, art in step.new_outputs.items()],
        )
        files = artifact_file_values(step)
        if files:  # small artifacts: their bytes, durable with this transaction (see zen_store._artifacts)
            conn.executemany("INSERT INTO artifact_files (artifact_id, path, data) VALUES (?, ?, ?)", files)
    conn.executemany(
        "INSERT INTO events (step_run_id, artifact_id, direction, name) VALUES (?, ?, ?, ?)",
        step_events(step, step_run_id),
    )
    if step.logs:
        logs = step.logs.bounded()
        conn.execute(_UPSERT_LOGS, (step_run_id, logs.text, logs.cut))
    return step_run_id


def _start(conn: sqlite3.Connection, step: StartedStep) -> str:
    """Insert a running step run (inside the caller's transaction); returns its id."""
    step_run_id = new_id()
    conn.execute(
        "INSERT INTO step_runs (step_run_id, run_id, step_name, status, source, config_json, started_at, seq) "
        f"VALUES (?, ?, ?, 'running', ?, ?, ?, ({_NEXT_SEQ}))",
        (
            step_run_id,
            step.run_id,
            step.step_name,
            step.source,
            None if step.config is None else to_json(dict(step.config)),
            step.started_at,
            step.run_id,
        ),
    )
    return step_run_id


class SQLiteLineageStore:
    """Lineage records in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.read_only: str | None = None
        """Why the store is open read-only (a full disk, no write permission), or None when it is writable."""
        self._store_id: str | None = None
        self._checkpoints: Checkpointer | None = None
        """Takes the write-ahead log's checkpoints off the recording thread (WAL mode only)."""
        self._backup_after = 0.0
        """``time.monotonic()`` before which no automatic backup is taken (see BACKUP_SHARE)."""
        self._lock = threading.RLock()
        """One user of the connection at a time: a transaction (or a query) of the run's heartbeat thread never
        interleaves with one of the thread recording steps (SQLite would refuse the second BEGIN, or commit
        half of the other's work)."""
        marker = damage_marker(self.path)
        if marker.exists():
            seen = marker.read_text(errors="replace").strip()
            raise LineageStoreDamagedError(str(self.path), f"found damaged earlier: {seen}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = self._connect(str(self.path), uri=False)
            try:
                self._configure()
                self._migrate()
            except (sqlite3.OperationalError, StoreError) as exc:
                cause = exc if isinstance(exc, sqlite3.OperationalError) else exc.__cause__
                if (
                    isinstance(exc, LineageStoreDamagedError)
                    or not isinstance(cause, sqlite3.OperationalError)
                    or not _cannot_write(cause)
                    or not self.path.is_file()
                ):
                    raise
                self._conn.close()
                self._open_read_only(str(cause))
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection as a sqlite-utils database (schema work and ad-hoc inspection; the hot path uses the
        plain connection). sqlite-utils is imported only here: a process that never migrates never loads it."""
        from zen_store._sqlite_utils import sqlite_utils

        return sqlite_utils.Database(self._conn)

    @staticmethod
    def _connect(target: str, *, uri: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(
            target, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000, uri=uri
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def _open_read_only(self, reason: str) -> None:
        """Open for reading only when the file cannot be written (a full disk, a read-only folder): listing and
        showing runs still work. Without a WAL file the database file alone is the whole truth, so it can be read
        as immutable (no shared-memory file to create)."""
        wal = self.path.with_name(self.path.name + "-wal")
        targets = [f"file:{self.path}?mode=ro"]
        if not wal.exists() or wal.stat().st_size == 0:
            targets.append(f"file:{self.path}?immutable=1")
        last: sqlite3.Error | None = None
        for target in targets:
            try:
                conn = self._connect(target, uri=True)
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            except sqlite3.OperationalError as exc:
                last = exc
                continue
            if version != SCHEMA_VERSION:
                conn.close()
                raise StoreError(
                    f"cannot open lineage store {self.path}: it cannot be written ({reason}) and its schema "
                    f"(version {version}) needs migrating first. Free space or fix permissions, then retry."
                )
            self._conn = conn
            self.read_only = reason
            return
        assert last is not None
        raise last

    def _error(self, exc: sqlite3.Error) -> StoreError:
        """The zen error for a SQLite error: damage is marked and reported as such."""
        detail = damage_of(exc)
        if detail is not None:
            mark_damaged(self.path, detail)
            return LineageStoreDamagedError(str(self.path), detail)
        if self.read_only is not None and _cannot_write(exc):
            return StoreError(
                f"the lineage store {self.path} can only be read right now ({self.read_only}); nothing was "
                f"recorded. Free disk space or fix the folder's permissions, then run again."
            )
        if _disk_full(exc):
            return StoreError(
                f"the disk holding the lineage store {self.path} is full; nothing more was recorded, and nothing "
                f"recorded before is lost. Free disk space, then try again."
            )
        if _cannot_write(exc):
            return StoreError(
                f"cannot write to the lineage store {self.path} ({exc}); nothing more was recorded. Free disk space "
                f"or fix the folder's permissions, then run again."
            )
        return StoreError(f"lineage store {self.path}: {exc}")

    @classmethod
    def open(cls, path: Path | str) -> SQLiteLineageStore:
        """Open (creating or migrating) the lineage database at ``path``."""
        return cls(path)

    def close(self) -> None:
        """Close the connection (and stop the checkpoints' thread)."""
        if self._checkpoints is not None:
            self._checkpoints.close()
        self._conn.close()

    @property
    def location(self) -> str:
        """The database file's absolute path."""
        return str(self.path.resolve())

    @property
    def store_id(self) -> str:
        """This database's random identity, made once and kept in its ``store_info`` table."""
        if self._store_id is None:
            try:
                row = self._conn.execute("SELECT value FROM store_info WHERE key = 'store_id'").fetchone()
            except sqlite3.OperationalError:  # no such table: a store made before ids were kept
                row = None
            if row is None:
                with self.transaction() as conn:
                    conn.execute("CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    conn.execute("INSERT OR IGNORE INTO store_info (key, value) VALUES ('store_id', ?)", (new_id(),))
                    row = conn.execute("SELECT value FROM store_info WHERE key = 'store_id'").fetchone()
            self._store_id = str(row[0])
        return self._store_id

    # -- connection and schema -------------------------------------------------------------------------------

    def _configure(self) -> None:
        for attempt in range(50):
            try:
                mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()
                break
            except sqlite3.OperationalError as exc:  # another process switching modes at the same moment
                if _cannot_write(exc):
                    raise
                time.sleep(0.02 * (attempt + 1))
        else:  # pragma: no cover - 50 consecutive failures
            raise StoreError(f"cannot set WAL mode on {self.path}")
        if mode is not None and str(mode[0]).lower() == "wal":
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA wal_autocheckpoint = 0")  # taken by a thread of their own instead
            self._checkpoints = Checkpointer(self.path)
        self._conn.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with ``BEGIN IMMEDIATE`` (waits on the busy timeout, never fails late), by
        one thread at a time."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc) from exc
            try:
                yield self._conn
            except sqlite3.Error as exc:
                self._rollback()
                raise self._error(exc) from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise self._error(exc) from exc
            if self._checkpoints is not None:
                self._checkpoints.committed()

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            # A damaged file or a full disk: the transaction is gone either way.
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def _migrate(self) -> None:
        found = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if 0 < found < SCHEMA_VERSION:
            # Before taking the write lock: a backup cannot read the file while its own connection writes it.
            # A concurrent opener migrating first is harmless (the version is checked again under the lock).
            self._backup(found)
        with self.transaction() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.path} uses lineage schema version {version}, but this zen understands up to "
                    f"{SCHEMA_VERSION}. Upgrade zen: {upgrade_hint()}; nothing was changed."
                )
            if version == SCHEMA_VERSION:
                return
            tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if version == 0 and tables - _TABLES - {"store_info"}:
                raise SchemaVersionError(
                    f"{self.path} is a SQLite database that zen did not create; refusing to use it."
                )
            if version == 0 and not tables & _TABLES:
                for statement in _SCHEMA_6:
                    conn.execute(statement)
            elif version < 6:  # an older file: the sqlite-utils migrations up to schema 6, which _SCHEMA_6 is
                db = self.db
                _create_tables(db)
                _add_search(db)
                _add_logs(db)
                _add_names(db)
                _add_word_search(db)
                _add_artifact_order(db)
            _add_artifact_files(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _backup(self, version: int) -> None:
        target = self.path.with_name(f"{self.path.name}.v{version}.bak")
        backup = sqlite3.connect(target)
        try:
            self._conn.backup(backup)
        finally:
            backup.close()

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        if not matchable(params):
            return []  # text no lineage store keeps matches no row (see ``_text``)
        try:
            with self._lock:
                return [tuple(r) for r in self._conn.execute(sql, list(params)).fetchall()]
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    # -- writing ------------------------------------------------------------------------------------------------

    def create_run(self, run: NewRun) -> str:
        """Record a new running run owned by this process; returns its id."""
        run_id = new_id()
        now = time.time()
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO runs ({RUN_COLUMNS}, owner_pid, owner_host, heartbeat_at, search_text) "
                "VALUES (?, ?, ?, 'running', ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    run.pipeline_name,
                    run.run_name,
                    now,
                    run.spec_json,
                    run.stack,
                    run.repo.head_sha,
                    int(run.repo.dirty),
                    run.repo.diff_digest,
                    to_json(dict(run.sources)),
                    to_json(list(run.tags)),
                    os.getpid(),
                    _HOST,
                    now,
                    run.search_text(),
                ),
            )
        return run_id

    def heartbeat(self, run_id: str) -> None:
        """Mark the run as still alive (its owner calls this periodically)."""
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET heartbeat_at = ? WHERE run_id = ?", (time.time(), run_id))

    def finish_run(self, run_id: str, *, status: RunStatus) -> None:
        """Set a run's final status; steps still marked running (cancelled with it) become ``stopped``."""
        now = time.time()
        try:
            with self.transaction() as conn:
                conn.execute(
                    "UPDATE runs SET status = ?, ended_at = ?, owner_pid = NULL WHERE run_id = ?",
                    (RunStatus(status).value, now, run_id),
                )
                conn.execute(
                    "UPDATE step_runs SET status = 'stopped', ended_at = ?, error = ? "
                    "WHERE run_id = ? AND status = 'running'",
                    (now, f"the run ended ({RunStatus(status).value}) before this step finished", run_id),
                )
        except StoreError as exc:
            if not _disk_full(exc):
                raise
            with contextlib.suppress(OSError):  # an empty file takes no disk block, only a name
                self._full_marker(run_id).touch()
            raise StoreError(
                f"the disk holding the lineage store {self.path} is full, so run {run_id} stopped: what it recorded "
                f"is kept, and outputs saved since are not recorded (the run will show as failed, disk full). Free "
                f"disk space, then run `zen resume {run_id}` for its remaining steps."
            ) from exc
        self._backup_now_and_then()

    def _full_marker(self, run_id: str) -> Path:
        """An empty file beside the lineage file saying that ``run_id`` stopped because the disk was full (the
        lineage file could not record it): the process that reaps the run records why."""
        return self.path.with_name(f"{self.path.name}.disk-full-{run_id}")

    def _backup_now_and_then(self) -> None:
        """After the first run and every BACKUP_EVERY runs, unless this process's last backup was too recent for
        its cost (BACKUP_SHARE): check the file and back it up (see _integrity)."""
        if self.read_only is not None:
            return
        newest = self._rows("SELECT max(rowid) FROM runs")[0][0]
        count = int(cast("int", newest or 0))
        if backup_path(self.path).exists() and (count % BACKUP_EVERY != 0 or time.monotonic() < self._backup_after):
            return
        started = time.monotonic()
        self.backup()
        ended = time.monotonic()
        self._backup_after = ended + (ended - started) / BACKUP_SHARE

    def backup(self) -> None:
        """Check the file (``PRAGMA quick_check``) and, when it is sound, replace its backup with a copy of it."""
        try:
            problem = quick_check(self._conn)
        except sqlite3.Error as exc:  # not damage (locked, the disk gone): no backup this time, the previous stays
            warnings.warn(f"zen: could not check the lineage store {self.path} to back it up: {exc}", stacklevel=2)
            return
        if problem is not None:
            mark_damaged(self.path, problem)
            raise LineageStoreDamagedError(str(self.path), problem)
        try:
            write_backup(self._conn, self.path)
        except (OSError, sqlite3.Error) as exc:
            # The run is recorded; only its backup could not be written (a full disk). The previous one stays.
            warnings.warn(f"zen: could not back up the lineage store {self.path}: {exc}", stacklevel=2)

    def start_step(
        self, *, run_id: str, step_name: str, source: str, config: Mapping[str, JSONValue] | None, started_at: float
    ) -> str:
        """Record that a step started (status ``running``), so a live or crashed run shows it; returns its id for
        :meth:`record_step` to complete."""
        started = StartedStep(run_id=run_id, step_name=step_name, source=source, config=config, started_at=started_at)
        with self.transaction() as conn:
            return _start(conn, started)

    def record_step(self, step: FinishedStep) -> str:
        """Record one finished step run, its new output artifacts and every input/output event, atomically."""
        with self.transaction() as conn:
            return _record(conn, step)

    def record_steps(self, finished: Sequence[FinishedStep], started: Sequence[StartedStep]) -> list[str]:
        """Record finished steps, then start steps, in one transaction; returns the started steps' ids."""
        if not finished and not started:
            return []
        with self.transaction() as conn:
            # The reused artifacts of every cache hit, looked up at once (a run's hits are recorded together).
            recorded = _recorded(conn, [i for step in finished for i in step.reused_outputs.values()])
            for step in finished:
                _record(conn, step, recorded)
            return [_start(conn, step) for step in started]

    def write_logs(self, step_run_id: str, logs: StepLogs) -> None:
        """Replace what a running step run printed so far."""
        bounded = logs.bounded()
        with self.transaction() as conn:
            conn.execute(_UPSERT_LOGS, (step_run_id, bounded.text, bounded.cut))

    def clear_cache(self, *, pipeline_name: str | None = None) -> int:
        """Forget cache keys (artifacts stay); returns how many step runs were affected."""
        if not matchable([pipeline_name]):
            return 0  # no recorded pipeline has that name
        with self.transaction() as conn:
            if pipeline_name is None:
                cur = conn.execute("UPDATE step_runs SET cache_key = NULL WHERE cache_key IS NOT NULL")
            else:
                cur = conn.execute(
                    "UPDATE step_runs SET cache_key = NULL WHERE cache_key IS NOT NULL AND run_id IN "
                    "(SELECT run_id FROM runs WHERE pipeline_name = ?)",
                    (pipeline_name,),
                )
            return int(cur.rowcount)

    def delete_run(self, run_id: str) -> RunDeletion:
        """Remove a run, its step runs and events, and the artifact records of its outputs no other run uses."""
        run = self.get_run(run_id)  # reaps crashed owners first: a dead run is not in progress
        with self.transaction() as conn:
            row = conn.execute("SELECT status FROM runs WHERE run_id = ?", (run.run_id,)).fetchone()
            if row is None:
                raise RecordNotFoundError(f"no run with id {run_id!r}. List runs with `zen runs list`.")
            if str(row[0]) == RunStatus.RUNNING.value:
                raise RunInProgressError(run.run_id, run.pipeline_name)
            steps = "SELECT step_run_id FROM step_runs WHERE run_id = ?"
            produced = {
                str(r[0])
                for r in conn.execute(
                    f"SELECT artifact_id FROM artifacts WHERE producer_step_run_id IN ({steps})", (run.run_id,)
                )
            }
            used = {
                str(r[0])
                for r in conn.execute(f"SELECT artifact_id FROM events WHERE step_run_id IN ({steps})", (run.run_id,))
            }
            step_count = int(conn.execute(f"SELECT count(*) FROM ({steps})", (run.run_id,)).fetchone()[0])
            conn.execute(f"DELETE FROM events WHERE step_run_id IN ({steps})", (run.run_id,))
            conn.execute(f"DELETE FROM step_logs WHERE step_run_id IN ({steps})", (run.run_id,))
            # Outputs other runs reused stay, without a producer (its step run is gone).
            conn.execute(
                f"UPDATE artifacts SET producer_step_run_id = NULL WHERE producer_step_run_id IN ({steps})",
                (run.run_id,),
            )
            conn.execute("DELETE FROM step_runs WHERE run_id = ?", (run.run_id,))
            conn.execute("DELETE FROM runs WHERE run_id = ?", (run.run_id,))
            doomed = sorted(
                aid
                for aid in produced | used
                if conn.execute(
                    "SELECT 1 FROM artifacts a WHERE a.artifact_id = ? AND a.producer_step_run_id IS NULL AND NOT "
                    "EXISTS (SELECT 1 FROM events e WHERE e.artifact_id = a.artifact_id)",
                    (aid,),
                ).fetchone()
                is not None
            )
            conn.executemany("DELETE FROM artifact_files WHERE artifact_id = ?", [(aid,) for aid in doomed])
            conn.executemany("DELETE FROM artifacts WHERE artifact_id = ?", [(aid,) for aid in doomed])
        return RunDeletion(
            run_id=run.run_id,
            pipeline_name=run.pipeline_name,
            step_runs=step_count,
            artifacts=tuple(doomed),
            kept=tuple(sorted(produced - set(doomed))),
        )

    def reap_crashed(self) -> int:
        """Mark runs whose owning process is gone (same host) or silent for too long as crashed."""
        if self.read_only is not None:
            return 0  # they are marked by the next process that can write
        rows = self._rows("SELECT run_id, owner_pid, owner_host, heartbeat_at FROM runs WHERE status = 'running'")
        dead: list[str] = []
        now = time.time()
        for run_id, pid, host, beat in rows:
            if (host == _HOST and isinstance(pid, int) and pid != os.getpid() and not alive(pid)) or (
                beat is not None and now - float(cast("float", beat)) > HEARTBEAT_STALE_S and pid != os.getpid()
            ):
                dead.append(str(run_id))
        if dead:
            full = [r for r in dead if self._full_marker(r).exists()]
            try:
                with self.transaction() as conn:
                    conn.executemany(
                        "UPDATE runs SET status = ?, ended_at = heartbeat_at WHERE run_id = ? AND status = 'running'",
                        [("failed" if r in full else "crashed", r) for r in dead],
                    )
                    conn.executemany(
                        "UPDATE step_runs SET status = ?, error = ? WHERE run_id = ? AND status = 'running'",
                        [
                            ("failed", _DISK_FULL_STEP, r)
                            if r in full
                            else ("crashed", "the process running this step died", r)
                            for r in dead
                        ],
                    )
            except StoreError as exc:
                cause = exc.__cause__
                if isinstance(exc, LineageStoreDamagedError) or not (
                    isinstance(cause, sqlite3.Error) and _cannot_write(cause)
                ):
                    raise
                return 0  # a full disk, a read-only folder: reading goes on, the next process that can write marks them
            for run_id in full:
                self._full_marker(run_id).unlink(missing_ok=True)
        return len(dead)

    # -- reading ------------------------------------------------------------------------------------------------

    def pipelines(self) -> list[str]:
        """Names of pipelines with recorded runs."""
        return [str(r[0]) for r in self._rows("SELECT DISTINCT pipeline_name FROM runs ORDER BY pipeline_name")]

    def runs(
        self,
        *,
        pipeline_name: str | None = None,
        status: RunStatus | None = None,
        run_name: str | None = None,
        tag: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[RunRecord]:
        """Runs, newest first, filtered."""
        self.reap_crashed()
        where: list[str] = []
        params: list[object] = []
        for column, value in (("pipeline_name", pipeline_name), ("status", status), ("run_name", run_name)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(str(value))
        if tag is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(runs.tags_json) WHERE json_each.value = ?)")
            params.append(tag)
        if since is not None:
            where.append("started_at >= ?")
            params.append(since.timestamp())
        if until is not None:
            where.append("started_at < ?")
            params.append(until.timestamp())
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {RUN_COLUMNS} FROM runs {clause} ORDER BY started_at DESC, run_id DESC LIMIT ?"
        return [run_of(r) for r in self._rows(sql, [*params, limit])]

    def search_runs(self, text: str, *, limit: int = 50) -> list[RunRecord]:
        """Runs whose pipeline name, run name, tags or config values contain every word of ``text``, newest
        first (whole words, or word prefixes written ``lr*``, split as ``zen_store._search`` says)."""
        self.reap_crashed()
        terms = search_terms(text)
        if not terms:
            return []
        query = _fts_query(terms)
        rows = self._rows(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE rowid IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ?) "
            "ORDER BY started_at DESC, run_id DESC LIMIT ?",
            [query, limit],
        )
        return [run_of(r) for r in rows]

    def get_run(self, run_id: str) -> RunRecord:
        """A run by id or unique id prefix."""
        self.reap_crashed()
        if not run_id:
            raise RecordNotFoundError("no run with an empty id. List runs with `zen runs list`.")
        # A range on the primary key (not LIKE, which is case-insensitive, treats '%' and '_' as wildcards and
        # cannot use the index): ids that start with the prefix sort between it and prefix + U+10FFFF.
        rows = self._rows(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE run_id >= ? AND run_id < ? ORDER BY run_id = ? DESC LIMIT 2",
            [run_id, run_id + "\U0010ffff", run_id],
        )
        if not rows:
            raise RecordNotFoundError(f"no run with id {run_id!r}. List runs with `zen runs list`.")
        if len(rows) > 1 and str(rows[0][0]) != run_id:
            raise RecordNotFoundError(f"run id prefix {run_id!r} matches several runs; give more characters.")
        return run_of(rows[0])

    def last_run(self, pipeline_name: str) -> RunRecord:
        """The newest run of a pipeline."""
        found = self.runs(pipeline_name=pipeline_name, limit=1)
        if not found:
            known = ", ".join(self.pipelines()) or "none yet"
            raise RecordNotFoundError(f"pipeline {pipeline_name!r} has no recorded runs (pipelines: {known}).")
        return found[0]

    def _events(self, step_run_ids: Sequence[str]) -> dict[str, dict[str, dict[str, ArtifactRecord]]]:
        out: dict[str, dict[str, dict[str, ArtifactRecord]]] = {s: {"input": {}, "output": {}} for s in step_run_ids}
        if not step_run_ids:
            return out
        marks = ", ".join("?" for _ in step_run_ids)
        rows = self._rows(
            f"SELECT e.step_run_id, e.direction, e.name, {_JOINED_ARTIFACT_COLUMNS} FROM events e JOIN artifacts a "
            f"ON a.artifact_id = e.artifact_id WHERE e.step_run_id IN ({marks})",
            list(step_run_ids),
        )
        for row in rows:
            out[str(row[0])][str(row[1])][str(row[2])] = artifact_of(row[3:])
        return out

    def _step_runs(self, where: str, params: Sequence[object]) -> list[StepRunRecord]:
        rows = self._rows(f"SELECT {STEP_COLUMNS} FROM step_runs WHERE {where}", params)
        events = self._events([str(r[0]) for r in rows])
        return [
            StepRunRecord(
                step_run_id=str(r[0]),
                run_id=str(r[1]),
                step_name=str(r[2]),
                status=StepStatus(str(r[3])),
                source=str(r[4]),
                config=cast("dict[str, JSONValue] | None", load_json(r[5])),
                cache_key=None if r[6] is None else str(r[6]),
                cache_components=cast("dict[str, JSONValue] | None", load_json(r[7])),
                cached_from=None if r[8] is None else str(r[8]),
                started_at=ts(r[9]),
                ended_at=opt_ts(r[10]),
                error=None if r[11] is None else str(r[11]),
                inputs=events[str(r[0])]["input"],
                outputs=events[str(r[0])]["output"],
            )
            for r in rows
        ]

    def step_runs(self, run_id: str) -> list[StepRunRecord]:
        """A run's step runs in execution order, with inputs and outputs."""
        return self._step_runs("run_id = ? ORDER BY seq", [run_id])

    def step_run(self, step_run_id: str) -> StepRunRecord | None:
        """One step run by its id, or None."""
        return next(iter(self._step_runs("step_run_id = ?", [step_run_id])), None)

    def step_logs(self, step_run_id: str) -> StepLogs:
        """What a step run printed (empty when nothing was stored)."""
        rows = self._rows("SELECT text, cut FROM step_logs WHERE step_run_id = ?", [step_run_id])
        return StepLogs(text=str(rows[0][0]), cut=int(cast("int", rows[0][1]))) if rows else StepLogs()

    def find_cached(self, cache_key: str) -> CachedStep | None:
        """The newest completed step run with this cache key and all outputs recorded, if any."""
        # One statement, so the step run and its outputs are read from the same snapshot.
        rows = self._rows(
            f"WITH hit AS (SELECT step_run_id FROM step_runs WHERE cache_key = ? AND status = 'completed' "
            f"ORDER BY started_at DESC LIMIT 1) SELECT hit.step_run_id, e.name, {_JOINED_ARTIFACT_COLUMNS} FROM hit "
            "LEFT JOIN events e ON e.step_run_id = hit.step_run_id AND e.direction = 'output' "
            "LEFT JOIN artifacts a ON a.artifact_id = e.artifact_id",
            [cache_key],
        )
        if not rows:
            return None
        outputs = {str(r[1]): artifact_of(r[2:]) for r in rows if r[1] is not None and r[2] is not None}
        return CachedStep(step_run_id=str(rows[0][0]), cache_key=cache_key, outputs=outputs)

    def completed_steps(self, run_id: str) -> dict[str, CachedStep]:
        """The completed or cached steps of a run, by step name (for resuming it)."""
        return {
            s.step_name: CachedStep(step_run_id=s.step_run_id, cache_key=s.cache_key or "", outputs=dict(s.outputs))
            for s in self._step_runs("run_id = ? AND status IN ('completed', 'cached') ORDER BY seq", [run_id])
        }

    def previous_step_run(self, pipeline_name: str, step_name: str, *, before_run: str) -> StepRunRecord | None:
        """The latest step run of ``step_name`` in an earlier run of the same pipeline."""
        found = self._step_runs(
            "step_name = ? AND run_id = (SELECT r.run_id FROM runs r WHERE r.pipeline_name = ? "
            "AND r.started_at < (SELECT started_at FROM runs WHERE run_id = ?) AND EXISTS "
            "(SELECT 1 FROM step_runs x WHERE x.run_id = r.run_id AND x.step_name = ?) "
            "ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1) ORDER BY seq DESC LIMIT 1",
            [step_name, pipeline_name, before_run, step_name],
        )
        return found[0] if found else None

    def artifact(self, key: str) -> ArtifactRecord:
        """An artifact by id, URI, name (its latest version), ``name:version``, or unique id prefix."""
        rows = self._rows(
            f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE artifact_id = ? OR uri = ? LIMIT 2", [key, key]
        )
        if not rows and key:
            label = split_label(key)
            named = self._named(*label) if label is not None else self._named(key, None)
            if named is not None:
                return named
        if not rows and key:
            # Exact, case-sensitive prefix: a range on the primary key, like run ids (LIKE would treat '%' and '_'
            # as wildcards and ignore case).
            rows = self._rows(
                f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE artifact_id >= ? AND artifact_id < ? LIMIT 2",
                [key, key + "\U0010ffff"],
            )
        if not rows:
            label = split_label(key)
            latest = self._named(label[0], None) if label is not None else None
            if label is not None and latest is not None:  # a name it has, at a version it has not
                raise ArtifactNotFoundError(no_such_name(label[0], label[1], latest.version))
            raise ArtifactNotFoundError(
                f"no artifact {key!r}: no id, name or NAME:VERSION matches. List artifacts with `zen artifacts list`."
            )
        if len(rows) > 1:
            raise ArtifactNotFoundError(several_artifacts(key, shared_uri=str(rows[0][1]) == key))
        return artifact_of(rows[0])

    def _named(self, name: str, version: int | None) -> ArtifactRecord | None:
        if version is None:
            rows = self._rows(
                f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE name = ? ORDER BY version DESC LIMIT 1", [name]
            )
        else:
            rows = self._rows(
                f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE name = ? AND version = ?", [name, version]
            )
        return artifact_of(rows[0]) if rows else None

    def artifact_version(self, name: str, version: int | None = None) -> ArtifactRecord:
        """The artifact ``name`` at ``version``, or its latest version."""
        found = self._named(name, version)
        if found is None:
            latest = self._named(name, None)
            raise ArtifactNotFoundError(no_such_name(name, version, None if latest is None else latest.version))
        return found

    def artifacts(self, *, name: str | None = None, limit: int = 50) -> list[ArtifactRecord]:
        """Recorded artifacts, newest first (one name's versions, latest first, with ``name``)."""
        if name is None:
            sql = f"SELECT {ARTIFACT_COLUMNS} FROM artifacts ORDER BY created_at DESC, artifact_id DESC LIMIT ?"
            return [artifact_of(r) for r in self._rows(sql, [limit])]
        sql = f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE name = ? ORDER BY version DESC LIMIT ?"
        return [artifact_of(r) for r in self._rows(sql, [name, limit])]

    def artifact_uris(self) -> set[str]:
        """Every URI the lineage store references - what gc must keep, so read only from a file SQLite finds sound:
        ``PRAGMA quick_check`` first (a damaged page nobody read yet would hide references; about 0.3 s at 100k
        artifacts, once per gc), then the table itself rather than its index (an index can lack rows its table
        has). Raises LineageStoreDamagedError (and marks the file) when the file is damaged."""
        try:
            with self._lock:
                problem = quick_check(self._conn)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        if problem is not None:
            mark_damaged(self.path, problem)
            raise LineageStoreDamagedError(str(self.path), problem)
        return {str(r[0]) for r in self._rows("SELECT uri FROM artifacts NOT INDEXED")}

    def lineage_copy(self, artifact: ArtifactRecord) -> dict[str, bytes] | None:
        """The bytes of a small artifact kept with its record, by relative path (see ``ArtifactRecord.files``), from
        any record of the same stored copy (URI and content hash); None when the store keeps none."""
        rows = self._rows(_LINEAGE_COPY, [artifact.uri, artifact.content_hash])
        return {str(path): bytes(cast("bytes", data)) for path, data in rows} or None

    def lineage(self, artifact_id: str, *, downstream: bool = False) -> LineageGraph:
        """Every artifact and step run upstream (or downstream) of an artifact, through read/write events."""
        root = self.artifact(artifact_id).artifact_id
        if downstream:
            first, second = "input", "output"
        else:
            first, second = "output", "input"
        rows = self._rows(
            f"""WITH RECURSIVE walk(artifact_id) AS (
                SELECT ?
                UNION
                SELECT e2.artifact_id FROM walk
                JOIN events e1 ON e1.artifact_id = walk.artifact_id AND e1.direction = '{first}'
                JOIN events e2 ON e2.step_run_id = e1.step_run_id AND e2.direction = '{second}'
            )
            SELECT e.step_run_id, e.artifact_id, e.direction, e.name FROM walk
            JOIN events e ON e.artifact_id = walk.artifact_id AND e.direction = '{first}'""",
            [root],
        )
        step_ids = sorted({str(r[0]) for r in rows})
        more = (
            self._rows(
                f"SELECT step_run_id, artifact_id, direction, name FROM events WHERE step_run_id IN "
                f"({', '.join('?' for _ in step_ids)})",
                step_ids,
            )
            if step_ids
            else []
        )
        edges = {
            LineageEdge(step_run_id=str(r[0]), artifact_id=str(r[1]), direction=str(r[2]), name=str(r[3])) for r in more
        }
        steps = (
            {
                s.step_run_id: s
                for s in self._step_runs(f"step_run_id IN ({', '.join('?' for _ in step_ids)})", step_ids)
            }
            if step_ids
            else {}
        )
        artifacts: dict[str, ArtifactRecord] = {root: self.artifact(root)}
        for step in steps.values():
            for art in (*step.inputs.values(), *step.outputs.values()):
                artifacts[art.artifact_id] = art
        return LineageGraph(
            root=root,
            artifacts=artifacts,
            step_runs=steps,
            edges=tuple(sorted(edges, key=lambda e: (e.step_run_id, e.direction, e.name))),
        )

    def compare(self, run_a: str, run_b: str) -> Comparison:
        """Differences between two runs: bound steps, code sources, configs, cache hits, output hashes."""
        a, b = self.get_run(run_a), self.get_run(run_b)
        return compare_runs(a, self.step_runs(a.run_id), b, self.step_runs(b.run_id))
