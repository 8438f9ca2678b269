"""The compiled pipeline spec: an immutable, JSON-serialisable record of exactly what a run bound.

A spec lists the steps in topological order (slot name, step source, inputs, outputs, config class and
values, cache flag, explicit materializers) and the data edges between them. The runner executes from it
together with the live objects; the lineage store records its JSON so a run can be shown, compared and
re-run long after the process ended. Loading a spec validates it (dangling edges, duplicate names, cycles).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import attrs

from zen_types._json import JSONValue
from zen_types.errors import SpecError

if TYPE_CHECKING:
    import cattrs

__all__ = ["FORMAT_VERSION", "EdgeSpec", "IOSpec", "PipelineSpec", "StepSpec", "topological_order"]

FORMAT_VERSION: Final = 1
"""The version of the spec's JSON layout that this zen writes and reads."""


@attrs.frozen(kw_only=True)
class IOSpec:
    """One input or output of a step as recorded: name, readable type, qualified type, and kind."""

    name: str
    type: str
    type_path: str
    kind: str


@attrs.frozen(kw_only=True)
class StepSpec:
    """One bound slot of a pipeline."""

    name: str
    step_name: str
    source: str
    inputs: tuple[IOSpec, ...]
    outputs: tuple[IOSpec, ...]
    config_class: str | None = None
    config: dict[str, JSONValue] | None = None
    enable_cache: bool | None = None
    materializers: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class EdgeSpec:
    """Output ``source_output`` of step ``source_step`` feeds input ``target_input`` of ``target_step``."""

    source_step: str
    source_output: str
    target_step: str
    target_input: str


def topological_order(names: Iterable[str], edges: Iterable[EdgeSpec]) -> list[str]:
    """Order step names so every edge goes forward; ties keep the given order. Raises SpecError on cycles."""
    order = list(names)
    incoming: dict[str, set[str]] = {name: set() for name in order}
    for edge in edges:
        if edge.target_step not in incoming or edge.source_step not in incoming:
            missing = edge.source_step if edge.source_step not in incoming else edge.target_step
            raise SpecError(f"edge {edge} names step {missing!r}, which is not among the steps {order}.")
        incoming[edge.target_step].add(edge.source_step)
    done: list[str] = []
    placed: set[str] = set()
    while len(done) < len(order):
        ready = [n for n in order if n not in placed and incoming[n] <= placed]
        if not ready:
            stuck = sorted(n for n in order if n not in placed)
            raise SpecError(f"the steps {', '.join(stuck)} form a cycle; a pipeline's data edges must form a DAG.")
        for name in ready:
            placed.add(name)
            done.append(name)
    return done


@attrs.frozen(kw_only=True)
class PipelineSpec:
    """A whole compiled pipeline instance."""

    pipeline_name: str
    steps: tuple[StepSpec, ...]
    edges: tuple[EdgeSpec, ...]
    format_version: int = 1  # FORMAT_VERSION; a spec written by a newer zen is refused, not misread

    def __attrs_post_init__(self) -> None:
        if self.format_version != FORMAT_VERSION:
            raise SpecError(
                f"pipeline {self.pipeline_name!r}: spec format version {self.format_version} is not supported "
                f"(this zen reads version {FORMAT_VERSION}); upgrade zen to load it."
            )
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise SpecError(f"pipeline {self.pipeline_name!r} lists a step name twice: {names}.")
        by_name = {s.name: s for s in self.steps}
        for edge in self.edges:
            source, target = by_name.get(edge.source_step), by_name.get(edge.target_step)
            if source is None or target is None:
                missing = edge.source_step if source is None else edge.target_step
                raise SpecError(f"edge {edge} names step {missing!r}, which the pipeline does not have.")
            if edge.source_output not in {o.name for o in source.outputs}:
                raise SpecError(f"edge {edge}: step {source.name!r} has no output {edge.source_output!r}.")
            if edge.target_input not in {i.name for i in target.inputs}:
                raise SpecError(f"edge {edge}: step {target.name!r} has no input {edge.target_input!r}.")
        fed = [(e.target_step, e.target_input) for e in self.edges]
        for step_name, input_name in fed:
            if fed.count((step_name, input_name)) > 1:
                raise SpecError(
                    f"pipeline {self.pipeline_name!r}: input {input_name!r} of step {step_name!r} is fed by "
                    f"{fed.count((step_name, input_name))} edges; each input has at most one."
                )
        topological_order(names, self.edges)  # raises on cycles
        position = {name: index for index, name in enumerate(names)}
        for edge in self.edges:
            if position[edge.source_step] >= position[edge.target_step]:
                raise SpecError(
                    f"pipeline {self.pipeline_name!r}: step {edge.target_step!r} is listed before its input "
                    f"{edge.source_step!r}; steps must be in topological order."
                )

    def step(self, name: str) -> StepSpec:
        """The step bound to slot ``name``."""
        for spec in self.steps:
            if spec.name == name:
                return spec
        raise SpecError(f"pipeline {self.pipeline_name!r} has no step {name!r}.")

    def inputs_of(self, name: str) -> Mapping[str, EdgeSpec]:
        """The edges feeding step ``name``, by input name."""
        return MappingProxyType(self._feeding.get(name, {}))

    @functools.cached_property
    def _feeding(self) -> dict[str, dict[str, EdgeSpec]]:
        """Step name -> the edges feeding it, by input name (found once: the runner asks for each step often)."""
        feeding: dict[str, dict[str, EdgeSpec]] = {}
        for edge in self.edges:
            feeding.setdefault(edge.target_step, {})[edge.target_input] = edge
        return feeding

    def to_json(self) -> str:
        """The spec as canonical JSON (sorted keys), stable across processes."""
        return self._json

    @functools.cached_property
    def _json(self) -> str:
        return json.dumps(_converter().unstructure(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> PipelineSpec:
        """Load and validate a spec written by :meth:`to_json`."""
        import cattrs  # loaded with the first spec read or written (see _converter), not with zen-types

        try:
            return _converter().structure(json.loads(text), cls)
        except SpecError:
            raise
        except (ValueError, TypeError, KeyError, cattrs.BaseValidationError) as exc:
            inner = _find_spec_error(exc)
            if inner is not None:
                raise inner from exc
            raise SpecError(f"not a valid pipeline spec: {exc}") from exc


def _find_spec_error(exc: BaseException) -> SpecError | None:
    """The SpecError a validation raised, when cattrs wrapped it in an exception group."""
    if isinstance(exc, SpecError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _find_spec_error(inner)
        if found is not None:
            return found
    return None


def _json_passthrough(value: object, _: object) -> object:
    """Config values are JSON already (they were unstructured from a config); keep them as they are."""
    if value is not None and not isinstance(value, dict):
        raise TypeError(f"expected a JSON object or null, got {type(value).__name__}")
    return value


@functools.cache
def _converter() -> cattrs.Converter:
    """The spec converter, built on first use: importing cattrs and building a converter cost more than the rest
    of zen-types, and defining steps and pipelines never needs them."""
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook_func(
        lambda tp: tp == attrs.fields(attrs.resolve_types(StepSpec)).config.type, _json_passthrough
    )
    return converter
