"""Identical bytes are stored once: artifacts live under their content address, a second write of the same bytes
shares the stored copy (each output keeps its own record), a damaged copy is replaced rather than shared, and gc
never deletes a copy that a writer reuses while it sweeps. Durability is one barrier per step."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.zen_store.files import write_files
from zen_store import (
    ArtifactStorage,
    ArtifactStore,
    SQLiteLineageStore,
    content_hash,
)
from zen_store._gc import sweep_one


def test_identical_bytes_are_stored_once_under_their_content_address(store: ArtifactStorage) -> None:
    """The same files written twice give one stored copy (the second write reuses it); different bytes get
    their own; both verify."""
    first = write_files(store, {"a": b"same", "sub/b": b"bytes"})
    second = write_files(store, {"a": b"same", "sub/b": b"bytes"})
    other = write_files(store, {"a": b"different"})
    assert first.name == f"blake3-{first.content_hash.removeprefix('blake3:')}"
    assert (first.reused, second.reused, other.reused) == (False, True, False)
    assert second.uri == first.uri and second.content_hash == first.content_hash
    assert other.uri != first.uri
    assert sorted(store.sizes()) == sorted({first.name, other.name})
    store.verify(second.uri, second.content_hash, full=True)
    store.verify(other.uri, other.content_hash, full=True)


@given(st.dictionaries(st.text(alphabet="abc", min_size=1, max_size=4), st.binary(max_size=64), max_size=4))
def test_a_second_write_of_any_files_shares_the_first_copy(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]
) -> None:
    """Whatever the files (none at all included), writing them again stores nothing new."""
    store = ArtifactStore(tmp_path_factory.mktemp("store"))
    first = write_files(store, files)
    again = write_files(store, files)
    assert again.reused and again.uri == first.uri
    assert list(store.names()) == [first.name]
    assert list((store.root / ".staging").iterdir()) == []


def test_a_damaged_copy_is_replaced_by_the_next_identical_write(tmp_path: Path) -> None:
    """A copy whose bytes no longer match its address is never shared: the next write of those bytes puts a good
    copy in its place, and the earlier record verifies again."""
    store = ArtifactStore(tmp_path)
    first = write_files(store, {"data": b"x" * 1000})
    (store.path_of(first.uri) / "data").write_bytes(b"y" * 1000)
    again = write_files(store, {"data": b"x" * 1000})
    assert not again.reused and again.uri == first.uri
    store.verify(first.uri, first.content_hash, full=True)
    assert list(store.names()) == [first.name]


def test_a_copy_gc_is_deleting_is_not_shared_the_writer_stores_its_own(store: ArtifactStorage) -> None:
    """While gc's ``deleting/<name>`` record is there, a writer of the same bytes does not rely on that copy: it
    stores its own beside it, which verifies after the old one is gone."""
    first = write_files(store, {"data": b"doomed"})
    store.write_meta(f"deleting/{first.name}", b"", durable=False)
    second = write_files(store, {"data": b"doomed"})
    assert not second.reused and second.uri != first.uri and second.name.startswith(first.name + ".")
    store.delete(first.uri)
    store.delete_meta(f"deleting/{first.name}")
    store.verify(second.uri, second.content_hash, full=True)


def test_gc_keeps_a_copy_a_writer_reused_after_gc_listed_it(store: ArtifactStorage) -> None:
    """gc decided to sweep an old, unreferenced copy; a writer then reuses it: the reuse stamps a new commit time,
    which gc reads again after writing its ``deleting`` record, so the copy stays. Without the reuse it goes."""
    kept = write_files(store, {"data": b"reused"})
    gone = write_files(store, {"data": b"unused"})
    if isinstance(store, ArtifactStore):  # committed long ago, on the local clock
        for stored in (kept, gone):
            os.utime(stored.uri, (time.time() - 7200, time.time() - 7200))
        horizon = time.time() - 60
    else:  # S3 keeps times to the second: a horizon just after both commits, then a reuse after it
        time.sleep(2.0)
        horizon = time.time() - 0.5
        time.sleep(1.5)
    assert write_files(store, {"data": b"reused"}).reused
    assert sweep_one(store, kept.name, horizon) is False
    assert sweep_one(store, gone.name, horizon) is True
    store.verify(kept.uri, kept.content_hash, full=True)
    assert not store.exists(gone.uri)
    assert store.list_meta("deleting") == {}


_BARRIER_WRITER = textwrap.dedent(
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
        for output in ("left", "right"):
            staging = store.stage()
            for i in range(20):
                (Path(staging.uri) / f"part{i}").write_bytes(os.urandom(50_000))
            stored = store.commit(staging)
            outputs[output] = ArtifactRecord(artifact_id=uuid.uuid4().hex, uri=stored.uri, type_name="bytes",
                materializer="m", format="raw", format_version=1, kind="data", content_hash=stored.content_hash,
                size=stored.size, metadata={}, created_at=datetime.now(UTC))
        print("barrier", flush=True)
        store.sync()
        lineage.record_step(FinishedStep(run_id=run_id, step_name="s", status=StepStatus.COMPLETED, source="x",
            started_at=0.0, ended_at=1.0, new_outputs=outputs))
    """
)


@pytest.mark.slow
def test_kill_minus_nine_during_the_durability_barrier_loses_nothing_recorded(tmp_path: Path) -> None:
    """A writer commits two outputs without fsyncs, then makes them durable with one barrier before recording
    them; killed (kill -9) while it is inside that barrier, 15 times: every recorded artifact is whole and verifies,
    every visible artifact is complete, and what was cut short is only staging."""
    root = tmp_path / "store"
    db_path = tmp_path / "lineage.db"
    ArtifactStore(root)
    SQLiteLineageStore.open(db_path).close()
    rng = random.Random(11)
    for _ in range(15):
        proc = subprocess.Popen(
            [sys.executable, "-c", _BARRIER_WRITER, str(root), str(db_path)], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        for _ in range(rng.randrange(1, 4)):  # a few steps recorded, then a kill inside a barrier
            assert proc.stdout.readline().strip() == b"barrier"
        time.sleep(rng.random() * 0.004)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    store = ArtifactStore(root)
    names = list(store.names())
    for name in names:
        files = sorted(p.name for p in store.path_of(name).iterdir())
        assert len(files) == 20, f"artifact {name} is torn: {files}"
        assert content_hash(store.path_of(name))[0].removeprefix("blake3:") == name.removeprefix("blake3-")
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT uri, content_hash FROM artifacts").fetchall()
    conn.close()
    assert len(rows) >= 2 * 15, "too few steps were recorded; the test would prove little"
    for uri, digest in rows:
        store.verify(uri, digest, full=True)
    store.cleanup_stale()
    assert list((root / ".staging").iterdir()) == []
