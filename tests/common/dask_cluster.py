"""A real Dask LocalCluster for tests, started and stopped by them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dask
from distributed import LocalCluster

__all__ = ["local_cluster"]

ROOT = str(Path(__file__).resolve().parents[2])


@contextmanager
def local_cluster(**config: object) -> Iterator[LocalCluster]:
    """A LocalCluster of 2 single-threaded worker processes, with scheduler settings from ``config``.

    The orchestrator gives workers the driver's import path; pytest imports ``tests`` without putting the
    repository root on it, so this does, for the workers to import the test steps.
    """
    added = ROOT not in sys.path
    if added:
        sys.path.insert(0, ROOT)
    try:
        with (
            dask.config.set({f"distributed.scheduler.{key}": value for key, value in config.items()}),
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
            ) as started,
        ):
            yield started
    finally:
        if added:
            sys.path.remove(ROOT)
