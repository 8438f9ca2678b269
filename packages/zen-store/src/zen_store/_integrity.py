"""Keeping a SQLite lineage file trustworthy: recognising damage, a marker that stops every later writer, the
automatic backup, and the restore that ``zen doctor`` performs.

- **Damage** is SQLite saying a file is corrupt (``SQLITE_CORRUPT``) or not a database (``SQLITE_NOTADB``):
  a header overwritten, a truncated file, a damaged page. Wherever it is met, zen writes the marker
  ``<file>.damaged`` (with what was seen) and stops with :class:`~zen_store.LineageStoreDamagedError`. Opening
  a store refuses while the marker is there: a damaged page noticed once stops new runs from writing into the
  file, though the next process may never read that page itself.
- **Checks**: ``PRAGMA quick_check`` reads every page (about 0.3 s at 100k artifacts here), too slow for every
  open (a cached re-run must take milliseconds), so it runs before each automatic backup and in ``zen doctor``;
  every open costs a marker ``stat`` and SQLite's own header check.
- **Backups**: every :data:`BACKUP_EVERY` runs (and after the first), a run's end checks the file and, if it is
  sound, copies it with SQLite's online backup API to ``<file>.backup`` (a temporary file, fsynced and renamed
  into place, so the previous backup stays whole until the new one is). A damaged file is never backed up over a
  good backup. A process that runs many short runs backs up at most :data:`BACKUP_SHARE` of its time: after a
  backup that took ``d`` seconds, the one due next waits until ``d / BACKUP_SHARE`` seconds have passed (a check
  and copy of a 10 MB file take ~50 ms, which every 25 runs of a 10 ms cached re-run would make a fifth of
  its time). The first run of a store is always backed up.
- **Restore** (``zen doctor --restore``) moves the damaged (or missing) file aside - nothing is deleted - puts
  the backup in its place, then copies every row it can still read from the damaged file into it, so only rows
  on damaged pages are lost, and says how many rows of each table came back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Final

import attrs

from zen_store.errors import StoreError

__all__ = [
    "BACKUP_EVERY",
    "BACKUP_SHARE",
    "Health",
    "RestoreReport",
    "backup_path",
    "check_file",
    "damage_of",
    "damage_marker",
    "mark_damaged",
    "quick_check",
    "restore",
    "write_backup",
]

BACKUP_EVERY: Final = 25
"""Runs between two automatic backups of a lineage file."""
BACKUP_SHARE: Final = 0.02
"""The most of a busy process's time automatic backups take (see the module docstring)."""

_CORRUPT: Final = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
_TABLES: Final = ("runs", "step_runs", "artifacts", "events", "step_logs", "store_info", "artifact_names")


def damage_of(exc: BaseException) -> str | None:
    """What SQLite said if ``exc`` means the file is damaged; None for other errors (locked, disk full, ...)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if (isinstance(code, int) and code & 0xFF in _CORRUPT) or type(exc) is sqlite3.DatabaseError:
        return str(exc)
    return None


def damage_marker(path: Path) -> Path:
    """The marker file that records that ``path`` was found damaged."""
    return path.with_name(path.name + ".damaged")


def backup_path(path: Path) -> Path:
    """Where the automatic backup of ``path`` is kept."""
    return path.with_name(path.name + ".backup")


def mark_damaged(path: Path, detail: str) -> None:
    """Leave the marker (best effort: a read-only folder still gets the error, just not the marker)."""
    with contextlib.suppress(OSError):
        damage_marker(path).write_text(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {detail}\n")


def quick_check(conn: sqlite3.Connection) -> str | None:
    """None when ``PRAGMA quick_check`` finds the file sound, else its first complaint. An error that does not
    mean damage (the file locked, the disk gone) is raised as it is: it says nothing about the file's pages."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if damage_of(exc) is None:
            raise
        return str(exc)
    first = str(rows[0][0]) if rows else "no answer"
    return None if first == "ok" else first


def write_backup(conn: sqlite3.Connection, path: Path) -> None:
    """Copy the open database to its backup file, atomically replacing the previous backup."""
    target = backup_path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    copy = sqlite3.connect(temporary)
    try:
        # A private file until it is renamed, fsynced once below: no journal and no syncs of its own (they made
        # the copy take twice as long).
        copy.execute("PRAGMA journal_mode = OFF")
        copy.execute("PRAGMA synchronous = OFF")
        conn.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        copy.close()
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    temporary.replace(target)


@attrs.frozen(kw_only=True)
class Health:
    """What ``zen doctor`` found: the file's state, its damage marker and its backup."""

    path: str
    exists: bool
    problems: tuple[str, ...]
    """``PRAGMA integrity_check``'s complaints (or why the file could not be read); empty when sound."""
    marker: str | None
    """What was recorded when zen found the file damaged earlier."""
    backup: str | None
    backup_runs: int | None

    @property
    def sound(self) -> bool:
        """True when the file exists, passes the full integrity check and is not marked damaged."""
        return self.exists and not self.problems and self.marker is None


def _runs_in(path: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _integrity_problems(path: Path) -> list[str]:
    """``PRAGMA integrity_check``'s complaints about a file, read without writing anything: in a folder that
    cannot be written (no ``-shm`` file can be made) and without a WAL, the file alone is the whole truth and is
    read as immutable. Raises StoreError when the file cannot be read at all for a reason other than damage."""
    if path.stat().st_size == 0:
        return ["the file is empty (0 bytes); SQLite would take it for a new, empty database"]
    wal = path.with_name(path.name + "-wal")
    targets = [f"file:{path}?mode=ro"]
    if not wal.exists() or wal.stat().st_size == 0:
        targets.append(f"file:{path}?immutable=1")
    failure: sqlite3.Error | None = None
    for target in targets:
        try:
            conn = sqlite3.connect(target, uri=True)
            try:
                rows = conn.execute("PRAGMA integrity_check").fetchall()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            if damage_of(exc) is not None:
                return [str(exc)]
            failure = exc
            continue
        return [str(r[0]) for r in rows if str(r[0]) != "ok"]
    raise StoreError(
        f"cannot check the lineage store {path}: SQLite cannot read it ({failure}), which says nothing about "
        f"damage. Fix the permissions of the file and its folder, then run `zen doctor` again."
    )


def check_file(path: Path) -> Health:
    """Run SQLite's full ``integrity_check`` on a lineage file (read-only) and look at its backup; raises
    StoreError when the file cannot be read for a reason other than damage (no permission)."""
    exists = path.is_file()
    problems = _integrity_problems(path) if exists else []
    marker = damage_marker(path)
    backup = backup_path(path)
    return Health(
        path=str(path),
        exists=exists,
        problems=tuple(problems),
        marker=marker.read_text(errors="replace").strip() if marker.exists() else None,
        backup=str(backup) if backup.is_file() else None,
        backup_runs=_runs_in(backup) if backup.is_file() else None,
    )


@attrs.frozen(kw_only=True)
class RestoreReport:
    """What ``zen doctor --restore`` did."""

    restored_from: str
    damaged_kept_at: str | None
    salvaged: dict[str, int]
    """Rows read back from the damaged file (they replace the backup's older copies), per table."""
    unreadable: dict[str, str]
    """Tables of the damaged file that could not be read at all, with SQLite's complaint."""


def _salvage(source: Path, target: sqlite3.Connection) -> tuple[dict[str, int], dict[str, str]]:
    salvaged: dict[str, int] = {}
    unreadable: dict[str, str] = {}
    try:
        damaged = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return salvaged, dict.fromkeys(_TABLES, str(exc))
    try:
        for table in _TABLES:
            try:
                columns = [str(r[1]) for r in damaged.execute(f"PRAGMA table_info({table})")]
                if not columns:
                    continue
                count = 0
                marks = ", ".join("?" for _ in columns)
                cursor = damaged.execute(f"SELECT {', '.join(columns)} FROM {table}")
                while True:  # row by row: rows before a damaged page still come back
                    try:
                        row = cursor.fetchone()
                    except sqlite3.DatabaseError as exc:
                        unreadable[table] = str(exc)
                        break
                    if row is None:
                        break
                    added = target.execute(
                        f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({marks})", row
                    ).rowcount
                    count += max(added, 0)
                salvaged[table] = count
            except sqlite3.DatabaseError as exc:
                unreadable[table] = str(exc)
    finally:
        damaged.close()
    return salvaged, unreadable


def restore(path: Path) -> RestoreReport:
    """Put the backup in place of a damaged or missing ``path`` (kept aside) and add what the damaged file still
    holds. Raises FileNotFoundError when there is no backup."""
    backup = backup_path(path)
    if not backup.is_file():
        raise FileNotFoundError(str(backup))
    kept: Path | None = None
    if path.exists():
        kept = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        path.rename(kept)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(kept.with_name(kept.name + suffix))
    shutil.copyfile(backup, path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        salvaged, unreadable = _salvage(kept, conn) if kept is not None else ({}, {})
        conn.execute("COMMIT")
    finally:
        conn.close()
    damage_marker(path).unlink(missing_ok=True)
    return RestoreReport(
        restored_from=str(backup),
        damaged_kept_at=None if kept is None else str(kept),
        salvaged=salvaged,
        unreadable=unreadable,
    )
