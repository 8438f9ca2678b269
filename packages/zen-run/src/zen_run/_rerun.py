"""Running a recorded run again: ``zen rerun`` from its pinned sources, ``zen resume`` to finish a failed one.

Both rebuild the pipeline instance from what the run recorded (its spec: slots, edges, config classes and
values; its step runs: the source strings of the step code) rather than from the current pipeline module, so a
run stays re-runnable after the working tree moved on. ``rerun`` loads pinned code from git history in memory;
``resume`` uses the code as it is now (you usually fixed the failing step) and reuses every step that completed
with an unchanged cache key. Both import the project's modules by name, so they put the project folder on
``sys.path`` first, as every ``zen`` command does.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

from zen_run._client import Client, Run
from zen_run._context import RunContext
from zen_run._pinning import resolve_source
from zen_run._runner import RunOptions, execute
from zen_run.errors import RunNotResumableError
from zen_store import RunStatus
from zen_types import (
    AnyFunction,
    BaseStepConfig,
    Handle,
    OutputHandles,
    Pipeline,
    PipelineInstance,
    PipelineSpec,
    Step,
    StepInstance,
    structure_config,
)

__all__ = ["instance_from_run", "pipeline_from_spec", "rerun", "resume"]


def pipeline_from_spec(spec: PipelineSpec) -> Pipeline[AnyFunction]:
    """A pipeline whose body wires exactly the recorded edges (slots keep their names)."""

    def body(**slots: AnyFunction) -> None:
        handles: dict[tuple[str, str], object] = {}
        for step in spec.steps:
            kwargs = {
                name: handles[(edge.source_step, edge.source_output)]
                for name, edge in spec.inputs_of(step.name).items()
            }
            result = slots[step.name](**kwargs)
            if isinstance(result, OutputHandles):
                for handle in result:
                    handles[(step.name, handle.output_name)] = handle
            elif isinstance(result, Handle):
                handles[(step.name, result.output_name)] = result

    parameters = [inspect.Parameter(s.name, inspect.Parameter.KEYWORD_ONLY) for s in spec.steps]
    body.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  # read by inspect.signature
    body.__name__ = spec.pipeline_name
    return Pipeline(body, name=spec.pipeline_name)


def _strip_pin(source: str) -> str:
    return source.split("@", 1)[0]


def _step_sources(run: Run) -> dict[str, str]:
    """The source string of each step of ``run``: the one its step run recorded, else the run's pin of it."""
    sources: Mapping[str, str] = run.record.sources
    step_runs = run.steps
    found: dict[str, str] = {}
    for step_spec in run.spec.steps:
        recorded = step_runs.get(step_spec.name)
        found[step_spec.name] = (
            recorded.source
            if recorded is not None and recorded.source
            else sources.get(step_spec.source, step_spec.source)
        )
    return found


def _refuse_main_code(run: Run, step_sources: Mapping[str, str], verb: str) -> None:
    """Say why before trying: code defined in ``__main__`` (a notebook, a script run directly) has no module
    another process can import, so nothing can load it again."""
    sources: Mapping[str, str] = run.record.sources
    classes = [sources.get(s.config_class, s.config_class) for s in run.spec.steps if s.config_class is not None]
    from_main = sorted(
        {source.split("@", 1)[0] for source in [*step_sources.values(), *classes] if source.startswith("__main__.")}
    )
    if from_main:
        raise RunNotResumableError(
            f"run {run.id} cannot be {verb}: its code was defined in a notebook or in a script run directly "
            f"({', '.join(from_main)}), which no other process can load. Move the steps into a module of the "
            f"project, commit it, and run the pipeline from there; such runs can be {verb}."
        )


def _warn_unpinned(run: Run) -> None:
    """Say when a run to re-run recorded code not pinned to a commit: that code is loaded as it is now, which
    need not be what the run ran (a pinned source has ``@<sha>``, or ``@zen_<version>`` for zen's own)."""
    sources: Mapping[str, str] = run.record.sources
    classes = [sources.get(s.config_class, s.config_class) for s in run.spec.steps if s.config_class is not None]
    unpinned = sorted({source for source in [*_step_sources(run).values(), *classes] if "@" not in source})
    if unpinned:
        from zen_git import UnpinnedCodeWarning

        warnings.warn(
            f"run {run.id} recorded code that was not pinned to a commit ({', '.join(unpinned)}), so this re-run "
            f"loads it as it is now, which may not be the code that run ran.",
            UnpinnedCodeWarning,
            stacklevel=3,
        )


def instance_from_run(run: Run, *, pinned: bool, root: Path | None = None) -> PipelineInstance:
    """Rebuild a run's pipeline instance: its step code (pinned from history, or as it is now) and configs;
    ``root`` is the project folder, where pinned code whose module left the working tree is looked for.
    Code defined in ``__main__`` is refused before anything is loaded."""
    spec = run.spec
    sources: Mapping[str, str] = run.record.sources
    step_sources = _step_sources(run)
    _refuse_main_code(run, step_sources, "re-run" if pinned else "resumed")
    bound: dict[str, StepInstance[object]] = {}
    for step_spec in spec.steps:
        source = step_sources[step_spec.name]
        if not pinned:
            source = _strip_pin(source)
        obj = resolve_source(source, root=root)
        if not isinstance(obj, Step):
            raise RunNotResumableError(
                f"run {run.id}: step {step_spec.name!r} resolves to {type(obj).__name__} from {source!r}, not a step."
            )
        config: BaseStepConfig | None = None
        if step_spec.config_class is not None and step_spec.config is not None:
            cls_source = sources.get(step_spec.config_class, step_spec.config_class)
            cls = resolve_source(cls_source if pinned else _strip_pin(cls_source), root=root)
            if not (isinstance(cls, type) and issubclass(cls, BaseStepConfig)):
                raise RunNotResumableError(f"run {run.id}: config class {cls_source!r} is not a BaseStepConfig.")
            config = structure_config(step_spec.config, cls, path=f"steps.{step_spec.name}.config")
        bound[step_spec.name] = obj(config, enable_cache=step_spec.enable_cache)
    return pipeline_from_spec(spec)(**bound)


def rerun(
    context: RunContext,
    run_id: str,
    *,
    progress: bool | Callable[[str], None] | None = None,
    enable_cache: bool = True,
) -> Run:
    """Execute a past run again from its pinned sources; returns the new run (compare it with the old one)."""
    old = Client(context=context).get_run(run_id)
    context.project.make_importable()
    instance = instance_from_run(old, pinned=True, root=context.project.root)
    _warn_unpinned(old)
    return execute(instance, context, RunOptions(progress=progress, enable_cache=None if enable_cache else False))


def resume(context: RunContext, run_id: str, *, progress: bool | Callable[[str], None] | None = None) -> Run:
    """Run the remaining steps of a failed, crashed or stopped run, reusing the steps that completed."""
    old = Client(context=context).get_run(run_id)
    if old.status is RunStatus.COMPLETED:
        raise RunNotResumableError(f"run {old.id} completed; there is nothing to resume (use `zen rerun`).")
    if old.status is RunStatus.RUNNING:
        raise RunNotResumableError(f"run {old.id} is still running; wait for it or for it to be marked crashed.")
    context.project.make_importable()
    instance = instance_from_run(old, pinned=False)
    return execute(instance, context, RunOptions(progress=progress, resume_from=old.id))
