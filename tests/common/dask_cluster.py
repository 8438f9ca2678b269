"""A real Dask LocalCluster for tests, started and stopped by them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dask
from distributed import LocalCluster

__all__ = ["WORKERS", "local_cluster", "with_all_workers"]

ROOT = str(Path(__file__).resolve().parents[2])
WORKERS = 2
"""Worker processes of every test cluster."""
RESTART_WAIT_S = 600
"""How long a cluster waits for the replacement of a worker that died (its nanny starts a new process).

Dask's default (``distributed.deploy.lost-worker-timeout``, 15 s) closes the nanny of a worker that has not come
back by then, for good: on a loaded machine starting a worker process takes longer than that, and a test that
kills workers on purpose left its module's cluster with fewer workers, then none - the next run on it waited
for ``no_workers_timeout`` (300 s, as long as pytest's timeout) and looked like a hang."""
READY_S = 240.0
"""How long a test waits for a cluster to have all its workers (started, or back after one died)."""


@contextmanager
def local_cluster(**config: object) -> Iterator[LocalCluster]:
    """A LocalCluster of 2 single-threaded worker processes, with scheduler settings from ``config``, whose
    workers are restarted however long that takes; yielded once all its workers are up.

    The orchestrator gives workers the driver's import path; pytest imports ``tests`` without putting the
    repository root on it, so this does, for the workers to import the test steps.
    """
    added = ROOT not in sys.path
    if added:
        sys.path.insert(0, ROOT)
    settings: dict[str, object] = {f"distributed.scheduler.{key}": value for key, value in config.items()}
    settings["distributed.deploy.lost-worker-timeout"] = f"{RESTART_WAIT_S}s"
    try:
        with (
            dask.config.set(settings),
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=WORKERS, processes=True, threads_per_worker=1, dashboard_address=":0"
            ) as started,
        ):
            yield with_all_workers(started)
    finally:
        if added:
            sys.path.remove(ROOT)


def with_all_workers(cluster: LocalCluster) -> LocalCluster:
    """``cluster`` once all its workers run - waiting for the replacement of any that died (a test that kills
    workers leaves their restarts in progress) - failing after ``READY_S`` seconds saying how many came."""
    cluster.wait_for_workers(WORKERS, timeout=READY_S)
    return cluster
