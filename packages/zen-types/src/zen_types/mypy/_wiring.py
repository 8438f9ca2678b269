"""Calls inside pipeline bodies: a step instance or a slot called with handles.

``StepInstance[W]`` carries the wiring signature ``W`` computed by ``_definition``; its ``__call__`` becomes
``W``, so mypy itself checks handle types (``Handle`` is covariant), raw values, unknown and missing keywords.
A ``Slot[[A], R]`` parameter is called like a step of that interface.
"""

from __future__ import annotations

from mypy.nodes import CallExpr, NameExpr
from mypy.plugin import MethodSigContext
from mypy.types import CallableType, FunctionLike, Instance, get_proper_type

from zen_types.mypy import _types


def step_instance_call_hook(ctx: MethodSigContext) -> FunctionLike:
    """``StepInstance[W].__call__`` is ``W`` (mypy's permissive default when ``W`` is not a signature)."""
    self_type = get_proper_type(ctx.type)
    if isinstance(self_type, Instance) and self_type.args:
        wiring = get_proper_type(self_type.args[0])
        if isinstance(wiring, CallableType):
            return wiring
    return ctx.default_signature


def slot_call_hook(ctx: MethodSigContext) -> FunctionLike:
    """Calling a ``Slot[[A, B], R]`` slot in a pipeline body: ``(Handle[A], Handle[B]) -> Handle[R]``."""
    slot = get_proper_type(ctx.type)
    if isinstance(slot, Instance):
        signature = _types.slot_signature(ctx.api, slot, as_interface=False)
        if signature is not None:
            callee = ctx.context.callee if isinstance(ctx.context, CallExpr) else None
            # Name the slot in messages: 'Argument 1 to "second" has incompatible type ...'.
            return signature.copy_modified(name=callee.name) if isinstance(callee, NameExpr) else signature
    return ctx.default_signature


def step_call_hook(ctx: MethodSigContext) -> FunctionLike:
    """``Step.__call__`` named after the step, so a config of the wrong class says which step it was for."""
    self_type = get_proper_type(ctx.type)
    if isinstance(self_type, Instance) and len(self_type.args) == 3:
        wiring = get_proper_type(self_type.args[1])
        if isinstance(wiring, CallableType) and wiring.name:
            return ctx.default_signature.copy_modified(name=wiring.name)
    return ctx.default_signature
