"""Checkpoints of a SQLite lineage file's write-ahead log, taken off the thread that records steps.

In WAL mode SQLite appends each commit to the ``-wal`` file and, by default, the committing connection copies the
log back into the database file once it holds 1000 pages (a *checkpoint*: the log and the file are fsynced, which
is what makes the commits before it survive a power loss with ``synchronous=NORMAL``). Done by the writer, that
costs the step whose commit crossed the mark several milliseconds (10 ms measured here on a busy disk; about a
quarter of a trivial step's time, amortized). A :class:`Checkpointer` takes the same checkpoints on its own
connection and thread instead, every ``every`` commits (well under 1000 pages: a step's commit writes about 15), so
commits are made durable at least as often as before and the recording thread never waits for the fsyncs.

Checkpoints are ``PASSIVE``: they never wait for (or block) readers and writers, in this process or others. The
thread starts with the first checkpoint due, so a short-lived process (a CLI command) never starts one; when the
last connection to the file closes, SQLite checkpoints what is left itself.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Final

__all__ = ["CHECKPOINT_EVERY", "Checkpointer"]

CHECKPOINT_EVERY: Final = 32
"""Commits between two checkpoints: about 500 pages of log for a run's steps (SQLite's own default is 1000)."""


class Checkpointer:
    """Checkpoints of the lineage file at ``path``, on a thread of their own; :meth:`close` stops it."""

    def __init__(self, path: Path, *, every: int = CHECKPOINT_EVERY) -> None:
        self._uri = f"{path.resolve().as_uri()}?mode=rw"
        """The file as it is now (a later change of directory changes nothing), opened read-write: a file that
        is gone is never created again by a checkpoint."""
        self._every = every
        self._commits = 0
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """A write transaction committed (called by the writer, holding its lock): wake the thread every
        ``every`` commits."""
        self._commits += 1
        if self._commits < self._every or self._stopping:
            return
        self._commits = 0
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="zen-lineage-checkpoints", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:  # the file is gone: nothing to checkpoint, and the writer reports why
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                # A failed checkpoint (a full disk, a damaged file) leaves the log as it is: the writer's own
                # statements meet the same cause and report it; the next checkpoint tries again.
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()

    def close(self) -> None:
        """Stop the thread (after the checkpoint in progress, if any)."""
        self._stopping = True
        if self._thread is not None:
            self._wake.set()
            self._thread.join()
            self._thread = None
