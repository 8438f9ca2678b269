"""A SQLite lineage file's write-ahead log is checkpointed by a thread of its own, not by the step whose commit
crosses the mark: commits reach the database file at least as often as SQLite's default would bring them there,
the thread starts only when a checkpoint is due, and closing the store stops it."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from zen_store import NewRun, SQLiteLineageStore
from zen_store._checkpoints import CHECKPOINT_EVERY


def _threads() -> set[threading.Thread]:
    """The checkpoints' threads alive now (stores other tests left open may have theirs)."""
    return {t for t in threading.enumerate() if t.name == "zen-lineage-checkpoints"}


def _runs_in_file(path: Path) -> int:
    """Runs the database file itself holds, reading no write-ahead log."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:  # not even the schema reached the file yet
        return 0
    finally:
        conn.close()


def test_the_writer_never_checkpoints_and_the_thread_does(tmp_path: Path) -> None:
    """The recording connection leaves checkpoints alone; after ``CHECKPOINT_EVERY`` commits the thread has moved
    them into the database file (a reader that ignores the log sees the runs)."""
    path = tmp_path / "lineage.db"
    others = _threads()
    db = SQLiteLineageStore.open(path)
    try:
        assert db.db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        for _ in range(CHECKPOINT_EVERY - 2):  # opening migrated the file: one commit
            db.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
        assert _threads() == others and _runs_in_file(path) == 0
        db.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
        deadline = time.monotonic() + 30
        while _runs_in_file(path) < CHECKPOINT_EVERY - 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _runs_in_file(path) == CHECKPOINT_EVERY - 1
        assert len(_threads() - others) == 1
    finally:
        db.close()
    assert _threads() - others == set()


def test_a_store_closed_before_any_checkpoint_was_due_started_no_thread(tmp_path: Path) -> None:
    """A short-lived process (one CLI command) never starts the thread; SQLite checkpoints when it closes."""
    path = tmp_path / "lineage.db"
    others = _threads()
    db = SQLiteLineageStore.open(path)
    db.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
    assert _threads() == others
    db.close()
    assert _runs_in_file(path) == 1


def test_checkpoints_never_create_a_lineage_file_that_is_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread opens the file it was given by its absolute path (and read-write only, never creating one): after
    a change of directory it still checkpoints that file, and no empty database appears in the new directory."""
    monkeypatch.chdir(tmp_path)
    db = SQLiteLineageStore.open("lineage.db")
    try:
        (tmp_path / "elsewhere").mkdir()
        monkeypatch.chdir(tmp_path / "elsewhere")
        for _ in range(CHECKPOINT_EVERY - 1):  # with the migration's commit: one checkpoint due, after the last
            db.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
        deadline = time.monotonic() + 30
        while _runs_in_file(tmp_path / "lineage.db") < CHECKPOINT_EVERY - 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _runs_in_file(tmp_path / "lineage.db") == CHECKPOINT_EVERY - 1
        assert list((tmp_path / "elsewhere").iterdir()) == []
    finally:
        db.close()
