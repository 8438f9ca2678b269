"""The synchronous, in-process reference runner.

``run_pipeline_instance`` is what ``PipelineInstance.run()`` reaches (through the ``zen.runner`` entry point).
It compiles (bind, type-check, resolve materializers, pin sources), then runs each step in topological order:
cache look-up, load inputs, call, check the returned values against the declared types, write outputs, and
record the step with its artifacts and events in one lineage transaction. A failing step marks itself and the
run failed, keeps everything that completed, and raises StepFailedError chained to the user's exception;
Ctrl-C marks the run stopped.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from zen_materialize import ArtifactWriteError, write_artifact
from zen_run import _adapters as ad
from zen_run._cache import CacheComponents, config_digest
from zen_run._client import Client, Run
from zen_run._compile import CompiledPipeline, CompiledStep, compile_pipeline
from zen_run._context import RunContext
from zen_run._runconfig import RunConfig
from zen_run.errors import OutputTypeError, RunConfigError, StepFailedError
from zen_store import FinishedStep, NewRun, RunStatus, StepStatus
from zen_types import (
    DEFAULT_OUTPUT,
    Input,
    InputKind,
    Output,
    OutputKind,
    PipelineInstance,
    type_name,
    value_conforms,
)
from zen_types.errors import WiringError

__all__ = ["RunOptions", "execute", "run_pipeline_instance"]


@attrs.frozen(kw_only=True)
class RunOptions:
    """Options of one run (also accepted as keyword arguments of ``PipelineInstance.run``)."""

    run_name: str | None = None
    enable_cache: bool | None = None
    config: RunConfig | None = None
    config_file: Path | None = None
    stack: str | None = None
    tags: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    """Labels to find the run by later (``zen runs list --tag``, ``zen runs search``)."""
    progress: Callable[[str], None] | None = None
    resume_from: str | None = None
    """A failed or crashed run whose completed steps are reused regardless of cache flags."""

    @classmethod
    def from_mapping(cls, options: Mapping[str, object]) -> RunOptions:
        """Validate the keyword arguments of ``.run()``."""
        known = {f.name for f in attrs.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise RunConfigError(
                f"run() got unknown option(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})."
            )
        values = dict(options)
        path = values.get("config_file")
        if isinstance(path, str):
            values["config_file"] = Path(path)
        try:
            return cls(**values)  # type: ignore[arg-type]  # validated field by field just below
        except TypeError as exc:
            raise RunConfigError(f"run(): {exc}") from exc


def run_pipeline_instance(instance: PipelineInstance, options: Mapping[str, object]) -> Run:
    """Entry point of ``PipelineInstance.run(**options)``: run on the active (or named) stack."""
    opts = RunOptions.from_mapping(options)
    context = RunContext.open(stack=opts.stack)
    return execute(instance, context, opts)


def _effective_config(opts: RunOptions) -> RunConfig:
    config = RunConfig()
    if opts.config_file is not None:
        config = config.merged(RunConfig.from_file(opts.config_file))
    if opts.config is not None:
        config = config.merged(opts.config)
    return config.merged(RunConfig(run_name=opts.run_name, enable_cache=opts.enable_cache))


def execute(instance: PipelineInstance, context: RunContext, opts: RunOptions) -> Run:
    """Compile and run ``instance`` on ``context``; returns the finished run (raises on a failed step)."""
    run_config = _effective_config(opts)
    instance = run_config.apply(instance)
    compiled = compile_pipeline(
        instance,
        registry=context.registry,
        pinner=context.pinner,
        enable_cache=run_config.enable_cache,
        step_cache={slot: cfg.enable_cache for slot, cfg in run_config.steps.items()},
    )
    if context.stack.orchestrator == "dask":
        from zen_run._dask import DaskExecution

        return DaskExecution(context, compiled, run_config, opts).run()
    return _Execution(context, compiled, run_config, opts).run()


@attrs.define
class _Produced:
    """An output produced or reused in this run: its record and, when at hand, the value itself."""

    artifact: ad.ArtifactInfo
    value: object = None
    has_value: bool = False


class _Execution:
    """State of one run while it executes."""

    def __init__(self, context: RunContext, compiled: CompiledPipeline, config: RunConfig, opts: RunOptions) -> None:
        self.context = context
        self.compiled = compiled
        self.config = config
        self.opts = opts
        self.produced: dict[tuple[str, str], _Produced] = {}
        self.run_id = ""
        self.resume_hits: dict[str, ad.CachedStep] = {}
        self.written_values: dict[tuple[str, str], object] = {}
        self.running_rows: dict[str, str] = {}
        """Step run ids of the steps recorded as running, by slot, for their final record to complete."""

    def say(self, message: str) -> None:
        if self.opts.progress is not None:
            self.opts.progress(message)

    def run(self) -> Run:
        ctx = self.context
        self.run_id = ctx.stores.lineage.create_run(
            NewRun(
                pipeline_name=self.compiled.spec.pipeline_name,
                run_name=self.config.run_name,
                spec_json=self.compiled.spec.to_json(),
                stack=ctx.stack.name,
                repo=self.compiled.repo,
                sources=dict(self.compiled.sources),
                tags=self.opts.tags,
                configs={slot: step.config_json() for slot, step in self.compiled.steps.items()},
            )
        )
        if self.opts.resume_from is not None:
            self.resume_hits = ctx.stores.lineage.completed_steps(self.opts.resume_from)
        total = len(self.compiled.steps)
        try:
            with ctx.stores.heartbeat(self.run_id):
                self._run_steps(total)
        except KeyboardInterrupt:
            ctx.stores.lineage.finish_run(self.run_id, status=RunStatus.STOPPED)
            self.say(f"run {self.run_id} stopped")
            raise
        except BaseException:
            ctx.stores.lineage.finish_run(self.run_id, status=RunStatus.FAILED)
            raise
        ctx.stores.lineage.finish_run(self.run_id, status=RunStatus.COMPLETED)
        self.say(f"run {self.run_id} completed")
        return Client(context=ctx).get_run(self.run_id)

    def _run_steps(self, total: int) -> None:
        """Run every step; this runner does it in topological order, in process."""
        for index, step in enumerate(self.compiled.steps.values(), start=1):
            self._run_step(step, index, total)

    # -- one step ------------------------------------------------------------------------------------------

    def _components(self, step: CompiledStep) -> CacheComponents:
        edges = self.compiled.spec.inputs_of(step.slot)
        return CacheComponents(
            code=step.code_digest,
            code_parts=dict(step.code_parts),
            config=config_digest(step.config.to_dict() if step.config is not None else None),
            inputs={
                name: self.produced[(edge.source_step, edge.source_output)].artifact.content_hash
                for name, edge in edges.items()
            },
            materializers={name: ad.materializer_version(m) for name, m in step.writers.items()},
        )

    def _run_step(self, step: CompiledStep, index: int, total: int) -> None:
        started = time.perf_counter()
        components = self._components(step)
        key = components.key()
        if self._try_cached(step, components, key):
            self.say(f"[{index}/{total}] {step.slot}: cached ({(time.perf_counter() - started) * 1000:.1f} ms)")
            return
        self.say(f"[{index}/{total}] {step.slot}: running")
        outputs: dict[str, Output[object]] = {}
        staged: dict[str, ad.Staged] = {}
        step_started = time.time()
        self._started(step, step_started)
        try:
            kwargs = self._call_arguments(step, outputs, staged)
        except ad.STORAGE_FAULTS as exc:
            raise self._storage_fault(step, components, step_started, staged, exc, doing="loading its inputs") from exc
        try:
            result = step.instance.step.func(**kwargs)
        except (KeyboardInterrupt, SystemExit):
            self._record_failure(
                step, components, step_started, "stopped by the user", staged, status=StepStatus.STOPPED
            )
            raise
        except Exception as exc:
            self._record_failure(step, components, step_started, traceback.format_exc(), staged)
            raise StepFailedError(
                f'Step "{step.slot}" ({step.instance.name}) of run {self.run_id} failed: {type(exc).__name__}: {exc}',
                run_id=self.run_id,
                step_name=step.slot,
            ) from exc
        try:
            written = self._finish_call(step, result, outputs, staged)
        except (OutputTypeError, WiringError) as exc:
            self._record_failure(step, components, step_started, str(exc), staged)
            raise
        except ArtifactWriteError as exc:
            if isinstance(exc.__cause__, OSError):  # the disk refused, not the value: a storage fault
                raise self._storage_fault(
                    step, components, step_started, staged, exc.__cause__, doing="saving its outputs"
                ) from exc
            self._record_failure(step, components, step_started, str(exc), staged)
            raise StepFailedError(
                f'Step "{step.slot}" ({step.instance.name}) of run {self.run_id} failed: {exc}',
                run_id=self.run_id,
                step_name=step.slot,
            ) from exc
        except ad.STORAGE_FAULTS as exc:
            raise self._storage_fault(step, components, step_started, staged, exc, doing="saving its outputs") from exc
        self._record(
            step,
            StepStatus.COMPLETED,
            components,
            step_started,
            cache_key=key if step.cache_enabled else None,
            outputs=written,
        )
        self.say(f"[{index}/{total}] {step.slot}: done ({(time.perf_counter() - started) * 1000:.1f} ms)")

    def _try_cached(self, step: CompiledStep, components: CacheComponents, key: str) -> bool:
        """Reuse the step from the resumed run or the cache when its key matches (and record it as cached)."""
        hit = self.resume_hits.get(step.slot)
        if hit is not None and hit.cache_key != key:
            hit = None
        if hit is None and step.cache_enabled:
            hit = self.context.stores.lineage.find_cached(key)
        return hit is not None and self._reuse(step, hit, components)

    def _call_arguments(
        self, step: CompiledStep, outputs: dict[str, Output[object]], staged: dict[str, ad.Staged]
    ) -> dict[str, object]:
        """Load the inputs and open staging for ``Output[T]`` parameters (filling ``outputs`` and ``staged``)."""
        inputs = self._inputs(step)
        for out in step.outputs:
            if out.kind is OutputKind.PARAM:
                staged[out.name] = self.context.stores.stage(step.slot, out.name)
                outputs[out.name] = self._output_handle(step, out.name, staged[out.name])
        kwargs = {**inputs, **outputs}
        config_param = step.instance.step.signature.config
        if config_param is not None and step.config is not None:
            kwargs[config_param.name] = step.config
        return kwargs

    def _finish_call(
        self,
        step: CompiledStep,
        result: object,
        outputs: Mapping[str, Output[object]],
        staged: Mapping[str, ad.Staged],
    ) -> dict[str, ad.ArtifactInfo]:
        """Check the returned values against the declared types and commit every output."""
        returned = self._returned_values(step, result)
        return self._write_outputs(step, returned, outputs, staged)

    def _edges(self, step: CompiledStep) -> list[tuple[str, ad.EdgeLike]]:
        return list(self.compiled.spec.inputs_of(step.slot).items())

    def _record(
        self,
        step: CompiledStep,
        status: StepStatus,
        components: CacheComponents,
        started_at: float,
        *,
        cache_key: str | None = None,
        outputs: Mapping[str, ad.ArtifactInfo] | None = None,
        reused: ad.CachedStep | None = None,
        error: str | None = None,
    ) -> None:
        """Record a finished step (completed, cached or failed) with its inputs, in one lineage transaction."""
        self.context.stores.lineage.record_step(
            FinishedStep(
                run_id=self.run_id,
                step_name=step.slot,
                status=status,
                source=step.source,
                config=step.config_json(),
                cache_key=cache_key,
                cache_components=components.to_json(),
                started_at=started_at,
                ended_at=time.time(),
                inputs={
                    name: self.produced[(e.source_step, e.source_output)].artifact.artifact_id
                    for name, e in self._edges(step)
                },
                new_outputs=dict(outputs or {}),
                reused_outputs={n: a.artifact_id for n, a in reused.outputs.items()} if reused is not None else {},
                cached_from=reused.step_run_id if reused is not None else None,
                error=error,
                step_run_id=self.running_rows.pop(step.slot, None),
            )
        )

    def _started(self, step: CompiledStep, started_at: float) -> None:
        """Record the step as running: a live run shows it, and a crashed one shows which step it died in."""
        self.running_rows[step.slot] = self.context.stores.lineage.start_step(
            run_id=self.run_id,
            step_name=step.slot,
            source=step.source,
            config=step.config_json(),
            started_at=started_at,
        )

    def _reuse(self, step: CompiledStep, hit: ad.CachedStep, components: CacheComponents) -> bool:
        """Reuse a cached step's artifacts if they are all present and intact; otherwise it is a miss."""
        names = {o.name for o in step.outputs}
        if set(hit.outputs) != names:
            return False
        for artifact in hit.outputs.values():
            if not self.context.stores.artifact_intact(artifact):
                return False
        self._record(step, StepStatus.CACHED, components, time.time(), cache_key=hit.cache_key, reused=hit)
        for name, artifact in hit.outputs.items():
            self.produced[(step.slot, name)] = _Produced(artifact)
        return True

    def _read(self, artifact: ad.ArtifactInfo, as_type: object, reader: type | None) -> object:
        return self.context.stores.read_value(self.context.registry, artifact, as_type, reader)

    def _inputs(self, step: CompiledStep) -> dict[str, object]:
        kwargs: dict[str, object] = {}
        signature = step.instance.step.signature
        for name, edge in self._edges(step):
            param = signature.input(name)
            assert param is not None  # the spec was built from this signature
            produced = self.produced[(edge.source_step, edge.source_output)]
            reader = step.readers.get(name)
            if param.kind is InputKind.VALUE:
                if produced.has_value and reader is None and name not in step.views:
                    kwargs[name] = produced.value  # handed over in memory; the stored artifact holds the same value
                else:
                    kwargs[name] = self._read(produced.artifact, param.type, reader)
            else:
                kwargs[name] = self._input_handle(name, produced.artifact, param.type, reader)
        return kwargs

    def _input_handle(
        self, name: str, artifact: ad.ArtifactInfo, as_type: object, reader: type | None
    ) -> Input[object]:
        def load() -> object:
            return self._read(artifact, as_type, reader)

        return Input(uri=self.context.stores.local_path(artifact), load=load, name=name, metadata=artifact.metadata)

    def _output_handle(self, step: CompiledStep, name: str, staged: ad.Staged) -> Output[object]:
        writer = step.writers[name]
        declared = next(o.type for o in step.outputs if o.name == name)

        def store(value: object) -> None:
            self._check_type(step, name, declared, value)
            write_artifact(writer, value, staged, artifact=name, step=step.slot)
            self.written_values[(step.slot, name)] = value

        return Output(uri=staged.uri, store=store, name=name)

    def _check_type(self, step: CompiledStep, name: str, declared: object, value: object) -> None:
        if not value_conforms(value, declared):
            raise OutputTypeError(
                f'Step "{step.slot}" ({step.instance.name}) returned {type(value).__name__} for output "{name}", '
                f"which is declared as {type_name(declared)}. Nothing was written for it; fix the step or its "
                f"annotation."
            )

    def _returned_values(self, step: CompiledStep, result: object) -> dict[str, object]:
        returned = [o for o in step.outputs if o.kind is OutputKind.RETURN]
        named = step.instance.step.signature.returns_named
        if not returned:
            if result is not None:
                raise OutputTypeError(
                    f'Step "{step.slot}" ({step.instance.name}) is annotated to return None but returned '
                    f"{type(result).__name__}. Annotate the return type to store it as an output."
                )
            return {}
        if named is None:
            assert returned[0].name == DEFAULT_OUTPUT
            self._check_type(step, DEFAULT_OUTPUT, returned[0].type, result)
            return {DEFAULT_OUTPUT: result}
        if not isinstance(result, tuple) or len(result) != len(returned):
            raise OutputTypeError(
                f'Step "{step.slot}" ({step.instance.name}) must return a {named.__name__} with fields '
                f"{', '.join(o.name for o in returned)}; it returned {type(result).__name__}."
            )
        values = dict(zip((o.name for o in returned), result, strict=True))
        for out in returned:
            self._check_type(step, out.name, out.type, values[out.name])
        return values

    def _write_outputs(
        self,
        step: CompiledStep,
        returned: Mapping[str, object],
        handles: Mapping[str, Output[object]],
        staged: Mapping[str, ad.Staged],
    ) -> dict[str, ad.ArtifactInfo]:
        written: dict[str, ad.ArtifactInfo] = {}
        for out in step.outputs:
            writer = step.writers[out.name]
            if out.kind is OutputKind.RETURN:
                value = returned[out.name]
                info = self.context.stores.write_value(
                    writer, value, step_name=step.slot, output_name=out.name, type_name=type_name(out.type)
                )
                self.produced[(step.slot, out.name)] = _Produced(info, value, True)
            else:
                handle = handles[out.name]
                key = (step.slot, out.name)
                info = self.context.stores.commit_staged(
                    staged[out.name],
                    writer if handle.written else None,
                    type_name=type_name(out.type),
                    metadata=handle.metadata,
                    value=self.written_values.get(key),
                )
                self.produced[key] = _Produced(info, self.written_values.get(key), key in self.written_values)
            written[out.name] = info
        return written

    def _storage_fault(
        self,
        step: CompiledStep,
        components: CacheComponents,
        started: float,
        staged: Mapping[str, ad.Staged],
        exc: Exception,
        *,
        doing: str,
    ) -> StepFailedError:
        """Record the step failed with the cause (its staged outputs discarded) and return the error to raise."""
        cause = ad.describe_storage_fault(exc)
        message = (
            f'Step "{step.slot}" ({step.instance.name}) of run {self.run_id} failed while {doing}: {cause}. '
            f"Nothing of this step was committed; fix the cause and run again."
        )
        self._record_failure(step, components, started, message, staged)
        return StepFailedError(message, run_id=self.run_id, step_name=step.slot, storage_fault=True)

    def _record_failure(
        self,
        step: CompiledStep,
        components: CacheComponents,
        started: float,
        error: str,
        staged: Mapping[str, ad.Staged],
        *,
        status: StepStatus = StepStatus.FAILED,
    ) -> None:
        for area in staged.values():
            self.context.stores.discard_staged(area)
        self._record(step, status, components, started, error=error)
