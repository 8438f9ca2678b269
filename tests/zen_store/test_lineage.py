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

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from zen_store import (
    ArtifactRecord,
    ArtifactStore,
    LineageStore,
    PostgresLineageStore,
    RecordNotFoundError,
    RepoRecord,
    SchemaVersionError,
    SQLiteLineageStore,
    StoreError,
    open_lineage_store,
)
from zen_types import JSONValue

Store = SQLiteLineageStore | PostgresLineageStore


def _artifact(artifact_id: str, uri: str = "u", content: str = "sha256:0") -> ArtifactRecord:
    return ArtifactRecord(
        artifact_id=artifact_id,
        uri=uri,
        type_name="int",
        materializer="m",
        format="zen-json",
        format_version=1,
        kind="data",
        content_hash=content,
        size=1,
        metadata={"k": [1, 2]},
        created_at=datetime.now(UTC),
    )


def _run(db: Store, pipeline: str = "p") -> str:
    return db.create_run(
        pipeline_name=pipeline, run_name=None, spec_json="{}", stack="default", repo=RepoRecord(), sources={}
    )


def test_step_with_artifacts_and_events_round_trips(lineage_location: str) -> None:
    """A recorded step comes back with its config, inputs, outputs and metadata."""
    db = open_lineage_store(lineage_location)
    run = _run(db)
    db.record_step(
        run_id=run,
        step_name="a",
        status="completed",
        source="m.a",
        config=None,
        cache_key="k1",
        cache_components={},
        started_at=1.0,
        ended_at=2.0,
        inputs={},
        new_artifacts=[("output", _artifact("x"))],
    )
    db.record_step(
        run_id=run,
        step_name="b",
        status="completed",
        source="m.b",
        config={"n": 2},
        cache_key="k2",
        cache_components={},
        started_at=2.0,
        ended_at=3.0,
        inputs={"v": "x"},
        new_artifacts=[("output", _artifact("y"))],
    )
    db.finish_run(run, status="completed")
    steps = db.step_runs(run)
    assert [s.step_name for s in steps] == ["a", "b"]
    assert steps[1].inputs["v"].artifact_id == "x"
    assert steps[1].outputs["output"].metadata == {"k": [1, 2]}
    assert steps[1].config == {"n": 2}
    graph = db.lineage("y")
    assert set(graph.artifacts) == {"x", "y"}
    assert db.lineage("x", downstream=True).artifacts.keys() == {"x", "y"}
    cached = db.find_cached("k2")
    assert cached is not None and cached.outputs["output"].artifact_id == "y"


def test_prefixes_and_missing_records_give_clear_errors(lineage_location: str) -> None:
    """Unknown runs and pipelines are named in the error."""
    db = open_lineage_store(lineage_location)
    with pytest.raises(RecordNotFoundError, match="no run with id"):
        db.get_run("nope")
    with pytest.raises(RecordNotFoundError, match="has no recorded runs"):
        db.last_run("nothing")


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
        from zen_store import RepoRecord, open_lineage_store
        db = open_lineage_store({path!r})
        print(db.create_run(pipeline_name="p", run_name=None, spec_json="{{}}", stack="s", repo=RepoRecord(), sources={{}}))
        os._exit(0)
        """
    )
    run_id = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert open_lineage_store(path).get_run(run_id).status == "crashed"


_CONCURRENT = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from zen_store import ArtifactRecord, RepoRecord, open_lineage_store
    db = open_lineage_store(sys.argv[1])
    worker = sys.argv[2]
    for i in range(int(sys.argv[3])):
        run = db.create_run(pipeline_name="p", run_name=f"{worker}-{i}", spec_json="{}", stack="s", repo=RepoRecord(), sources={})
        art = ArtifactRecord(artifact_id=f"{worker}-{i}", uri="u", type_name="int", materializer="m", format="f",
            format_version=1, kind="data", content_hash="h", size=1, metadata={}, created_at=datetime.now(UTC))
        db.record_step(run_id=run, step_name="s", status="completed", source="x", config=None, cache_key=None,
            cache_components=None, started_at=0.0, ended_at=1.0, inputs={}, new_artifacts=[("output", art)])
        db.finish_run(run, status="completed")
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
    runs = db.runs(status="completed", limit=10_000)
    names = {f"w{n}-{i}" for n in range(8) for i in range(100)}
    assert {r.run_name for r in runs} == names and len(runs) == 800
    assert all(len(db.step_runs(r.run_id)) == 1 for r in runs[::37])
    assert {db.artifact(name).artifact_id for name in names} == names
    db.close()


@given(st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8), st.none()), max_size=5))
@settings(max_examples=25)
def test_recorded_configs_round_trip(lineage_factory: Callable[[], str], config: dict[str, object]) -> None:
    """Any JSON config recorded with a step comes back equal."""
    db = open_lineage_store(lineage_factory())
    run = _run(db)
    db.record_step(
        run_id=run,
        step_name="a",
        status="completed",
        source="m.a",
        config=config,  # type: ignore[arg-type]
        cache_key=None,
        cache_components=None,
        started_at=1.0,
        ended_at=2.0,
        inputs={},
        new_artifacts=[],
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
        self.run_id = self.lineage.create_run(
            pipeline_name="p", run_name=None, spec_json="{}", stack="s", repo=RepoRecord(), sources={}
        )
        self.model: dict[str, tuple[bytes, str]] = {}

    @rule(data=st.binary(max_size=64))
    def write(self, data: bytes) -> None:
        staging = self.store.stage()
        (Path(staging.uri) / "d").write_bytes(data)
        stored = self.store.commit(staging)
        record = ArtifactRecord(
            artifact_id=stored.name,
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
            run_id=self.run_id,
            step_name="w",
            status="completed",
            source="x",
            config=None,
            cache_key=None,
            cache_components=None,
            started_at=0.0,
            ended_at=1.0,
            inputs={},
            new_artifacts=[("output", record)],
        )
        self.model[stored.name] = (data, stored.content_hash)

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

    @invariant()
    def everything_recorded_reads_back(self) -> None:
        assert set(self.store.names()) == set(self.model)
        for name, (data, digest) in self.model.items():
            assert (self.store.verify(name, digest) / "d").read_bytes() == data
            record = self.lineage.artifact(name)
            assert (record.content_hash, record.metadata) == (digest, {"n": len(data)})

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
        run_id=_run(db),
        step_name="s",
        status="completed",
        source="m.f",
        config=None,
        cache_key=None,
        cache_components=None,
        started_at=0.0,
        ended_at=1.0,
        inputs={},
        new_artifacts=[("output", record)],
    )
    back = db.artifact(record.artifact_id)
    db.close()
    assert abs((back.created_at - record.created_at).total_seconds()) < 1e-5
    assert attrs.evolve(back, created_at=record.created_at) == attrs.evolve(record, producer_step_run_id=step_run_id)


def test_run_of_a_killed_process_is_reaped_as_crashed(lineage_location: str) -> None:
    """kill -9 of the owner mid-run: listing runs marks it crashed (owner lease: pid + host)."""
    import signal

    path = lineage_location
    code = textwrap.dedent(
        """
        import sys, time
        from zen_store import RepoRecord, open_lineage_store
        db = open_lineage_store(sys.argv[1])
        print(db.create_run(pipeline_name="p", run_name=None, spec_json="{}", stack="s", repo=RepoRecord(), sources={}), flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code, path], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    db = open_lineage_store(path)
    assert db.get_run(run_id).status == "running"  # the owner is alive: not reaped
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert [r.status for r in db.runs(pipeline_name="p")] == ["crashed"]
    assert db.reap_crashed() == 0  # already marked; reaping is idempotent
    db.close()


def test_run_prefix_is_literal_not_a_pattern(lineage_location: str) -> None:
    """'%' or '_' in a run id prefix match nothing instead of every run; an exact id always wins."""
    db = open_lineage_store(lineage_location)
    run_id = _run(db)
    for pattern in ("%", "_", run_id[:2] + "%"):
        with pytest.raises(RecordNotFoundError):
            db.get_run(pattern)
    assert db.get_run(run_id[:8]).run_id == run_id
    assert db.get_run(run_id).run_id == run_id
    db.close()


def _finish(db: Store, run_id: str, step_run_id: str | None, status: str = "completed") -> str:
    return db.record_step(
        run_id=run_id,
        step_name="s",
        status=status,
        source="m.f",
        config={"a": 1},
        cache_key="k" if status == "completed" else None,
        cache_components={},
        started_at=1.0,
        ended_at=2.0,
        inputs={},
        new_artifacts=[],
        step_run_id=step_run_id,
    )


def test_a_started_step_shows_as_running_then_completes_in_place(lineage_location: str) -> None:
    """start_step writes a `running` row a live run shows; record_step completes that same row (no second one)."""
    db = open_lineage_store(lineage_location)
    run_id = _run(db)
    started = db.start_step(run_id=run_id, step_name="s", source="m.f", config={"a": 1}, started_at=1.0)
    [running] = db.step_runs(run_id)
    assert (running.step_run_id, running.status, running.ended_at) == (started, "running", None)
    assert _finish(db, run_id, started) == started
    [done] = db.step_runs(run_id)
    assert (done.step_run_id, done.status, done.cache_key) == (started, "completed", "k")
    assert db.find_cached("k") is not None
    with pytest.raises(StoreError, match="not a running step"):
        _finish(db, run_id, started)  # completing twice is refused
    with pytest.raises(StoreError, match="not a running step"):
        _finish(db, run_id, "no-such-step-run")
    db.close()


def test_steps_still_running_when_the_run_ends_are_stopped(lineage_location: str) -> None:
    """A run that fails while another step runs (a parallel orchestrator) leaves that step `stopped`, explained."""
    db = open_lineage_store(lineage_location)
    run_id = _run(db)
    db.start_step(run_id=run_id, step_name="s", source="m.f", config=None, started_at=1.0)
    db.finish_run(run_id, status="failed")
    [step] = db.step_runs(run_id)
    assert step.status == "stopped"
    assert step.error is not None and "run ended (failed)" in step.error
    db.close()


def test_the_step_a_killed_process_was_running_is_marked_crashed(lineage_location: str) -> None:
    """kill -9 during a step: the run and the step it was in both show `crashed`."""
    import signal

    path = lineage_location
    code = textwrap.dedent(
        """
        import sys, time
        from zen_store import RepoRecord, open_lineage_store
        db = open_lineage_store(sys.argv[1])
        run_id = db.create_run(pipeline_name="p", run_name=None, spec_json="{}", stack="s", repo=RepoRecord(), sources={})
        db.start_step(run_id=run_id, step_name="train", source="m.train", config=None, started_at=time.time())
        print(run_id, flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code, path], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    db = open_lineage_store(path)
    assert db.get_run(run_id).status == "crashed"
    [step] = db.step_runs(run_id)
    assert (step.step_name, step.status) == ("train", "crashed")
    assert step.error == "the process running this step died"
    db.close()


def test_a_nul_character_postgres_cannot_hold_is_refused_clearly_and_records_nothing(postgres_url: str) -> None:
    """PostgreSQL text cannot hold NUL: a record with one fails with a sentence saying so, and no part of the step
    is recorded."""
    db = open_lineage_store(postgres_url)
    run_id = _run(db)
    with pytest.raises(StoreError, match="NUL"):
        db.record_step(
            run_id=run_id,
            step_name="s",
            status="completed",
            source="m.f",
            config=None,
            cache_key=None,
            cache_components=None,
            started_at=0.0,
            ended_at=1.0,
            inputs={},
            new_artifacts=[("output", _artifact("x", uri="a\x00b"))],
        )
    assert db.step_runs(run_id) == []
    db.close()


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
