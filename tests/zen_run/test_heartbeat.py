"""Runs in progress are kept alive by one heartbeat thread per process (a run starts no thread of its own), and a
run takes its writer's lease before any of its steps starts, wherever the steps commit: a fully cached run, which
starts none, takes no lease."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from zen_run import Project, Stack, StackRegistry, step
from zen_run.orchestration import ArtifactIO, RunDriver, StepExecutor, orchestrators

BEATING = textwrap.dedent(
    """
    import sqlite3, threading, time

    import zen_run._stores
    from zen_run import Slot, pipeline, step

    zen_run._stores.HEARTBEAT_EVERY_S = 0.05  # beat often, so the test is short

    @step
    def slow() -> int:
        time.sleep(0.5)
        return 1

    @pipeline
    def beating(only: Slot[[], int]) -> None:
        only()

    for _ in range(2):
        run = beating(only=slow()).run(progress=False, enable_cache=False)
        db = sqlite3.connect(".zen/lineage.db")
        started, beat = db.execute("SELECT started_at, heartbeat_at FROM runs WHERE run_id = ?", (run.id,)).fetchone()
        db.close()
        print(round(beat - started, 2) >= 0.2, end=" ")
    print(sum(t.name == "zen-heartbeat" for t in threading.enumerate()))
    """
)


def test_one_thread_beats_for_each_run_of_the_process(project: Path) -> None:
    """Two runs with a slow step, one after the other: each run's heartbeat moved on while its step ran, and the
    process holds one heartbeat thread."""
    (project / "beating.py").write_text(BEATING)
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "beating.py"],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "1"]


def test_a_fully_cached_run_takes_no_writers_lease(project: Path) -> None:
    """A lease is written before a run's first commit; a run that reuses every step commits nothing and writes
    none (and a run that commits releases its lease when it ends)."""
    from tests.zen_run import pipelines as p

    leases = project / ".zen" / "artifacts" / ".zen-store" / "leases"
    instance = p.single(only=p.returns_one())
    instance.run(progress=False)
    seen = sorted(leases.iterdir()) if leases.exists() else []
    assert seen == []
    before = leases.stat().st_mtime_ns
    assert instance.run(progress=False).steps["only"].status == "cached"
    assert leases.stat().st_mtime_ns == before  # no lease written and removed meanwhile


LEASES_SEEN: list[int] = []


@step
def counts_leases() -> int:
    """How many writers' leases the artifact store holds while this step runs."""
    leases = Path(os.environ["ZEN_ROOT"]) / ".zen" / "artifacts" / ".zen-store" / "leases"
    LEASES_SEEN.append(len(list(leases.glob("*.json"))) if leases.exists() else 0)
    return 1


class Elsewhere:
    """Executes steps as another process would: with an ArtifactIO of its own, which takes no lease to commit."""

    def run_steps(self, driver: RunDriver, options: Mapping[str, str]) -> None:
        executor = StepExecutor(ArtifactIO(driver.context.stores.artifacts), driver.context.registry)
        while tasks := driver.ready():
            for task in tasks:
                driver.finish(task, executor.execute(task))


def test_a_run_whose_steps_commit_in_other_processes_holds_its_lease_while_they_run(project: Path) -> None:
    """The driver takes the run's lease before handing a step out, so an artifact a worker commits is protected
    from gc until the driver records it; the lease is gone once the run ended."""
    from tests.zen_run import pipelines as p

    orchestrators.register("elsewhere-test", Elsewhere, replace=True)
    StackRegistry(Project(project)).register(Stack(name="elsewhere", orchestrator="elsewhere-test"))
    LEASES_SEEN.clear()
    run = p.single(only=counts_leases()).run(stack="elsewhere", progress=False)
    assert run.steps["only"].status == "completed"
    assert LEASES_SEEN == [1]
    leases = project / ".zen" / "artifacts" / ".zen-store" / "leases"
    assert list(leases.glob("*.json")) == []


@pytest.fixture(autouse=True)
def _forget_seen() -> None:
    LEASES_SEEN.clear()
