"""Runs in progress are kept alive by one heartbeat thread per process (a run starts no thread of its own), and a
run takes its writer's lease only when it commits something: a fully cached run leaves no lease behind and takes
none."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

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
