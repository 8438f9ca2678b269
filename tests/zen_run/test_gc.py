"""`zen gc` never deletes what a run references or is about to record: live writers in other processes, several
lineage stores on one artifact store, and a lineage file lost and recreated empty."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from zen_run import Client, Project, RunContext, Stack, StackRegistry
from zen_run._gc import forget_referent, garbage_collect
from zen_store import GcRefusedError, SQLiteLineageStore

FLOWS = textwrap.dedent(
    """
    from typing import NamedTuple

    from zen_run import Slot, pipeline, step

    class Pair(NamedTuple):
        left: list[int]
        right: list[int]

    @step
    def produce() -> Pair:
        return Pair(left=list(range(200)), right=list(range(300)))

    @step
    def combine(left: list[int], right: list[int]) -> int:
        return sum(left) + sum(right)

    @pipeline
    def pair_pipeline(first: Slot[[], Pair], second: Slot[[list[int], list[int]], int]) -> None:
        left, right = first()
        second(left, right)

    instance = pair_pipeline(first=produce(), second=combine())
    """
)

WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    import flows
    for _ in range(int(sys.argv[2])):
        flows.instance.run(enable_cache=False, stack=sys.argv[3])
    """
)


@pytest.fixture
def flows(project: Path) -> Path:
    (project / "flows.py").write_text(FLOWS)
    return project


def _writers(project: Path, *, count: int, runs: int, stack: str = "default") -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "ZEN_ROOT": str(project)}
    return [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(project), str(runs), stack],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(count)
    ]


def _finish(writers: list[subprocess.Popen[bytes]]) -> None:
    errors = [writer.communicate(timeout=180)[1] for writer in writers]  # all of them, before asserting on any
    for writer, err in zip(writers, errors, strict=True):
        assert writer.returncode == 0, err.decode()


def _orphan(root: Path) -> Path:
    """An unreferenced artifact committed long ago (what gc must delete)."""
    orphan = root / uuid.uuid4().hex
    orphan.mkdir()
    (orphan / "data").write_bytes(b"garbage")
    os.utime(orphan, (time.time() - 3600, time.time() - 3600))
    return orphan


def _unreadable(client: Client) -> tuple[int, int]:
    """(unreadable outputs, all outputs) of every completed run."""
    bad = total = 0
    for run in client.runs(status="completed", limit=10_000):
        for step in run.steps.values():
            for artifact in step.outputs.values():
                total += 1
                try:
                    artifact.read()
                except Exception:  # any failure to read back counts as a lost output
                    bad += 1
    return bad, total


def test_gc_looping_against_live_writers_loses_no_completed_output(flows: Path) -> None:
    """Three writer processes run a pipeline again and again while this process runs `gc --delete` in a loop:
    every output of every completed run stays readable, and old garbage is still swept meanwhile."""
    stores = RunContext.open().stores
    root = Path(stores.artifacts.location)
    writers = _writers(flows, count=3, runs=8)
    passes = swept = 0
    orphans: list[Path] = []
    deadline = time.monotonic() + 240
    while any(w.poll() is None for w in writers) and time.monotonic() < deadline:
        orphans.append(_orphan(root))
        report = garbage_collect(stores, delete=True)
        passes += 1
        swept += len(report.unreferenced)
    _finish(writers)
    bad, total = _unreadable(Client())
    print(f"\ncompleted-run outputs unreadable after {passes} gc passes: {bad} of {total} (swept {swept} orphans)")
    assert passes >= 3, "gc did not overlap the writers; the test proved nothing"
    assert bad == 0
    assert total == 3 * 8 * 3
    assert swept >= len(orphans) - 1 and not any(o.exists() for o in orphans[:-1])


def test_two_lineage_stores_on_one_artifact_folder_keep_each_others_artifacts(flows: Path) -> None:
    """A second stack with its own lineage file writes to the same artifact folder: gc on either keeps the
    other's artifacts; with the other's lineage file gone, gc refuses and names it."""
    StackRegistry(Project(flows)).register(Stack(name="second", lineage_store=".zen/second-lineage.db"))
    _finish(_writers(flows, count=1, runs=1) + _writers(flows, count=1, runs=1, stack="second"))
    old = time.time() - 3600
    for entry in Path(RunContext.open().stores.artifacts.location).iterdir():
        if not entry.name.startswith("."):
            os.utime(entry, (old, old))  # old enough to sweep, were it unreferenced
    for stack in ("default", "second"):
        assert garbage_collect(RunContext.open(stack=stack).stores, delete=True).unreferenced == ()
        for name in ("default", "second"):
            assert _unreadable(Client(stack=name)) == (0, 3)
    second_db = flows / ".zen" / "second-lineage.db"
    RunContext.forget()
    second_db.rename(second_db.with_suffix(".moved"))
    with pytest.raises(GcRefusedError, match=r"second-lineage\.db.*cannot be opened.*zen gc --forget") as refused:
        garbage_collect(RunContext.open().stores, delete=True)
    assert len(refused.value.problems) == 1
    assert _unreadable(Client()) == (0, 3)
    second_db.with_suffix(".moved").rename(second_db)
    assert garbage_collect(RunContext.open().stores, delete=True).unreferenced == ()


def test_a_lost_lineage_file_recreated_empty_does_not_let_gc_delete_everything(flows: Path) -> None:
    """Deleting lineage.db and running again makes a new, empty store at the same place: gc refuses (naming the
    lost store and `zen gc --forget`), deletes nothing, and after --forget keeps what the new run references: its
    outputs are the same bytes as the lost store's, stored once, so nothing is swept."""
    _finish(_writers(flows, count=1, runs=1))
    root = Path(RunContext.open().stores.artifacts.location)
    lost_id = RunContext.open().stores.lineage.store_id
    RunContext.forget()
    (flows / ".zen" / "lineage.db").unlink()
    for side in (flows / ".zen").glob("lineage.db*"):
        side.unlink()  # its backup too: lost for good
    refused = _writers(flows, count=1, runs=1)[0]
    _, err = refused.communicate(timeout=120)
    assert refused.returncode != 0 and b"the file is missing" in err  # not silently recreated
    SQLiteLineageStore.open(flows / ".zen" / "lineage.db").close()  # what `zen doctor --new-store` does
    _finish(_writers(flows, count=1, runs=1))
    names = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
    old = time.time() - 3600
    for name in names:
        os.utime(root / name, (old, old))
    with pytest.raises(GcRefusedError, match=rf"{lost_id}.*lost and recreated.*zen gc --forget {lost_id}"):
        garbage_collect(RunContext.open().stores, delete=True)
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == names
    assert forget_referent(RunContext.open().stores, lost_id)
    report = garbage_collect(RunContext.open().stores, delete=True)
    assert report.unreferenced == ()  # the lost store's outputs are the new run's too (identical bytes)
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == names
    assert _unreadable(Client()) == (0, 3)
