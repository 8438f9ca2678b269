"""A damaged lineage file - header overwritten, truncated, emptied, a page in the middle damaged, deleted, a folder in
its place - stops every command with one sentence naming the file and `zen doctor`, exit code 4; `zen doctor
--restore` brings back the backup plus every row the damaged file still holds, and refuses to touch a sound file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.zen_run.test_cli import workdir as workdir  # noqa: PLC0414 - the same project, with its pipelines
from zen_run import RunContext
from zen_run._cli import EXIT_DAMAGED, main

ZEN = [sys.executable, "-m", "zen_run"]


def _zen(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    return subprocess.run([*ZEN, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120, check=False)


def _page_size(db: Path) -> int:
    return int.from_bytes(db.read_bytes()[16:18], "big")


def _root_page(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])
    finally:
        conn.close()


def _overwrite_header(db: Path) -> None:
    with db.open("r+b") as handle:
        handle.write(b"this is no longer a sqlite file")


def _truncate(db: Path) -> None:
    with db.open("r+b") as handle:
        handle.truncate(db.stat().st_size // 2 + 100)


def _damage_runs_page(db: Path) -> None:
    """Garbage over the page holding the runs table (not the first page: the header stays valid)."""
    page = _root_page(db, "runs")
    assert page > 1
    size = _page_size(db)
    with db.open("r+b") as handle:
        handle.seek((page - 1) * size)
        handle.write(b"\x0d\xff" + os.urandom(size - 2))


def _delete(db: Path) -> None:
    db.unlink()


def _empty(db: Path) -> None:
    """Truncated to nothing (``> lineage.db``, a copy cut short): SQLite alone would take it for a new database."""
    db.write_bytes(b"")


def _folder(db: Path) -> None:
    db.unlink()
    db.mkdir()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "header": _overwrite_header,
    "truncated": _truncate,
    "emptied": _empty,
    "middle-page": _damage_runs_page,
    "deleted": _delete,
    "folder": _folder,
}


def _contents(db: Path) -> bytes | None:
    """What is at the lineage file's place (None: nothing, or a folder), to prove nothing wrote there."""
    return db.read_bytes() if db.is_file() else None


def _checkpointed(workdir: Path) -> Path:
    """The project's lineage file with everything in it (no WAL left), as after the last process exited."""
    db = workdir / ".zen" / "lineage.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_every_command_stops_with_one_sentence_and_exit_4(
    workdir: Path, damage: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the damage, every command that reads lineage exits 4 with the file and the way out named, no
    traceback, and nothing is written into the damaged file; `zen doctor` says the same."""
    first = _zen(workdir, "run", "flows:instance", "-q")
    assert first.returncode == 0, first.stderr
    shown = json.loads(_zen(workdir, "runs", "list", "--json").stdout)
    run_id = shown[0]["run_id"]
    detail = json.loads(_zen(workdir, "runs", "show", run_id, "--json").stdout)
    artifact = detail["steps"]["second"]["outputs"]["output"]["artifact_id"]
    db = _checkpointed(workdir)
    DAMAGE[damage](db)
    before = _contents(db)
    smoke = _zen(workdir, "run", "flows:instance", "-q")  # a real process, as a user would see it
    assert smoke.returncode == EXIT_DAMAGED, smoke.stderr
    assert str(db) in smoke.stderr and "zen doctor" in smoke.stderr and "Traceback" not in smoke.stderr
    monkeypatch.setenv("ZEN_ROOT", str(workdir))
    monkeypatch.chdir(workdir)
    commands = [
        ["run", "flows:instance", "-q"],
        ["runs", "list"],
        ["runs", "list", "--json"],
        ["runs", "search", "add"],
        ["runs", "show", run_id],
        ["runs", "compare", run_id, run_id],
        ["runs", "delete", run_id, "--yes"],
        ["logs", run_id, "second"],
        ["artifacts", "list"],
        ["artifacts", "show", artifact],
        ["artifacts", "read", artifact],
        ["lineage", artifact],
        ["cache", "explain", run_id, "second"],
        ["cache", "clear"],
        ["gc"],
        ["gc", "--delete"],
        ["gc", "--forget", "0123456789abcdef01234567"],
        ["verify"],
        ["rerun", run_id],
        ["resume", run_id],
        ["init"],
        ["doctor"],
    ]
    for command in commands:
        RunContext.forget()
        code = main(command)
        err = capsys.readouterr().err if command[0] != "doctor" else capsys.readouterr().out
        assert code == EXIT_DAMAGED, f"zen {' '.join(command)} -> {code}: {err}"
        assert str(db) in err and "Traceback" not in err, err
        if command[0] != "doctor":
            assert err.count("\n") == 1 and "zen doctor" in err, err
    RunContext.forget()
    sys.modules.pop("flows", None)  # imported by `zen run` in this process
    assert _contents(db) == before, "something wrote into the damaged file"
    assert not (db.is_dir() and any(db.iterdir())), "something wrote into the folder in the lineage file's place"


def test_doctor_restores_the_backup_and_every_row_the_damaged_file_still_holds(workdir: Path) -> None:
    """Three runs (the first is backed up), then a damaged artifacts page: doctor reports it, --restore keeps the
    damaged file aside and brings back all three runs; the project works again."""
    for _ in range(3):
        assert _zen(workdir, "run", "flows:instance", "--no-cache", "-q").returncode == 0
    db = _checkpointed(workdir)
    assert (workdir / ".zen" / "lineage.db.backup").is_file()
    sound = _zen(workdir, "doctor", "--restore")  # a sound file is never swapped for an older backup
    assert sound.returncode == 2 and "nothing to restore" in sound.stderr, sound.stderr
    assert not list((workdir / ".zen").glob("lineage.db.damaged-*"))
    page = _root_page(db, "artifacts")
    with db.open("r+b") as handle:
        handle.seek((page - 1) * _page_size(db))
        handle.write(b"\x0d\xff" + os.urandom(64))
    checked = _zen(workdir, "doctor")
    assert checked.returncode == EXIT_DAMAGED and "damaged" in checked.stdout and "--restore" in checked.stdout
    restored = _zen(workdir, "doctor", "--restore")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "the damaged file is kept at" in restored.stdout and "runs rows read back" in restored.stdout
    kept = [p for p in (workdir / ".zen").glob("lineage.db.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and kept[0].stat().st_size > 0
    assert len(json.loads(_zen(workdir, "runs", "list", "--json").stdout)) == 3
    assert _zen(workdir, "run", "flows:instance", "-q").returncode == 0
    assert _zen(workdir, "doctor").returncode == 0


def test_a_deleted_lineage_file_is_not_silently_recreated(workdir: Path) -> None:
    """With lineage.db deleted, commands refuse (the artifact store knows the lost store); --restore brings the
    backup back; without a backup, --new-store starts afresh on purpose."""
    assert _zen(workdir, "run", "flows:instance", "-q").returncode == 0
    db = _checkpointed(workdir)
    db.unlink()
    refused = _zen(workdir, "runs", "list")
    assert refused.returncode == EXIT_DAMAGED and "missing" in refused.stderr
    assert not db.exists()
    assert _zen(workdir, "doctor", "--restore").returncode == 0
    assert len(json.loads(_zen(workdir, "runs", "list", "--json").stdout)) == 1
    db.unlink()
    (workdir / ".zen" / "lineage.db.backup").unlink()
    assert "no backup" in _zen(workdir, "doctor", "--restore").stderr
    started = _zen(workdir, "doctor", "--new-store")
    assert started.returncode == 0 and "zen gc --forget" in started.stdout
    assert json.loads(_zen(workdir, "runs", "list", "--json").stdout) == []


def test_gc_deletes_nothing_while_a_page_of_the_lineage_file_is_damaged(workdir: Path) -> None:
    """A page of the artifacts table damaged where no command has looked yet: the first command to run is `zen gc
    --delete`, which checks the file before trusting its references - exit 4 naming it, every artifact kept (an
    old orphan too), and the file marked so later commands stop as well."""
    assert _zen(workdir, "run", "flows:instance", "-q").returncode == 0
    db = _checkpointed(workdir)
    root = workdir / ".zen" / "artifacts"
    orphan = root / "blake3-0123"
    orphan.mkdir()
    (orphan / "data").write_bytes(b"unreferenced")
    os.utime(orphan, (0, 0))
    stored = sorted(p.name for p in root.iterdir())
    page = _root_page(db, "artifacts")
    with db.open("r+b") as handle:
        handle.seek((page - 1) * _page_size(db))
        handle.write(b"\x0d\xff" + os.urandom(64))
    collected = _zen(workdir, "gc", "--delete")
    assert collected.returncode == EXIT_DAMAGED, collected.stdout + collected.stderr
    assert str(db) in collected.stderr and "zen doctor" in collected.stderr and "Traceback" not in collected.stderr
    assert sorted(p.name for p in root.iterdir()) == stored
    assert _zen(workdir, "runs", "list").returncode == EXIT_DAMAGED
