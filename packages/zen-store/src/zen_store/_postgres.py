"""The PostgreSQL lineage store: one shared history for a team, and for drivers on many machines.

The only module that talks to psycopg (3), which it imports when a store is opened, so ``import zen_store`` stays
free of it. It keeps the SQLite store's behaviour, record for record, with these guarantees:

- Every write is one ``SERIALIZABLE`` transaction (where SQLite serializes writers with ``BEGIN IMMEDIATE``);
  a transaction the server aborts as a serialization failure or a deadlock is retried from the start, a bounded
  number of times, so concurrent writers from many processes and hosts all commit.
- The schema is versioned (the ``zen_schema`` table); opening migrates under a transaction-scoped advisory lock,
  so simultaneous first opens create it once, and a database written by a newer zen is refused, unchanged.
- A lost connection (a server restart) is re-opened within ``reconnect_within_s`` seconds (once per outage: after
  that wait ran out, later calls try once until the server is back) and the interrupted
  transaction - which the server rolled back - runs again. Only a connection lost during ``COMMIT`` itself is not
  retried: whether it committed is unknown, so the error says so. Nothing is ever half recorded.
- Credentials come from libpq: the URL's password, ``PGPASSWORD`` or the password file (``~/.pgpass``); messages
  show the location without the password, and a failed login says why and what to fix (``_postgres_login``).
- One connection per store, used by one thread at a time (a lock), as the run's heartbeat thread shares it.
  It has TCP keepalives and a TCP user timeout (``POSTGRES_CONNECTION_DEFAULTS``), so a network partition that drops
  packets fails a query within about a minute instead of blocking it forever; a URL's own values win.
- Heartbeats are written, and silence judged, by the server's clock (``clock_timestamp()``), never a client's:
  clients on hosts whose clocks disagree neither mark each other's live runs crashed nor miss a silent one.

Ids, pipeline and step names are ``COLLATE "C"`` so that ordering and id-prefix ranges are by code point, as
in SQLite, whatever the database's locale. Timestamps are seconds since the epoch (``double precision``), JSON
is stored as the same text SQLite keeps.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final, TypeVar, cast

from zen_store._compare import compare_runs
from zen_store._location import is_postgres_url
from zen_store._naming import default_artifact_name, no_such_name, require_reused, several_artifacts, split_label
from zen_store._postgres_login import connect_failure, describe_location, privilege_failure
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
    opt_str,
    opt_ts,
    run_of,
    step_events,
    to_json,
    ts,
)
from zen_store._search import SearchTerm, search_terms, search_words
from zen_store._sqlite import HEARTBEAT_STALE_S, new_id
from zen_store._text import matchable
from zen_store.errors import (
    ArtifactNotFoundError,
    RecordNotFoundError,
    RunInProgressError,
    SchemaVersionError,
    StoreError,
)
from zen_types import JSONValue, install_hint, upgrade_hint

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "MIGRATIONS",
    "POSTGRES_CONNECTION_DEFAULTS",
    "POSTGRES_SCHEMA_VERSION",
    "SEARCHED_V2",
    "PostgresLineageStore",
    "conninfo",
    "is_postgres_url",
]

POSTGRES_SCHEMA_VERSION: Final = 7
MAX_ATTEMPTS: Final = 30
"""Attempts of one write transaction that keeps losing serialization conflicts before giving up."""
RECONNECT_WITHIN_S: Final = 30.0
_LOCK_KEY: Final = 0x7A656E_6C696E  # "zen" "lin": the advisory lock key migrations take
_HOST: Final = socket.gethostname()
POSTGRES_CONNECTION_DEFAULTS: Final[Mapping[str, str]] = {
    "application_name": "zen",
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_count": "3",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "tcp_user_timeout": "60000",
}
"""libpq parameters a connection gets unless the URL (or, for the two libpq reads from the environment,
``PGAPPNAME``/``PGCONNECT_TIMEOUT``) sets them: an idle connection whose server stopped answering is found dead
after 30 + 3 x 10 s of unanswered keepalive probes, and one whose sent data goes unacknowledged for 60 s is closed
(``tcp_user_timeout``, in milliseconds), so a partition ends a query with an error instead of blocking it."""
_FROM_ENVIRONMENT: Final = {"application_name": "PGAPPNAME", "connect_timeout": "PGCONNECT_TIMEOUT"}
_SERVER_NOW: Final = "EXTRACT(EPOCH FROM clock_timestamp())::double precision"
"""The server's clock in seconds since the epoch: what heartbeats are written and judged by."""

T = TypeVar("T")

_C: Final = 'TEXT COLLATE "C"'
_SEARCHED: Final = "array_to_tsvector(string_to_array(search_text, ' '))"
"""What ``search_runs`` matches (indexed): the run's search words as ``zen_store._search`` split them, taken as
lexemes as they are - PostgreSQL's own parser never splits or folds them."""
SEARCHED_V2: Final = (
    "to_tsvector('simple', pipeline_name || ' ' || coalesce(run_name, '') || ' ' || tags_json || ' ' || search_text)"
)
"""What schema 2 indexed (PostgreSQL's parser split "0.01" and kept "À" unlike SQLite did); replaced in 5."""
_NEXT_SEQ: Final = "SELECT COALESCE(MAX(seq), -1) + 1 FROM step_runs WHERE run_id = %s"

_LINEAGE_COPY: Final = (
    "SELECT path, data FROM artifact_files WHERE artifact_id = (SELECT a.artifact_id FROM artifacts a WHERE a.uri = %s "
    "AND a.content_hash = %s AND EXISTS (SELECT 1 FROM artifact_files f WHERE f.artifact_id = a.artifact_id) LIMIT 1)"
)
"""The files of one record's lineage copy among those of the stored copy ``(uri, content_hash)`` (by the uri index)."""


def _split_search_words(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Each run's ``search_text`` (its config lines, before schema 5) becomes its search words, with its names
    and tags."""
    runs = conn.execute("SELECT run_id, pipeline_name, run_name, tags_json, search_text FROM runs").fetchall()
    with conn.cursor() as cursor:
        cursor.executemany(
            "UPDATE runs SET search_text = %s WHERE run_id = %s",
            [
                (" ".join(search_words(str(name), str(run or ""), *map(str, json.loads(str(tags))), str(text))), run_id)
                for run_id, name, run, tags, text in runs
            ],
        )


MIGRATIONS: Final[dict[int, list[str | Callable[[psycopg.Connection[tuple[object, ...]]], None]]]] = {
    # Each step: SQL statements, or a function of the connection for what SQL alone cannot do.
    1: [
        "CREATE TABLE zen_schema (version INTEGER NOT NULL)",
        f"""CREATE TABLE runs (
            run_id {_C} PRIMARY KEY, pipeline_name {_C} NOT NULL, run_name TEXT, status TEXT NOT NULL,
            started_at DOUBLE PRECISION NOT NULL, ended_at DOUBLE PRECISION, spec_json TEXT NOT NULL,
            stack TEXT NOT NULL, repo_head TEXT, repo_dirty BOOLEAN NOT NULL DEFAULT FALSE, repo_diff_digest TEXT,
            sources_json TEXT NOT NULL, owner_pid INTEGER, owner_host TEXT, heartbeat_at DOUBLE PRECISION)""",
        "CREATE INDEX runs_pipeline ON runs (pipeline_name, started_at)",
        "CREATE INDEX runs_started ON runs (started_at, run_id)",
        "CREATE INDEX runs_running ON runs (status) WHERE status = 'running'",
        f"""CREATE TABLE step_runs (
            step_run_id {_C} PRIMARY KEY, run_id {_C} NOT NULL REFERENCES runs(run_id), step_name {_C} NOT NULL,
            seq INTEGER NOT NULL, status TEXT NOT NULL, source TEXT NOT NULL, config_json TEXT, cache_key TEXT,
            cache_json TEXT, cached_from TEXT, started_at DOUBLE PRECISION NOT NULL, ended_at DOUBLE PRECISION,
            error TEXT)""",
        "CREATE INDEX step_runs_run ON step_runs (run_id, seq)",
        "CREATE INDEX step_runs_cache ON step_runs (cache_key, status) WHERE cache_key IS NOT NULL",
        "CREATE INDEX step_runs_name ON step_runs (step_name, run_id)",
        f"""CREATE TABLE artifacts (
            artifact_id {_C} PRIMARY KEY, uri TEXT NOT NULL, type_name TEXT NOT NULL, materializer TEXT,
            format TEXT NOT NULL, format_version INTEGER NOT NULL, kind TEXT NOT NULL, content_hash TEXT NOT NULL,
            size BIGINT NOT NULL, metadata_json TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
            producer_step_run_id {_C})""",
        "CREATE INDEX artifacts_uri ON artifacts (uri)",
        "CREATE INDEX artifacts_producer ON artifacts (producer_step_run_id)",
        f"""CREATE TABLE events (
            step_run_id {_C} NOT NULL REFERENCES step_runs(step_run_id),
            artifact_id {_C} NOT NULL REFERENCES artifacts(artifact_id),
            direction TEXT NOT NULL CHECK (direction IN ('input', 'output')), name TEXT NOT NULL,
            PRIMARY KEY (step_run_id, direction, name))""",
        "CREATE INDEX events_artifact ON events (artifact_id, direction)",
    ],
    2: [
        "ALTER TABLE runs ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE runs ADD COLUMN search_text TEXT NOT NULL DEFAULT ''",
        f"CREATE INDEX runs_search ON runs USING gin ({SEARCHED_V2})",
    ],
    3: [
        # What each step run printed, apart from step_runs so listing a run's steps never reads its logs.
        f"""CREATE TABLE step_logs (
            step_run_id {_C} PRIMARY KEY, text TEXT NOT NULL, cut BIGINT NOT NULL DEFAULT 0)""",
    ],
    4: [  # artifact names and versions; recorded artifacts get their default names, versions by creation order
        f"ALTER TABLE artifacts ADD COLUMN name {_C}, ADD COLUMN version INTEGER",
        "UPDATE artifacts a SET name = r.pipeline_name || '.' || s.step_name || '.' || e.name "
        "FROM step_runs s JOIN runs r ON r.run_id = s.run_id JOIN events e ON e.step_run_id = s.step_run_id "
        "AND e.direction = 'output' WHERE s.step_run_id = a.producer_step_run_id AND e.artifact_id = a.artifact_id",
        "UPDATE artifacts SET name = 'artifact.' || artifact_id WHERE name IS NULL",
        "UPDATE artifacts a SET version = n.v FROM (SELECT artifact_id, row_number() OVER (PARTITION BY name "
        "ORDER BY created_at, artifact_id) AS v FROM artifacts) n WHERE n.artifact_id = a.artifact_id",
        "CREATE UNIQUE INDEX artifacts_name_version ON artifacts (name, version)",
        f"CREATE TABLE artifact_names (name {_C} PRIMARY KEY, latest INTEGER NOT NULL)",
        "INSERT INTO artifact_names (name, latest) SELECT name, max(version) FROM artifacts GROUP BY name",
    ],
    5: [  # search over zen's own words (zen_store._search), as on SQLite
        "DROP INDEX runs_search",
        _split_search_words,
        f"CREATE INDEX runs_search ON runs USING gin ({_SEARCHED})",
    ],
    6: [  # the newest artifacts listed from an index, not by sorting the whole table
        "CREATE INDEX IF NOT EXISTS artifacts_created ON artifacts (created_at, artifact_id)",
    ],
    7: [  # the lineage copies of small artifacts, one row per file (see zen_store._artifacts)
        f"""CREATE TABLE IF NOT EXISTS artifact_files (
            artifact_id {_C} NOT NULL REFERENCES artifacts(artifact_id) ON DELETE CASCADE, path TEXT NOT NULL,
            data BYTEA NOT NULL, PRIMARY KEY (artifact_id, path))""",
    ],
}
_TABLES: Final = ("runs", "step_runs", "artifacts", "events", "step_logs", "artifact_names", "artifact_files")
_UPSERT_LOGS: Final = (
    "INSERT INTO step_logs (step_run_id, text, cut) VALUES (%s, %s, %s) "
    "ON CONFLICT (step_run_id) DO UPDATE SET text = excluded.text, cut = excluded.cut"
)


def conninfo(url: str) -> str:
    """The libpq connection string a store opens ``url`` with: the URL, plus each of ``POSTGRES_CONNECTION_DEFAULTS`` it
    does not set itself (nor, for those libpq reads from the environment, the environment does)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    given = conninfo_to_dict(url)
    added = {
        key: value
        for key, value in POSTGRES_CONNECTION_DEFAULTS.items()
        if key not in given and not os.environ.get(_FROM_ENVIRONMENT.get(key, ""))
    }
    return make_conninfo(url, **added)


def _tsquery(terms: list[SearchTerm]) -> str:
    """A tsquery requiring every term, each a quoted lexeme taken as it is (search words hold no quote or
    backslash), ``:*`` for a prefix."""
    return " & ".join(f"'{term.word}'" + (":*" if term.prefix else "") for term in terms)


def _close_every(connections: list[psycopg.Connection[tuple[object, ...]]]) -> None:
    """Close each connection of ``connections`` and forget them (a store's, when it is closed or dropped)."""
    while connections:
        connections.pop().close()


def _one_line(exc: BaseException) -> str:
    """A server's or libpq's message on one line (they hold newlines and tabs)."""
    return " ".join(str(exc).split())


def _recording(step: FinishedStep) -> tuple[str, Callable[[psycopg.Connection[tuple[object, ...]]], None]]:
    """A finished step run's id and what writes it with its new artifacts, events and logs (inside a
    transaction; ``step.step_run_id`` completes the row a start wrote, without it a new row is added)."""
    run_id, step_name = step.run_id, step.step_name
    values = finished_step_values(step)
    completing = step.step_run_id
    chosen = completing or new_id()
    artifacts = [artifact_values(art, chosen) for art in step.new_outputs.values()]
    files = artifact_file_values(step)
    events = step_events(step, chosen)
    logs = step.logs.bounded() if step.logs else None

    def record(conn: psycopg.Connection[tuple[object, ...]]) -> None:
        if step.reused_outputs:  # a cached step: its reused artifacts must still be recorded
            ids = sorted(set(step.reused_outputs.values()))
            sql = "SELECT artifact_id FROM artifacts WHERE artifact_id = ANY(%s)"
            require_reused(step, ids, {str(r[0]) for r in _rows(conn, sql, [ids])})
        if completing is None:
            conn.execute(
                f"INSERT INTO step_runs ({STEP_COLUMNS}, seq) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, ({_NEXT_SEQ}))",
                (chosen, run_id, step_name, *values, run_id),
            )
        else:
            updated = conn.execute(
                "UPDATE step_runs SET status = %s, source = %s, config_json = %s, cache_key = %s, "
                "cache_json = %s, cached_from = %s, started_at = %s, ended_at = %s, error = %s "
                "WHERE step_run_id = %s AND run_id = %s AND step_name = %s AND status = 'running'",
                (*values, completing, run_id, step_name),
            ).rowcount
            if updated != 1:
                raise StoreError(
                    f"step run {completing} ({step_name} of run {run_id}) is not a running step of that run; "
                    f"it cannot be completed (was the run reaped as crashed?)."
                )
        named = [[*row, *label] for row, label in zip(artifacts, _names(conn, step), strict=True)]
        with conn.cursor() as cur:
            if named:
                cur.executemany(
                    f"INSERT INTO artifacts ({ARTIFACT_COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    named,
                )
            if files:  # small artifacts: their bytes, durable with this transaction (see zen_store._artifacts)
                cur.executemany("INSERT INTO artifact_files (artifact_id, path, data) VALUES (%s, %s, %s)", files)
            if events:
                cur.executemany(
                    "INSERT INTO events (step_run_id, artifact_id, direction, name) VALUES (%s, %s, %s, %s)",
                    events,
                )
        if logs is not None:
            conn.execute(_UPSERT_LOGS, (chosen, logs.text, logs.cut))

    return chosen, record


def _starting(step: StartedStep) -> tuple[str, Callable[[psycopg.Connection[tuple[object, ...]]], None]]:
    """A starting step run's id and what writes it as ``running`` (inside a transaction)."""
    step_run_id = new_id()
    config_json = None if step.config is None else to_json(dict(step.config))

    def start(conn: psycopg.Connection[tuple[object, ...]]) -> None:
        conn.execute(
            "INSERT INTO step_runs (step_run_id, run_id, step_name, status, source, config_json, started_at, seq) "
            f"VALUES (%s, %s, %s, 'running', %s, %s, %s, ({_NEXT_SEQ}))",
            (step_run_id, step.run_id, step.step_name, step.source, config_json, step.started_at, step.run_id),
        )

    return step_run_id, start


class PostgresLineageStore:
    """Lineage records in a PostgreSQL database, shared by every process that opens the same URL."""

    reconnect_within_s: float = RECONNECT_WITHIN_S
    """How long a lost connection is retried before an operation fails (a server restart takes seconds)."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise StoreError(
                "the lineage store is a PostgreSQL URL, but psycopg is not installed. Install the postgres extra: "
                f"{install_hint('zen-store', extra='postgres')}."
            ) from exc
        self._psycopg = psycopg
        self.url = url
        self.location = describe_location(url)
        self._lock = threading.RLock()
        self._store_id: str | None = None
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._opened: list[psycopg.Connection[tuple[object, ...]]] = []
        """Every connection this store opened and has not closed. A finalizer (not ``__del__``) closes them when
        the store is dropped: it holds this list, so the connections are never garbage beside the store, where a
        collection of a reference cycle (a store in a kept exception's traceback) could finalize a connection
        before the store closed it, and psycopg would warn that it was deleted while open."""
        weakref.finalize(self, _close_every, self._opened)
        self._gave_up = False
        """Whether the last wait for a lost server ran out (later calls then try once; see ``_connection``)."""
        self._conn = self._connect()
        try:
            self._migrate()
        except BaseException:  # refused (a newer schema, tables zen did not make, no privilege): no open connection
            self.close()
            raise

    @property
    def store_id(self) -> str:
        """This database's random identity, made once and kept in its ``store_info`` table (the artifact store's
        registry of referents names it)."""
        if self._store_id is None:

            def ensure(conn: psycopg.Connection[tuple[object, ...]]) -> str:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                conn.execute("CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                conn.execute(
                    "INSERT INTO store_info (key, value) VALUES ('store_id', %s) ON CONFLICT (key) DO NOTHING",
                    (new_id(),),
                )
                row = conn.execute("SELECT value FROM store_info WHERE key = 'store_id'").fetchone()
                return str(row[0]) if row is not None else ""

            self._store_id = self._retrying(ensure, begin="BEGIN ISOLATION LEVEL READ COMMITTED")
        return self._store_id

    @classmethod
    def open(cls, url: str) -> PostgresLineageStore:
        """Open (creating or migrating the schema of) the lineage database at ``url``."""
        return cls(url)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            _close_every(self._opened)

    # -- connection and transactions --------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        try:
            conn = self._psycopg.connect(conninfo(self.url), autocommit=True)
        except self._psycopg.Error as exc:
            raise StoreError(connect_failure(self.url, str(exc))) from exc
        _close_every(self._opened)  # a connection replaced is a lost one: closing it only frees its memory
        self._opened.append(conn)
        return conn

    def _connection(self, *, patient: bool = True) -> psycopg.Connection[tuple[object, ...]]:
        """The open connection, re-opened when it was lost: retrying for ``reconnect_within_s`` when ``patient``,
        else trying once. The wait is once per outage: after it ran out, every later call tries once, until a
        connection is made again - so a run cut short (its step, then its end, each recorded in turn) fails
        within the bound, not within a multiple of it."""
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        patient = patient and not self._gave_up
        deadline = time.monotonic() + (self.reconnect_within_s if patient else 0.0)
        while True:
            try:
                self._conn = self._connect()
            except StoreError as exc:
                if time.monotonic() >= deadline:
                    self._gave_up = self._gave_up or patient
                    cause = " ".join(str(exc.__cause__).split())
                    raise StoreError(
                        f"lost the connection to the PostgreSQL lineage store {self.location} and could not "
                        f"reconnect within {self.reconnect_within_s:g} s ({cause}). Everything recorded before is "
                        f"kept; run again once the server is back."
                    ) from exc
                time.sleep(0.25)
                continue
            self._gave_up = False
            return self._conn

    def _transaction(
        self, body: Callable[[psycopg.Connection[tuple[object, ...]]], T], *, write: bool = True, single: bool = False
    ) -> T:
        """Run ``body`` in one transaction (``SERIALIZABLE`` for writes, a consistent snapshot for reads; none for
        a ``single`` statement), retried on serialization failures and deadlocks (bounded) and after a connection
        lost before ``COMMIT`` (re-opened within the bound)."""
        begin = "BEGIN ISOLATION LEVEL SERIALIZABLE" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        return self._retrying(body, begin=None if single else begin)

    def _retrying(
        self, body: Callable[[psycopg.Connection[tuple[object, ...]]], T], *, begin: str | None, patient: bool = True
    ) -> T:
        psycopg = self._psycopg
        conflicts = lost = 0
        while True:
            with self._lock:
                conn = self._connection(patient=patient)
                committing = False
                try:
                    if begin is None:
                        return body(conn)
                    conn.execute(begin)
                    result = body(conn)
                    committing = True
                    conn.execute("COMMIT")
                    return result
                except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected) as exc:
                    self._rollback(conn)
                    conflicts += 1
                    if conflicts >= MAX_ATTEMPTS:
                        raise StoreError(
                            f"the PostgreSQL lineage store {self.location} aborted a write {conflicts} times for "
                            f"conflicting concurrent writers ({exc.sqlstate}); nothing of it was recorded. Retry."
                        ) from exc
                except psycopg.OperationalError as exc:
                    if not (conn.closed or conn.broken):
                        self._rollback(conn)
                        raise StoreError(
                            f"the PostgreSQL lineage store {self.location} refused: {_one_line(exc)}"
                        ) from exc
                    if committing:
                        raise StoreError(
                            f"lost the connection to the PostgreSQL lineage store {self.location} while committing; "
                            f"the server may or may not have recorded the write (never partly). Check with "
                            f"`zen runs list`, then run again."
                        ) from exc
                    lost += 1
                    if lost > 3:
                        raise StoreError(
                            f"the connection to the PostgreSQL lineage store {self.location} keeps dropping "
                            f"({_one_line(exc)}); nothing of the interrupted write was recorded. Run again once it "
                            f"is stable."
                        ) from exc
                    continue  # the server rolled the transaction back: reconnect and run it again
                except psycopg.DataError as exc:
                    self._rollback(conn)
                    raise StoreError(
                        f"the PostgreSQL lineage store {self.location} cannot keep a value: {_one_line(exc)} "
                        f"(text cannot hold NUL characters in PostgreSQL)."
                    ) from exc
                except psycopg.errors.InsufficientPrivilege as exc:
                    self._rollback(conn)
                    raise StoreError(privilege_failure(self.url, _one_line(exc))) from exc
                except psycopg.Error as exc:  # anything else the server refuses is one sentence too
                    self._rollback(conn)
                    raise StoreError(
                        f"the PostgreSQL lineage store {self.location} refused: {_one_line(exc)}; nothing of that "
                        f"write was recorded."
                    ) from exc
                except BaseException:
                    self._rollback(conn)
                    raise
            time.sleep(random.uniform(0.0, min(0.5, 0.005 * 2**conflicts)))  # jitter spreads the retries

    def _rollback(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        if conn.closed or conn.broken:
            return
        try:
            conn.execute("ROLLBACK")
        except self._psycopg.Error:
            conn.close()

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Rows of one query (one statement needs no explicit transaction)."""
        return self._transaction(lambda conn: _rows(conn, sql, params), write=False, single=True)

    def _migrate(self) -> None:
        def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> None:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            found = conn.execute("SELECT to_regclass('zen_schema') IS NOT NULL").fetchone()
            version = 0
            if found is not None and found[0]:
                row = conn.execute("SELECT max(version) FROM zen_schema").fetchone()
                version = int(cast("int", row[0])) if row is not None and row[0] is not None else 0
            if version > POSTGRES_SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.location} uses lineage schema version {version}, but this zen understands up to "
                    f"{POSTGRES_SCHEMA_VERSION}. Upgrade zen: {upgrade_hint()}; nothing was changed."
                )
            if version == POSTGRES_SCHEMA_VERSION:
                return
            if version == 0:
                clash = [t for t in _TABLES if _exists(conn, t)]
                if clash:
                    raise SchemaVersionError(
                        f"{self.location} already has table(s) {', '.join(clash)} that zen did not create; "
                        f"refusing to use it. Give zen its own database (or schema, through the search_path)."
                    )
            for step in range(version + 1, POSTGRES_SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    if isinstance(statement, str):
                        conn.execute(statement)
                    else:
                        statement(conn)
            conn.execute("DELETE FROM zen_schema")
            conn.execute("INSERT INTO zen_schema (version) VALUES (%s)", (POSTGRES_SCHEMA_VERSION,))

        # READ COMMITTED: each statement sees what committed before it, so a process that waited on the lock sees
        # the schema the holder created (a serializable snapshot would be taken before the wait).
        self._retrying(migrate, begin="BEGIN ISOLATION LEVEL READ COMMITTED")

    # -- writing ------------------------------------------------------------------------------------------------

    def create_run(self, run: NewRun) -> str:
        """Record a new running run owned by this process; returns its id."""
        run_id = new_id()
        now = time.time()
        values = (
            run_id,
            run.pipeline_name,
            run.run_name,
            now,
            run.spec_json,
            run.stack,
            run.repo.head_sha,
            run.repo.dirty,
            run.repo.diff_digest,
            to_json(dict(run.sources)),
            to_json(list(run.tags)),
            os.getpid(),
            _HOST,
            run.search_text(),
        )
        self._transaction(
            lambda conn: conn.execute(
                f"INSERT INTO runs ({RUN_COLUMNS}, owner_pid, owner_host, heartbeat_at, search_text) "
                f"VALUES (%s, %s, %s, 'running', %s, NULL, %s, %s, %s, %s, %s, %s, %s, %s, %s, {_SERVER_NOW}, %s)",
                values,
            )
        )
        return run_id

    def heartbeat(self, run_id: str) -> None:
        """Mark the run as still alive (its owner calls this periodically, from a background thread).

        Best effort: while the server is unreachable a beat is skipped - without waiting for it, so the run's own
        writes are not held up - and the next beat tries again. Those writes report a lost server themselves.
        """
        try:
            self._retrying(
                lambda conn: conn.execute(f"UPDATE runs SET heartbeat_at = {_SERVER_NOW} WHERE run_id = %s", (run_id,)),
                begin="BEGIN ISOLATION LEVEL SERIALIZABLE",
                patient=False,
            )
        except StoreError:
            return

    def finish_run(self, run_id: str, *, status: RunStatus) -> None:
        """Set a run's final status; steps still marked running (cancelled with it) become ``stopped``."""
        now = time.time()
        status = RunStatus(status)

        def finish(conn: psycopg.Connection[tuple[object, ...]]) -> None:
            conn.execute(
                "UPDATE runs SET status = %s, ended_at = %s, owner_pid = NULL WHERE run_id = %s",
                (status.value, now, run_id),
            )
            conn.execute(
                "UPDATE step_runs SET status = 'stopped', ended_at = %s, error = %s "
                "WHERE run_id = %s AND status = 'running'",
                (now, f"the run ended ({status.value}) before this step finished", run_id),
            )

        self._transaction(finish)

    def start_step(
        self, *, run_id: str, step_name: str, source: str, config: Mapping[str, JSONValue] | None, started_at: float
    ) -> str:
        """Record that a step started (status ``running``); returns its id for :meth:`record_step` to complete."""
        step_run_id, start = _starting(
            StartedStep(run_id=run_id, step_name=step_name, source=source, config=config, started_at=started_at)
        )
        self._transaction(start)
        return step_run_id

    def record_step(self, step: FinishedStep) -> str:
        """Record one finished step run, its new output artifacts and every input/output event, atomically.

        ``step.step_run_id`` completes the row :meth:`start_step` wrote; without it a new row is added.
        """
        chosen, record = _recording(step)
        self._transaction(record)
        return chosen

    def record_steps(self, finished: Sequence[FinishedStep], started: Sequence[StartedStep]) -> list[str]:
        """Record finished steps, then start steps, in one transaction; returns the started steps' ids."""
        if not finished and not started:
            return []
        writes = [_recording(step)[1] for step in finished]
        starts = [_starting(step) for step in started]
        writes += [start for _, start in starts]

        def write(conn: psycopg.Connection[tuple[object, ...]]) -> None:
            for each in writes:
                each(conn)

        self._transaction(write)
        return [step_run_id for step_run_id, _ in starts]

    def write_logs(self, step_run_id: str, logs: StepLogs) -> None:
        """Replace what a running step run printed so far."""
        bounded = logs.bounded()
        self._transaction(lambda conn: conn.execute(_UPSERT_LOGS, (step_run_id, bounded.text, bounded.cut)))

    def clear_cache(self, *, pipeline_name: str | None = None) -> int:
        """Forget cache keys (artifacts stay); returns how many step runs were affected."""
        if not matchable([pipeline_name]):
            return 0  # no recorded pipeline has that name

        def clear(conn: psycopg.Connection[tuple[object, ...]]) -> int:
            if pipeline_name is None:
                cur = conn.execute("UPDATE step_runs SET cache_key = NULL WHERE cache_key IS NOT NULL")
            else:
                cur = conn.execute(
                    "UPDATE step_runs SET cache_key = NULL WHERE cache_key IS NOT NULL AND run_id IN "
                    "(SELECT run_id FROM runs WHERE pipeline_name = %s)",
                    (pipeline_name,),
                )
            return int(cur.rowcount)

        return self._transaction(clear)

    def delete_run(self, run_id: str) -> RunDeletion:
        """Remove a run, its step runs and events, and the artifact records of its outputs no other run uses."""
        run = self.get_run(run_id)  # reaps crashed owners first: a dead run is not in progress

        def delete(conn: psycopg.Connection[tuple[object, ...]]) -> RunDeletion:
            row = conn.execute("SELECT status FROM runs WHERE run_id = %s FOR UPDATE", (run.run_id,)).fetchone()
            if row is None:
                raise RecordNotFoundError(f"no run with id {run_id!r}. List runs with `zen runs list`.")
            if str(row[0]) == RunStatus.RUNNING.value:
                raise RunInProgressError(run.run_id, run.pipeline_name)
            steps = "SELECT step_run_id FROM step_runs WHERE run_id = %s"
            ids = (run.run_id,)
            produced = {
                str(r[0])
                for r in _rows(conn, f"SELECT artifact_id FROM artifacts WHERE producer_step_run_id IN ({steps})", ids)
            }
            used = {
                str(r[0]) for r in _rows(conn, f"SELECT artifact_id FROM events WHERE step_run_id IN ({steps})", ids)
            }
            count = _rows(conn, f"SELECT count(*) FROM ({steps}) s", ids)[0][0]
            conn.execute(f"DELETE FROM events WHERE step_run_id IN ({steps})", ids)
            conn.execute(f"DELETE FROM step_logs WHERE step_run_id IN ({steps})", ids)
            # Outputs other runs reused stay, without a producer (its step run is gone).
            conn.execute(
                f"UPDATE artifacts SET producer_step_run_id = NULL WHERE producer_step_run_id IN ({steps})", ids
            )
            conn.execute("DELETE FROM step_runs WHERE run_id = %s", ids)
            conn.execute("DELETE FROM runs WHERE run_id = %s", ids)
            doomed = sorted(
                str(r[0])
                for r in _rows(
                    conn,
                    "DELETE FROM artifacts a WHERE a.artifact_id = ANY(%s) AND a.producer_step_run_id IS NULL AND NOT "
                    "EXISTS (SELECT 1 FROM events e WHERE e.artifact_id = a.artifact_id) RETURNING a.artifact_id",
                    (sorted(produced | used),),
                )
            )
            return RunDeletion(
                run_id=run.run_id,
                pipeline_name=run.pipeline_name,
                step_runs=int(cast("int", count)),
                artifacts=tuple(doomed),
                kept=tuple(sorted(produced - set(doomed))),
            )

        return self._transaction(delete)

    def reap_crashed(self) -> int:
        """Mark runs whose owning process is gone (same host) or silent for too long as crashed.

        Silence is measured on the server's clock, which also wrote the heartbeats: clients' clocks play no part.
        """
        rows = self._read(
            f"SELECT run_id, owner_pid, owner_host, {_SERVER_NOW} - heartbeat_at FROM runs WHERE status = 'running'"
        )
        gone: list[str] = []
        silent: list[str] = []
        for run_id, pid, host, silence in rows:
            if host == _HOST and pid == os.getpid():
                continue  # this process's own run (a pid means something only on its own host)
            if host == _HOST and isinstance(pid, int) and not alive(pid):
                gone.append(str(run_id))
            elif silence is not None and float(cast("float", silence)) > HEARTBEAT_STALE_S:
                silent.append(str(run_id))
        if not gone and not silent:
            return 0

        def reap(conn: psycopg.Connection[tuple[object, ...]]) -> int:
            # A silent run that beat since it was read is alive after all: its silence is judged again here. It
            # ended at its last beat (the server's clock), never before it started (its owner's clock).
            reaped = [
                str(r[0])
                for r in _rows(
                    conn,
                    "UPDATE runs SET status = 'crashed', ended_at = GREATEST(heartbeat_at, started_at) "
                    "WHERE status = 'running' AND "
                    f"(run_id = ANY(%s) OR (run_id = ANY(%s) AND {_SERVER_NOW} - heartbeat_at > %s)) RETURNING run_id",
                    (gone, silent, HEARTBEAT_STALE_S),
                )
            ]
            conn.execute(
                "UPDATE step_runs SET status = 'crashed', error = 'the process running this step died' "
                "WHERE run_id = ANY(%s) AND status = 'running'",
                (reaped,),
            )
            return len(reaped)

        return self._transaction(reap)

    # -- reading ------------------------------------------------------------------------------------------------

    def pipelines(self) -> list[str]:
        """Names of pipelines with recorded runs."""
        return [str(r[0]) for r in self._read("SELECT DISTINCT pipeline_name FROM runs ORDER BY pipeline_name")]

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
                where.append(f"{column} = %s")
                params.append(str(value))
        if tag is not None:
            where.append(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(tags_json::jsonb) AS t(tag) WHERE t.tag = %s)"
            )
            params.append(tag)
        if since is not None:
            where.append("started_at >= %s")
            params.append(since.timestamp())
        if until is not None:
            where.append("started_at < %s")
            params.append(until.timestamp())
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {RUN_COLUMNS} FROM runs {clause} ORDER BY started_at DESC, run_id DESC LIMIT %s"
        return [run_of(r) for r in self._read(sql, [*params, limit])]

    def search_runs(self, text: str, *, limit: int = 50) -> list[RunRecord]:
        """Runs whose pipeline name, run name, tags or config values contain every word of ``text``, newest
        first (whole words, or word prefixes written ``lr*``, split as ``zen_store._search`` says)."""
        self.reap_crashed()
        terms = search_terms(text)
        if not terms:
            return []
        query = _tsquery(terms)
        sql = (
            f"SELECT {RUN_COLUMNS} FROM runs WHERE {_SEARCHED} @@ CAST(%s AS tsquery) "
            "ORDER BY started_at DESC, run_id DESC LIMIT %s"
        )
        return [run_of(r) for r in self._read(sql, [query, limit])]

    def get_run(self, run_id: str) -> RunRecord:
        """A run by id or unique id prefix."""
        self.reap_crashed()
        if not run_id:
            raise RecordNotFoundError("no run with an empty id. List runs with `zen runs list`.")
        # A range on the primary key (ids are COLLATE "C"): ids that start with the prefix sort between it and
        # prefix + U+10FFFF. No LIKE, so '%' and '_' are literal.
        rows = self._read(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE run_id >= %s AND run_id < %s ORDER BY run_id = %s DESC LIMIT 2",
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

    # Each query below is one statement (step runs joined with their events and artifacts): one round trip to
    # the server, and one consistent snapshot without an explicit transaction.

    def _steps(
        self, where: str, params: Sequence[object], *, order: str = "seq", limit: int = 0
    ) -> list[StepRunRecord]:
        return self._transaction(lambda conn: _step_runs(conn, where, params, order=order, limit=limit), single=True)

    def step_runs(self, run_id: str) -> list[StepRunRecord]:
        """A run's step runs in execution order, with inputs and outputs."""
        return self._steps("run_id = %s", [run_id])

    def step_run(self, step_run_id: str) -> StepRunRecord | None:
        """One step run by its id, or None."""
        return next(iter(self._steps("step_run_id = %s", [step_run_id])), None)

    def step_logs(self, step_run_id: str) -> StepLogs:
        """What a step run printed (empty when nothing was stored)."""
        rows = self._read("SELECT text, cut FROM step_logs WHERE step_run_id = %s", [step_run_id])
        return StepLogs(text=str(rows[0][0]), cut=int(cast("int", rows[0][1]))) if rows else StepLogs()

    def find_cached(self, cache_key: str) -> CachedStep | None:
        """The newest completed step run with this cache key and all outputs recorded, if any."""
        found = self._steps(
            "cache_key = %s AND status = 'completed'", [cache_key], order="started_at DESC, step_run_id DESC", limit=1
        )
        if not found:
            return None
        return CachedStep(step_run_id=found[0].step_run_id, cache_key=cache_key, outputs=dict(found[0].outputs))

    def completed_steps(self, run_id: str) -> dict[str, CachedStep]:
        """The completed or cached steps of a run, by step name (for resuming it)."""
        return {
            s.step_name: CachedStep(step_run_id=s.step_run_id, cache_key=s.cache_key or "", outputs=dict(s.outputs))
            for s in self._steps("run_id = %s AND status IN ('completed', 'cached')", [run_id])
        }

    def previous_step_run(self, pipeline_name: str, step_name: str, *, before_run: str) -> StepRunRecord | None:
        """The latest step run of ``step_name`` in an earlier run of the same pipeline."""
        found = self._steps(
            "step_name = %s AND run_id = (SELECT r.run_id FROM runs r WHERE r.pipeline_name = %s "
            "AND r.started_at < (SELECT started_at FROM runs WHERE run_id = %s) AND EXISTS "
            "(SELECT 1 FROM step_runs x WHERE x.run_id = r.run_id AND x.step_name = %s) "
            "ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1)",
            [step_name, pipeline_name, before_run, step_name],
            order="seq DESC",
            limit=1,
        )
        return found[0] if found else None

    def artifact(self, key: str) -> ArtifactRecord:
        """An artifact by id, unique id prefix, or URI."""
        return artifact_of(self._transaction(lambda conn: _find_artifact(conn, key), write=False))

    def artifact_version(self, name: str, version: int | None = None) -> ArtifactRecord:
        """The artifact ``name`` at ``version``, or its latest version."""

        def find(conn: psycopg.Connection[tuple[object, ...]]) -> Row:
            found = _named(conn, name, version)
            if found is None:
                latest = _named(conn, name, None)
                raise ArtifactNotFoundError(
                    no_such_name(name, version, None if latest is None else int(cast("int", latest[13])))
                )
            return found

        return artifact_of(self._transaction(find, write=False))

    def artifacts(self, *, name: str | None = None, limit: int = 50) -> list[ArtifactRecord]:
        """Recorded artifacts, newest first (one name's versions, latest first, with ``name``)."""
        if name is None:
            sql = f"SELECT {ARTIFACT_COLUMNS} FROM artifacts ORDER BY created_at DESC, artifact_id DESC LIMIT %s"
            return [artifact_of(r) for r in self._read(sql, [limit])]
        sql = f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE name = %s ORDER BY version DESC LIMIT %s"
        return [artifact_of(r) for r in self._read(sql, [name, limit])]

    def artifact_uris(self) -> set[str]:
        """Every URI the lineage store references."""
        return {str(r[0]) for r in self._read("SELECT uri FROM artifacts")}

    def lineage_copy(self, artifact: ArtifactRecord) -> dict[str, bytes] | None:
        """The bytes of a small artifact kept with its record, by relative path (see ``ArtifactRecord.files``), from
        any record of the same stored copy (URI and content hash); None when the store keeps none."""
        rows = self._read(_LINEAGE_COPY, [artifact.uri, artifact.content_hash])
        return {str(path): bytes(cast("bytes", data)) for path, data in rows} or None

    def lineage(self, artifact_id: str, *, downstream: bool = False) -> LineageGraph:
        """Every artifact and step run upstream (or downstream) of an artifact, through read/write events."""
        first, second = ("input", "output") if downstream else ("output", "input")
        root_row = self._transaction(lambda conn: _find_artifact(conn, artifact_id), single=True)
        root = str(root_row[0])
        # The walk is a recursive query over events; the step runs it reaches come back with all their events.
        walk = f"""walk(artifact_id) AS (
            SELECT %s::text COLLATE "C"
            UNION
            SELECT e2.artifact_id FROM walk
            JOIN events e1 ON e1.artifact_id = walk.artifact_id AND e1.direction = '{first}'
            JOIN events e2 ON e2.step_run_id = e1.step_run_id AND e2.direction = '{second}'
        )"""
        steps = self._transaction(
            lambda conn: _step_runs(
                conn,
                f"step_run_id IN (SELECT e.step_run_id FROM walk JOIN events e "
                f"ON e.artifact_id = walk.artifact_id AND e.direction = '{first}')",
                [root],
                order="step_run_id",
                recursive=walk,
            ),
            single=True,
        )
        edges = sorted(
            (
                LineageEdge(step_run_id=s.step_run_id, artifact_id=a.artifact_id, direction=direction, name=name)
                for s in steps
                for direction, side in (("input", s.inputs), ("output", s.outputs))
                for name, a in side.items()
            ),
            key=lambda e: (e.step_run_id, e.direction, e.name),
        )
        artifacts: dict[str, ArtifactRecord] = {root: artifact_of(root_row)}
        for step in steps:
            for art in (*step.inputs.values(), *step.outputs.values()):
                artifacts[art.artifact_id] = art
        return LineageGraph(
            root=root, artifacts=artifacts, step_runs={s.step_run_id: s for s in steps}, edges=tuple(edges)
        )

    def compare(self, run_a: str, run_b: str) -> Comparison:
        """Differences between two runs: bound steps, code sources, configs, cache hits, output hashes."""
        a, b = self.get_run(run_a), self.get_run(run_b)
        return compare_runs(a, self.step_runs(a.run_id), b, self.step_runs(b.run_id))


# -- queries on an open transaction -------------------------------------------------------------------------------


_NEXT_NAME: Final = (
    "INSERT INTO artifact_names (name, latest) "
    "VALUES (COALESCE(%s, COALESCE((SELECT pipeline_name FROM runs WHERE run_id = %s), '') || '.' || %s), 1) "
    "ON CONFLICT (name) DO UPDATE SET latest = artifact_names.latest + 1 RETURNING name, latest"
)
"""An output's name (its own, else ``<pipeline>.<slot>.<output>`` with the pipeline looked up in the same
statement: one round trip) and next version."""


def _names(conn: psycopg.Connection[tuple[object, ...]], step: FinishedStep) -> list[tuple[str, int]]:
    """Name and next version of each new output of ``step``, in order (inside the serializable recording
    transaction: two writers taking the same name's next version conflict, and the loser is retried)."""
    found: list[tuple[str, int]] = []
    for output, art in step.new_outputs.items():
        slot_output = default_artifact_name("", step.step_name, output).removeprefix(".")
        row = conn.execute(_NEXT_NAME, (art.name, step.run_id, slot_output)).fetchone()
        assert row is not None  # RETURNING always gives the row it wrote
        found.append((str(row[0]), int(cast("int", row[1]))))
    return found


def _rows(
    conn: psycopg.Connection[tuple[object, ...]], sql: str, params: Sequence[object] | Mapping[str, object] = ()
) -> list[Row]:
    if not matchable(params):
        return []  # text no lineage store keeps matches no row (see ``_text``)
    return list(conn.execute(sql, params).fetchall())


def _exists(conn: psycopg.Connection[tuple[object, ...]], table: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    return bool(row is not None and row[0])


def _named(conn: psycopg.Connection[tuple[object, ...]], name: str, version: int | None) -> Row | None:
    if version is None:
        rows = _rows(
            conn, f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE name = %s ORDER BY version DESC LIMIT 1", [name]
        )
    else:
        rows = _rows(
            conn, f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE name = %s AND version = %s", [name, version]
        )
    return rows[0] if rows else None


def _find_artifact(conn: psycopg.Connection[tuple[object, ...]], key: str) -> Row:
    if not key:  # as a prefix it would match every artifact
        raise ArtifactNotFoundError("no artifact with an empty id. Show a run's outputs with `zen runs show RUN`.")
    rows = _rows(conn, f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE artifact_id = %s", [key])
    if not rows:
        rows = _rows(conn, f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE uri = %s LIMIT 2", [key])
    if not rows:
        label = split_label(key)
        named = _named(conn, *label) if label is not None else _named(conn, key, None)
        if named is not None:
            return named
    if not rows:
        rows = _rows(
            conn,
            f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE artifact_id >= %s AND artifact_id < %s LIMIT 2",
            [key, key + "\U0010ffff"],
        )
    if not rows:
        label = split_label(key)
        latest = _named(conn, label[0], None) if label is not None else None
        if label is not None and latest is not None:  # a name it has, at a version it has not
            raise ArtifactNotFoundError(no_such_name(label[0], label[1], int(cast("int", latest[13]))))
        raise ArtifactNotFoundError(
            f"no artifact {key!r}: no id, name or NAME:VERSION matches. List artifacts with `zen artifacts list`."
        )
    if len(rows) > 1:
        raise ArtifactNotFoundError(several_artifacts(key, shared_uri=str(rows[0][1]) == key))
    return rows[0]


_ARTIFACT_JOINED: Final = ", ".join(f"a.{c.strip()}" for c in ARTIFACT_COLUMNS.split(","))
_STEP_JOINED: Final = ", ".join(f"chosen.{c.strip()}" for c in STEP_COLUMNS.split(","))
_STEP_WIDTH: Final = len(STEP_COLUMNS.split(","))


def _step_runs(
    conn: psycopg.Connection[tuple[object, ...]],
    where: str,
    params: Sequence[object],
    *,
    order: str,
    limit: int = 0,
    recursive: str = "",
) -> list[StepRunRecord]:
    """Step runs matching ``where`` in ``order`` (the first ``limit``), each with its inputs and outputs, from one
    statement; ``recursive`` is a recursive common table expression ``where`` may use."""
    ctes = f"WITH RECURSIVE {recursive}, chosen" if recursive else "WITH chosen"
    rows = _rows(
        conn,
        f"""{ctes} AS (
            SELECT {STEP_COLUMNS}, row_number() OVER (ORDER BY {order}) AS ord FROM step_runs
            WHERE {where} ORDER BY {order} {f"LIMIT {int(limit)}" if limit else ""}
        )
        SELECT {_STEP_JOINED}, e.direction, e.name, {_ARTIFACT_JOINED} FROM chosen
        LEFT JOIN events e ON e.step_run_id = chosen.step_run_id
        LEFT JOIN artifacts a ON a.artifact_id = e.artifact_id
        ORDER BY chosen.ord""",
        params,
    )
    steps: dict[str, tuple[Row, dict[str, ArtifactRecord], dict[str, ArtifactRecord]]] = {}
    for row in rows:
        step_run_id = str(row[0])
        if step_run_id not in steps:
            steps[step_run_id] = (row[:_STEP_WIDTH], {}, {})
        direction, name = row[_STEP_WIDTH], row[_STEP_WIDTH + 1]
        if direction is not None:
            _, inputs, outputs = steps[step_run_id]
            (inputs if direction == "input" else outputs)[str(name)] = artifact_of(row[_STEP_WIDTH + 2 :])
    return [
        StepRunRecord(
            step_run_id=str(r[0]),
            run_id=str(r[1]),
            step_name=str(r[2]),
            status=StepStatus(str(r[3])),
            source=str(r[4]),
            config=cast("dict[str, JSONValue] | None", load_json(r[5])),
            cache_key=opt_str(r[6]),
            cache_components=cast("dict[str, JSONValue] | None", load_json(r[7])),
            cached_from=opt_str(r[8]),
            started_at=ts(r[9]),
            ended_at=opt_ts(r[10]),
            error=opt_str(r[11]),
            inputs=inputs,
            outputs=outputs,
        )
        for r, inputs, outputs in steps.values()
    ]
