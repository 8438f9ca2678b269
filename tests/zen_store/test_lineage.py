"""The lineage store on both back-ends - a SQLite file and a real PostgreSQL server - with real processes: every
test here runs once per back-end (the ``lineage_location`` fixture), so both keep one behaviour."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from tests.common.records import artifact_record
from zen_store import (
    POSTGRES_SCHEMA_VERSION,
    SCHEMA_VERSION,
    ArtifactRecord,
    ArtifactStore,
    FinishedStep,
    LineageStore,
    NewRun,
    PostgresLineageStore,
    RunStatus,
    SchemaVersionError,
    SQLiteLineageStore,
    StepStatus,
    StoreError,
    new_id,
    open_lineage_store,
)
from zen_types import JSONValue

Store = SQLiteLineageStore | PostgresLineageStore


def _run(db: Store, pipeline: str = "p") -> str:
    return db.create_run(NewRun(pipeline_name=pipeline, spec_json="{}", stack="default"))


def test_newer_sqlite_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """A SQLite database from a newer zen is refused with advice, and not modified."""
    path = tmp_path / "l.db"
    SQLiteLineageStore.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(SchemaVersionError, match="Upgrade zen"):
        SQLiteLineageStore.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    conn.close()


def test_newer_postgres_schema_is_refused_and_left_untouched(postgres_url: str) -> None:
    """A PostgreSQL database from a newer zen is refused with advice, and not modified."""
    import psycopg

    open_lineage_store(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE zen_schema SET version = 99")
    with pytest.raises(SchemaVersionError, match="Upgrade zen"):
        open_lineage_store(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM zen_schema").fetchall() == [(99,)]


def test_postgres_tables_zen_did_not_create_are_refused(postgres_url: str) -> None:
    """A database that already holds a ``runs`` table of someone else's is refused, not reused or altered."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE runs (id integer)")
    with pytest.raises(SchemaVersionError, match="zen did not create"):
        open_lineage_store(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('zen_schema')").fetchone() == (None,)


def test_crashed_owner_is_marked_crashed(lineage_location: str) -> None:
    """A run whose owning process died shows `crashed`, not `running` forever."""
    path = lineage_location
    code = textwrap.dedent(
        f"""
        import os
        from zen_store import NewRun, open_lineage_store
        db = open_lineage_store({path!r})
        print(db.create_run(NewRun(pipeline_name="p", spec_json="{{}}", stack="s")))
        os._exit(0)
        """
    )
    run_id = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert open_lineage_store(path).get_run(run_id).status == "crashed"


_CONCURRENT = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from zen_store import ArtifactRecord, FinishedStep, NewRun, RunStatus, StepStatus, open_lineage_store
    db = open_lineage_store(sys.argv[1])
    worker = sys.argv[2]
    for i in range(int(sys.argv[3])):
        run = db.create_run(NewRun(pipeline_name="p", run_name=f"{worker}-{i}", spec_json="{}", stack="s"))
        art = ArtifactRecord(artifact_id=f"{worker}-{i}", uri="u", type_name="int", materializer="m", format="f",
            format_version=1, kind="data", content_hash="h", size=1, metadata={}, created_at=datetime.now(UTC))
        db.record_step(FinishedStep(run_id=run, step_name="s", status=StepStatus.COMPLETED, source="x",
            started_at=0.0, ended_at=1.0, new_outputs={"output": art}))
        db.finish_run(run, status=RunStatus.COMPLETED)
    """
)


@pytest.mark.slow
def test_eight_processes_write_concurrently_without_losing_a_row(lineage_location: str) -> None:
    """8 processes x 100 runs on one fresh store: every run, step and artifact is committed."""
    procs = [
        subprocess.Popen([sys.executable, "-c", _CONCURRENT, lineage_location, f"w{n}", "100"], stderr=subprocess.PIPE)
        for n in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()
        assert b"database is locked" not in err
    db = open_lineage_store(lineage_location)
    runs = db.runs(status=RunStatus.COMPLETED, limit=10_000)
    names = {f"w{n}-{i}" for n in range(8) for i in range(100)}
    assert {r.run_name for r in runs} == names and len(runs) == 800
    assert all(len(db.step_runs(r.run_id)) == 1 for r in runs[::37])
    assert {db.artifact(name).artifact_id for name in names} == names
    db.close()


_VERSIONS = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from zen_store import ArtifactRecord, FinishedStep, NewRun, RunStatus, StepStatus, open_lineage_store
    db = open_lineage_store(sys.argv[1])
    worker = sys.argv[2]
    for i in range(int(sys.argv[3])):
        run = db.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
        outputs = {
            out: ArtifactRecord(artifact_id=f"{worker}-{i}-{out}", uri="u", type_name="int", materializer="m",
                format="f", format_version=1, kind="data", content_hash="h", size=1, created_at=datetime.now(UTC),
                name="model" if out == "named" else None)
            for out in ("named", "output")
        }
        db.record_step(FinishedStep(run_id=run, step_name="s", status=StepStatus.COMPLETED, source="x",
            started_at=0.0, ended_at=1.0, new_outputs=outputs))
        db.finish_run(run, status=RunStatus.COMPLETED)
    """
)


@pytest.mark.slow
def test_concurrent_writers_take_every_version_of_a_name_exactly_once(lineage_location: str) -> None:
    """6 processes x 20 runs each record an output named "model" and a default-named one at once: each name gets
    versions 1..120, none twice, none skipped, and each writer's own versions increase."""
    procs = [
        subprocess.Popen([sys.executable, "-c", _VERSIONS, lineage_location, f"w{n}", "20"], stderr=subprocess.PIPE)
        for n in range(6)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()
    db = open_lineage_store(lineage_location)
    for name in ("model", "p.s.output"):
        found = db.artifacts(name=name, limit=1000)
        assert sorted(a.version or 0 for a in found) == list(range(1, 121))
        for n in range(6):
            mine = sorted((a for a in found if a.artifact_id.startswith(f"w{n}-")), key=lambda a: a.created_at)
            assert [a.version for a in mine] == sorted(a.version or 0 for a in mine)
    assert db.artifact("model").version == 120
    db.close()


@given(st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8), st.none()), max_size=5))
@settings(max_examples=25)
def test_recorded_configs_round_trip(lineage_factory: Callable[[], str], config: dict[str, object]) -> None:
    """Any JSON config recorded with a step comes back equal."""
    db = open_lineage_store(lineage_factory())
    run = _run(db)
    db.record_step(
        FinishedStep(
            run_id=run,
            step_name="a",
            status=StepStatus.COMPLETED,
            source="m.a",
            config=config,  # type: ignore[arg-type]  # JSON values drawn as plain objects
            started_at=1.0,
            ended_at=2.0,
        )
    )
    assert db.step_runs(run)[0].config == config
    db.close()


class StoreMachine(RuleBasedStateMachine):
    """Write, read, reopen and delete artifacts with their lineage rows; every recorded artifact stays readable
    and intact, and the lineage store agrees with the artifact store after any reopen."""

    def __init__(self, location: str) -> None:
        super().__init__()
        import tempfile

        self.dir = Path(tempfile.mkdtemp(prefix="zen-stateful-"))
        self.location = location
        self.store = ArtifactStore(self.dir / "a")
        self.lineage = open_lineage_store(location)
        self.run_id = self.lineage.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
        self.model: dict[str, tuple[bytes, str]] = {}
        self.recorded: dict[str, str] = {}
        """Artifact id -> stored name: identical bytes are stored once, each write is its own record."""

    @rule(data=st.binary(max_size=64))
    def write(self, data: bytes) -> None:
        staging = self.store.stage()
        (Path(staging.uri) / "d").write_bytes(data)
        stored = self.store.commit(staging)
        record = ArtifactRecord(
            artifact_id=new_id(),
            uri=stored.name,
            type_name="bytes",
            materializer="m",
            format="raw",
            format_version=1,
            kind="data",
            content_hash=stored.content_hash,
            size=stored.size,
            metadata={"n": len(data)},
            created_at=datetime.now(UTC),
        )
        self.lineage.record_step(
            FinishedStep(
                run_id=self.run_id,
                step_name="w",
                status=StepStatus.COMPLETED,
                source="x",
                started_at=0.0,
                ended_at=1.0,
                new_outputs={"output": record},
            )
        )
        self.model[stored.name] = (data, stored.content_hash)
        self.recorded[record.artifact_id] = stored.name

    @rule()
    def reopen(self) -> None:
        self.lineage.close()
        self.store = ArtifactStore(self.dir / "a")
        self.lineage = open_lineage_store(self.location)

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.model)))
        self.store.delete(name)
        del self.model[name]
        self.recorded = {artifact_id: n for artifact_id, n in self.recorded.items() if n != name}

    @invariant()
    def everything_recorded_reads_back(self) -> None:
        assert set(self.store.names()) == set(self.model)
        for name, (data, digest) in self.model.items():
            assert (self.store.verify(name, digest) / "d").read_bytes() == data
        for artifact_id, name in self.recorded.items():
            data, digest = self.model[name]
            record = self.lineage.artifact(artifact_id)
            assert (record.uri, record.content_hash, record.metadata) == (name, digest, {"n": len(data)})

    def teardown(self) -> None:
        import shutil

        self.lineage.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_recorded_artifacts_stay_readable_through_writes_reopens_and_deletes(
    lineage_factory: Callable[[], str],
) -> None:
    """The store state machine: every recorded artifact stays readable and intact, whatever the order of writes,
    reopens and deletes (each example on a fresh lineage store)."""

    class OnAFreshStore(StoreMachine):
        def __init__(self) -> None:
            super().__init__(lineage_factory())

    run_state_machine_as_test(OnAFreshStore, settings=settings(max_examples=15, stateful_step_count=15, deadline=None))


def test_every_back_end_satisfies_the_lineage_protocol(lineage_location: str) -> None:
    """Each back-end is a LineageStore (checked by mypy on this assignment, and by use)."""
    store: LineageStore = open_lineage_store(lineage_location)
    assert store.runs() == []


_OPENER = textwrap.dedent(
    """
    import sys, time
    from zen_store import open_lineage_store
    while time.time() < float(sys.argv[2]):  # start together so the migrations really race
        time.sleep(0.001)
    db = open_lineage_store(sys.argv[1])
    assert db.runs() == []
    db.close()
    """
)


@pytest.mark.slow
def test_eight_processes_opening_a_fresh_store_at_once_all_succeed(lineage_location: str) -> None:
    """Migrations run under the store's write lock (BEGIN IMMEDIATE; an advisory lock on PostgreSQL): 8
    simultaneous first opens all succeed with one schema."""
    start = str(time.time() + 1.0)
    procs = [
        subprocess.Popen([sys.executable, "-c", _OPENER, lineage_location, start], stderr=subprocess.PIPE)
        for _ in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert open_lineage_store(lineage_location).runs() == []


_NO_NUL = st.characters(codec="utf-8", exclude_characters="\x00")
"""Text PostgreSQL can hold (no NUL; a NUL is refused with a clear error, pinned below). JSON values may hold
NUL: they are stored as escaped JSON text."""

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


@given(
    uri=st.text(_NO_NUL, min_size=1, max_size=30),
    type_name=st.text(_NO_NUL, max_size=20),
    materializer=st.none() | st.text(_NO_NUL, max_size=20),
    size=st.integers(min_value=0, max_value=2**62),
    metadata=st.dictionaries(st.text(max_size=8), _JSON, max_size=5),
)
@settings(max_examples=25)
def test_artifact_records_round_trip(
    lineage_factory: Callable[[], str],
    *,
    uri: str,
    type_name: str,
    materializer: str | None,
    size: int,
    metadata: dict[str, JSONValue],
) -> None:
    """Any artifact record written with a step reads back equal (created_at to the microsecond), producer set."""
    import uuid

    db = open_lineage_store(lineage_factory())
    record = ArtifactRecord(
        artifact_id=uuid.uuid4().hex,
        uri=uri,
        type_name=type_name,
        materializer=materializer,
        format="raw",
        format_version=3,
        kind="model",
        content_hash="sha256:" + "ab" * 32,
        size=size,
        metadata=metadata,
        created_at=datetime.now(UTC),
    )
    step_run_id = db.record_step(
        FinishedStep(
            run_id=_run(db),
            step_name="s",
            status=StepStatus.COMPLETED,
            source="m.f",
            started_at=0.0,
            ended_at=1.0,
            new_outputs={"output": record},
        )
    )
    back = db.artifact(record.artifact_id)
    db.close()
    assert abs((back.created_at - record.created_at).total_seconds()) < 1e-5
    recorded = attrs.evolve(record, producer_step_run_id=step_run_id, name="p.s.output", version=1)
    assert attrs.evolve(back, created_at=record.created_at) == recorded


def test_the_password_of_a_postgres_url_works_and_never_shows_in_messages(postgres_url: str) -> None:
    """A password given in the URL (as the Client may) is used; the store's location and errors leave it out."""
    from tests.common.postgres import PASSWORD

    with_password = postgres_url.replace("zen@", f"zen:{PASSWORD}@")
    db = PostgresLineageStore.open(with_password)
    assert PASSWORD not in db.location and "options=" in db.location
    db.close()
    with pytest.raises(StoreError, match="cannot connect") as caught:
        PostgresLineageStore.open(postgres_url.replace("zen@", "zen:not-the-password@"))
    assert "not-the-password" not in str(caught.value)


_SCHEMA_1 = [
    """CREATE TABLE runs (
        run_id TEXT PRIMARY KEY, pipeline_name TEXT NOT NULL, run_name TEXT, status TEXT NOT NULL,
        started_at REAL NOT NULL, ended_at REAL, spec_json TEXT NOT NULL, stack TEXT NOT NULL,
        repo_head TEXT, repo_dirty INTEGER NOT NULL DEFAULT 0, repo_diff_digest TEXT, sources_json TEXT NOT NULL,
        owner_pid INTEGER, owner_host TEXT, heartbeat_at REAL)""",
    """CREATE TABLE step_runs (
        step_run_id TEXT PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(run_id), step_name TEXT NOT NULL,
        seq INTEGER NOT NULL, status TEXT NOT NULL, source TEXT NOT NULL, config_json TEXT, cache_key TEXT,
        cache_json TEXT, cached_from TEXT, started_at REAL NOT NULL, ended_at REAL, error TEXT)""",
    """CREATE TABLE artifacts (
        artifact_id TEXT PRIMARY KEY, uri TEXT NOT NULL, type_name TEXT NOT NULL, materializer TEXT,
        format TEXT NOT NULL, format_version INTEGER NOT NULL, kind TEXT NOT NULL, content_hash TEXT NOT NULL,
        size INTEGER NOT NULL, metadata_json TEXT NOT NULL, created_at REAL NOT NULL, producer_step_run_id TEXT)""",
    """CREATE TABLE events (
        step_run_id TEXT NOT NULL REFERENCES step_runs(step_run_id),
        artifact_id TEXT NOT NULL REFERENCES artifacts(artifact_id),
        direction TEXT NOT NULL CHECK (direction IN ('input', 'output')), name TEXT NOT NULL,
        PRIMARY KEY (step_run_id, direction, name))""",
    "INSERT INTO runs VALUES ('r1', 'train', 'old', 'completed', 1.0, 2.0, '{}', 'default', NULL, 0, NULL, '{}', "
    "NULL, NULL, NULL)",
    "PRAGMA user_version = 1",
]


def test_a_schema_1_database_migrates_with_a_backup_and_its_runs_become_searchable(tmp_path: Path) -> None:
    """Opening a database of the previous schema keeps its runs, backs it up first, and indexes it for search."""
    path = tmp_path / "l.db"
    conn = sqlite3.connect(path)
    for statement in _SCHEMA_1:
        conn.execute(statement)
    conn.commit()
    conn.close()
    db = SQLiteLineageStore.open(path)
    [run] = db.runs()
    assert (run.run_id, run.run_name, run.status, run.tags) == ("r1", "old", RunStatus.COMPLETED, ())
    assert [r.run_id for r in db.search_runs("old train")] == ["r1"]
    new = db.create_run(NewRun(pipeline_name="train", spec_json="{}", stack="s", tags=("x",)))
    assert [r.run_id for r in db.search_runs("train")] == [new, "r1"]
    db.close()
    backup = sqlite3.connect(tmp_path / "l.db.v1.bak")
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    backup.close()


_RECORDED = [
    "INSERT INTO step_runs VALUES ('s1', 'r1', 'fit', 0, 'completed', 'm.fit', NULL, NULL, NULL, NULL, 1.0, 2.0, NULL)",
    "INSERT INTO step_runs VALUES ('s2', 'r1', 'fit', 1, 'completed', 'm.fit', NULL, NULL, NULL, NULL, 3.0, 4.0, NULL)",
    "INSERT INTO artifacts VALUES ('a2', 'u2', 'int', 'm', 'f', 1, 'data', 'h', 1, '{}', 4.0, 's2')",
    "INSERT INTO artifacts VALUES ('a1', 'u1', 'int', 'm', 'f', 1, 'data', 'h', 1, '{}', 2.0, 's1')",
    "INSERT INTO events VALUES ('s1', 'a1', 'output', 'model')",
    "INSERT INTO events VALUES ('s2', 'a2', 'output', 'model')",
]


def test_artifacts_recorded_before_names_get_their_default_names_and_versions_by_age(tmp_path: Path) -> None:
    """Migrating an older SQLite file names each recorded output `<pipeline>.<slot>.<output>`, numbers versions by
    creation time, and continues from there."""
    path = tmp_path / "l.db"
    conn = sqlite3.connect(path)
    for statement in [*_SCHEMA_1[:-1], *_RECORDED, _SCHEMA_1[-1]]:
        conn.execute(statement)
    conn.commit()
    conn.close()
    db = SQLiteLineageStore.open(path)
    assert [(a.artifact_id, a.label) for a in db.artifacts(name="train.fit.model")] == [
        ("a2", "train.fit.model:2"),
        ("a1", "train.fit.model:1"),
    ]
    run = db.create_run(NewRun(pipeline_name="train", spec_json="{}", stack="s"))
    db.record_step(
        FinishedStep(
            run_id=run,
            step_name="fit",
            status=StepStatus.COMPLETED,
            source="m.fit",
            started_at=5.0,
            ended_at=6.0,
            new_outputs={"model": artifact_record("a3")},
        )
    )
    assert db.artifact("train.fit.model").label == "train.fit.model:3"
    db.close()


def test_a_version_2_postgres_schema_gets_artifact_names_and_versions(postgres_url: str) -> None:
    """The PostgreSQL migration names recorded outputs and numbers their versions as the SQLite one does."""
    import psycopg

    from zen_store._postgres import MIGRATIONS

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for statement in [*MIGRATIONS[1], *MIGRATIONS[2]]:
            assert isinstance(statement, str)  # the early steps are SQL alone
            conn.execute(statement)
        conn.execute("INSERT INTO zen_schema (version) VALUES (2)")
        conn.execute(
            "INSERT INTO runs (run_id, pipeline_name, run_name, status, started_at, ended_at, spec_json, stack, "
            "repo_dirty, sources_json) VALUES ('r1', 'train', 'old', 'completed', 1.0, 2.0, '{}', 'default', false, "
            "'{}')"
        )
        for statement in _RECORDED:
            conn.execute(statement)
    db = open_lineage_store(postgres_url)
    assert [a.label for a in db.artifacts(name="train.fit.model")] == ["train.fit.model:2", "train.fit.model:1"]
    assert db.artifact("train.fit.model:1").artifact_id == "a1"
    db.close()


def test_the_sqlite_utils_command_reads_the_lineage_file(tmp_path: Path) -> None:
    """What the docs promise: `sqlite-utils tables .zen/lineage.db` and queries work on zen's file."""
    path = tmp_path / "lineage.db"
    db = SQLiteLineageStore.open(path)
    db.create_run(NewRun(pipeline_name="train", spec_json="{}", stack="s"))
    db.close()
    tool = Path(sys.executable).with_name("sqlite-utils")
    out = subprocess.run(
        [str(tool), "query", str(path), "select pipeline_name, status from runs"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert '"pipeline_name": "train"' in out and '"status": "running"' in out


def test_a_version_1_postgres_schema_is_migrated_in_place_keeping_its_runs(postgres_url: str) -> None:
    """A database written by the first PostgreSQL schema is migrated on open (tags, search), its runs kept."""
    import psycopg

    from zen_store._postgres import MIGRATIONS

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for statement in MIGRATIONS[1]:
            assert isinstance(statement, str)  # the early steps are SQL alone
            conn.execute(statement)
        conn.execute("INSERT INTO zen_schema (version) VALUES (1)")
        conn.execute(
            "INSERT INTO runs (run_id, pipeline_name, status, started_at, spec_json, stack, sources_json) "
            "VALUES ('0123456789ab0123456789ab', 'old', 'completed', 1.0, '{}', 'default', '{}')"
        )
    db = open_lineage_store(postgres_url)
    [old] = db.runs(pipeline_name="old")
    assert (old.run_id, old.status, old.tags) == ("0123456789ab0123456789ab", "completed", ())
    assert [r.run_id for r in db.search_runs("old")] == [old.run_id]
    db.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM zen_schema").fetchall() == [(POSTGRES_SCHEMA_VERSION,)]


def _schema_4_search(db: LineageStore) -> str:
    return db.create_run(
        NewRun(
            pipeline_name="train",
            run_name="Résumé",
            spec_json="{}",
            stack="s",
            tags=("À",),
            configs={"fit": {"lr": 0.01}},
        )
    )


def _searches_split_by_zen(db: LineageStore, run_id: str) -> None:
    for query in ("0.01", "resume", "a", "fit lr", "train"):
        assert [r.run_id for r in db.search_runs(query)] == [run_id], query
    for query in ("0", "01"):
        assert db.search_runs(query) == [], query


def test_a_schema_4_sqlite_database_is_searched_by_zen_words(tmp_path: Path) -> None:
    """Schema 4 let FTS5 split the names, tags and config lines ("0.01" was "0" "01"); migrated, the run is
    found by zen's words, as on PostgreSQL."""
    import sqlite_utils

    path = tmp_path / "l.db"
    db = SQLiteLineageStore.open(path)
    run_id = _schema_4_search(db)
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE runs SET search_text = 'fit lr 0.01'")
    old = ["pipeline_name", "run_name", "tags_json", "search_text"]
    sqlite_utils.Database(conn).table("runs").enable_fts(old, create_triggers=True, replace=True)
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    db = SQLiteLineageStore.open(path)
    _searches_split_by_zen(db, run_id)
    db.close()


def test_a_version_4_postgres_schema_is_searched_by_zen_words(postgres_url: str) -> None:
    """Schema 4 let PostgreSQL's parser split the text ("À" stayed "à"); migrated, the run is found by zen's
    words, as on SQLite."""
    import psycopg

    from zen_store._postgres import SEARCHED_V2

    db = open_lineage_store(postgres_url)
    run_id = _schema_4_search(db)
    db.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP INDEX runs_search")
        conn.execute(f"CREATE INDEX runs_search ON runs USING gin ({SEARCHED_V2})")
        conn.execute("UPDATE runs SET search_text = 'fit lr 0.01'")
        conn.execute("UPDATE zen_schema SET version = 4")
    db = open_lineage_store(postgres_url)
    _searches_split_by_zen(db, run_id)
    db.close()


_NEWEST_ARTIFACTS: Final = "SELECT artifact_id FROM artifacts ORDER BY created_at DESC, artifact_id DESC LIMIT 5"


def _three_artifacts(db: Store) -> None:
    run_id = _run(db)
    for n in (1, 2, 3):
        record = attrs.evolve(artifact_record(f"a{n}"), created_at=datetime.fromtimestamp(float(n), tz=UTC))
        db.record_step(
            FinishedStep(
                run_id=run_id,
                step_name=f"s{n}",
                status=StepStatus.COMPLETED,
                source="m.s",
                started_at=1.0,
                ended_at=2.0,
                new_outputs={"output": record},
            )
        )


def test_a_schema_5_sqlite_database_lists_its_newest_artifacts_from_an_index(tmp_path: Path) -> None:
    """Schema 6 indexes artifacts by creation: the newest are read from the index, never by sorting the table."""
    path = tmp_path / "l.db"
    db = SQLiteLineageStore.open(path)
    _three_artifacts(db)
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX idx_artifacts_created_at_artifact_id")
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    assert "USE TEMP B-TREE FOR ORDER BY" in str(conn.execute(f"EXPLAIN QUERY PLAN {_NEWEST_ARTIFACTS}").fetchall())
    conn.close()
    db = SQLiteLineageStore.open(path)
    assert [a.artifact_id for a in db.artifacts()] == ["a3", "a2", "a1"]
    db.close()
    conn = sqlite3.connect(path)
    plan = str(conn.execute(f"EXPLAIN QUERY PLAN {_NEWEST_ARTIFACTS}").fetchall())
    assert "idx_artifacts_created_at_artifact_id" in plan and "TEMP B-TREE" not in plan
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_version_5_postgres_schema_lists_its_newest_artifacts_from_an_index(postgres_url: str) -> None:
    """Schema 6 on PostgreSQL: the same index, so the newest artifacts are an index scan, not a sort."""
    import psycopg

    db = open_lineage_store(postgres_url)
    _three_artifacts(db)
    db.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP INDEX artifacts_created")
        conn.execute("UPDATE zen_schema SET version = 5")
    db = open_lineage_store(postgres_url)
    assert [a.artifact_id for a in db.artifacts()] == ["a3", "a2", "a1"]
    db.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM zen_schema").fetchall() == [(POSTGRES_SCHEMA_VERSION,)]
        conn.execute("SET enable_seqscan = off")  # three rows: without this the planner reads the table anyway
        plan = " ".join(str(row[0]) for row in conn.execute(f"EXPLAIN {_NEWEST_ARTIFACTS}").fetchall())
    assert "Scan Backward using artifacts_created" in plan and "Sort" not in plan


def _schema(path: Path) -> set[tuple[str, str, str, str | None]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        rows += [("fts config", str(k), str(v), None) for k, v in conn.execute("SELECT k, v FROM runs_fts_config")]
        rows.append(("user_version", "", "", str(conn.execute("PRAGMA user_version").fetchone()[0])))
    finally:
        conn.close()
    return {(str(t), str(n), str(tbl), None if sql is None else str(sql)) for t, n, tbl, sql in rows}


def test_a_new_file_gets_the_schema_the_migrations_build_without_importing_sqlite_utils(tmp_path: Path) -> None:
    """A new lineage file is created with plain SQL, in a process that never imports sqlite-utils (it costs a new
    project's first run about 150 ms of CPU); its schema is the one the sqlite-utils migrations build, to the
    letter, from a file of an older version that holds nothing (every table, index, trigger and FTS setting)."""
    created = tmp_path / "created.db"
    script = (
        "import sys\nfrom zen_store import SQLiteLineageStore\n"
        f"SQLiteLineageStore.open({str(created)!r}).close()\n"
        "assert 'sqlite_utils' not in sys.modules, 'sqlite_utils was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    migrated = tmp_path / "migrated.db"
    conn = sqlite3.connect(migrated)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    SQLiteLineageStore.open(migrated).close()
    assert _schema(created) == _schema(migrated)


def test_a_schema_6_file_migrates_to_the_new_files_schema_without_importing_sqlite_utils(tmp_path: Path) -> None:
    """A file of schema 6 (made here from a new file, without what came after 6) gets only the later migrations,
    in plain SQL: opening it imports no sqlite-utils and does not rebuild its search index, and its schema is then
    a new file's."""
    new = tmp_path / "new.db"
    SQLiteLineageStore.open(new).close()
    old = tmp_path / "old.db"
    SQLiteLineageStore.open(old).close()
    conn = sqlite3.connect(old)
    conn.execute("DROP TABLE artifact_files")  # schema 7's
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()
    script = (
        "import sys\nfrom zen_store import SQLiteLineageStore\n"
        f"SQLiteLineageStore.open({str(old)!r}).close()\n"
        "assert 'sqlite_utils' not in sys.modules, 'sqlite_utils was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert _schema(old) == _schema(new)
