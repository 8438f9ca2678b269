"""The driver's side of a run, the same for every orchestrator: its lineage, its cache, its order.

:class:`RunDriver` records the run, hands out the steps whose inputs are ready as :class:`StepTask` values
(reusing, and recording as cached, those whose cache key matches an intact earlier step run), and records each
outcome an orchestrator reports - a step run is written once, with its artifacts and events. Lineage is written
once per step: a completed step is recorded in the same transaction that starts the steps it makes ready (or, at
the end, by :meth:`RunDriver.flush`), and so are the cache hits found meanwhile (each checked as it is recorded);
a failure is recorded at once.
It raises as the reference runner does: ``StepFailedError`` chained to the step's exception,
``OutputTypeError``/wiring errors as they are, the interrupt itself. Only the driver touches lineage, through its
:class:`~zen_run._recording.StepRecorder` (step records and cache reuse).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import attrs

from zen_run._compile import CompiledPipeline, CompiledStep
from zen_run._context import RunContext
from zen_run._progress import Progress, StepProgress, StepState
from zen_run._recording import Running, StepRecorder
from zen_run._steps import Completed, Failed, FailureKind, OutputKey, StepExecutor, StepOutcome, StepTask
from zen_run._tracebacks import project_relative
from zen_run.errors import StepFailedError
from zen_store import ArtifactNotFoundError, CachedStep, StepLogs, StepStatus

__all__ = ["RunDriver"]

_Said = list[tuple[str, StepState, float]]
"""What to tell the progress display once a write succeeded: each step taken, its state and time taken."""


class RunDriver:
    """One run's bookkeeping while an orchestrator executes its steps (see ``Orchestrator``)."""

    def __init__(
        self,
        context: RunContext,
        compiled: CompiledPipeline,
        run_id: str,
        *,
        resume_hits: dict[str, CachedStep] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.context = context
        self.compiled = compiled
        self.run_id = run_id
        self._recorder = StepRecorder(context.stores, compiled, run_id, resume_hits or {})
        self._say = _Reporter(progress, {slot: index for index, slot in enumerate(compiled.steps, start=1)})
        self._pending = dict(compiled.steps)
        self._running: dict[str, Running] = {}
        self._values: dict[OutputKey, object] = {}

    # -- for orchestrators -------------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """True when every step completed or was reused."""
        return not self._pending and not self._running

    def ready(self, *, limit: int | None = None) -> list[StepTask]:
        """The steps to execute now (at most ``limit``): pending steps whose inputs exist, in topological order,
        recorded as running. Cache hits are recorded instead, in the same write (and may make more ready); when the
        store refuses one (its run was deleted since), the driver rewinds and records each hit by itself."""
        checkpoint, taken = self._recorder.checkpoint(), list[str]()  # O(1): no copy of the run's state per step
        try:
            tasks, said = self._take_ready(limit, taken)
        except ArtifactNotFoundError:
            if not self._recorder.rewind(checkpoint):
                raise
            self._pending = {s: step for s, step in self.compiled.steps.items() if s in self._pending or s in taken}
            self._running = {s: r for s, r in self._running.items() if s not in taken}
            tasks, said = self._take_ready(limit, [])
        for slot, state, elapsed_s in said:  # once recorded
            self._say(slot, state, elapsed_s)
        return tasks

    def _take_ready(self, limit: int | None, taken: list[str]) -> tuple[list[StepTask], _Said]:
        tasks: list[StepTask] = []
        started: list[CompiledStep] = []
        said: _Said = []
        progressed = True
        while progressed and (limit is None or len(tasks) < limit):
            progressed = False
            for slot, step in list(self._pending.items()):
                if limit is not None and len(tasks) >= limit:
                    break
                edges = self.compiled.spec.inputs_of(slot).values()
                keys = [(e.source_step, e.source_output) for e in edges]
                if not all(key in self._recorder.outputs for key in keys):
                    continue
                del self._pending[slot]
                taken.append(slot)
                clock = time.perf_counter()
                components, key = self._recorder.components(step)
                if self._recorder.reuse(step, components, key):
                    said.append((slot, StepState.CACHED, time.perf_counter() - clock))
                    progressed = True
                    continue
                said.append((slot, StepState.RUNNING, 0.0))
                started.append(step)
                self._running[slot] = Running(components, key, clock)
                inputs = {k: self._recorder.outputs[k] for k in keys}
                tasks.append(StepTask(run_id=self.run_id, slot=slot, compiled=self.compiled, inputs=inputs))
        if tasks:
            self.context.stores.steps_starting()  # leased before any of them can commit, wherever it runs
        ids = self._recorder.start(started)
        for task, step_run_id in zip(tasks, ids, strict=True):
            self._running[task.slot].step_run_id = step_run_id
        return tasks, said

    def flush(self) -> None:
        """Record the steps that finished since the last :meth:`ready` (the runner calls this when the orchestrator
        returns)."""
        self._recorder.flush()

    def executor(self) -> StepExecutor:
        """An executor for this process that hands values produced earlier in the run over in memory."""
        return StepExecutor(
            self.context.stores.io,
            self.context.registry,
            values=self._values,
            live_logs=self._live_logs,
            writing=None if self._say.progress is None else self._writing,  # only a progress display hears it
        )

    def _writing(self, task: StepTask, output_name: str, staging: Path) -> None:
        """A step running in this process started writing an output into ``staging``."""
        running = self._running.get(task.slot)
        if running is not None:
            clock = time.perf_counter() - running.clock
            self._say(task.slot, StepState.WRITING, clock, staging=staging, output_name=output_name)

    def _live_logs(self, task: StepTask, logs: StepLogs) -> None:
        """Store what a step running in this process printed so far, so a live view (the dashboard) shows it."""
        running = self._running.get(task.slot)
        if running is not None:
            self.context.stores.lineage.write_logs(running.step_run_id, logs)

    def finish(self, task: StepTask, outcome: StepOutcome) -> None:
        """Record a step's outcome; raise, as the reference runner does, when it failed."""
        step, running = task.step, self._running.pop(task.slot)
        if isinstance(outcome, Completed):
            for name, value in outcome.values.items():
                self._values[(task.slot, name)] = value
            self._recorder.completed(step, running, outcome)
            written = sum(a.size for a in outcome.outputs.values())
            self._say(task.slot, StepState.COMPLETED, time.perf_counter() - running.clock, written_bytes=written)
            return
        self._fail(task, running, outcome)

    def lost(self, task: StepTask, exc: BaseException, *, where: str) -> StepFailedError:
        """Record that the orchestrator could not run the step at all (``where``: e.g. " on the Dask cluster");
        returns the error to raise from ``exc``."""
        running = self._running.pop(task.slot)
        reason = f"{type(exc).__name__}: {exc}"
        self._recorder.ended(task.step, running, StepStatus.FAILED, time.time(), error=reason)
        self._say(task.slot, StepState.FAILED, time.perf_counter() - running.clock)
        return _step_failed(self.run_id, task.step, reason, where=where)

    # -- inside ------------------------------------------------------------------------------------------------

    def _fail(self, task: StepTask, running: Running, outcome: Failed) -> None:
        step = task.step
        stopped = outcome.kind is FailureKind.INTERRUPTED
        status = StepStatus.STOPPED if stopped else StepStatus.FAILED
        error = project_relative(outcome.error, self.context.project.root)  # as readable on every machine
        self._recorder.ended(step, running, status, outcome.started_at, error=error, logs=outcome.logs)
        self._say(task.slot, StepState.STOPPED if stopped else StepState.FAILED, time.perf_counter() - running.clock)
        if stopped:
            raise outcome.exception if outcome.exception is not None else KeyboardInterrupt()
        if outcome.kind is FailureKind.STORAGE:
            raise StepFailedError(
                run_id=self.run_id,
                step_name=step.slot,
                function_name=step.instance.name,
                reason=outcome.summary,
                storage_fault=outcome.doing or "reading or writing its artifacts",
            ) from outcome.exception
        if outcome.kind is FailureKind.REFUSED and outcome.exception is not None:
            raise outcome.exception
        raise _step_failed(self.run_id, step, outcome.summary) from outcome.exception


def _step_failed(run_id: str, step: CompiledStep, reason: str, *, where: str = "") -> StepFailedError:
    return StepFailedError(
        run_id=run_id, step_name=step.slot, function_name=step.instance.name, reason=reason, where=where
    )


@attrs.frozen
class _Reporter:
    """Tells the progress display (if any) where each step of the run is, with its place in the run."""

    progress: Progress | None
    order: Mapping[str, int]

    def __call__(
        self,
        slot: str,
        state: StepState,
        elapsed_s: float = 0.0,
        *,
        written_bytes: int = 0,
        staging: Path | None = None,
        output_name: str | None = None,
    ) -> None:
        if self.progress is not None:
            self.progress.step(
                StepProgress(
                    step_name=slot,
                    index=self.order[slot],
                    total=len(self.order),
                    state=state,
                    elapsed_s=elapsed_s,
                    written_bytes=written_bytes,
                    staging=staging,
                    output_name=output_name,
                )
            )
