"""Running a pipeline instance: compile it, record the run, and let the stack's orchestrator execute its steps.

``run_pipeline_instance`` is what ``PipelineInstance.run()`` reaches (through the ``zen.runner`` entry point).
It compiles (bind, type-check, resolve materializers, pin sources), records the run, and hands a
:class:`~zen_run.orchestration.RunDriver` to the orchestrator the stack names (``local``: in process, in
topological order). A failing step marks itself and the run failed, keeps everything that completed, and
raises StepFailedError chained to the user's exception; Ctrl-C marks the run stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import attrs

from zen_run._client import Client, Run
from zen_run._compile import CompiledPipeline
from zen_run._context import RunContext
from zen_run._driver import RunDriver
from zen_run._orchestrator import Orchestrator
from zen_run._orchestrators import orchestrators
from zen_run._progress import LineProgress, LiveProgress, Progress, progress_for
from zen_run._runconfig import RunConfig
from zen_run.errors import RunConfigError
from zen_store import NewRun, RunStatus
from zen_types import PipelineInstance

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
    progress: bool | Callable[[str], None] | None = True
    """Show progress on stderr: ``True`` (live in a terminal, one line per finished step elsewhere), ``False`` or
    ``None`` for none, or a function receiving each line."""
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
    return execute(instance, RunContext.shared(stack=opts.stack), opts)


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
    compiled = context.compilations.compile(
        instance,
        registry=context.registry,
        pinner=context.pinner,
        enable_cache=run_config.enable_cache,
        step_cache={slot: cfg.enable_cache for slot, cfg in run_config.steps.items()},
    )
    orchestrator = orchestrators.get(context.stack.orchestrator)
    assert isinstance(orchestrator, Orchestrator)  # the registry checked it has run_steps
    lineage = context.stores.lineage
    run_id = lineage.create_run(_new_run(compiled, run_config, context, opts))
    started = time.perf_counter()
    with _display(opts.progress) as progress:
        driver = RunDriver(
            context,
            compiled,
            run_id,
            resume_hits=lineage.completed_steps(opts.resume_from) if opts.resume_from is not None else None,
            progress=progress,
        )
        status = RunStatus.FAILED  # a failed step (raised by the driver), or anything else cutting the run short
        try:
            with context.stores.heartbeat(run_id):
                try:
                    orchestrator.run_steps(driver, dict(context.stack.options))
                finally:
                    driver.flush()  # what completed is recorded while the lease still protects it
                if not driver.done:
                    raise RuntimeError(
                        f"zen: orchestrator {context.stack.orchestrator!r} returned before every step ran."
                    )
            status = RunStatus.COMPLETED
        except KeyboardInterrupt:
            status = RunStatus.STOPPED
            raise
        finally:
            lineage.finish_run(run_id, status=status)
            if progress is not None:
                progress.run_finished(run_id, status.value, time.perf_counter() - started)
    return Client(context=context).get_run(run_id)


def _new_run(compiled: CompiledPipeline, config: RunConfig, context: RunContext, opts: RunOptions) -> NewRun:
    return NewRun(
        pipeline_name=compiled.spec.pipeline_name,
        run_name=config.run_name,
        spec_json=compiled.spec.to_json(),
        stack=context.stack.name,
        repo=compiled.repo,
        sources=dict(compiled.sources),
        tags=opts.tags,
        configs={slot: step.config_json() for slot, step in compiled.steps.items()},
    )


@contextmanager
def _display(choice: bool | Callable[[str], None] | None) -> Iterator[Progress | None]:
    """The progress display ``RunOptions.progress`` asks for, running (and passing step output above a live
    status line) while the block runs."""
    if choice is None or choice is False:
        yield None
    elif callable(choice):
        yield LineProgress(choice)
    else:
        shown = progress_for()
        if isinstance(shown, LiveProgress):
            with shown, shown.passing_output():
                yield shown
        else:
            yield shown
