"""`zen gc` never deletes what a run references or is about to record: live writers in other processes, several
lineage stores on one artifact store, and a lineage file lost and recreated empty."""

from __future__ import annotations

import json
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

CYCLING = textwrap.dedent(
    """
    import sys
    import time

    from zen_run import Slot, pipeline, step

    @step
    def produce() -> list[int]:
        # Four contents in turn, each for 4 s: a copy goes out of use for 12 s, long enough for its runs to be
        # deleted and for it to age past gc's margin, and is then written again - while gc may be sweeping it.
        return list(range(int(time.time() / 4) % 4 * 50 + 10 + 1000 * int(sys.argv[3] == "second")))

    @step
    def measure(values: list[int]) -> int:
        return len(values)

    @pipeline
    def cycling(first: Slot[[], list[int]], second: Slot[[list[int]], int]) -> None:
        second(first())

    instance = cycling(first=produce(), second=measure())
    """
)

STOPPABLE_WRITER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    import cycling
    end = time.monotonic() + 150  # in case the test that would stop it died
    while not os.path.exists(sys.argv[2]) and time.monotonic() < end:
        cycling.instance.run(enable_cache=False, stack=sys.argv[3], progress=False)
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
    bad, total = (
        sum(counts) for counts in zip(*(_unreadable(Client(stack=n)) for n in ("default", "second")), strict=True)
    )
    print(f"\ntwo lineage stores, one artifact folder: unreadable after 4 gc passes and 1 refusal: {bad} of {total}")


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
    print("\nlineage file lost and recreated: gc refused 1 pass, then after --forget 1 pass swept 0; unreadable 0 of 3")


@pytest.mark.parametrize("where", ["local", "s3"])
def test_gc_command_in_a_loop_against_writers_on_two_stacks_and_a_deleter_loses_nothing(
    project: Path, where: str, request: pytest.FixtureRequest
) -> None:
    """The hostile mix, through the real command: two stacks with their own lineage files share one artifact store
    (a folder, or an S3 prefix on moto's server), a writer process runs each (20 s and 6 gc passes at least), this
    process deletes every run of the first stack older than 5 s (so copies fall out of use, age, and are then
    written again while gc may be sweeping them) and runs `zen gc --delete` in a loop meanwhile. Every output of
    every remaining completed run of both stacks stays readable; the figure is printed."""
    artifacts = ".zen/artifacts"
    options: dict[str, str] = {}
    if where == "s3":
        artifacts = request.getfixturevalue("s3_url")
        options = {"endpoint_url": request.getfixturevalue("s3_endpoint")}
    registry = StackRegistry(Project(project))
    for name in ("first", "second"):
        registry.register(
            Stack(name=name, artifact_store=artifacts, lineage_store=f".zen/{name}.db", artifact_options=options)
        )
    (project / "cycling.py").write_text(CYCLING)
    env = {**os.environ, "ZEN_ROOT": str(project)}
    stop = project / "stop"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", STOPPABLE_WRITER, str(project), str(stop), stack],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for stack in ("first", "second")
    ]
    passes = swept = deleted = 0
    started = time.monotonic()
    client = Client(stack="first")
    while any(w.poll() is None for w in writers):
        for run in client.runs(status="completed", limit=10_000):
            if run.record.ended_at is not None and time.time() - run.record.ended_at.timestamp() > 5:
                client.delete_run(run.id)
                deleted += 1
        done = subprocess.run(
            [sys.executable, "-m", "zen_run", "gc", "--delete", "--json", "--stack", "first"],
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        swept += len(json.loads(done.stdout)["unreferenced"])
        passes += 1
        if passes >= 6 and time.monotonic() - started > 20:  # copies went out of use and were written again
            stop.touch()
    _finish(writers)
    results = [_unreadable(Client(stack=name)) for name in ("first", "second")]
    bad, total = sum(r[0] for r in results), sum(r[1] for r in results)
    print(
        f"\n{where}: completed-run outputs unreadable after {passes} `zen gc --delete` passes: {bad} of {total} "
        f"(runs deleted meanwhile: {deleted}, copies swept: {swept})"
    )
    assert passes >= 3, "gc did not overlap the writers; the test proved nothing"
    assert bad == 0
    assert results[1][1] > 0
