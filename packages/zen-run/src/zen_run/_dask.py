"""The Dask orchestrator: steps run as Dask futures on a cluster, following the pipeline's data edges.

The driver (this process) compiles the pipeline, computes cache keys once a step's input hashes are known,
looks the cache up, writes every lineage record and decides what runs next. A worker receives only the
compiled step and the records of its input artifacts: it loads the inputs by URI from the shared artifact
store, calls the step, checks the returned values, commits the outputs through their materializers and
returns small records (artifact URIs, hashes, sizes, metadata, timings) or the error text - never data values.

An output is committed by its worker under a fresh staging directory; only the artifacts the driver records
belong to the run, so a retried attempt (after a worker died) can leave at most an unreferenced directory that
``zen gc`` removes, never a second committed version in lineage.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import attrs
import cloudpickle  # type: ignore[import-untyped]  # no stubs; a dependency of distributed
from distributed import Client as DaskClient
from distributed import Future, LocalCluster, WorkerPlugin, as_completed

from zen_run import _adapters as ad
from zen_run._cache import CacheComponents
from zen_run._compile import CompiledPipeline, CompiledStep
from zen_run._context import RunContext
from zen_run._project import Project
from zen_run._runconfig import RunConfig
from zen_run._runner import RunOptions, _Execution, _Produced
from zen_run._stack import Stack
from zen_run.errors import OutputTypeError, StepFailedError
from zen_store import ArtifactStorage, LineageStore, StepStatus
from zen_types import Output
from zen_types.errors import WiringError

__all__ = ["DaskExecution"]


@attrs.frozen(kw_only=True)
class _Task:
    """What a worker needs to run one step: no data values, only where the inputs are."""

    project: Project
    stack: Stack
    compiled: CompiledPipeline
    config: RunConfig
    slot: str
    inputs: dict[tuple[str, str], ad.ArtifactInfo]


@attrs.frozen(kw_only=True)
class _Outcome:
    """What a worker sends back: the artifacts it committed, or why the step failed; and when it ran."""

    started_at: float
    ended_at: float
    outputs: dict[str, ad.ArtifactInfo] | None = None
    error: str | None = None
    summary: str | None = None
    user_error: bool = True
    exception: bytes | None = None
    """The exception, pickled when it can be: the driver raises a type or wiring error as the reference runner
    does, and chains StepFailedError to the user's exception."""


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


class _NoLineage:
    """Workers never touch lineage; any use of it is a bug, reported as such."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError(f"zen: lineage.{name} used on a Dask worker; only the driver writes lineage.")


_WORKER_STORES: dict[tuple[str, str, tuple[tuple[str, str], ...]], ArtifactStorage] = {}
"""Artifact stores a worker process opened, reused by its later tasks (opening a remote one checks its bucket)."""


def _worker_context(task: _Task) -> RunContext:
    location = task.stack.artifact_location(task.project)
    key = (location, str(task.project.zen_dir), tuple(sorted(task.stack.artifact_options.items())))
    artifacts = _WORKER_STORES.get(key)
    if artifacts is None:
        artifacts = _WORKER_STORES[key] = ad.Stores.open_artifacts(
            artifacts=location, zen_dir=task.project.zen_dir, options=task.stack.storage_options()
        )
    stores = ad.Stores(artifacts, cast(LineageStore, _NoLineage()))
    return RunContext(
        project=task.project,
        stack=task.stack,
        stores=stores,
        registry=ad.default_registry(),
        pinner=ad.Pinner(task.project.root),
    )


def run_step_on_worker(payload: bytes) -> _Outcome:
    """Body of one Dask task: load inputs by URI, call the step, check and commit its outputs.

    The task arrives pickled by the driver and is unpickled here, inside the task: a step module the worker
    cannot import then fails this step (named by the driver) instead of the worker's connection.
    """
    task = cast(_Task, cloudpickle.loads(payload))
    context = _worker_context(task)
    execution = _Execution(context, task.compiled, task.config, RunOptions())
    execution.produced = {key: _Produced(info) for key, info in task.inputs.items()}
    step = task.compiled.steps[task.slot]
    outputs: dict[str, Output[object]] = {}
    staged: dict[str, ad.Staged] = {}
    started = time.time()

    def failed(error: str, summary: str, exc: BaseException, *, user_error: bool) -> _Outcome:
        for area in staged.values():
            context.stores.discard_staged(area)
        return _Outcome(
            started_at=started,
            ended_at=time.time(),
            error=error,
            summary=summary,
            user_error=user_error,
            exception=_pickled(exc),
        )

    try:
        kwargs = execution._call_arguments(step, outputs, staged)
        result = step.instance.step.func(**kwargs)
    except Exception as exc:
        return failed(traceback.format_exc(), f"{type(exc).__name__}: {exc}", exc, user_error=True)
    try:
        written = execution._finish_call(step, result, outputs, staged)
    except (OutputTypeError, WiringError) as exc:
        return failed(str(exc), str(exc), exc, user_error=False)
    return _Outcome(started_at=started, ended_at=time.time(), outputs=written)


class _DriverPath(WorkerPlugin):
    """Puts the driver's import path on every worker, so the user's step modules import there too.

    On a cluster spanning machines the same paths must exist there (a shared checkout or an installed package);
    entries a worker lacks are harmless.
    """

    name = "zen-driver-path"

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    def setup(self, worker: object) -> None:
        _add_paths(self.paths)


def _add_paths(paths: list[str]) -> None:
    for entry in reversed(paths):
        if entry not in sys.path:
            sys.path.insert(0, entry)


@contextmanager
def _dask_client(options: dict[str, str]) -> Iterator[DaskClient]:
    """A client of the cluster at ``options["address"]``, or of a LocalCluster started for this run."""
    address = options.get("address")
    if address:
        with DaskClient(address) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    workers = int(options.get("n_workers", "2"))
    # The dashboard on a free port: a fixed one (8787) collides with any other cluster on the machine.
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        DaskClient(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


@attrs.define
class _Running:
    step: CompiledStep
    components: CacheComponents
    key: str
    index: int
    started: float


class DaskExecution(_Execution):
    """A run whose steps execute as Dask futures; lineage, caching and type checks stay on the driver."""

    def _run_steps(self, total: int) -> None:
        with _dask_client(dict(self.context.stack.options)) as client:
            client.register_plugin(_DriverPath(list(sys.path)))
            client.run(_add_paths, list(sys.path))
            self._schedule(client, total)

    def _task(self, step: CompiledStep) -> _Task:
        inputs = {
            (edge.source_step, edge.source_output): self.produced[(edge.source_step, edge.source_output)].artifact
            for _, edge in self._edges(step)
        }
        return _Task(
            project=self.context.project,
            stack=self.context.stack,
            compiled=self.compiled,
            config=self.config,
            slot=step.slot,
            inputs=inputs,
        )

    def _ready(self, step: CompiledStep) -> bool:
        return all((e.source_step, e.source_output) in self.produced for _, e in self._edges(step))

    def _schedule(self, client: DaskClient, total: int) -> None:
        pending = dict(self.compiled.steps)
        running: dict[str, _Running] = {}
        # Our own references (as_completed mutates its set from another thread). A finished step's future is
        # released at once: its outcome is recorded, and a result Dask still held would be *recomputed* - the
        # step run again, writing a second artifact - if the worker keeping it died later.
        submitted: dict[str, Future[_Outcome]] = {}
        futures = as_completed()  # type: ignore[no-untyped-call]
        order = {slot: index for index, slot in enumerate(self.compiled.steps, start=1)}

        def submit_ready() -> None:
            progressed = True
            while progressed:
                progressed = False
                for slot, step in list(pending.items()):
                    if not self._ready(step):
                        continue
                    del pending[slot]
                    started = time.perf_counter()
                    components = self._components(step)
                    key = components.key()
                    if self._try_cached(step, components, key):
                        self.say(
                            f"[{order[slot]}/{total}] {slot}: cached ({(time.perf_counter() - started) * 1000:.1f} ms)"
                        )
                        progressed = True
                        continue
                    self.say(f"[{order[slot]}/{total}] {slot}: running")
                    self._started(step, time.time())
                    future = client.submit(
                        run_step_on_worker,
                        cloudpickle.dumps(self._task(step)),
                        key=f"zen-{self.run_id}-{slot}",
                        pure=False,
                    )
                    running[str(future.key)] = _Running(step, components, key, order[slot], started)
                    submitted[str(future.key)] = future
                    futures.add(future)  # type: ignore[no-untyped-call]

        submit_ready()
        try:
            for future in futures:
                done = cast("Future[_Outcome]", future)
                try:
                    self._finished(done, running.pop(str(done.key)), total)
                finally:
                    submitted.pop(str(done.key), None)
                    done.release()  # type: ignore[no-untyped-call]
                submit_ready()
        except BaseException:
            client.cancel([future for future in submitted.values() if not future.done()])  # type: ignore[no-untyped-call]
            raise
        if pending:  # pragma: no cover - the compiled DAG guarantees every step becomes ready
            raise RuntimeError(f"zen: steps never became ready: {', '.join(pending)}")

    def _finished(self, future: Future[_Outcome], state: _Running, total: int) -> None:
        step = state.step
        try:
            outcome = future.result()
        except Exception as exc:  # the worker died, or the task could not run at all
            now = time.time()
            self._record(step, StepStatus.FAILED, state.components, now, error=f"{type(exc).__name__}: {exc}")
            raise StepFailedError(
                f'Step "{step.slot}" ({step.instance.name}) of run {self.run_id} failed on the Dask cluster: '
                f"{type(exc).__name__}: {exc}",
                run_id=self.run_id,
                step_name=step.slot,
            ) from exc
        if outcome.outputs is None:
            self._record(step, StepStatus.FAILED, state.components, outcome.started_at, error=outcome.error)
            cause = _unpickled(outcome.exception)
            if not outcome.user_error:
                if isinstance(cause, OutputTypeError | WiringError):
                    raise cause  # as the reference runner raises it
                raise StepFailedError(str(outcome.summary), run_id=self.run_id, step_name=step.slot)
            raise StepFailedError(
                f'Step "{step.slot}" ({step.instance.name}) of run {self.run_id} failed: {outcome.summary}',
                run_id=self.run_id,
                step_name=step.slot,
            ) from cause
        for name, info in outcome.outputs.items():
            self.produced[(step.slot, name)] = _Produced(info)
        self._record(
            step,
            StepStatus.COMPLETED,
            state.components,
            outcome.started_at,
            cache_key=state.key if step.cache_enabled else None,
            outputs=outcome.outputs,
        )
        self.say(f"[{state.index}/{total}] {step.slot}: done ({(time.perf_counter() - state.started) * 1000:.1f} ms)")
