"""``@step``: report every rule of ``zen_types._signature`` as a mypy error and compute the step's interface.

The result is ``Step[F, W, C]``, the type ``step``'s shape overloads give without the plugin, made exact:
``F`` the undecorated function (``.func`` keeps its exact signature), ``W`` the interface a slot compares
(``def (name: T, ...) -> output``: the overloads' ``Callable[[T, ...], output]`` with parameter names, and
named outputs typed instead of "anything"), ``C`` the config class (``None`` when there is none). An invalid
step keeps mypy's default ``Step[F, Any, Any]`` so one mistake is reported once, not at every use.
"""

from __future__ import annotations

from mypy.nodes import (
    ARG_OPT,
    ARG_POS,
    ARG_STAR,
    ARG_STAR2,
    FUNC_NO_INFO,
    ArgKind,
    CallExpr,
    Context,
    Decorator,
    DictExpr,
    Expression,
    FuncDef,
    StrExpr,
)
from mypy.plugin import FunctionContext, FunctionSigContext, MethodContext, MethodSigContext
from mypy.typeops import get_all_type_vars
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
    TypeType,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from zen_types import _messages
from zen_types.mypy import _codes, _names, _report, _types

_MARKERS = (_names.INPUT, _names.OUTPUT)


def _is(tp: ProperType, fullname: str) -> bool:
    return isinstance(tp, Instance) and tp.type.fullname == fullname


def _is_marker(tp: ProperType) -> bool:
    return isinstance(tp, Instance) and tp.type.fullname in _MARKERS


def _components(tp: ProperType) -> list[ProperType]:
    """The types directly inside ``tp``."""
    inner: list[Type]
    if isinstance(tp, Instance):
        inner = list(tp.args)
    elif isinstance(tp, (UnionType, TupleType)):
        inner = list(tp.items)
    elif isinstance(tp, CallableType):
        inner = [*tp.arg_types, tp.ret_type]
    elif isinstance(tp, TypeType):
        inner = [tp.item]
    else:
        inner = []
    return [get_proper_type(t) for t in inner]


def _marker_nested(tp: ProperType, depth: int = 0) -> bool:
    """True when ``Input``/``Output`` appears inside ``tp`` (``list[Input[int]]``, ``Output[T] | None``)."""
    if depth > 20:  # recursive aliases: give up quietly rather than loop
        return False
    return any(_is_marker(t) or _marker_nested(t, depth + 1) for t in _components(tp))


def _unannotated(tp: ProperType) -> bool:
    return isinstance(tp, AnyType) and tp.type_of_any == TypeOfAny.unannotated


_GENERIC_FIX = "zen compares steps with slots by concrete types; annotate the step with the types it is used with."


def _not_a_function(fn: ProperType) -> tuple[str, str] | None:
    """``(what it is, its name)`` in the runtime's words when a ``step(...)`` argument is no plain function."""
    if isinstance(fn, CallableType) and fn.is_type_obj():
        return "type", fn.type_object().name
    if isinstance(fn, CallableType):
        definition = fn.definition
        if definition is not None and definition.fullname.startswith("builtins."):
            return "builtin_function_or_method", fn.name or definition.name
        return None
    if isinstance(fn, Instance):
        wrapped = get_proper_type(fn.args[0]) if fn.type.fullname == _names.STEP and fn.args else None
        name = wrapped.name if isinstance(wrapped, CallableType) and wrapped.name else fn.type.name
        return fn.type.name, name  # ``@step @step``: a Step; ``functools.partial(...)``: a partial
    return None


class _Checker:
    """Walks one step function's signature; collects errors instead of stopping at the first."""

    def __init__(self, ctx: FunctionContext | MethodContext, fn: CallableType, defn: FuncDef | None) -> None:
        self.ctx = ctx
        self.fn = fn
        self.defn = defn
        self.name = _given_name(ctx) or (defn.name if defn is not None else (fn.name or "<step>"))
        self.ok = True
        self.generic_reported = False

    def fail(self, index: int | None, where: str, problem: str, fix: str) -> None:
        node: Context = self.ctx.context
        if self.defn is not None:
            node = self.defn
            if index is not None and index < len(self.defn.arguments):
                node = self.defn.arguments[index]
        _report.fail_in_decorator(
            self.ctx.api, _messages.step_definition(self.name, where, problem, fix), node, code=_codes.ZEN_STEP
        )
        self.ok = False

    def generic(self, index: int | None, where: str, tp: ProperType) -> bool:
        """Report a type variable in ``tp``: steps are compared with slots by concrete types."""
        variables = get_all_type_vars(tp)
        if variables and not self.generic_reported:  # one generic step is one mistake, reported once
            self.fail(index, where, f"uses the type variable {variables[0].name} (a generic step)", _GENERIC_FIX)
            self.generic_reported = True
        return bool(variables)

    def check_function(self) -> None:
        defn = self.defn
        if defn is None:
            return
        if defn.info is not FUNC_NO_INFO:
            where = defn.info.name
            self.fail(
                None,
                "",
                f"is defined in class {where!r} (a method)",
                "Define steps as module-level functions; methods would need their instance, which zen cannot pin.",
            )
        if defn.is_coroutine:
            self.fail(None, "", "is async", "Steps are plain functions; run async code inside with asyncio.run().")
        elif defn.is_generator:
            self.fail(None, "", "is a generator", "Return the value instead of yielding it.")

    def run(self) -> tuple[CallableType, Type] | None:
        """The interface and config type, or None after reporting why the step is invalid."""
        self.check_function()
        fn = self.fn
        inputs: list[tuple[str | None, Type, ArgKind]] = []
        outputs: list[Type] = []
        config: Type = NoneType()
        config_name: str | None = None
        output_names: list[str] = []  # of the Output[T] parameters
        for index, (kind, arg_name, arg_type) in enumerate(zip(fn.arg_kinds, fn.arg_names, fn.arg_types, strict=True)):
            name = arg_name or f"#{index + 1}"
            where = f'parameter "{name}"'
            tp = get_proper_type(arg_type)
            if kind in (ARG_STAR, ARG_STAR2):
                star = "*" if kind == ARG_STAR else "**"
                self.fail(index, where, f"is {star}{name}", "Give every input its own named, annotated parameter.")
                continue
            if _unannotated(tp):
                self.fail(
                    index,
                    where,
                    "has no annotation",
                    "Annotate it: Input[T] for an artifact handle, Output[T] for an artifact the step writes, "
                    "a BaseStepConfig subclass for parameters, or a plain type T for a value.",
                )
                continue
            if _is(tp, _names.HANDLE):
                self.fail(index, where, "is annotated Handle", "Handles are for wiring; annotate Input[T] instead.")
                continue
            if self.generic(index, where, tp):
                continue
            nested = any(map(_marker_nested, _components(tp))) if _is_marker(tp) else _marker_nested(tp)
            if nested or (_is_marker(tp) and any(map(_is_marker, _components(tp)))):
                self.fail(
                    index,
                    where,
                    f"has Input/Output inside another type ({_format(tp)})",
                    "Input[T] and Output[T] must be the whole annotation; "
                    "put Optional/Union/list inside: Input[T | None].",
                )
                continue
            optional = kind.is_optional()
            if isinstance(tp, Instance) and tp.type.fullname == _names.OUTPUT and tp.args:
                if optional:
                    self.fail(
                        index, where, "is an Output with a default", "Remove the default; zen always provides it."
                    )
                    continue
                outputs.append(tp.args[0])
                output_names.append(name)
            elif isinstance(tp, Instance) and tp.type.fullname == _names.INPUT and tp.args:
                inputs.append((arg_name, tp.args[0], ARG_OPT if optional else ARG_POS))
            elif _is(tp, _names.BASE_STEP_CONFIG):
                self.fail(index, where, "is annotated BaseStepConfig itself", "Annotate it with your subclass.")
            elif isinstance(tp, Instance) and tp.type.has_base(_names.BASE_STEP_CONFIG):
                if config_name is not None:
                    self.fail(
                        index,
                        where,
                        f'is a second config (the first is "{config_name}")',
                        "Merge the parameters into one BaseStepConfig subclass.",
                    )
                    continue
                config, config_name = tp, name
            else:
                inputs.append((arg_name, tp, ARG_OPT if optional else ARG_POS))
        named = self.returned(outputs)
        if named is None or not self.ok:
            return None
        if not self.materializers_fit(inputs, outputs, output_names, named[0]):
            return None
        wiring = self.wiring(inputs, outputs, output_names, named[0])
        return None if wiring is None else (wiring, config)

    def materializers_fit(
        self,
        inputs: list[tuple[str | None, Type, ArgKind]],
        outputs: list[Type],
        output_names: list[str],
        named: Type | None,
    ) -> bool:
        """``@step(materializers={"key": ...})``: each key names an input or output, as the runtime checks."""
        returned = self.returned_names(named) if len(outputs) > len(output_names) else []
        names = [arg for arg, _, _ in inputs if arg is not None] + output_names + returned
        known = ", ".join(sorted(names))
        for key, where in _given_materializer_keys(self.ctx):
            if key not in names:
                message = _messages.unknown_materializer_target(self.name, key, known)
                _report.fail_in_decorator(self.ctx.api, message, where, code=_codes.ZEN_STEP)
                self.ok = False
        return self.ok

    def wiring(
        self,
        inputs: list[tuple[str | None, Type, ArgKind]],
        outputs: list[Type],
        output_names: list[str],
        named: Type | None,
    ) -> CallableType | None:
        """The step's interface, the type ``step``'s overloads give it (``(input types...) -> output type``) with
        names on top: parameter names, and the output of a step with named outputs is their NamedTuple, or a
        TypedDict of every output when some are ``Output[T]`` parameters (the overloads say "anything")."""
        result: Type | None
        if output_names and len(outputs) > 1:
            returned = self.returned_names(named) if len(outputs) > len(output_names) else []
            result = _types.outputs_by_name(self.ctx.api, [*output_names, *returned], outputs)
        elif named is not None:
            result = named
        else:
            result = outputs[0] if outputs else NoneType()
        if result is None:
            return None
        return _types.wiring_signature(self.ctx.api, name=self.name, inputs=inputs, result=result, handles=False)

    @staticmethod
    def returned_names(named: Type | None) -> list[str]:
        """The names of the returned outputs: a NamedTuple's fields, or ``output``."""
        if named is None:
            return ["output"]
        fields = _types.named_tuple_fields(get_proper_type(named))
        return [field for field, _ in fields or []]

    def returned(self, outputs: list[Type]) -> tuple[Type | None] | None:
        """Append the returned outputs; give the NamedTuple type of named outputs, None after an error."""
        ret = get_proper_type(self.fn.ret_type)
        if _unannotated(ret):
            self.fail(None, "the return", "has no annotation", "Annotate it: `-> None` if the step returns nothing.")
            return None
        if _is_marker(ret) or _marker_nested(ret):
            self.fail(
                None,
                "the return annotation",
                f"uses Input/Output ({_format(ret)})",
                "Return the value's type (`-> int`), or take an Output[T] parameter and write to it.",
            )
            return None
        if self.generic(None, "the return annotation", ret):
            return None
        if isinstance(ret, NoneType):
            return (None,)
        fields = _types.named_tuple_fields(ret)
        if fields is not None:
            outputs.extend(tp for _, tp in fields)
            return (ret,)
        outputs.append(ret)
        return (None,)


def _format(tp: Type) -> str:
    return str(tp).replace("zen_types._handles.", "").replace("builtins.", "")


def _typed_step(ctx: FunctionContext | MethodContext, fn_type: Type, defn: FuncDef | None) -> Type:
    """``Step[F, W, C]`` computed here, whichever of ``step``'s shape overloads mypy is trying.

    ``F`` is the function's own type (an overload only knows its shape, not parameter names). An invalid step,
    or one this plugin cannot read, gets ``Step[F, Any, Any]``: its errors are reported once, here, and its
    uses are not checked again.
    """
    default = get_proper_type(ctx.default_return_type)
    fn = get_proper_type(fn_type)
    if not isinstance(default, Instance) or default.type.fullname != _names.STEP or len(default.args) != 3:
        return ctx.default_return_type
    anything = AnyType(TypeOfAny.special_form)
    found = _not_a_function(fn)
    if found is not None:
        what, name = found
        fix = "Put @step on a plain `def` function."
        message = _messages.step_definition(name, "", f"is a {what}, not a function", fix)
        _report.fail_in_decorator(ctx.api, message, ctx.context, code=_codes.ZEN_STEP)
        return default.copy_modified(args=[fn_type, anything, anything])
    if not isinstance(fn, CallableType) or fn.is_ellipsis_args:
        return default.copy_modified(args=[fn_type, anything, anything])  # unknown signature: stay permissive
    if _LAST and _LAST[0][0] is ctx.context and _LAST[0][1] is fn_type:
        computed = _LAST[0][2]
    else:
        computed = _Checker(ctx, fn, defn).run()
        _LAST[:] = [(ctx.context, fn_type, computed)]
    if computed is None:
        return default.copy_modified(args=[fn_type, anything, anything])
    wiring, config = computed
    return default.copy_modified(args=[fn_type, wiring, config])


# mypy calls the hook once per overload of ``step`` it tries, with the same decorator node and function type:
# the last result is kept so one step is analysed once. Replaced at the next step; it holds nothing mypy's
# cache would need.
_LAST: list[tuple[Context, Type, tuple[CallableType, Type] | None]] = []


def step_decorator_hook(ctx: FunctionContext) -> Type:
    """``@step`` (and ``step(func)``): the one hook that fires when the decorator is applied."""
    if not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type  # ``step(name=...)``: StepDecorator.__call__ takes over
    defn = ctx.context.func if isinstance(ctx.context, Decorator) else None
    return _typed_step(ctx, ctx.arg_types[0][0], defn)


def _given(ctx: FunctionContext | MethodContext, keyword: str) -> Expression | None:
    """The ``keyword=`` argument of ``@step(keyword=...)`` (or ``step(keyword=...)(func)``)."""
    context = ctx.context
    calls: list[Expression] = []
    if isinstance(context, Decorator):
        calls = list(context.original_decorators)
    elif isinstance(context, CallExpr):
        calls = [context.callee]
    for call in calls:
        if isinstance(call, CallExpr):
            for arg_name, arg in zip(call.arg_names, call.args, strict=True):
                if arg_name == keyword:
                    return arg
    return None


def _given_name(ctx: FunctionContext | MethodContext) -> str | None:
    """The ``name=`` of ``@step(name="...")``: the runtime's name for the step."""
    given = _given(ctx, "name")
    return given.value if isinstance(given, StrExpr) else None


def _given_materializer_keys(ctx: FunctionContext | MethodContext) -> list[tuple[str, Context]]:
    """The string keys of a ``materializers={...}`` dict written in ``@step(...)`` (others are not known here)."""
    given = _given(ctx, "materializers")
    if not isinstance(given, DictExpr):
        return []
    return [(key.value, key) for key, _ in given.items if isinstance(key, StrExpr)]


def step_factory_call_hook(ctx: MethodContext) -> Type:
    """``@step(name=..., enable_cache=...)``: the decorator object's ``__call__`` applied to the function."""
    if not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    defn = ctx.context.func if isinstance(ctx.context, Decorator) else None
    return _typed_step(ctx, ctx.arg_types[0][0], defn)


def _only_the_catch_all(signature: CallableType) -> CallableType:
    """Keep ``step``'s catch-all overload (``func: _F``) and take every shape overload out of the running.

    The shapes are for checkers without this plugin. With it, this plugin types every step exactly, and
    mypy's overload matching must not run this plugin's hook once per shape: errors reported while mypy tries
    an overload make it reject that overload. A shape loses its parameter, so mypy drops it before trying.
    """
    ret = get_proper_type(signature.ret_type)
    if not isinstance(ret, Instance) or ret.type.fullname != _names.STEP or not ret.args:
        return signature  # ``step(name=...)``: the decorator factory
    if isinstance(get_proper_type(ret.args[0]), TypeVarType):
        return signature
    return signature.copy_modified(arg_types=[], arg_kinds=[], arg_names=[])


def step_signature_hook(ctx: FunctionSigContext) -> FunctionLike:
    """``step``'s overloads, one at a time: see :func:`_only_the_catch_all`."""
    return _only_the_catch_all(ctx.default_signature)


def step_factory_signature_hook(ctx: MethodSigContext) -> FunctionLike:
    """``StepDecorator.__call__``'s overloads, one at a time: see :func:`_only_the_catch_all`."""
    return _only_the_catch_all(ctx.default_signature)
