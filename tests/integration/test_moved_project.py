"""A project folder moved, copied or restored elsewhere keeps its history: its artifacts read back, a re-run is
served from the cache, and gc, doctor and verify work there, while a record naming a folder no store of the
project was ever in is still refused. Every command runs as a user runs it: ``zen`` in a subprocess, in the
project folder (a git repository), without ``ZEN_ROOT`` or ``PYTHONPATH``."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from tests.common.cli import zen
from tests.common.git import git

PIPELINE = """
from zen_run import Slot, pipeline, step

@step
def first() -> int:
    return 1

@step
def second(x: int) -> int:
    return x + {add}

@pipeline
def p(a: Slot[[], int], b: Slot[[int], int]) -> None:
    b(a())

inst = p(a=first(), b=second())
"""


def _zen(root: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    return zen(root, *args, code=code)


def _repository(root: Path, *, add: int = 1) -> Path:
    """A new git repository holding the two-step pipeline, committed."""
    root.mkdir(parents=True)
    git(root, "init", "-q")
    (root / "p.py").write_text(PIPELINE.format(add=add))
    git(root, "add", "p.py")
    git(root, "commit", "-qm", "pipeline")
    return root


def _project(root: Path, *, add: int = 1) -> Path:
    """A git repository holding the two-step pipeline, committed, with a zen project and one run."""
    _zen(_repository(root, add=add), "init")
    assert _statuses(root) == {"a": "completed", "b": "completed"}
    return root


def _statuses(root: Path) -> dict[str, str]:
    ran = json.loads(_zen(root, "run", "p.py:inst", "--json", "-q").stdout)
    return {name: step["status"] for name, step in ran["steps"].items()}


def _read(root: Path, artifact: str = "p.b.output") -> str:
    return _zen(root, "artifacts", "read", artifact).stdout.strip()


def _forget_store_folders(root: Path) -> None:
    """Make the artifact store one written before stores kept the folders they were opened from (what every store
    holds that an earlier zen wrote: lineage with absolute URIs, and no list)."""
    shutil.rmtree(root / ".zen" / "artifacts" / ".zen-store" / "locations")


def _set_uri(root: Path, name: str, uri: str) -> None:
    conn = sqlite3.connect(root / ".zen" / "lineage.db")
    with conn:
        conn.execute("UPDATE artifacts SET uri = ? WHERE name = ?", (uri, name))
    conn.close()


def test_a_moved_project_reads_its_artifacts_reruns_from_the_cache_and_keeps_gc_doctor_verify(tmp_path: Path) -> None:
    """`mv` the project: `zen artifacts read` gives the value, `zen run` is fully cached, `zen artifacts show` names
    the new folder, `zen verify`, `zen doctor` and `zen gc --delete` pass and delete nothing referenced, and
    `zen rerun` of the first run is served from the cache; after a second move all of it still holds."""
    old = _project(tmp_path / "before")
    first_run = json.loads(_zen(old, "runs", "list", "--json").stdout)[0]["run_id"]
    here = old
    for place in ("after", "elsewhere/again"):
        moved = tmp_path / place
        moved.parent.mkdir(parents=True, exist_ok=True)
        here = here.rename(moved)
        assert _read(here) == "2"
        assert _statuses(here) == {"a": "cached", "b": "cached"}
        shown = json.loads(_zen(here, "artifacts", "show", "p.b.output", "--json").stdout)
        assert Path(shown["uri"]).parent == here / ".zen" / "artifacts"
        assert "all intact" in _zen(here, "verify", "--full").stdout
        _zen(here, "doctor")
        assert "0 unreferenced" in _zen(here, "gc", "--delete").stdout
        assert _read(here, "p.a.output") == "1"
        rerun = json.loads(_zen(here, "rerun", first_run, "--json", "-q").stdout)
        assert {name: step["status"] for name, step in rerun["steps"].items()} == {"a": "cached", "b": "cached"}
    assert not old.exists()


def test_copies_of_a_project_run_independently(tmp_path: Path) -> None:
    """`cp -a` the project: each copy reads its history from its own store (the original deleted, the copy still
    reads and verifies everything), and each runs on: a change in one copy is its own."""
    original = _project(tmp_path / "original")
    copy = tmp_path / "copy"
    shutil.copytree(original, copy, symlinks=True)
    assert _statuses(copy) == {"a": "cached", "b": "cached"}
    (copy / "p.py").write_text(PIPELINE.format(add=10))
    git(copy, "commit", "-qam", "add ten")
    assert _statuses(copy) == {"a": "cached", "b": "completed"}
    assert _read(copy) == "11"
    assert _read(original) == "2"
    assert _statuses(original) == {"a": "cached", "b": "cached"}
    shutil.rmtree(original)
    assert _read(copy, "p.b.output:1") == "2" and _read(copy) == "11"
    assert "all intact" in _zen(copy, "verify", "--full").stdout
    assert "0 unreferenced" in _zen(copy, "gc", "--delete").stdout


def test_a_store_an_earlier_zen_wrote_survives_a_move_made_before_or_after_upgrading(tmp_path: Path) -> None:
    """A store without the list of its folders: opened once where it was written and then moved, or moved first
    (the folder is then found from the record its own lineage store left in it), reads and re-runs from the
    cache after the move."""
    for when in ("opened-then-moved", "moved-first"):
        old = _project(tmp_path / when / "old")
        _forget_store_folders(old)
        if when == "opened-then-moved":
            _zen(old, "runs", "list")
        moved = old.rename(tmp_path / when / "new")
        assert _read(moved) == "2", when
        assert _statuses(moved) == {"a": "cached", "b": "cached"}, when
        moved.rename(tmp_path / when / "newer")
        assert _read(tmp_path / when / "newer") == "2", when


def test_an_artifact_store_outside_the_project_keeps_working_after_a_move(tmp_path: Path) -> None:
    """A stack whose artifact store is an absolute path outside the project: moving the project changes nothing
    for it (reads and cache hits)."""
    root = _repository(tmp_path / "proj")
    outside = tmp_path / "shared-artifacts"
    _zen(root, "stack", "register", "out", "--artifact-store", str(outside))
    _zen(root, "stack", "set", "out")
    assert _statuses(root) == {"a": "completed", "b": "completed"}
    moved = root.rename(tmp_path / "moved")
    assert _read(moved) == "2"
    assert _statuses(moved) == {"a": "cached", "b": "cached"}
    assert not (moved / ".zen" / "artifacts").exists()


def test_records_naming_a_folder_no_store_of_the_project_was_in_are_refused_after_a_move(tmp_path: Path) -> None:
    """After a move, a record altered to name another project's store (which holds the very same bytes), a folder
    beside the store, or an escape through '..' is refused in one sentence, exit 2, and nothing is created; and a
    lineage file copied in from another project is not read from that project's store."""
    other = _project(tmp_path / "other")
    mine = _project(tmp_path / "mine").rename(tmp_path / "mine-moved")
    name = Path(json.loads(_zen(mine, "artifacts", "show", "p.b.output", "--json").stdout)["uri"]).name
    assert (other / ".zen" / "artifacts" / name).is_dir()  # same pipeline, same bytes
    for uri in (
        f"{other / '.zen' / 'artifacts'}/{name}",
        f"{tmp_path / 'mine' / '.zen' / 'not-a-store'}/{name}",
        f"{tmp_path / 'mine' / '.zen' / 'artifacts'}/../escape/{name}",
    ):
        _set_uri(mine, "p.b.output", uri)
        refused = _zen(mine, "artifacts", "read", "p.b.output", code=2)
        assert "refusing to read it" in refused.stderr and refused.stderr.count("\n") == 1, refused.stderr
    assert not (tmp_path / "mine").exists() and not (tmp_path / "mine-moved" / ".zen" / "escape").exists()
    stranger = _project(tmp_path / "stranger").rename(tmp_path / "stranger-moved")
    for leftover in (stranger / ".zen").glob("lineage.db*"):
        leftover.unlink()
    shutil.copy(other / ".zen" / "lineage.db", stranger / ".zen" / "lineage.db")
    refused = _zen(stranger, "artifacts", "read", "p.b.output", code=2)
    assert "refusing to read it" in refused.stderr


def test_gc_in_a_moved_project_reads_every_lineage_store_sharing_its_artifact_store(tmp_path: Path) -> None:
    """Two stacks write to one artifact store with a lineage file each: after the move, `zen gc --delete` from
    either finds the other's file where it is now (by its id, among the project's stacks) instead of refusing
    because the recorded path is gone, and deletes nothing either of them references."""
    root = _project(tmp_path / "two")
    _zen(root, "stack", "register", "side", "--lineage-store", ".zen/side.db")
    (root / "q.py").write_text(PIPELINE.format(add=5))
    git(root, "add", "q.py")
    git(root, "commit", "-qm", "another")
    _zen(root, "run", "q.py:inst", "--stack", "side", "-q")
    moved = root.rename(tmp_path / "moved")
    for stack in ("default", "side"):
        done = _zen(moved, "gc", "--delete", "--stack", stack)
        assert "0 unreferenced" in done.stdout, done.stdout
    assert _read(moved) == "2"
    assert _zen(moved, "artifacts", "read", "p.b.output", "--stack", "side").stdout.strip() == "6"


def _age(store: Path) -> None:
    """Every artifact in ``store`` an hour old: gc would sweep any that no lineage store references."""
    for entry in store.iterdir():
        if not entry.name.startswith("."):
            os.utime(entry, (entry.stat().st_atime, entry.stat().st_mtime - 3600))


def test_gc_from_either_copy_keeps_what_the_other_references_in_a_shared_artifact_store(tmp_path: Path) -> None:
    """A project whose artifact store is outside it, copied with `cp -a`: both lineage files have one id. The copy
    registers itself with the store when it is first opened, so `zen gc --delete` from the original - after the
    original deleted the run both share, and after the copy wrote artifacts of its own - deletes nothing the copy
    references (it deleted them once: gc skipped every record of its own id)."""
    original = _repository(tmp_path / "original")
    shared = tmp_path / "shared-artifacts"
    _zen(original, "stack", "register", "out", "--artifact-store", str(shared))
    _zen(original, "stack", "set", "out")
    run_id = json.loads(_zen(original, "run", "p.py:inst", "--json", "-q").stdout)["run"]["run_id"]
    copy = tmp_path / "copy"
    shutil.copytree(original, copy, symlinks=True)
    _zen(copy, "runs", "list")
    _zen(original, "runs", "delete", run_id, "--yes")
    _age(shared)
    assert "0 unreferenced" in _zen(original, "gc", "--delete").stdout
    assert _read(copy) == "2"
    (copy / "p.py").write_text(PIPELINE.format(add=100))
    git(copy, "commit", "-qam", "add a hundred")
    assert _statuses(copy) == {"a": "cached", "b": "completed"}
    _age(shared)
    assert "0 unreferenced" in _zen(original, "gc", "--delete").stdout
    assert _read(copy) == "101" and _read(copy, "p.b.output:1") == "2"
    shutil.rmtree(original)
    assert "0 unreferenced" in _zen(copy, "gc", "--delete").stdout
