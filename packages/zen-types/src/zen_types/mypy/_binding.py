"""Binding step instances to a pipeline's slots: ``add_pipeline(first=returns_one(), second=adds(...))``.

``Pipeline[PF].__call__`` takes one step instance per slot of ``PF`` (by position or slot name: mypy reports
unknown and missing slots). Each bound ``StepInstance[W]`` must fit the slot's interface: ``W`` a subtype of
``def (A, B) -> R`` for a ``Slot[[A, B], R]``. Callables are contravariant in their parameters, so that subtype
check is exactly zen's rule (the step's inputs accept the slot's input types, its outputs are assignable to
the slot's; named outputs by name); a misfit is reported in the runtime's words with the first reason found.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.messages import format_type_bare
from mypy.nodes import ARG_NAMED, ARG_POS, CallExpr, Decorator, StrExpr
from mypy.options import Options
from mypy.plugin import CheckerPluginInterface, MethodContext, MethodSigContext
from mypy.subtypes import is_subtype
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    NoneType,
    Type,
    TypeOfAny,
    UnionType,
    get_proper_type,
)

from zen_types import _messages
from zen_types.mypy import _codes, _names, _types


def _slots(pipeline_type: Type) -> CallableType | None:
    pipeline = get_proper_type(pipeline_type)
    if not isinstance(pipeline, Instance) or len(pipeline.args) != 1:
        return None
    func = get_proper_type(pipeline.args[0])
    if not isinstance(func, CallableType) or any(kind not in (ARG_POS, ARG_NAMED) for kind in func.arg_kinds):
        return None  # *slots or defaults: the runtime refuses the pipeline itself
    return func


def pipeline_call_signature_hook(ctx: MethodSigContext) -> FunctionLike:
    """``Pipeline[PF].__call__(slot: StepInstance[Any], ...) -> PipelineInstance``, one parameter per slot."""
    default = ctx.default_signature
    func = _slots(ctx.type)
    bound = _types.instance(ctx.api, _names.STEP_INSTANCE, [AnyType(TypeOfAny.special_form)])
    if func is None or bound is None:
        return default
    return default.copy_modified(
        arg_types=[bound] * len(func.arg_types),
        arg_kinds=list(func.arg_kinds),
        arg_names=list(func.arg_names),
        name=func.name,
        definition=func.definition,
    )


def pipeline_call_hook(ctx: MethodContext) -> Type:
    """Each bound step instance against its slot's interface."""
    func = _slots(ctx.type)
    if func is None or len(ctx.arg_types) != len(func.arg_types):
        return ctx.default_return_type
    for name, slot_type, actuals, exprs in zip(func.arg_names, func.arg_types, ctx.arg_types, ctx.args, strict=True):
        slot = get_proper_type(slot_type)
        if len(actuals) != 1 or not isinstance(slot, Instance) or slot.type.fullname != _names.SLOT:
            continue
        interface = _types.slot_signature(ctx.api, slot, as_interface=True)
        if interface is None:
            continue
        bound = get_proper_type(actuals[0])
        # ``fit_a() if flag else fit_b()`` or a sweep over several steps: each may be bound, so each must fit.
        candidates = bound.relevant_items() if isinstance(bound, UnionType) else [bound]
        for candidate in map(get_proper_type, candidates):
            if not isinstance(candidate, Instance) or candidate.type.fullname != _names.STEP_INSTANCE:
                continue
            wiring = get_proper_type(candidate.args[0]) if candidate.args else None
            if not isinstance(wiring, CallableType):
                continue
            options = ctx.api.options
            fields = _types.output_fields(slot.args[1]) if len(slot.args) == 2 else None
            if fields is not None:  # named outputs: compared by name, as the runtime does
                anything = ctx.api.named_generic_type("builtins.object", [])
                inputs_fit = is_subtype(
                    wiring.copy_modified(ret_type=anything), interface.copy_modified(ret_type=anything)
                )
                named_reason = _named_outputs_reason(fields, wiring, options)
                if inputs_fit and named_reason is None:
                    continue
                reason = _reason(interface, wiring, options) if not inputs_fit else named_reason
            elif is_subtype(wiring, interface):
                continue
            else:
                reason = _reason(interface, wiring, options)
            message = _messages.slot_interface_mismatch(
                _pipeline_name(ctx.api, func),
                name or "<slot>",
                step=wiring.name or "<step>",
                expected=_describe(interface, options),
                actual=_describe(wiring, options),
                reason=reason or "",
            )
            ctx.api.fail(message, exprs[0], code=_codes.ZEN_BINDING)
            break  # one report per slot
    return ctx.default_return_type


def _pipeline_name(api: CheckerPluginInterface, func: CallableType) -> str:
    """The runtime's name of the pipeline: ``@pipeline(name="...")`` when the decorator can be read, or the
    function's name. (A pipeline read back from mypy's cache keeps no decorators: its function's name then.)"""
    definition = func.definition
    fullname = definition.fullname if definition is not None else ""
    module_name, _, name = fullname.rpartition(".")
    module = api.modules.get(module_name) if isinstance(api, TypeChecker) else None
    symbol = module.names.get(name) if module is not None else None
    decorator = symbol.node if symbol is not None else None
    if isinstance(decorator, Decorator):
        for call in decorator.original_decorators:
            if isinstance(call, CallExpr):
                for arg_name, arg in zip(call.arg_names, call.args, strict=True):
                    if arg_name == "name" and isinstance(arg, StrExpr):
                        return arg.value
    return func.name or "<pipeline>"


def _step_outputs(wiring: CallableType) -> list[tuple[str, Type]]:
    """A step's outputs by name: its named outputs, ``output`` for a single return value, or none."""
    ret = get_proper_type(wiring.ret_type)
    if isinstance(ret, NoneType):
        return []
    fields = _types.output_fields(ret)
    return [("output", ret)] if fields is None else fields


def _named_outputs_reason(fields: list[tuple[str, Type]], wiring: CallableType, options: Options) -> str | None:
    """Why the step's outputs do not provide the slot's named outputs (by name, like the runtime), or None."""
    by_name = dict(_step_outputs(wiring))
    for name, wanted in fields:
        if name not in by_name:
            return f'the step has no output "{name}"'
        if not is_subtype(by_name[name], wanted):
            got = format_type_bare(by_name[name], options)
            return f'output "{name}" has type {got}, the slot needs {format_type_bare(wanted, options)}'
    return None


def _is_sink(tp: Type) -> bool:
    proper = get_proper_type(tp)
    return isinstance(proper, NoneType) or (isinstance(proper, Instance) and proper.type.fullname == "builtins.object")


def _describe(signature: CallableType, options: Options) -> str:
    """``(int, str) -> float`` in the runtime's notation (``(...)`` for any inputs)."""
    if signature.is_ellipsis_args:
        inputs = "..."
    else:
        inputs = ", ".join(format_type_bare(t, options) for t in signature.arg_types)
    fields = _types.output_fields(signature.ret_type)
    if fields is not None:
        out = "(" + ", ".join(f"{n}: {format_type_bare(t, options)}" for n, t in fields) + ")"
    elif _is_sink(signature.ret_type):
        out = "None"
    else:
        out = format_type_bare(signature.ret_type, options)
    return f"({inputs}) -> {out}"


def _reason(interface: CallableType, wiring: CallableType, options: Options) -> str:
    """The first way ``wiring`` (the step) does not fit ``interface`` (the slot), worded like the runtime."""
    if not interface.is_ellipsis_args:
        required = sum(1 for kind in wiring.arg_kinds if not kind.is_optional())
        given = len(interface.arg_types)
        if given < required or given > len(wiring.arg_types):
            return f"the slot passes {given} input(s), the step takes {len(wiring.arg_types)}"
        for position, (slot_in, step_in, name) in enumerate(
            zip(interface.arg_types, wiring.arg_types, wiring.arg_names, strict=False), start=1
        ):
            if not is_subtype(slot_in, step_in):
                return (
                    f'input {position} ("{name}") expects {format_type_bare(step_in, options)}, '
                    f"the slot passes {format_type_bare(slot_in, options)}"
                )
    if _types.output_fields(interface.ret_type) is not None:
        return "its outputs do not match the slot's named outputs"
    fields = _types.output_fields(wiring.ret_type)
    if fields is not None:
        return _messages.named_outputs_for_one(", ".join(name for name, _ in fields))
    if isinstance(get_proper_type(wiring.ret_type), NoneType):
        return _messages.output_count_mismatch(0)
    return (
        f"its output has type {format_type_bare(wiring.ret_type, options)}, "
        f"the slot needs {format_type_bare(interface.ret_type, options)}"
    )
