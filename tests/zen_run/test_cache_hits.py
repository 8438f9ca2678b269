"""Cache hits are cheap but never wrong: a run's hits are recorded together, yet a hit whose run was deleted in
the meantime, whose artifact is gone or was rewritten, or whose code or config changed is still refused and the
step computed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import ClassVar

import pytest

from tests.common.copies import forget_lineage_copies
from tests.zen_run import pipelines as p
from zen_run import Client, Project, RunContext, RunOptions, Stack, StackRegistry, StepStatus, execute
from zen_run.orchestration import RunDriver, orchestrators


@pytest.fixture(autouse=True)
def _reset_counters() -> Iterator[None]:
    p.CALLS.clear()
    yield
    p.CALLS.clear()


class DeletingFirst:
    """Deletes a run (as another process might) after the run's hits were looked up, then runs like ``local``."""

    doomed: ClassVar[list[str]] = []

    def run_steps(self, driver: RunDriver, options: Mapping[str, str]) -> None:
        for run_id in self.doomed:
            driver.context.stores.lineage.delete_run(run_id)
        executor = driver.executor()
        while tasks := driver.ready(limit=1):
            driver.finish(tasks[0], executor.execute(tasks[0]))


@pytest.fixture
def deleting_stack(project: Path) -> Iterator[str]:
    orchestrators.register("deleting-test", DeletingFirst, replace=True)
    StackRegistry(Project(project)).register(Stack(name="deleting", orchestrator="deleting-test"))
    yield "deleting"
    DeletingFirst.doomed.clear()


def test_hits_of_a_run_deleted_after_their_look_up_are_refused_and_the_steps_computed(deleting_stack: str) -> None:
    """Resuming a run that is deleted once its completed steps were read: the store refuses to record the batch
    of hits, and every step is computed instead (none is recorded as cached, nothing points at the deleted
    records)."""
    p.FAIL["middle"] = True
    instance = p.three(first=p.returns_one(), second=p.middle(), third=p.adds())
    context = RunContext.open(stack=deleting_stack)
    with pytest.raises(Exception, match="middle failed on purpose"):
        execute(instance, context, RunOptions(progress=False))
    p.FAIL["middle"] = False
    failed = context.stores.lineage.runs(limit=1)[0]
    lines: list[str] = []
    DeletingFirst.doomed[:] = [failed.run_id]
    run = execute(instance, context, RunOptions(resume_from=failed.run_id, progress=lines.append))
    assert [s.status for s in run.steps.values()] == [StepStatus.COMPLETED] * 3
    assert run.steps["third"].outputs["output"].read() == 11
    assert p.CALLS == {"returns_one": 2, "middle": 2, "adds": 1}
    assert not any("cached" in line for line in lines)


def test_a_fully_cached_run_reuses_every_step_and_says_so_once_recorded(project: Path) -> None:
    """Every step of an unchanged re-run is a hit; each is shown as cached and recorded with its source."""
    instance = p.three(first=p.returns_one(), second=p.middle(), third=p.adds())
    first = instance.run(progress=False)
    lines: list[str] = []
    again = instance.run(progress=lines.append)
    assert p.CALLS == {"returns_one": 1, "middle": 1, "adds": 1}
    assert [s.status for s in again.steps.values()] == [StepStatus.CACHED] * 3
    stored, before = Client().get_run(again.id), Client().get_run(first.id)
    assert [s.record.cached_from for s in stored.steps.values()] == [
        s.record.step_run_id for s in before.steps.values()
    ]
    assert sum("cached" in line for line in lines) == 3


def test_a_hit_whose_artifact_was_deleted_is_computed_and_so_are_the_steps_after_it(project: Path) -> None:
    """The middle step's artifact directory removed, with no lineage copy to put it back from: it is computed
    again (the others stay hits)."""
    instance = p.three(first=p.returns_one(), second=p.middle(), third=p.adds())
    first = instance.run(progress=False)
    shutil.rmtree(first.steps["second"].outputs["output"].uri)
    forget_lineage_copies(project / ".zen" / "lineage.db")
    again = instance.run(progress=False)
    assert [s.status for s in again.steps.values()] == [StepStatus.CACHED, StepStatus.COMPLETED, StepStatus.CACHED]
    assert p.CALLS == {"returns_one": 1, "middle": 2, "adds": 1}
    assert again.steps["third"].outputs["output"].read() == 11


def test_a_hit_whose_artifact_was_rewritten_with_the_same_size_and_time_is_refused(project: Path) -> None:
    """A verified artifact replaced by another file of the same size with its modification time restored (a new
    inode), with no lineage copy to put it back from: the store hashes it again, sees the change, and the step is
    computed."""
    instance = p.single(only=p.returns_one())
    first = instance.run(progress=False)
    path = Path(first.steps["only"].outputs["output"].uri) / "value.json"
    aged = path.stat().st_mtime_ns - 10**10
    os.utime(path, ns=(aged, aged))  # written long ago: a verification of it is remembered
    assert instance.run(progress=False).steps["only"].status == StepStatus.CACHED
    replacement = path.with_name("replacement")
    replacement.write_bytes(path.read_bytes().replace(b"1", b"2"))
    replacement.replace(path)
    os.utime(path, ns=(aged, aged))
    forget_lineage_copies(project / ".zen" / "lineage.db")
    again = instance.run(progress=False)
    assert again.steps["only"].status == StepStatus.COMPLETED
    assert again.steps["only"].outputs["output"].read() == 1


def test_a_changed_config_misses_while_the_steps_before_it_hit(project: Path) -> None:
    """Only the step whose config changed (and what reads its output) runs again."""
    p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3))).run(progress=False)
    run = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=4))).run(progress=False)
    assert [s.status for s in run.steps.values()] == [StepStatus.CACHED, StepStatus.COMPLETED]
    assert run.steps["second"].outputs["output"].read() == 5
