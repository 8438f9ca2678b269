"""A gc killed while deleting an artifact leaves its `deleting/<name>` record behind. The record names gc's process,
so writers of identical bytes do not store one more copy per write because of it, and the next gc removes it at
once (not only when it is older than `--older-than`); a record of a gc that is still alive keeps its meaning."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.zen_store.files import write_files
from zen_store import (
    GC_MARGIN_S,
    ArtifactStorage,
    ArtifactStore,
    References,
    Referent,
    SQLiteLineageStore,
    StoreError,
    collect_garbage,
)

KILLED_GC = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from zen_store import SQLiteLineageStore, collect_garbage, open_artifact_store

    options = {"endpoint_url": sys.argv[3]} if sys.argv[3] else None
    store = open_artifact_store(sys.argv[1], zen_dir=Path(sys.argv[2]) / ".zen", options=options)
    lineage = SQLiteLineageStore.open(Path(sys.argv[2]) / "gc.db")

    def stalled(uri):  # the gc is stopped here, half way through deleting (locally: one file is gone already)
        if sys.argv[4]:
            (Path(store.path_of(uri)) / sys.argv[4]).unlink()
        print("deleting", flush=True)
        time.sleep(120)

    store.delete = stalled
    collect_garbage(store, lineage, read_references=None, delete=True, older_than_s=3600)
    """
)


def _unreadable(referent: Referent) -> References:
    raise StoreError(f"no other lineage store was expected here ({referent.store_id})")


def _aged(store: ArtifactStorage, uri: str) -> None:
    """Make a committed artifact older than gc's margin: backdated locally, waited for on S3."""
    if isinstance(store, ArtifactStore):
        os.utime(uri, (time.time() - 3600, time.time() - 3600))
    else:
        time.sleep(GC_MARGIN_S + 1.5)


def _kill_a_gc_while_it_deletes(store: ArtifactStorage, tmp_path: Path, endpoint: str, *, half: str = "") -> None:
    gc = subprocess.Popen(
        [sys.executable, "-c", KILLED_GC, store.location, str(tmp_path / "gc"), endpoint, half],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert gc.stdout is not None
        assert gc.stdout.readline().decode().strip() == "deleting", "the gc did not reach the artifact"
    finally:
        gc.send_signal(signal.SIGKILL)
        gc.wait(timeout=30)
        if gc.stdout is not None:
            gc.stdout.close()


def test_writes_after_a_killed_gc_reuse_the_copy_and_the_next_gc_drops_its_record(
    store: ArtifactStorage, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    endpoint = request.getfixturevalue("s3_endpoint") if not isinstance(store, ArtifactStore) else ""
    (tmp_path / "gc").mkdir()
    first = write_files(store, {"x": b"identical bytes"})
    _aged(store, first.uri)
    _kill_a_gc_while_it_deletes(store, tmp_path, endpoint)
    assert list(store.list_meta("deleting")) == [f"deleting/{first.name}"]  # what the killed gc left behind
    again = write_files(store, {"x": b"identical bytes"})
    assert (again.name, again.reused) == (first.name, True)  # not one more copy beside it
    assert set(store.committed()) == {first.name}
    lineage = SQLiteLineageStore.open(tmp_path / "lineage.db")
    try:
        report = collect_garbage(store, lineage, read_references=_unreadable, delete=False, older_than_s=3600)
        assert store.list_meta("deleting") != {}  # a dry run changes nothing
        report = collect_garbage(store, lineage, read_references=_unreadable, delete=True, older_than_s=3600)
    finally:
        lineage.close()
    assert store.list_meta("deleting") == {}  # at once, though far younger than --older-than
    assert report.unreferenced == ()  # the write just now stamped the copy: too recent to sweep
    assert store.exists(first.uri)


def test_a_copy_a_killed_gc_half_deleted_is_replaced_by_the_next_identical_write(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    (tmp_path / "gc").mkdir()
    first = write_files(store, {"a": b"first file", "b": b"second file"})
    _aged(store, first.uri)
    _kill_a_gc_while_it_deletes(store, tmp_path, "", half="a")
    assert not (Path(first.uri) / "a").exists()
    again = write_files(store, {"a": b"first file", "b": b"second file"})
    assert again.name == first.name and not again.reused
    assert (Path(again.uri) / "a").read_bytes() == b"first file"
    store.verify(again.uri, again.content_hash)


def test_a_record_of_a_gc_still_running_is_still_respected(tmp_path: Path) -> None:
    """While the gc that wrote the record lives, a writer of the same bytes stores its own copy beside the one
    being deleted, and gc leaves the record to its owner."""
    store = ArtifactStore(tmp_path / "artifacts")
    (tmp_path / "gc").mkdir()
    first = write_files(store, {"x": b"identical bytes"})
    _aged(store, first.uri)
    gc = subprocess.Popen(
        [sys.executable, "-c", KILLED_GC, store.location, str(tmp_path / "gc"), "", ""],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert gc.stdout is not None
        assert gc.stdout.readline().decode().strip() == "deleting"
        again = write_files(store, {"x": b"identical bytes"})
        assert again.name.startswith(f"{first.name}.") and not again.reused
        lineage = SQLiteLineageStore.open(tmp_path / "lineage.db")
        try:
            collect_garbage(store, lineage, read_references=_unreadable, delete=True, older_than_s=3600)
        finally:
            lineage.close()
        assert list(store.list_meta("deleting")) == [f"deleting/{first.name}"]
    finally:
        gc.send_signal(signal.SIGKILL)
        gc.wait(timeout=30)
        if gc.stdout is not None:
            gc.stdout.close()
