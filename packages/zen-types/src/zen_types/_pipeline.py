"""``@pipeline``: slots, binding, tracing the body into data edges, and the compiled spec.

Seeds: pipelines define the data dependencies between steps; runs define the parameters. A pipeline function's
parameters are *slots*; binding step instances to them gives a :class:`PipelineInstance`, and the same pipeline
can be bound again with other steps of the same interface. Binding traces the body once: every slot call
records which outputs feed which inputs, checked with the shared assignability rule, so a pipeline that does
not fit together fails here, before any step runs.
"""

from __future__ import annotations

import inspect
import itertools
import typing
from collections.abc import Callable, Mapping
from typing import Generic, Never, ParamSpec, Protocol, TypeAlias, TypeVar, get_args, get_origin, overload

import attrs

from zen_types import _messages
from zen_types._assignability import is_assignable, type_name
from zen_types._config import BaseStepConfig, config_fields, structure_config
from zen_types._handles import Handle, OutputHandles
from zen_types._run import RunView, run_pipeline
from zen_types._signature import InputParam, StepSignature
from zen_types._spec import EdgeSpec, IOSpec, PipelineSpec, StepSpec
from zen_types._step import StepInstance
from zen_types._typing import AnyFunction, Permissive
from zen_types.errors import BindingError, ConfigError, PipelineDefinitionError, WiringError

__all__ = ["Pipeline", "PipelineInstance", "Slot", "SlotInterface", "TracedStep", "pipeline"]

_P = ParamSpec("_P")
_R_co = TypeVar("_R_co", covariant=True)
_PF_co = TypeVar("_PF_co", bound=AnyFunction, covariant=True)
_PF = TypeVar("_PF", bound=AnyFunction)
_R = TypeVar("_R")
_A1 = TypeVar("_A1")
_A2 = TypeVar("_A2")
_A3 = TypeVar("_A3")
_A4 = TypeVar("_A4")
_A5 = TypeVar("_A5")
_R0_co = TypeVar("_R0_co", covariant=True)
_I1_contra = TypeVar("_I1_contra", contravariant=True)
_I2_contra = TypeVar("_I2_contra", contravariant=True)
_I3_contra = TypeVar("_I3_contra", contravariant=True)
_I4_contra = TypeVar("_I4_contra", contravariant=True)
_I5_contra = TypeVar("_I5_contra", contravariant=True)

_TRACE_IDS = itertools.count(1)

# A slot whose output is a NamedTuple gives the handles of its fields, unpacked or by name. Without the plugin
# they are open (checkers cannot follow field names), and so is the result of a slot of unknown output type
# (``Slot`` alone). A bound type variable would not do: mypy ignores bounds on ``self``.
_Named: TypeAlias = tuple[object, ...]


# One small protocol per arity: annotating ``self`` with them is what lets a checker read ``Slot[[A, B], R]``'s
# input types one by one (``self: Slot[[_A1], _R]`` solves ``_A1`` as Never in mypy).
class _Slot0(Protocol[_R0_co]):
    @property
    def __zen_sig__(self) -> Callable[[], _R0_co]: ...


class _Slot1(Protocol[_I1_contra, _R0_co]):
    @property
    def __zen_sig__(self) -> Callable[[_I1_contra], _R0_co]: ...


class _Slot2(Protocol[_I1_contra, _I2_contra, _R0_co]):
    @property
    def __zen_sig__(self) -> Callable[[_I1_contra, _I2_contra], _R0_co]: ...


class _Slot3(Protocol[_I1_contra, _I2_contra, _I3_contra, _R0_co]):
    @property
    def __zen_sig__(self) -> Callable[[_I1_contra, _I2_contra, _I3_contra], _R0_co]: ...


class _Slot4(Protocol[_I1_contra, _I2_contra, _I3_contra, _I4_contra, _R0_co]):
    @property
    def __zen_sig__(self) -> Callable[[_I1_contra, _I2_contra, _I3_contra, _I4_contra], _R0_co]: ...


class _Slot5(Protocol[_I1_contra, _I2_contra, _I3_contra, _I4_contra, _I5_contra, _R0_co]):
    @property
    def __zen_sig__(self) -> Callable[[_I1_contra, _I2_contra, _I3_contra, _I4_contra, _I5_contra], _R0_co]: ...


class Slot(Protocol[_P, _R_co]):
    """Annotation of a pipeline slot: ``Slot[[int, str], float]`` takes steps whose inputs accept an ``int``
    and a ``str`` (in that order) and whose output is a ``float``; ``Slot[..., T]`` any inputs; a
    ``NamedTuple`` output for several named outputs; ``Slot[[X], object]`` for a step with any outputs.

    Seed 001 writes ``step_1: Step[SimplestStepEver]``: the slot states the interface a bound step must have.
    It is a protocol whose one binding member, ``__zen_sig__``, step instances carry too: binding a step is
    ordinary argument checking for every type checker (inputs contravariant, the output covariant). Calling a
    slot in a pipeline body takes one ``Handle`` per input and gives the output's handle(s).
    """

    @property
    def __zen_sig__(self) -> Callable[_P, _R_co]: ...

    @overload
    def __call__(self: _Slot0[_Named], /) -> Permissive: ...
    @overload
    def __call__(self: _Slot0[_R], /) -> Handle[_R]: ...
    @overload
    def __call__(self: _Slot1[_A1, _Named], a1: Handle[_A1], /) -> Permissive: ...
    @overload
    def __call__(self: _Slot1[_A1, _R], a1: Handle[_A1], /) -> Handle[_R]: ...
    @overload
    def __call__(self: _Slot2[_A1, _A2, _Named], a1: Handle[_A1], a2: Handle[_A2], /) -> Permissive: ...
    @overload
    def __call__(self: _Slot2[_A1, _A2, _R], a1: Handle[_A1], a2: Handle[_A2], /) -> Handle[_R]: ...
    @overload
    def __call__(
        self: _Slot3[_A1, _A2, _A3, _Named], a1: Handle[_A1], a2: Handle[_A2], a3: Handle[_A3], /
    ) -> Permissive: ...
    @overload
    def __call__(
        self: _Slot3[_A1, _A2, _A3, _R], a1: Handle[_A1], a2: Handle[_A2], a3: Handle[_A3], /
    ) -> Handle[_R]: ...
    @overload
    def __call__(
        self: _Slot4[_A1, _A2, _A3, _A4, _R], a1: Handle[_A1], a2: Handle[_A2], a3: Handle[_A3], a4: Handle[_A4], /
    ) -> Handle[_R]: ...
    @overload
    def __call__(
        self: _Slot5[_A1, _A2, _A3, _A4, _A5, _R],
        a1: Handle[_A1],
        a2: Handle[_A2],
        a3: Handle[_A3],
        a4: Handle[_A4],
        a5: Handle[_A5],
        /,
    ) -> Handle[_R]: ...
    @overload
    def __call__(self, *args: Handle[Never], **kwargs: Handle[object]) -> Permissive: ...  # keywords: the plugin
    def __call__(self, *args: object, **kwargs: object) -> object:
        raise WiringError("Slot is an annotation; zen passes the bound step in its place while tracing.")


@attrs.frozen
class SlotInterface:
    """The interface a slot declares: input types in order (None: any) and the output type."""

    inputs: tuple[object, ...] | None
    output: object

    def describe(self) -> str:
        """``(int, str) -> float`` or ``(...) -> float``."""
        ins = "..." if self.inputs is None else ", ".join(type_name(t) for t in self.inputs)
        out = self.output
        if _is_named_tuple(out):
            hints = typing.get_type_hints(out)
            text = ", ".join(f"{f}: {type_name(hints.get(f, object))}" for f in _fields(out))
            return f"({ins}) -> ({text})"
        return f"({ins}) -> {type_name(out)}"


def _is_named_tuple(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def _fields(tp: object) -> tuple[str, ...]:
    return typing.cast("tuple[str, ...]", getattr(tp, "_fields", ()))


def _slot_interface(annotation: object, pipeline: str, slot: str) -> SlotInterface | None:
    if annotation is inspect.Parameter.empty or annotation is Slot:
        return None
    if get_origin(annotation) is not Slot:
        raise PipelineDefinitionError(
            f'Pipeline "{pipeline}": slot "{slot}" is annotated {type_name(annotation)}. '
            f"Annotate slots with Slot[[InputTypes...], OutputType], or leave them unannotated."
        )
    params, output = get_args(annotation)
    if params is Ellipsis:
        return SlotInterface(None, output)
    return SlotInterface(tuple(params), output)


def _interface_mismatch(interface: SlotInterface, sig: StepSignature) -> str | None:
    """Why a step with signature ``sig`` does not fit ``interface`` (None when it fits)."""
    if interface.inputs is not None:
        required = [i for i in sig.inputs if not i.has_default]
        if len(interface.inputs) < len(required) or len(interface.inputs) > len(sig.inputs):
            return f"the slot passes {len(interface.inputs)} input(s), the step takes {len(sig.inputs)}"
        for position, (given, param) in enumerate(zip(interface.inputs, sig.inputs, strict=False), start=1):
            if not is_assignable(given, param.type):
                return (
                    f'input {position} ("{param.name}") expects {type_name(param.type)}, '
                    f"the slot passes {type_name(given)}"
                )
    wanted = interface.output
    if wanted is None or wanted is type(None) or wanted is object:  # a sink: any outputs, or none
        return None
    if _is_named_tuple(wanted):
        hints = typing.get_type_hints(wanted)
        by_name = {o.name: o for o in sig.outputs}
        for name in _fields(wanted):
            out = by_name.get(name)
            if out is None:
                return f'the step has no output "{name}"'
            if not is_assignable(out.type, hints.get(name, object)):
                return f'output "{name}" has type {type_name(out.type)}, the slot needs {type_name(hints[name])}'
        return None
    if sig.returns_named is not None:  # a NamedTuple gives OutputHandles, even with one field
        return _messages.named_outputs_for_one(", ".join(o.name for o in sig.outputs))
    if len(sig.outputs) != 1:
        return _messages.output_count_mismatch(len(sig.outputs))
    if not is_assignable(sig.outputs[0].type, wanted):
        return f"its output has type {type_name(sig.outputs[0].type)}, the slot needs {type_name(wanted)}"
    return None


@attrs.frozen
class TracedStep:
    """A slot as traced: the bound instance and, per input, the edge feeding it."""

    slot: str
    instance: StepInstance[object]
    inputs: Mapping[str, EdgeSpec]
    views: Mapping[str, type] = attrs.field(factory=dict)
    """Input name -> the class a viewed handle (``handle.view(V)``) asks the artifact to be read as."""


class _Trace:
    """Records slot calls while a pipeline body runs with bound steps."""

    def __init__(self, pipeline: str, bound: Mapping[str, StepInstance[object]]) -> None:
        self.pipeline = pipeline
        self.bound = bound
        self.trace_id = next(_TRACE_IDS)
        self.called: dict[str, TracedStep] = {}

    def call(self, slot: str, args: tuple[object, ...], kwargs: Mapping[str, object]) -> object:
        instance = self.bound[slot]
        sig = instance.step.signature
        step_name = f"{slot}" if slot == instance.name else f"{slot} ({instance.name})"
        if slot in self.called:
            raise WiringError(_messages.slot_called_twice(self.pipeline, slot))
        if len(args) > len(sig.inputs):
            raise WiringError(_messages.too_many_inputs(step_name, len(sig.inputs), len(args)))
        given: dict[str, object] = {}
        for param, value in zip(sig.inputs, args, strict=False):
            given[param.name] = value
        for key, value in kwargs.items():
            if sig.input(key) is None:
                known = ", ".join(i.name for i in sig.inputs) or "none"
                raise WiringError(_messages.unknown_input(step_name, key, known))
            if key in given:
                raise WiringError(_messages.input_given_twice(step_name, key))
            given[key] = value
        edges: dict[str, EdgeSpec] = {}
        views: dict[str, type] = {}
        for param in sig.inputs:
            if param.name not in given:
                if param.has_default:
                    continue
                raise WiringError(_messages.missing_input(step_name, param.name))
            value = given[param.name]
            edges[param.name] = self._edge(step_name, slot, param, value)
            if isinstance(value, Handle) and value.is_view and isinstance(value.type, type):
                views[param.name] = value.type
        self.called[slot] = TracedStep(slot, instance, edges, views)
        return self._outputs(slot, sig)

    def _edge(self, step_name: str, slot: str, param: InputParam, value: object) -> EdgeSpec:
        if isinstance(value, OutputHandles):
            raise WiringError(
                _messages.outputs_passed_as_input(step_name, param.name, ", ".join(value.names()), next(value.names()))
            )
        if isinstance(value, _SlotCall):  # ``second(first)``: the slot itself instead of its output
            raise WiringError(_messages.slot_passed_as_input(step_name, param.name, value.slot))
        if not isinstance(value, Handle):
            raise WiringError(_messages.raw_value_for_input(step_name, param.name, type_name(type(value))))
        if value.trace_id != self.trace_id:
            raise WiringError(
                f'Input "{param.name}" of step "{step_name}" got a handle from another pipeline or binding '
                f"({value!r}). Handles only connect steps of the same pipeline body."
            )
        if not is_assignable(value.type, param.type):
            raise WiringError(
                _messages.input_type_mismatch(step_name, param.name, type_name(param.type), type_name(value.type))
            )
        return EdgeSpec(
            source_step=value.producer, source_output=value.output_name, target_step=slot, target_input=param.name
        )

    def _outputs(self, slot: str, sig: StepSignature) -> object:
        handles = tuple(
            Handle[object](producer=slot, output_name=o.name, type_=o.type, trace_id=self.trace_id) for o in sig.outputs
        )
        if not handles:
            return None
        if len(handles) == 1 and sig.returns_named is None:
            return handles[0]
        return OutputHandles(handles)


class _SlotCall:
    """What the pipeline body receives in place of a slot parameter while tracing."""

    __slots__ = ("_slot", "_trace")

    def __init__(self, trace: _Trace, slot: str) -> None:
        self._trace = trace
        self._slot = slot

    @property
    def slot(self) -> str:
        """The slot's name."""
        return self._slot

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._trace.call(self._slot, args, kwargs)

    def __repr__(self) -> str:
        return f"<slot {self._slot} bound to {self._trace.bound[self._slot]!r}>"


class Pipeline(Generic[_PF_co]):
    """A function marked ``@pipeline``: slots plus the wiring between them. Call it with step instances.

    Binding is typed by the pipeline function's own parameters: each slot's ``Slot[...]`` annotation is the
    parameter type a step instance must fit, so any type checker checks it.
    """

    def __init__(self, func: _PF_co, *, name: str | None = None, enable_cache: bool | None = None) -> None:
        if not inspect.isfunction(func):
            raise PipelineDefinitionError(
                f"@pipeline needs a plain function, got {type(func).__name__}. Put @pipeline on a `def` function."
            )
        self.name: str = name or func.__name__
        self._func = func
        self.enable_cache = enable_cache
        self.slots: dict[str, SlotInterface | None] = self._read_slots(func)

    @property
    def func(self) -> _PF_co:
        """The undecorated pipeline function."""
        return self._func

    def _read_slots(self, func: AnyFunction) -> dict[str, SlotInterface | None]:
        try:
            hints = typing.get_type_hints(func)
        except (NameError, AttributeError, SyntaxError, TypeError) as exc:
            raise PipelineDefinitionError(f'Pipeline "{self.name}": an annotation cannot be resolved ({exc}).') from exc
        slots: dict[str, SlotInterface | None] = {}
        for param in inspect.signature(func).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise PipelineDefinitionError(
                    f'Pipeline "{self.name}": *{param.name} cannot be a slot. Name each slot as its own parameter.'
                )
            if param.default is not param.empty:
                raise PipelineDefinitionError(
                    f'Pipeline "{self.name}": slot "{param.name}" has a default. Slots are bound when the pipeline '
                    f"is called; remove the default."
                )
            slots[param.name] = _slot_interface(hints.get(param.name, param.empty), self.name, param.name)
        return slots

    def __call__(self: Pipeline[Callable[_P, object]], *args: _P.args, **kwargs: _P.kwargs) -> PipelineInstance:
        """Bind step instances to the slots (positionally or by slot name) and trace the wiring."""
        names = list(self.slots)
        if len(args) > len(names):
            raise BindingError(f'Pipeline "{self.name}" has {len(names)} slot(s) but got {len(args)} positional steps.')
        bound: dict[str, object] = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in self.slots:
                raise BindingError(
                    f'Pipeline "{self.name}" has no slot "{key}" (its slots: {", ".join(names) or "none"}).'
                )
            if key in bound:
                raise BindingError(f'Pipeline "{self.name}": slot "{key}" is bound twice.')
            bound[key] = value
        missing = [n for n in names if n not in bound]
        if missing:
            raise BindingError(
                f'Pipeline "{self.name}": slot(s) {", ".join(missing)} not bound. Pass a step instance for each, '
                f"e.g. {missing[0]}=my_step()."
            )
        instances: dict[str, StepInstance[object]] = {}
        for slot in names:
            instances[slot] = self._check_bound(slot, bound[slot])
        return PipelineInstance(typing.cast("Pipeline[AnyFunction]", self), instances)

    def _check_bound(self, slot: str, value: object) -> StepInstance[object]:
        from zen_types._step import Step

        if isinstance(value, Step):
            raise BindingError(
                f'Pipeline "{self.name}": slot "{slot}" got the step "{value.name}" itself. Bind an instance: '
                f"{value.name}() (or {value.name}(Config(...)))."
            )
        if not isinstance(value, StepInstance):
            raise BindingError(
                f'Pipeline "{self.name}": slot "{slot}" got {type(value).__name__}, not a step instance. '
                f"Bind a step instance such as my_step()."
            )
        interface = self.slots[slot]
        if interface is not None:
            reason = _interface_mismatch(interface, value.step.signature)
            if reason is not None:
                raise BindingError(
                    _messages.slot_interface_mismatch(
                        self.name,
                        slot,
                        step=value.name,
                        expected=interface.describe(),
                        actual=value.step.signature.describe(),
                        reason=reason,
                    )
                )
        return typing.cast("StepInstance[object]", value)

    def __repr__(self) -> str:
        return f"<pipeline {self.name}({', '.join(self.slots)})>"


class PipelineInstance:
    """A pipeline with every slot bound: traced, checked, compilable and runnable."""

    def __init__(self, pipeline: Pipeline[AnyFunction], bound: Mapping[str, StepInstance[object]]) -> None:
        self.pipeline = pipeline
        self.bound: dict[str, StepInstance[object]] = dict(bound)
        self.steps: dict[str, TracedStep] = self._trace()
        self._spec: PipelineSpec | None = None

    @property
    def name(self) -> str:
        """The pipeline's name."""
        return self.pipeline.name

    def _trace(self) -> dict[str, TracedStep]:
        trace = _Trace(self.pipeline.name, self.bound)
        result = self.pipeline.func(**{slot: _SlotCall(trace, slot) for slot in self.bound})
        if result is not None:
            raise PipelineDefinitionError(
                f'Pipeline "{self.name}" returned {type(result).__name__}; a pipeline body only wires steps and '
                f"returns None."
            )
        uncalled = [slot for slot in self.bound if slot not in trace.called]
        if uncalled:
            raise WiringError(_messages.slots_never_called(self.name, ", ".join(uncalled)))
        return trace.called

    def compile(self) -> PipelineSpec:
        """The immutable, JSON-serialisable spec of this binding (cached)."""
        if self._spec is None:
            edges = tuple(e for traced in self.steps.values() for e in traced.inputs.values())
            self._spec = PipelineSpec(
                pipeline_name=self.name,
                steps=tuple(_step_spec(traced) for traced in self.steps.values()),
                edges=edges,
            )
        return self._spec

    def with_configs(self, configs: Mapping[str, object], *, path: str = "steps") -> PipelineInstance:
        """Rebind with per-slot config data (from YAML or the CLI), merged over the bound configs.

        ``configs`` maps slot names to mappings of config fields; errors name the path
        (``steps.second.config.add_amount: expected int, got 'x'``).
        """
        rebound = dict(self.bound)
        for slot, data in configs.items():
            if slot not in rebound:
                raise ConfigError(
                    f"{path}.{slot}: no such slot in pipeline {self.name!r} (slots: {', '.join(rebound)})"
                )
            instance = rebound[slot]
            param = instance.step.signature.config
            if param is None:
                raise ConfigError(f"{path}.{slot}: step {instance.name!r} takes no config.")
            if not isinstance(data, Mapping):
                raise ConfigError(f"{path}.{slot}.config: expected a mapping, got {type(data).__name__}.")
            merged: dict[str, object] = {}
            if instance.config is not None:
                merged.update(instance.config.to_dict())
            merged.update(data)
            config = structure_config(merged, param.cls, path=f"{path}.{slot}.config")
            rebound[slot] = instance.with_config(config)
        return PipelineInstance(self.pipeline, rebound)

    def missing_configs(self) -> list[str]:
        """Slots whose step needs a config that has not been given and cannot be built from defaults."""
        missing: list[str] = []
        for slot, instance in self.bound.items():
            param = instance.step.signature.config
            if param is None or instance.config is not None or param.has_default:
                continue
            if any(f.default is attrs.NOTHING for f in config_fields(param.cls)):
                missing.append(slot)
        return missing

    def config_of(self, slot: str) -> BaseStepConfig | None:
        """The config the step in ``slot`` runs with: the bound one, else its class's defaults."""
        instance = self.bound[slot]
        param = instance.step.signature.config
        if instance.config is not None or param is None or param.has_default:
            return instance.config
        try:
            return param.cls()
        except TypeError as exc:
            raise ConfigError(
                f"steps.{slot}.config: step {instance.name!r} needs a {param.cls.__name__} and none was given "
                f"({exc}). Bind {instance.name}({param.cls.__name__}(...)) or pass it in a run config."
            ) from exc

    def run(self, **options: object) -> RunView:
        """Run on the active stack and return the run (needs zen-run installed)."""
        return run_pipeline(self, options)

    def __repr__(self) -> str:
        bound = ", ".join(f"{slot}={inst!r}" for slot, inst in self.bound.items())
        return f"{self.name}({bound})"


def _qualified(tp: object) -> str:
    if isinstance(tp, type):
        return f"{tp.__module__}.{tp.__qualname__}"
    return repr(tp)


def _step_spec(traced: TracedStep) -> StepSpec:
    instance = traced.instance
    sig = instance.step.signature
    config = instance.config
    return StepSpec(
        name=traced.slot,
        step_name=instance.name,
        source=instance.step.source_name,
        inputs=tuple(
            IOSpec(name=i.name, type=type_name(i.type), type_path=_qualified(i.type), kind=i.kind.value)
            for i in sig.inputs
        ),
        outputs=tuple(
            IOSpec(name=o.name, type=type_name(o.type), type_path=_qualified(o.type), kind=o.kind.value)
            for o in sig.outputs
        ),
        config_class=_qualified(sig.config.cls) if sig.config is not None else None,
        config=config.to_dict() if config is not None else None,
        enable_cache=instance.enable_cache,
        materializers={k: _qualified(v) for k, v in instance.materializers.items()},
    )


@overload
def pipeline(func: _PF, /) -> Pipeline[_PF]: ...


@overload
def pipeline(*, name: str | None = None, enable_cache: bool | None = None) -> Callable[[_PF], Pipeline[_PF]]: ...


def pipeline(
    func: _PF | None = None, /, *, name: str | None = None, enable_cache: bool | None = None
) -> Pipeline[_PF] | Callable[[_PF], Pipeline[_PF]]:
    """Mark a function as a pipeline; its parameters are slots, its body wires them.

    ``@pipeline`` or ``@pipeline(name=..., enable_cache=False)``.
    """
    if func is None:
        return lambda f: Pipeline(f, name=name, enable_cache=enable_cache)
    return Pipeline(func, name=name, enable_cache=enable_cache)
