"""Automatic backups of a SQLite lineage file: the first run is always backed up, then every BACKUP_EVERY runs,
except that a process running many short runs spends at most BACKUP_SHARE of its time on them; a backup is a
sound, self-contained copy."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from zen_store import BACKUP_EVERY, NewRun, RunStatus, SQLiteLineageStore
from zen_store._integrity import BACKUP_SHARE


def _runs_in_backup(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path.with_name(path.name + '.backup')}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no side file needed to read it
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        conn.close()


def _finished_run(store: SQLiteLineageStore) -> None:
    run_id = store.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="default"))
    store.finish_run(run_id, status=RunStatus.COMPLETED)


class _Clock:
    """``time.monotonic`` for the test: each reading is ``step`` seconds after the one before (a backup between
    two readings took ``step`` seconds)."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_the_first_run_and_every_backup_every_th_run_are_backed_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Backups that take no time are never put off."""
    monkeypatch.setattr(time, "monotonic", _Clock(step=0.0))
    path = tmp_path / "lineage.db"
    store = SQLiteLineageStore.open(path)
    try:
        _finished_run(store)
        assert _runs_in_backup(path) == 1
        for _ in range(BACKUP_EVERY - 2):
            _finished_run(store)
        assert _runs_in_backup(path) == 1
        _finished_run(store)
        assert _runs_in_backup(path) == BACKUP_EVERY
    finally:
        store.close()


def test_a_process_running_many_short_runs_backs_up_no_more_than_its_share_of_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup that took 0.5 s puts the next one off for 0.5 / BACKUP_SHARE seconds: the run that would take it
    sooner is not backed up, the next one due after that is."""
    clock = _Clock(step=0.5)
    monkeypatch.setattr(time, "monotonic", clock)
    path = tmp_path / "lineage.db"
    store = SQLiteLineageStore.open(path)
    try:
        _finished_run(store)  # backed up: 0.5 s by the clock
        assert _runs_in_backup(path) == 1
        for _ in range(BACKUP_EVERY - 1):
            _finished_run(store)
        assert _runs_in_backup(path) == 1, "backed up again within its share of time"
        clock.now += 0.5 / BACKUP_SHARE
        for _ in range(BACKUP_EVERY):
            _finished_run(store)
        assert _runs_in_backup(path) == 2 * BACKUP_EVERY
    finally:
        store.close()


def test_a_new_process_backs_up_when_a_backup_is_due_whatever_the_last_one_cost(tmp_path: Path) -> None:
    """The pause is the process's own: a store opened again (the next `zen run`) backs up every BACKUP_EVERY
    runs, as before."""
    path = tmp_path / "lineage.db"
    store = SQLiteLineageStore.open(path)
    try:
        for _ in range(BACKUP_EVERY - 1):
            _finished_run(store)
    finally:
        store.close()
    reopened = SQLiteLineageStore.open(path)
    try:
        _finished_run(reopened)
        assert _runs_in_backup(path) == BACKUP_EVERY
    finally:
        reopened.close()
