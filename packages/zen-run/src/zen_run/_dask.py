"""The Dask orchestrator: steps run as Dask futures on a cluster, following the pipeline's data edges.

The driver (this process) keeps the run's bookkeeping (``RunDriver``: cache look-ups, lineage records, what runs
next). A worker receives a ``StepTask`` - the compiled pipeline and the records of the step's input artifacts -
loads the inputs by URI from the shared artifact store, executes the step with a ``StepExecutor`` and returns
its outcome: artifact records and timings, or the failure - never data values.

An output is committed by its worker under a fresh staging directory; only the artifacts the driver records
belong to the run, so a retried attempt (after a worker died) can leave at most an unreferenced directory that
``zen gc`` removes, never a second committed version in lineage.

A cluster left without workers (all lost, none started) would keep the run waiting forever: after the stack's
``no_workers_timeout`` seconds (300 by default) with steps pending and no worker, the run fails naming a pending
step and the fix.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import cast

import attrs
import cloudpickle  # type: ignore[import-untyped]  # no stubs; a dependency of distributed
import dask
from distributed import Client as DaskClient
from distributed import Future, LocalCluster, WorkerPlugin, as_completed, get_worker

from zen_run import Project, Stack
from zen_run.errors import RunConfigError
from zen_run.orchestration import (
    ArtifactIO,
    Completed,
    Failed,
    FailureKind,
    RunDriver,
    StepExecutor,
    StepOutcome,
    StepTask,
)
from zen_store import open_artifact_store

__all__ = ["DaskOrchestrator"]

_PLUGIN = "zen-worker"
_CHECK_WORKERS = 1.0
_POLL = 0.05
NO_WORKERS_TIMEOUT = 300.0
RESTART_WAIT_S = 3600.0
"""How long a LocalCluster started for a run waits for a worker that died to be replaced by its nanny. Dask's
default (15 s) closes the nanny for good when the new process is slower to start - as it is on a busy machine -
so each worker lost (to an out-of-memory kill, say) could shrink the cluster until no worker is left."""
"""Seconds a run waits, with steps pending, for a cluster that has no worker (stack option ``no_workers_timeout``)."""


@attrs.frozen(kw_only=True)
class _Shipment:
    """A task as it travels to a worker: the step, and how to open the stack's artifact store there."""

    task: StepTask
    project: Project
    stack: Stack


@attrs.frozen(kw_only=True)
class _Returned:
    """An outcome as it travels back: a failure's exception pickled on its own, so a driver that cannot unpickle
    it (its class does not import here) still gets the failure, by its text."""

    outcome: StepOutcome
    exception: bytes | None = None


class _ZenWorker(WorkerPlugin):
    """Per worker process: the driver's import path (so step modules import there) and the artifact stores its
    tasks opened, reused by later tasks (opening a remote store checks its bucket). Dropped with the worker.

    A worker holds artifact stores only: lineage is the driver's alone, so no lineage store exists here to misuse.
    """

    name = _PLUGIN

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.stores: dict[tuple[str, str, tuple[tuple[str, str], ...]], ArtifactIO] = {}

    def setup(self, worker: object) -> None:
        _add_paths(self.paths)

    def open(self, project: Project, stack: Stack) -> ArtifactIO:
        location = stack.artifact_location(project)
        key = (location, str(project.zen_dir), tuple(sorted(stack.artifact_options.items())))
        found = self.stores.get(key)
        if found is None:
            store = open_artifact_store(location, zen_dir=project.zen_dir, options=stack.storage_options())
            found = self.stores[key] = ArtifactIO(store)
        return found


def _add_paths(paths: list[str]) -> None:
    for entry in reversed(paths):
        if entry not in sys.path:
            sys.path.insert(0, entry)


def run_on_worker(payload: bytes) -> _Returned:
    """Body of one Dask task. The shipment arrives pickled and is unpickled here, inside the task: a step module
    the worker cannot import then fails this step (named by the driver) instead of the worker's connection."""
    started = time.time()
    try:
        shipment = cast(_Shipment, cloudpickle.loads(payload))
    except Exception as exc:
        failed = Failed(
            started_at=started,
            ended_at=time.time(),
            kind=FailureKind.RAISED,
            error=f"{type(exc).__name__}: {exc}",
            summary=f"{type(exc).__name__}: {exc}",
        )
        return _Returned(outcome=failed, exception=_pickled(exc))
    plugin = cast(_ZenWorker, get_worker().plugins[_PLUGIN])
    executor = StepExecutor(plugin.open(shipment.project, shipment.stack))
    outcome = executor.execute(shipment.task)
    if isinstance(outcome, Failed) and outcome.exception is not None:
        return _Returned(outcome=attrs.evolve(outcome, exception=None), exception=_pickled(outcome.exception))
    return _Returned(outcome=outcome)


def _pickled(exc: BaseException) -> bytes | None:
    try:
        return bytes(cloudpickle.dumps(exc))
    except Exception:  # an exception that cannot travel is reported by its text alone
        return None


def _unpickled(payload: bytes | None) -> BaseException | None:
    if payload is None:
        return None
    try:
        loaded = cloudpickle.loads(payload)
    except Exception:  # e.g. its class does not import on the driver
        return None
    return loaded if isinstance(loaded, BaseException) else None


@contextmanager
def _dask_client(options: Mapping[str, str]) -> Iterator[DaskClient]:
    """A client of the cluster at ``options["address"]``, or of a LocalCluster started for this run."""
    address = options.get("address")
    if address:
        with DaskClient(address) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    workers = int(options.get("n_workers", "2"))
    # The dashboard on a free port: a fixed one (8787) collides with any other cluster on the machine.
    with (
        dask.config.set({"distributed.deploy.lost-worker-timeout": f"{RESTART_WAIT_S:g}s"}),
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        DaskClient(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


class DaskOrchestrator:
    """Submits each step as soon as its inputs exist; lineage, caching and type checks stay on the driver."""

    def run_steps(self, driver: RunDriver, options: Mapping[str, str]) -> None:
        """Execute every step of the run on the cluster ``options`` name (or a local one)."""
        context = driver.context
        no_workers_timeout = _seconds(options, "no_workers_timeout", NO_WORKERS_TIMEOUT)  # checked before connecting
        with _dask_client(options) as client:
            client.register_plugin(_ZenWorker(list(sys.path)))
            client.run(_add_paths, list(sys.path))
            schedule = _Schedule(client, driver, context.project, context.stack)
            schedule.no_workers_timeout = no_workers_timeout
            schedule.run()


def _seconds(options: Mapping[str, str], key: str, default: float) -> float:
    text = options.get(key)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise RunConfigError(
            f"the Dask stack option {key}={text!r} is not a positive number of seconds; set it to e.g. "
            f"{key}={default:g} (`zen stack register ... --option {key}=SECONDS`)."
        )
    return value


def _done(future: Future[_Returned]) -> bool:
    return bool(future.done())  # type: ignore[no-untyped-call]  # distributed is untyped


class _Schedule:
    """The futures of one run on one client."""

    def __init__(self, client: DaskClient, driver: RunDriver, project: Project, stack: Stack) -> None:
        self.client = client
        self.driver = driver
        self.project = project
        self.stack = stack
        # Our own references (as_completed mutates its set from another thread). A finished step's future is
        # released at once: its outcome is recorded, and a result Dask still held would be *recomputed* - the
        # step run again, writing a second artifact - if the worker keeping it died later.
        self.submitted: dict[str, tuple[StepTask, Future[_Returned]]] = {}
        self.futures = as_completed()  # type: ignore[no-untyped-call]
        self.no_workers_timeout = NO_WORKERS_TIMEOUT

    def submit_ready(self) -> None:
        for task in self.driver.ready():
            payload = cloudpickle.dumps(_Shipment(task=task, project=self.project, stack=self.stack))
            future = self.client.submit(run_on_worker, payload, key=f"zen-{task.run_id}-{task.slot}", pure=False)
            self.submitted[str(future.key)] = (task, future)
            self.futures.add(future)  # type: ignore[no-untyped-call]

    def run(self) -> None:
        self.submit_ready()
        try:
            while self.submitted:
                for future in self._next_batch():
                    done = cast("Future[_Returned]", future)
                    task, _ = self.submitted.pop(str(done.key))
                    try:
                        self.finished(task, done)
                    finally:
                        done.release()  # type: ignore[no-untyped-call]
                    self.submit_ready()
        except BaseException:
            pending = [future for _, future in self.submitted.values() if not _done(future)]
            self.client.cancel(pending)  # type: ignore[no-untyped-call]
            raise

    def _next_batch(self) -> list[object]:
        """The futures finished next (as ``as_completed`` itself waits: polling its queue), as long as the cluster
        has a worker; after ``no_workers_timeout`` seconds without one, the run fails naming a pending step."""
        workerless_since: float | None = None
        checked = time.monotonic()
        while True:
            batch = cast("list[object]", self.futures.next_batch(block=False))  # type: ignore[no-untyped-call]
            if batch:
                return batch
            time.sleep(_POLL)
            if time.monotonic() - checked < _CHECK_WORKERS:
                continue
            checked = time.monotonic()
            if self.client.scheduler_info(n_workers=-1)["workers"]:
                workerless_since = None
                continue
            workerless_since = workerless_since or checked
            if checked - workerless_since >= self.no_workers_timeout:
                task, _ = next(iter(self.submitted.values()))
                raise self.driver.lost(
                    task,
                    TimeoutError(
                        f"the cluster has had no worker for {self.no_workers_timeout:g} s; start workers for it, "
                        f"or raise the stack option no_workers_timeout"
                    ),
                    where=" on the Dask cluster",
                )

    def finished(self, task: StepTask, future: Future[_Returned]) -> None:
        try:
            returned = future.result()
        except Exception as exc:  # the worker died, or the task could not run at all
            raise self.driver.lost(task, exc, where=" on the Dask cluster") from exc
        outcome = returned.outcome
        if isinstance(outcome, Failed):
            outcome = attrs.evolve(outcome, exception=_unpickled(returned.exception))
        assert isinstance(outcome, Completed | Failed)
        self.driver.finish(task, outcome)
