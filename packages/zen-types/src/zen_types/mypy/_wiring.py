"""Calls inside pipeline bodies: a step instance or a slot called with handles.

A ``Slot[[A], R]`` parameter called in a body takes a ``Handle[A]`` and gives a ``Handle[R]`` (the handles of
each field of a NamedTuple ``R``); a step instance is never called there. Calls are checked here rather than
by mypy's own argument checking so the messages are the runtime's sentences (``zen_types._messages``): a
mismatched handle type, a plain value where a handle belongs, unknown, missing or doubled inputs. The call
then returns the slot's output handle(s).
"""

from __future__ import annotations

from mypy.messages import format_type_bare
from mypy.nodes import ARG_NAMED, ARG_POS, ARG_STAR, ARG_STAR2, CallExpr, Context, DictExpr, NameExpr, StrExpr
from mypy.plugin import MethodContext, MethodSigContext
from mypy.subtypes import is_subtype
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    get_proper_type,
)

from zen_types import _messages
from zen_types.mypy import _codes, _names, _types


def step_instance_call_hook(ctx: MethodContext) -> Type:
    """``dedupe()(handle)``: a step instance is bound to a slot, never called; the runtime refuses it too.

    Reported here in the runtime's words (mypy alone reports it only with ``enable_error_code = deprecated``).
    """
    self_type = get_proper_type(ctx.type)
    if isinstance(self_type, Instance) and self_type.args:
        wiring = get_proper_type(self_type.args[0])
        name = wiring.name if isinstance(wiring, CallableType) and wiring.name else None
        if name is not None:
            ctx.api.fail(_messages.step_instance_called(name), ctx.context, code=_codes.ZEN_WIRING)
    return ctx.default_return_type


def handle_operator_signature_hook(ctx: MethodSigContext) -> FunctionLike:
    """``h + 1``, ``1 + h``: any operand here; ``handle_operator_hook`` reports the operator in zen's words."""
    signature = ctx.default_signature
    anything = ctx.api.named_generic_type("builtins.object", [])
    return signature.copy_modified(arg_types=[anything] * len(signature.arg_types))


def handle_operator_hook(ctx: MethodContext, *, operator: str) -> Type:
    """An operator on a handle, reported once where it is written: the result is an error type, so passing it on
    (``second(h + 1)``, or ``x = h * 2`` then ``second(x)``) is not reported a second time."""
    handle = get_proper_type(ctx.type)
    data = handle.args[0] if isinstance(handle, Instance) and handle.args else handle
    what = _messages.operator_on_handle(operator, format_type_bare(data, ctx.api.options))
    ctx.api.fail(_messages.handle_used_as_data(what), ctx.context, code=_codes.ZEN_WIRING)
    return AnyType(TypeOfAny.from_error)


def slot_call_hook(ctx: MethodContext) -> Type:
    """Calling a ``Slot[[A, B], R]`` slot in a pipeline body: ``(Handle[A], Handle[B]) -> Handle[R]``.

    A slot's inputs have no names, so keyword arguments are left to the bind-time check.
    """
    slot = get_proper_type(ctx.type)
    if isinstance(slot, Instance):
        signature = _types.slot_signature(ctx.api, slot, as_interface=False)
        if signature is not None:
            callee = ctx.context.callee if isinstance(ctx.context, CallExpr) else None
            name = callee.name if isinstance(callee, NameExpr) else "<slot>"
            if signature.is_ellipsis_args:
                return signature.ret_type
            return _check_call(ctx, signature, name, keywords_known=False)
    return ctx.default_return_type


def slot_call_signature_hook(ctx: MethodSigContext) -> FunctionLike:
    """Each of ``Slot.__call__``'s overloads takes anything here: ``slot_call_hook`` checks the call in zen's
    words, so mypy's own argument errors would say the same thing twice."""
    signature = ctx.default_signature
    anything = ctx.api.named_generic_type("builtins.object", [])
    return signature.copy_modified(
        arg_types=[anything, anything], arg_kinds=[ARG_STAR, ARG_STAR2], arg_names=[None, None]
    )


def _check_call(ctx: MethodContext, wiring: CallableType, step: str, *, keywords_known: bool) -> Type:
    """Report what does not fit ``wiring`` in the shared wording; the call's result either way."""
    result = wiring.ret_type
    if len(ctx.arg_types) != 2:
        return result
    positional = list(zip(ctx.arg_types[0], ctx.args[0], ctx.arg_kinds[0], strict=True))
    keywords = list(zip(ctx.arg_names[1], ctx.arg_types[1], ctx.args[1], ctx.arg_kinds[1], strict=True))
    if any(kind != ARG_POS for _, _, kind in positional) or any(kind != ARG_NAMED for *_, kind in keywords):
        return result  # ``*xs`` / ``**kw`` at the call: nothing precise to say
    if keywords and not keywords_known:
        return result
    names = [name or f"#{index + 1}" for index, name in enumerate(wiring.arg_names)]
    if len(positional) > len(names):
        ctx.api.fail(_messages.too_many_inputs(step, len(names), len(positional)), ctx.context, code=_codes.ZEN_WIRING)
        return result
    given: dict[str, tuple[Type, Context]] = {}
    for name, (tp, expr, _) in zip(names, positional, strict=False):
        given[name] = (tp, expr)
    for key, tp, expr, _ in keywords:
        if key is None:
            continue
        if key not in names:
            known = ", ".join(names) or "none"
            ctx.api.fail(_messages.unknown_input(step, key, known), expr, code=_codes.ZEN_WIRING)
            continue
        if key in given:
            ctx.api.fail(_messages.input_given_twice(step, key), expr, code=_codes.ZEN_WIRING)
            continue
        given[key] = (tp, expr)
    for name, expected, kind in zip(names, wiring.arg_types, wiring.arg_kinds, strict=True):
        if name not in given:
            if not kind.is_optional():
                ctx.api.fail(_messages.missing_input(step, name), ctx.context, code=_codes.ZEN_WIRING)
            continue
        actual, where = given[name]
        message = _mismatch(ctx, step, name, actual, expected, where=where)
        if message is not None:
            ctx.api.fail(message, where, code=_codes.ZEN_WIRING)
    return result


def _mismatch(ctx: MethodContext, step: str, param: str, actual: Type, expected: Type, *, where: Context) -> str | None:
    """Why a value of type ``actual`` cannot be passed where the handle ``expected`` goes (None: it can)."""
    if is_subtype(actual, expected):
        return None
    options = ctx.api.options
    got = get_proper_type(actual)
    wanted = get_proper_type(expected)
    data = wanted.args[0] if isinstance(wanted, Instance) and wanted.args else wanted
    if isinstance(got, AnyType):
        return None
    if isinstance(got, Instance) and got.type.fullname == _names.SLOT:  # ``second(first)``
        return _messages.slot_passed_as_input(step, param, where.name if isinstance(where, NameExpr) else "<slot>")
    if isinstance(got, Instance) and got.type.fullname == _names.HANDLE and got.args:
        return _messages.input_type_mismatch(
            step, param, format_type_bare(data, options), format_type_bare(got.args[0], options)
        )
    if isinstance(got, TupleType) and got.partial_fallback.type.fullname == _names.OUTPUT_HANDLES:
        fields = _types.named_tuple_fields(get_proper_type(got.partial_fallback.args[0]))
        names = [field for field, _ in fields] if fields else [f"#{i + 1}" for i in range(len(got.items))]
        return _messages.outputs_passed_as_input(step, param, ", ".join(names), names[0])
    return _messages.raw_value_for_input(step, param, format_type_bare(actual, options))


def step_call_signature_hook(ctx: MethodSigContext) -> FunctionLike:
    """``Step.__call__`` takes any config here; ``step_call_hook`` reports a wrong one in the shared wording."""
    signature = ctx.default_signature
    if _config_type(ctx.type) is None or not signature.arg_types:
        return signature
    anything = ctx.api.named_generic_type("builtins.object", [])
    return signature.copy_modified(arg_types=[anything, *signature.arg_types[1:]])


def step_call_hook(ctx: MethodContext) -> Type:
    """``adds(OtherConfig())``: a config of the wrong class, or a config for a step that takes none; and
    ``adds(materializers={"nope": ...})``, a key that names no input or output of the step."""
    _check_materializer_keys(ctx)
    found = _config_type(ctx.type)
    if found is None or not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    step, config = found
    actual = get_proper_type(ctx.arg_types[0][0])
    if isinstance(actual, (AnyType, NoneType)) or (not isinstance(config, NoneType) and is_subtype(actual, config)):
        return ctx.default_return_type
    got = format_type_bare(actual, ctx.api.options)
    if isinstance(config, NoneType):
        message = _messages.config_not_expected(step, got)
    else:
        message = _messages.config_class_mismatch(step, format_type_bare(config, ctx.api.options), got)
    ctx.api.fail(message, ctx.args[0][0], code=_codes.ZEN_BINDING)
    return ctx.default_return_type


def _check_materializer_keys(ctx: MethodContext) -> None:
    """The string keys of a ``materializers={...}`` dict, against the step's input and output names."""
    step = get_proper_type(ctx.type)
    if not isinstance(step, Instance) or len(step.args) != 3 or "materializers" not in ctx.callee_arg_names:
        return
    func, wiring = get_proper_type(step.args[0]), get_proper_type(step.args[1])
    if not isinstance(func, CallableType) or not isinstance(wiring, CallableType) or not wiring.name:
        return
    given = ctx.args[ctx.callee_arg_names.index("materializers")]
    if len(given) != 1 or not isinstance(given[0], DictExpr):
        return
    names = [name for name in wiring.arg_names if name is not None] + _output_names(func, wiring)
    for key, _ in given[0].items:
        if isinstance(key, StrExpr) and key.value not in names:
            message = _messages.unknown_materializer_target(wiring.name, key.value, ", ".join(sorted(names)))
            ctx.api.fail(message, key, code=_codes.ZEN_BINDING)


def _output_names(func: CallableType, wiring: CallableType) -> list[str]:
    """A step's output names, as the runtime names them, from its function and its interface."""
    fields = _types.output_fields(wiring.ret_type)
    if fields is not None:
        return [name for name, _ in fields]
    written = [
        name
        for name, tp in zip(func.arg_names, map(get_proper_type, func.arg_types), strict=True)
        if name is not None and isinstance(tp, Instance) and tp.type.fullname == _names.OUTPUT
    ]
    if written:
        return written  # one Output parameter, and the function returns None
    return [] if isinstance(get_proper_type(wiring.ret_type), NoneType) else ["output"]


def _config_type(step_type: Type) -> tuple[str, ProperType] | None:
    """The step's name and config type (``None`` type: no config) when the plugin typed this step."""
    self_type = get_proper_type(step_type)
    if isinstance(self_type, Instance) and len(self_type.args) == 3:
        wiring = get_proper_type(self_type.args[1])
        config = get_proper_type(self_type.args[2])
        if isinstance(wiring, CallableType) and wiring.name and isinstance(config, (Instance, NoneType)):
            return wiring.name, config
    return None
