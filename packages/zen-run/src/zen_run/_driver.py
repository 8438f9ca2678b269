"""The driver's side of a run, the same for every orchestrator: its lineage, its cache, its order.

:class:`RunDriver` records the run, hands out the steps whose inputs are ready as :class:`StepTask` values
(reusing, and recording as cached, those whose cache key matches an intact earlier step run), and records each
outcome an orchestrator reports - a step run is written once, with its artifacts and events. Lineage is written
once per step: a completed step is recorded in the same transaction that starts the steps it makes ready (or, at
the end, by :meth:`RunDriver.flush`); a cache hit (checked as it is recorded) and a failure are recorded at once.
It raises as the reference runner does: ``StepFailedError`` chained to the step's exception,
``OutputTypeError``/wiring errors as they are, the interrupt itself. Only the driver touches lineage.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import attrs

from zen_run._cache import CacheComponents, config_digest
from zen_run._compile import CompiledPipeline, CompiledStep
from zen_run._context import RunContext
from zen_run._progress import Progress, StepProgress, StepState
from zen_run._registry import materializer_version
from zen_run._steps import Completed, Failed, FailureKind, OutputKey, StepExecutor, StepOutcome, StepTask
from zen_run.errors import StepFailedError
from zen_store import ArtifactNotFoundError, ArtifactRecord, CachedStep, FinishedStep, StartedStep, StepLogs, StepStatus

__all__ = ["RunDriver"]


@attrs.define
class _Running:
    components: CacheComponents
    key: str
    step_run_id: str
    clock: float
    """``perf_counter`` when the step was taken, for progress messages."""


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
        self._resume_hits = resume_hits or {}
        self._progress = progress
        self._pending = dict(compiled.steps)
        self._running: dict[str, _Running] = {}
        self._outputs: dict[OutputKey, ArtifactRecord] = {}
        self._values: dict[OutputKey, object] = {}
        self._order = {slot: index for index, slot in enumerate(compiled.steps, start=1)}
        self._unrecorded: list[FinishedStep] = []
        """Steps that completed or were reused, recorded with the next steps that start (one write per step)."""

    # -- for orchestrators -------------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """True when every step completed or was reused."""
        return not self._pending and not self._running

    def ready(self, *, limit: int | None = None) -> list[StepTask]:
        """The steps to execute now (at most ``limit``): pending steps whose inputs exist, in topological order,
        recorded as running. Steps reused from the cache are recorded here instead (and may make more ready)."""
        tasks: list[StepTask] = []
        started: list[StartedStep] = []
        progressed = True
        while progressed and (limit is None or len(tasks) < limit):
            progressed = False
            for slot, step in list(self._pending.items()):
                if limit is not None and len(tasks) >= limit:
                    break
                edges = self.compiled.spec.inputs_of(slot).values()
                keys = [(e.source_step, e.source_output) for e in edges]
                if not all(key in self._outputs for key in keys):
                    continue
                del self._pending[slot]
                clock = time.perf_counter()
                components = _components(self.compiled, step, self._outputs)
                key = components.key()
                if self._reuse(step, components, key):
                    self._say(slot, StepState.CACHED, time.perf_counter() - clock)
                    progressed = True
                    continue
                self._say(slot, StepState.RUNNING)
                started.append(
                    StartedStep(
                        run_id=self.run_id,
                        step_name=slot,
                        source=step.source,
                        config=step.config_json(),
                        started_at=time.time(),
                    )
                )
                self._running[slot] = _Running(components, key, "", clock)
                inputs = {k: self._outputs[k] for k in keys}
                tasks.append(StepTask(run_id=self.run_id, slot=slot, compiled=self.compiled, inputs=inputs))
        ids = self.context.stores.lineage.record_steps(self._unrecorded, started)
        self._unrecorded = []
        for task, step_run_id in zip(tasks, ids, strict=True):
            self._running[task.slot].step_run_id = step_run_id
        return tasks

    def flush(self) -> None:
        """Record the steps that finished since the last :meth:`ready` (the runner calls this when the orchestrator
        returns)."""
        if self._unrecorded:
            self.context.stores.lineage.record_steps(self._unrecorded, [])
            self._unrecorded = []

    def executor(self) -> StepExecutor:
        """An executor for this process that hands values produced earlier in the run over in memory."""
        return StepExecutor(
            self.context.stores.io,
            self.context.registry,
            values=self._values,
            live_logs=self._live_logs,
            writing=self._writing,
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
            for name, artifact in outcome.outputs.items():
                self._outputs[(task.slot, name)] = artifact
            for name, value in outcome.values.items():
                self._values[(task.slot, name)] = value
            self._record(
                step,
                running,
                StepStatus.COMPLETED,
                outcome.started_at,
                cache_key=running.key if step.cache_enabled else None,
                new_outputs=_named(step, outcome.outputs),
                logs=outcome.logs,
            )
            written = sum(a.size for a in outcome.outputs.values())
            self._say(task.slot, StepState.COMPLETED, time.perf_counter() - running.clock, written_bytes=written)
            return
        self._fail(task, running, outcome)

    def lost(self, task: StepTask, exc: BaseException, *, where: str) -> StepFailedError:
        """Record that the orchestrator could not run the step at all (``where``: e.g. " on the Dask cluster");
        returns the error to raise from ``exc``."""
        running = self._running.pop(task.slot)
        reason = f"{type(exc).__name__}: {exc}"
        self._record(task.step, running, StepStatus.FAILED, time.time(), error=reason)
        self._say(task.slot, StepState.FAILED, time.perf_counter() - running.clock)
        return self._step_failed(task.step, reason, where=where)

    # -- inside ------------------------------------------------------------------------------------------------

    def _fail(self, task: StepTask, running: _Running, outcome: Failed) -> None:
        step = task.step
        elapsed = time.perf_counter() - running.clock
        if outcome.kind is FailureKind.INTERRUPTED:
            self._record(step, running, StepStatus.STOPPED, outcome.started_at, error=outcome.error, logs=outcome.logs)
            self._say(task.slot, StepState.STOPPED, elapsed)
            raise outcome.exception if outcome.exception is not None else KeyboardInterrupt()
        self._record(step, running, StepStatus.FAILED, outcome.started_at, error=outcome.error, logs=outcome.logs)
        self._say(task.slot, StepState.FAILED, elapsed)
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
        raise self._step_failed(step, outcome.summary) from outcome.exception

    def _step_failed(self, step: CompiledStep, reason: str, *, where: str = "") -> StepFailedError:
        return StepFailedError(
            run_id=self.run_id, step_name=step.slot, function_name=step.instance.name, reason=reason, where=where
        )

    def _say(
        self,
        slot: str,
        state: StepState,
        elapsed_s: float = 0.0,
        *,
        written_bytes: int = 0,
        staging: Path | None = None,
        output_name: str | None = None,
    ) -> None:
        if self._progress is not None:
            self._progress.step(
                StepProgress(
                    step_name=slot,
                    index=self._order[slot],
                    total=len(self._order),
                    state=state,
                    elapsed_s=elapsed_s,
                    written_bytes=written_bytes,
                    staging=staging,
                    output_name=output_name,
                )
            )

    def _reuse(self, step: CompiledStep, components: CacheComponents, key: str) -> bool:
        """Reuse the step from the resumed run or the cache when its key matches and its artifacts are intact."""
        hit = self._resume_hits.get(step.slot)
        if hit is not None and hit.cache_key != key:
            hit = None
        if hit is None and step.cache_enabled:
            hit = self.context.stores.lineage.find_cached(key)
        if hit is None or set(hit.outputs) != {o.name for o in step.outputs}:
            return False
        if not all(self.context.stores.artifact_intact(artifact) for artifact in hit.outputs.values()):
            return False
        try:
            self._record(
                step,
                None,
                StepStatus.CACHED,
                time.time(),
                components=components,
                cache_key=hit.cache_key,
                reused_outputs={name: a.artifact_id for name, a in hit.outputs.items()},
                cached_from=hit.step_run_id,
            )
        except ArtifactNotFoundError:  # its run was deleted since the look-up: nothing was recorded, compute it
            self._unrecorded.pop()  # what finished before it is still recorded with the next write
            return False
        for name, artifact in hit.outputs.items():
            self._outputs[(step.slot, name)] = artifact
        return True

    def _record(
        self, step: CompiledStep, running: _Running | None, status: StepStatus, started_at: float, **fields: object
    ) -> None:
        """Record a finished step: a completed or cached one with the next write, a failed or stopped one now
        (with what finished before it)."""
        edges = self.compiled.spec.inputs_of(step.slot)
        components = fields.pop("components", None) if running is None else running.components
        assert isinstance(components, CacheComponents)  # a cached step passes its own; a running one has them
        self._unrecorded.append(
            FinishedStep(
                run_id=self.run_id,
                step_name=step.slot,
                status=status,
                source=step.source,
                config=step.config_json(),
                cache_components=components.to_json(),
                started_at=started_at,
                ended_at=time.time(),
                inputs={n: self._outputs[(e.source_step, e.source_output)].artifact_id for n, e in edges.items()},
                step_run_id=None if running is None else running.step_run_id,
                **fields,  # type: ignore[arg-type]  # cache_key, new_outputs, reused_outputs, cached_from, error, logs
            )
        )
        if status is not StepStatus.COMPLETED:  # a cache hit is checked as it is recorded; a failure is final
            self.flush()


def _named(step: CompiledStep, outputs: Mapping[str, ArtifactRecord]) -> dict[str, ArtifactRecord]:
    """The step's new artifacts, each with the name its annotation gives (``ArtifactName``); the lineage store
    names the others ``<pipeline>.<slot>.<output>`` and gives every one its next version."""
    names = {o.name: o.artifact_name for o in step.outputs}
    return {out: attrs.evolve(art, name=names.get(out) or art.name) for out, art in outputs.items()}


def _components(
    compiled: CompiledPipeline, step: CompiledStep, outputs: Mapping[OutputKey, ArtifactRecord]
) -> CacheComponents:
    """What the step's cache key is made of, now that its inputs' content hashes are known."""
    edges = compiled.spec.inputs_of(step.slot)
    return CacheComponents(
        code=step.code_digest,
        code_parts=dict(step.code_parts),
        config=config_digest(step.config_json()),
        inputs={name: outputs[(e.source_step, e.source_output)].content_hash for name, e in edges.items()},
        materializers={name: materializer_version(m) for name, m in step.writers.items()},
    )
