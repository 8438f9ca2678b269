"""Compiling a bound pipeline into what the runner executes: every check that can fail does so here.

Compilation resolves each step's config (bound, from a run config, or the class defaults), chooses a
materializer for every output (explicitly chosen ones are validated against the output type), pins the code
of every step, config class and materializer, and fingerprints step code for caching. A type without a
materializer, a missing config or an unknown slot fails now, naming the step and the output, before any step
runs or anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from zen_materialize import Materializer, MaterializerError, MaterializerRegistry
from zen_run._cache import config_digest
from zen_run._pinning import Pinner
from zen_run._registry import explicit_writer, materializer_name, materializer_version
from zen_run.errors import CompileError
from zen_store import RepoRecord
from zen_types import BaseStepConfig, JSONValue, OutputParam, PipelineInstance, PipelineSpec, StepInstance, type_name
from zen_types.errors import ConfigError

__all__ = ["CompiledPipeline", "CompiledStep", "compile_pipeline", "recompile"]


@attrs.frozen(kw_only=True)
class CompiledStep:
    """One slot, ready to execute."""

    slot: str
    instance: StepInstance[object]
    config: BaseStepConfig | None
    writers: Mapping[str, Materializer[object]]
    """Output name -> the materializer that writes it."""
    readers: Mapping[str, type]
    """Input name -> an explicitly chosen reader class (views); others are chosen by stored format."""
    views: Mapping[str, type] = attrs.field(factory=dict)
    """Input name -> the class a viewed handle asks the upstream artifact to be read as (``handle.view(V)``)."""
    source: str
    """The pinned (or unpinned) source string of the step function."""
    code_digest: str
    code_parts: Mapping[str, str]
    cache_enabled: bool
    type_names: Mapping[str, str]
    """Output name -> its declared type as records spell it (``type_name``), worked out once, not per run."""
    config_digest: str
    """The config's canonical JSON: its cache key component."""
    materializer_versions: Mapping[str, str]
    """Output name -> its writer's name and format version: their cache key components."""

    @property
    def outputs(self) -> tuple[OutputParam, ...]:
        """The step's declared outputs."""
        return self.instance.step.signature.outputs

    def config_json(self) -> dict[str, JSONValue] | None:
        """The config as recorded."""
        return self.config.to_dict() if self.config is not None else None


@attrs.frozen(kw_only=True)
class CompiledPipeline:
    """A whole pipeline instance, compiled."""

    instance: PipelineInstance
    spec: PipelineSpec
    steps: Mapping[str, CompiledStep]
    """In topological order."""
    sources: Mapping[str, str]
    """Every pinned object of the run: qualified name -> source string (steps, configs, materializers)."""
    repo: RepoRecord
    """The repository state the run starts from."""


def _writer(
    registry: MaterializerRegistry, slot: str, instance: StepInstance[object], out: OutputParam
) -> Materializer[object]:
    chosen = instance.materializers.get(out.name)
    try:
        if chosen is not None:
            return explicit_writer(registry, chosen, out.type)
        return registry.writer_for(out.type)
    except MaterializerError as exc:
        raise CompileError(f'Output "{out.name}" of step "{slot}" ({instance.name}): {exc}') from exc


def _check_views(registry: MaterializerRegistry, steps: Mapping[str, CompiledStep], spec: PipelineSpec) -> None:
    """Every viewed input has a reader for its upstream output's stored format and the view's class."""
    for slot, compiled in steps.items():
        edges = spec.inputs_of(slot)
        for name, as_type in compiled.views.items():
            edge = edges[name]
            producer = steps[edge.source_step]
            writer = producer.writers[edge.source_output]
            stored = next(o.type for o in producer.outputs if o.name == edge.source_output)
            try:
                registry.reader_for(type(writer).FORMAT, as_type)
            except MaterializerError as exc:
                raise CompileError(
                    f'Input "{name}" of step "{slot}" views output "{edge.source_output}" of step '
                    f'"{edge.source_step}" ({type_name(stored)}, stored as {type(writer).FORMAT}) as '
                    f"{type_name(as_type)}, but no reader reads that format as {type_name(as_type)}: {exc} "
                    f"Register a view (a Materializer with FORMAT = {type(writer).FORMAT!r} and READ_TYPES = "
                    f"({as_type.__name__},)) or remove the .view()."
                ) from exc


def _check_names(steps: Mapping[str, CompiledStep]) -> None:
    """Two outputs of one run never take the same name: each run adds one version per name."""
    seen: dict[str, str] = {}
    for slot, compiled in steps.items():
        for out in compiled.outputs:
            if out.artifact_name is None:
                continue
            here = f'output "{out.name}" of step "{slot}"'
            if out.artifact_name in seen:
                raise CompileError(
                    f"{seen[out.artifact_name]} and {here} are both named {out.artifact_name!r} (ArtifactName); "
                    f"a run stores one version of each name. Give one of them another name."
                )
            seen[out.artifact_name] = here


def _pinned_objects(
    bound: StepInstance[object], config: BaseStepConfig | None, writers: Mapping[str, Materializer[object]]
) -> dict[str, object]:
    """What a run pins for one step: its function, its config class and its materializers, by qualified name."""
    objects: dict[str, object] = {bound.step.source_name: bound.step.func}
    if config is not None:
        objects[f"{type(config).__module__}.{type(config).__qualname__}"] = type(config)
    for writer in writers.values():
        objects[materializer_name(writer)] = type(writer)
    return objects


def recompile(previous: CompiledPipeline, *, pinner: Pinner) -> CompiledPipeline | None:
    """``previous`` for another run when pinning its code now gives the same sources and code digests (the
    repository state is read again; unpinned code is warned about again), else None. The caller vouches that the
    instance, its configs and the registry's choices are those ``previous`` was compiled from."""
    objects: dict[str, object] = {}
    for step in previous.steps.values():
        objects.update(_pinned_objects(step.instance, step.config, step.writers))
    sources, repo = pinner.pin_many(objects)
    if sources != previous.sources:
        return None
    for step in previous.steps.values():
        digest, parts = pinner.fingerprint(step.instance.step.func)
        if digest != step.code_digest or parts != step.code_parts:
            return None
    return previous if repo == previous.repo else attrs.evolve(previous, repo=repo)


def compile_pipeline(
    instance: PipelineInstance,
    *,
    registry: MaterializerRegistry,
    pinner: Pinner,
    enable_cache: bool | None = None,
    step_cache: Mapping[str, bool | None] | None = None,
) -> CompiledPipeline:
    """Compile ``instance``; raises CompileError / ConfigError before anything runs."""
    spec = instance.compile()
    step_cache = step_cache or {}
    steps: dict[str, CompiledStep] = {}
    objects: dict[str, object] = {}
    for step_spec in spec.steps:
        slot = step_spec.name
        bound = instance.bound[slot]
        try:
            config = instance.config_of(slot)
        except ConfigError as exc:
            raise CompileError(str(exc)) from exc
        outputs = bound.step.signature.outputs
        writers = {out.name: _writer(registry, slot, bound, out) for out in outputs}
        input_names = {i.name for i in bound.step.signature.inputs}
        readers = {name: cls for name, cls in bound.materializers.items() if name in input_names}
        views = dict(instance.steps[slot].views)
        objects.update(_pinned_objects(bound, config, writers))
        cache_flags = [enable_cache, instance.pipeline.enable_cache, step_cache.get(slot), bound.enable_cache]
        steps[slot] = CompiledStep(
            slot=slot,
            instance=bound,
            config=config,
            writers=writers,
            readers=readers,
            views=views,
            source="",
            code_digest="",
            code_parts={},
            cache_enabled=all(flag is not False for flag in cache_flags),
            type_names={out.name: type_name(out.type) for out in outputs},
            config_digest=config_digest(config.to_dict() if config is not None else None),
            materializer_versions={name: materializer_version(m) for name, m in writers.items()},
        )
    _check_views(registry, steps, spec)
    _check_names(steps)
    sources, repo = pinner.pin_many(objects)
    finished: dict[str, CompiledStep] = {}
    for slot, compiled in steps.items():
        digest, parts = pinner.fingerprint(compiled.instance.step.func)
        finished[slot] = CompiledStep(  # not attrs.evolve, which costs several times as much for each step of each run
            slot=slot,
            instance=compiled.instance,
            config=compiled.config,
            writers=compiled.writers,
            readers=compiled.readers,
            views=compiled.views,
            source=sources[compiled.instance.step.source_name],
            code_digest=digest,
            code_parts=parts,
            cache_enabled=compiled.cache_enabled,
            type_names=compiled.type_names,
            config_digest=compiled.config_digest,
            materializer_versions=compiled.materializer_versions,
        )
    return CompiledPipeline(instance=instance, spec=spec, steps=finished, sources=sources, repo=repo)
