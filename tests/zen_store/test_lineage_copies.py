"""Small artifacts are durable through their lineage record, not through fsyncs.

A writer that asks for it gets a small artifact's bytes back from ``commit`` and the barrier leaves that artifact
out; the lineage store records the bytes in the transaction that records the artifact (every back-end), and
``restore`` puts them back - hash-checked, atomically - when a power loss took the files back.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.common.fsyncs import count_syncs
from tests.common.records import artifact_record
from zen_store import (
    POSTGRES_SCHEMA_VERSION,
    SCHEMA_VERSION,
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ArtifactRecord,
    ArtifactStore,
    FinishedStep,
    LineageStore,
    NewRun,
    RemoteArtifactStore,
    RunStatus,
    SQLiteLineageStore,
    StepStatus,
    UnsafePathError,
    content_hash,
    open_artifact_store,
    open_lineage_store,
)


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths every ``os.fsync``/``os.fdatasync`` of this process synced."""
    return count_syncs(monkeypatch)


def _commit(store: ArtifactStore, files: dict[str, bytes], *, small_limit: int = 1024) -> tuple[str, str, object]:
    area = store.stage()
    for relative, data in files.items():
        (area.path / relative).parent.mkdir(parents=True, exist_ok=True)
        (area.path / relative).write_bytes(data)
    stored = store.commit(area, small_limit=small_limit)
    return stored.uri, stored.content_hash, stored.files


def test_a_small_commit_returns_its_bytes_and_the_barrier_fsyncs_nothing(tmp_path: Path, syncs: list[str]) -> None:
    """An artifact within ``small_limit`` comes back with its bytes and is left out of the barrier; a larger one
    is fsynced (its file, its folder and the store's root) as before."""
    store = ArtifactStore(tmp_path / "artifacts")
    uri, digest, files = _commit(store, {"value.json": b"42", "nested/more.txt": b"x"})
    assert files == {"value.json": b"42", "nested/more.txt": b"x"}
    assert digest == content_hash(Path(uri))[0]  # hashed from memory, the same as from disk
    store.sync()
    assert syncs == []
    big_uri, _, big_files = _commit(store, {"data.bin": b"y" * 2048})
    assert big_files is None
    store.sync()
    assert str(Path(big_uri) / "data.bin") in syncs and big_uri in syncs and str(store.root) in syncs


def test_reusing_identical_small_bytes_returns_them_too_and_needs_no_barrier(tmp_path: Path, syncs: list[str]) -> None:
    """A second commit of the same bytes shares the stored copy and still hands back the bytes to record."""
    store = ArtifactStore(tmp_path / "artifacts")
    first = _commit(store, {"value.json": b"7"})
    second = _commit(store, {"value.json": b"7"})
    assert second == first
    store.sync()
    assert syncs == []


def test_without_a_small_limit_every_commit_is_synced_as_before(tmp_path: Path, syncs: list[str]) -> None:
    """Writers that record no bytes (the default) keep the fsync barrier for every artifact, even an empty one."""
    store = ArtifactStore(tmp_path / "artifacts")
    uri, _, files = _commit(store, {"value.json": b"1"}, small_limit=0)
    empty_uri, _, empty_files = _commit(store, {})
    assert files is None and empty_files is None
    store.sync()
    assert str(Path(uri) / "value.json") in syncs and empty_uri in syncs


def _lose(folder: Path, how: str) -> None:
    """What a power loss can leave of a folder whose files were never fsynced."""
    target = folder / "value.json"
    if how == "deleted":
        target.unlink()
    elif how == "truncated":
        target.write_bytes(target.read_bytes()[:1])
    elif how == "zeroed":
        target.write_bytes(b"\0" * len(target.read_bytes()))
    elif how == "emptied":
        target.unlink()
        folder.rmdir()
        folder.mkdir()
    else:
        assert how == "gone"
        target.unlink()
        folder.rmdir()


@pytest.mark.parametrize("how", ["deleted", "truncated", "zeroed", "emptied", "gone"])
def test_restore_puts_a_lost_small_artifact_back_from_its_copy(tmp_path: Path, how: str) -> None:
    """Whatever a power loss left of the folder, restoring puts the recorded bytes back under the same URI, where
    they verify, and leaves no staging behind."""
    store = ArtifactStore(tmp_path / "artifacts")
    uri, digest, files = _commit(store, {"value.json": b'{"v": 12345}'})
    assert isinstance(files, dict)
    _lose(Path(uri), how)
    with pytest.raises((ArtifactIntegrityError, ArtifactNotFoundError)):
        store.verify(uri, digest)
    assert store.restore(uri, digest, files) == Path(uri)
    assert (Path(uri) / "value.json").read_bytes() == b'{"v": 12345}'
    assert store.verify(uri, digest, full=True) == Path(uri)
    assert store.stale_staging() == [] and list((store.root / ".staging").iterdir()) == []


def test_a_damaged_lineage_copy_is_refused_with_one_sentence(tmp_path: Path) -> None:
    """A copy that does not hash to the recorded content is refused; what was there is left alone."""
    store = ArtifactStore(tmp_path / "artifacts")
    uri, digest, _ = _commit(store, {"value.json": b"12"})
    _lose(Path(uri), "deleted")
    with pytest.raises(ArtifactIntegrityError) as info:
        store.restore(uri, digest, {"value.json": b"13"})
    message = str(info.value)
    assert "the lineage store's copy of it is damaged too" in message and "Re-run the step" in message
    assert message.count(". ") <= 2 and "\n" not in message
    assert list((store.root / ".staging").iterdir()) == []


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/../../b", "", "a//b", "./x"])
def test_a_lineage_copy_cannot_write_outside_its_artifact(tmp_path: Path, name: str) -> None:
    """File names in a copy are checked before anything is written."""
    store = ArtifactStore(tmp_path / "artifacts")
    uri, digest, _ = _commit(store, {"value.json": b"12"})
    with pytest.raises(UnsafePathError):
        store.restore(uri, digest, {name: b"12"})
    assert not (tmp_path / "escape").exists()


@settings(max_examples=40, deadline=None)
@given(
    files=st.dictionaries(
        st.lists(st.sampled_from(["a", "b", "z", "0", "n.json"]), min_size=1, max_size=3).map("/".join),
        st.binary(max_size=64),
        min_size=1,
        max_size=5,
    )
)
def test_the_hash_of_a_small_commit_is_the_hash_of_its_folder(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]
) -> None:
    """Hashing the bytes read for the lineage copy gives what hashing the committed folder gives, for any layout
    (a file beside a folder of files, nested folders, empty files)."""
    names = set(files)
    if any(other.startswith(name + "/") for name in names for other in names):
        return  # a name that is both a file and a folder cannot be written
    store = ArtifactStore(tmp_path_factory.mktemp("s") / "artifacts")
    uri, digest, kept = _commit(store, files, small_limit=10_000)
    assert digest == content_hash(Path(uri))[0]
    assert kept == files


_SMALL_WRITER = textwrap.dedent(
    """
    import os, sys, uuid
    from datetime import UTC, datetime
    from pathlib import Path
    from zen_store import ArtifactRecord, ArtifactStore, FinishedStep, NewRun, SQLiteLineageStore, StepStatus
    store = ArtifactStore(sys.argv[1])
    lineage = SQLiteLineageStore.open(sys.argv[2])
    run_id = lineage.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
    print("ready", flush=True)
    while True:
        outputs = {}
        for output, size in (("small", 100), ("large", 200_000)):
            staging = store.stage()
            (Path(staging.uri) / "value").write_bytes(os.urandom(size))
            stored = store.commit(staging, small_limit=1024)
            outputs[output] = ArtifactRecord(artifact_id=uuid.uuid4().hex, uri=stored.uri, type_name="bytes",
                materializer="m", format="raw", format_version=1, kind="data", content_hash=stored.content_hash,
                size=stored.size, metadata={}, created_at=datetime.now(UTC), files=stored.files)
        print("barrier", flush=True)
        store.sync()
        lineage.record_step(FinishedStep(run_id=run_id, step_name="s", status=StepStatus.COMPLETED, source="x",
            started_at=0.0, ended_at=1.0, new_outputs=outputs))
    """
)


@pytest.mark.slow
def test_kill_minus_nine_then_losing_every_unsynced_file_loses_nothing_recorded(tmp_path: Path) -> None:
    """A writer records a small and a large output per step, killed (kill -9) at random 10 times; then every small
    artifact's folder is taken away, as a power loss may (they were never fsynced). Every recorded artifact is
    either whole on disk (large: fsynced before its record) or restored whole from its record's copy (small)."""
    root, db_path = tmp_path / "store", tmp_path / "lineage.db"
    ArtifactStore(root)
    SQLiteLineageStore.open(db_path).close()
    rng = random.Random(5)
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, "-c", _SMALL_WRITER, str(root), str(db_path)], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        for _ in range(rng.randrange(1, 4)):
            assert proc.stdout.readline().strip() == b"barrier"
        time.sleep(rng.random() * 0.004)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    store = ArtifactStore(root)
    db = SQLiteLineageStore.open(db_path)
    records = db.artifacts(limit=10_000)
    assert len(records) >= 2 * 10, "too few steps were recorded; the test would prove little"
    for record in records:
        if record.size <= 1024:
            shutil.rmtree(record.uri)
            copy = db.lineage_copy(record)
            assert copy is not None
            store.restore(record.uri, record.content_hash, copy)
        store.verify(record.uri, record.content_hash, full=True)
    db.close()


# -- the lineage stores ------------------------------------------------------------------------------------------


@pytest.fixture
def db(lineage_location: str) -> Iterator[LineageStore]:
    store: LineageStore = open_lineage_store(lineage_location)
    yield store
    store.close()


def _record(db: LineageStore, *artifacts: ArtifactRecord, pipeline: str = "p") -> str:
    run_id = db.create_run(NewRun(pipeline_name=pipeline, spec_json="{}", stack="default"))
    db.record_step(
        FinishedStep(
            run_id=run_id,
            step_name="s",
            status=StepStatus.COMPLETED,
            source="m.s",
            started_at=1.0,
            ended_at=2.0,
            new_outputs={f"o{n}": art for n, art in enumerate(artifacts)},
        )
    )
    db.finish_run(run_id, status=RunStatus.COMPLETED)
    return run_id


def test_a_recorded_small_artifact_keeps_its_bytes_in_the_lineage_store(db: LineageStore) -> None:
    """The bytes travel with the record and come back by any record of the same stored copy; a record without
    bytes (a large artifact) has no copy."""
    small = attrs.evolve(artifact_record("a1", uri="/s/x", content="blake3:1"), files={"v.json": b"\0\xff1"})
    large = artifact_record("a2", uri="/s/y", content="blake3:2")
    _record(db, small, large)
    assert db.lineage_copy(db.artifact("a1")) == {"v.json": b"\0\xff1"}
    assert db.lineage_copy(artifact_record("other", uri="/s/x", content="blake3:1")) == {"v.json": b"\0\xff1"}
    assert db.lineage_copy(db.artifact("a2")) is None
    assert db.lineage_copy(artifact_record("a3", uri="/s/x", content="blake3:other")) is None
    assert db.artifact("a1").files is None  # records read back do not carry the bytes


def test_deleting_a_run_deletes_the_copies_of_the_artifacts_it_takes(db: LineageStore) -> None:
    """A copy lives exactly as long as its artifact's record."""
    small = attrs.evolve(artifact_record("a1", uri="/s/x", content="blake3:1"), files={"v.json": b"1"})
    run_id = _record(db, small)
    assert db.delete_run(run_id).artifacts == ("a1",)
    assert db.lineage_copy(small) is None


def _schema_6_sqlite(path: Path) -> None:
    db = SQLiteLineageStore.open(path)
    _record(db, artifact_record("old", uri="/s/old", content="blake3:0"))
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE artifact_files")
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()


def test_a_schema_6_sqlite_database_is_migrated_to_keep_copies(tmp_path: Path) -> None:
    """Opening a schema-6 file adds the copies' table (after a backup); its artifacts have none, new ones do."""
    path = tmp_path / "l.db"
    _schema_6_sqlite(path)
    db = SQLiteLineageStore.open(path)
    assert db.lineage_copy(db.artifact("old")) is None
    _record(db, attrs.evolve(artifact_record("new", uri="/s/n", content="blake3:n"), files={"v": b"2"}))
    assert db.lineage_copy(db.artifact("new")) == {"v": b"2"}
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
    conn.close()
    assert path.with_name("l.db.v6.bak").exists()


def test_a_version_6_postgres_schema_is_migrated_to_keep_copies(postgres_url: str) -> None:
    """The same migration on PostgreSQL."""
    import psycopg

    db = open_lineage_store(postgres_url)
    _record(db, artifact_record("old", uri="/s/old", content="blake3:0"))
    db.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE artifact_files")
        conn.execute("UPDATE zen_schema SET version = 6")
    db = open_lineage_store(postgres_url)
    assert db.lineage_copy(db.artifact("old")) is None
    _record(db, attrs.evolve(artifact_record("new", uri="/s/n", content="blake3:n"), files={"v": b"2"}))
    assert db.lineage_copy(db.artifact("new")) == {"v": b"2"}
    db.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM zen_schema").fetchall() == [(POSTGRES_SCHEMA_VERSION,)]


def test_an_s3_store_keeps_no_copies_but_puts_one_back_by_uploading_it(
    tmp_path: Path, s3_url: str, s3_endpoint: str
) -> None:
    """A put is durable once acknowledged: an S3 commit returns no bytes to record. A copy recorded elsewhere under
    its URI is uploaded again in place of what is left (here: its manifest gone), checked first."""
    store = open_artifact_store(s3_url, zen_dir=tmp_path / ".zen", options={"endpoint_url": s3_endpoint})
    area = store.stage()
    (area.path / "value.json").write_bytes(b"42")
    stored = store.commit(area, small_limit=1024)
    assert stored.files is None
    assert isinstance(store, RemoteArtifactStore)
    store.fs.rm(f"{stored.uri}/_zen_manifest.json")
    with pytest.raises(ArtifactNotFoundError):
        store.verify(stored.uri, stored.content_hash)
    with pytest.raises(ArtifactIntegrityError, match="damaged too"):
        store.restore(stored.uri, stored.content_hash, {"value.json": b"43"})
    restored = store.restore(stored.uri, stored.content_hash, {"value.json": b"42"})
    assert (restored / "value.json").read_bytes() == b"42"
    assert (store.verify(stored.uri, stored.content_hash, full=True) / "value.json").read_bytes() == b"42"
