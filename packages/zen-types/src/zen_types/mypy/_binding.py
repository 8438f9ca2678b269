"""Binding step instances to a pipeline's slots: ``add_pipeline(first=returns_one(), second=adds(...))``.

``Pipeline[PF].__call__`` takes one ``StepInstance[W]`` per slot of ``PF``, where ``W`` is the slot's
interface as a wiring signature. ``StepInstance`` is covariant and callables are contravariant in their
parameters, so mypy's subtype check is exactly zen's rule: the step's inputs accept the slot's input types and
its outputs are assignable to the slot's outputs. Unannotated slots take any step instance.
"""

from __future__ import annotations

from mypy.nodes import ARG_POS
from mypy.plugin import MethodSigContext
from mypy.types import AnyType, CallableType, FunctionLike, Instance, Type, TypeOfAny, get_proper_type

from zen_types.mypy import _names, _types


def pipeline_call_hook(ctx: MethodSigContext) -> FunctionLike:
    """``Pipeline[PF].__call__(slot: StepInstance[interface], ...) -> PipelineInstance``."""
    default = ctx.default_signature
    pipeline = get_proper_type(ctx.type)
    if not isinstance(pipeline, Instance) or len(pipeline.args) != 1:
        return default
    func = get_proper_type(pipeline.args[0])
    if not isinstance(func, CallableType) or any(kind != ARG_POS for kind in func.arg_kinds):
        return default
    arg_types: list[Type] = []
    for slot_type in func.arg_types:
        slot = get_proper_type(slot_type)
        interface: Type = AnyType(TypeOfAny.special_form)
        if isinstance(slot, Instance) and slot.type.fullname == _names.SLOT:
            signature = _types.slot_signature(ctx.api, slot, as_interface=True)
            if signature is None:
                return default
            interface = signature
        bound = _types.instance(ctx.api, _names.STEP_INSTANCE, [interface])
        if bound is None:
            return default
        arg_types.append(bound)
    return default.copy_modified(
        arg_types=arg_types,
        arg_kinds=list(func.arg_kinds),
        arg_names=list(func.arg_names),
        name=func.name,
        definition=func.definition,
    )
