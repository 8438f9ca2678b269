"""Reading a step function's signature into inputs, outputs and config, and refusing what zen cannot use.

Each parameter is exactly one of: ``Input[T]`` (an upstream artifact, handed over as a handle), ``Output[T]``
(an artifact the step writes), one ``BaseStepConfig`` subclass (run-time parameters), or a plain annotated type
(an upstream artifact passed by value). The return annotation is ``None``, one type (an output named
``output``), or a ``NamedTuple`` class (one output per field). Anything else fails here, when the step is
defined, with the step and parameter named.
"""

from __future__ import annotations

import ast
import inspect
import types
import typing
from enum import Enum
from typing import Final, get_args, get_origin

import attrs

from zen_types import _messages
from zen_types._artifact_name import ArtifactName
from zen_types._assignability import type_name
from zen_types._config import BaseStepConfig
from zen_types._handles import Handle, Input, Output
from zen_types._typing import AnyFunction
from zen_types.errors import StepDefinitionError

__all__ = [
    "DEFAULT_OUTPUT",
    "ConfigParam",
    "InputKind",
    "InputParam",
    "OutputKind",
    "OutputParam",
    "StepSignature",
    "analyze_step",
]

DEFAULT_OUTPUT: Final = "output"


class InputKind(Enum):
    """How an input reaches the step function."""

    HANDLE = "handle"  # ``Input[T]``: the step gets a handle with ``.uri`` and ``.read()``
    VALUE = "value"  # plain annotation: the step gets the value, read by the materializer


class OutputKind(Enum):
    """How an output leaves the step function."""

    RETURN = "return"  # the returned value (or one field of a returned NamedTuple)
    PARAM = "param"  # an ``Output[T]`` parameter the step writes


@attrs.frozen
class InputParam:
    """One input of a step: its parameter name, its data type ``T``, and whether it may be left unwired."""

    name: str
    type: object
    kind: InputKind
    has_default: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen
class OutputParam:
    """One output of a step: its name (``output`` for a single return value), data type and origin."""

    name: str
    type: object
    kind: OutputKind
    artifact_name: str | None = attrs.field(default=None, kw_only=True)
    """The name its artifacts are stored under when the annotation gives one (``ArtifactName``)."""


@attrs.frozen
class ConfigParam:
    """The step's config parameter: its name, class, and whether the function gives it a default."""

    name: str
    cls: type[BaseStepConfig]
    has_default: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen
class StepSignature:
    """Everything zen needs to know about a step function's interface."""

    inputs: tuple[InputParam, ...]
    outputs: tuple[OutputParam, ...]
    config: ConfigParam | None
    returns_named: type | None = attrs.field(default=None, kw_only=True)
    """The NamedTuple class when the step returns several named outputs."""

    def input(self, name: str) -> InputParam | None:
        """The input called ``name``, if any."""
        return next((i for i in self.inputs if i.name == name), None)

    def describe(self) -> str:
        """A compact interface text for messages: ``(int, str) -> int``."""
        ins = ", ".join(type_name(i.type) for i in self.inputs)
        outs = [type_name(o.type) for o in self.outputs]
        if not outs:
            ret = "None"
        elif len(outs) == 1 and self.outputs[0].name == DEFAULT_OUTPUT:
            ret = outs[0]
        else:
            ret = "(" + ", ".join(f"{o.name}: {type_name(o.type)}" for o in self.outputs) + ")"
        return f"({ins}) -> {ret}"


_MARKERS: Final = (Input, Output)


def _is_marker(tp: object) -> bool:
    return tp in _MARKERS or get_origin(tp) in _MARKERS


def _marker_nested(tp: object) -> bool:
    """True when ``Input``/``Output`` appears inside another type (``list[Input[int]]``, ``Output[T] | None``)."""
    return any(_is_marker(arg) or _marker_nested(arg) for arg in get_args(tp))


def _is_named_tuple(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def _is_config(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseStepConfig)


def _fail(step: str, where: str, problem: str, fix: str) -> typing.NoReturn:
    raise StepDefinitionError(_messages.step_definition(step, where, problem, fix))


def _check_callable(func: object, name: str) -> AnyFunction:
    if isinstance(func, (staticmethod, classmethod)):
        _fail(name, "", "is a staticmethod/classmethod", "Define steps as module-level functions.")
    if not inspect.isfunction(func):
        _fail(name, "", f"is a {type(func).__name__}, not a function", "Put @step on a plain `def` function.")
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        _fail(name, "", "is async", "Steps are plain functions; run async code inside with asyncio.run().")
    if inspect.isgeneratorfunction(func):
        _fail(name, "", "is a generator", "Return the value instead of yielding it.")
    parts = func.__qualname__.split(".")
    if len(parts) > 1 and parts[-2] != "<locals>":
        _fail(
            name,
            "",
            f"is defined in class {parts[-2]!r} (a method)",
            "Define steps as module-level functions; methods would need their instance, which zen cannot pin.",
        )
    return typing.cast("AnyFunction", func)


class _StubSubscripts(ast.NodeTransformer):
    """Rewrite ``X[args]`` into ``_subscript(X, args)``: see :func:`_stub_spelling_hints`."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        call = ast.Call(ast.Name("_zen_subscript", ast.Load()), [node.value, node.slice], [])
        return ast.copy_location(call, node)


def _subscript(origin: object, args: object) -> object:
    """``origin[args]``, or the same generic alias for a class that is generic only in its type stubs."""
    try:
        return origin[args]  # type: ignore[index]  # whatever the annotation subscripts
    except TypeError:
        if not isinstance(origin, type):
            raise
        return types.GenericAlias(origin, args)


def _stub_spelling_hints(func: AnyFunction) -> dict[str, object]:
    """Hints where string annotations may subscript classes generic only in their stubs (``"pd.Series[float]"``,
    as pandas-stubs spells it): they become ``Series`` with the arguments kept for messages and comparisons."""
    namespace = {**getattr(func, "__globals__", {}), "_zen_subscript": _subscript}
    return {key: _evaluate(annotation, namespace) for key, annotation in func.__annotations__.items()}


def _evaluate(annotation: object, namespace: dict[str, object]) -> object:
    while isinstance(annotation, str):  # ``"pd.Series[float]"`` under ``from __future__ import annotations``
        tree = ast.fix_missing_locations(_StubSubscripts().visit(ast.parse(annotation, mode="eval")))
        annotation = eval(compile(tree, "<annotation>", "eval"), namespace)  # the user's own annotation
    return annotation


def _resolve_hints(func: AnyFunction, name: str) -> dict[str, object]:
    try:
        return typing.get_type_hints(func, include_extras=True)
    except TypeError as exc:
        invalid = _messages.step_definition(
            name, "an annotation", f"is not a valid type ({exc})", "Annotate with a type such as int or list[str]."
        )
        if "is not subscriptable" not in str(exc):
            raise StepDefinitionError(invalid) from exc
        try:
            return _stub_spelling_hints(func)
        except Exception as again:  # the same annotation, still not a type: the first reason explains it
            raise StepDefinitionError(invalid) from again
    except (NameError, AttributeError) as exc:
        _fail(
            name,
            "an annotation",
            f"cannot be resolved ({exc})",
            "Define the types a step uses at module level, or import them where the step is defined.",
        )
    except SyntaxError as exc:  # a string annotation that is no expression
        _fail(name, "an annotation", f"is not a valid type ({exc})", "Annotate with a type such as int or list[str].")


def _is_type(tp: object) -> bool:
    """True for what can annotate a value: classes, generic aliases, unions, Literal, NewType, TypeVar, Any."""
    return (
        tp is None
        or isinstance(tp, (type, typing.TypeVar, typing.NewType))
        or get_origin(tp) is not None
        or tp is typing.Any
    )


def _type_variables(tp: object) -> list[str]:
    """The names of the type variables in ``tp`` (``T`` in ``list[T]``)."""
    if isinstance(tp, typing.TypeVar):
        return [tp.__name__]
    return [name for arg in get_args(tp) for name in _type_variables(arg)]


def _artifact_name(step_name: str, where: str, tp: object) -> tuple[object, str | None]:
    """``tp`` without its ``ArtifactName`` (other ``Annotated`` metadata kept), and the name it gives, if any."""
    if get_origin(tp) is not typing.Annotated:
        return tp, None
    metadata = tuple(getattr(tp, "__metadata__", ()))
    names = [m.name for m in metadata if isinstance(m, ArtifactName)]
    if not names:
        return tp, None
    if len(names) > 1:
        _fail(step_name, where, f"has {len(names)} ArtifactName markers", "Give each output one ArtifactName.")
    rest = tuple(m for m in metadata if not isinstance(m, ArtifactName))
    base = get_args(tp)[0]
    return (typing.Annotated[(base, *rest)] if rest else base), names[0]


def _unnamed(step_name: str, where: str, tp: object) -> None:
    """Refuse an ``ArtifactName`` on an input: only outputs are stored under a name."""
    if _artifact_name(step_name, where, tp)[1] is not None:
        _fail(
            step_name,
            where,
            "is an input with an ArtifactName",
            "ArtifactName names the artifacts a step writes: put it on the return annotation or an Output[...].",
        )


def _return_outputs(step_name: str, hints: dict[str, object], outputs: list[OutputParam]) -> type | None:
    """Append the outputs the return annotation declares; return the NamedTuple class for named outputs."""
    if "return" not in hints:
        _fail(step_name, "the return", "has no annotation", "Annotate it: `-> None` if the step returns nothing.")
    returned = hints["return"]
    named: type | None = None
    if not _is_type(returned):
        _fail(
            step_name,
            "the return annotation",
            f"is {returned!r}, which is not a type",
            "Annotate the return with a type: `-> None`, `-> int`, or a NamedTuple class for named outputs.",
        )
    if _type_variables(returned):
        _fail(
            step_name,
            "the return annotation",
            f"uses the type variable {_type_variables(returned)[0]} (a generic step)",
            "zen compares steps with slots by concrete types; annotate the step with the types it is used with.",
        )
    if get_origin(returned) is Handle or returned is Handle:
        _fail(step_name, "the return annotation", "is a Handle", "Return the value's type (`-> int`).")
    if _is_marker(returned) or _marker_nested(returned):
        _fail(
            step_name,
            "the return annotation",
            f"uses Input/Output ({type_name(returned)})",
            "Return the value's type (`-> int`), or take an Output[T] parameter and write to it.",
        )
    if returned is None or returned is type(None):
        pass
    elif _is_named_tuple(returned):
        named = typing.cast("type", returned)
        try:
            field_types = typing.get_type_hints(named, include_extras=True)
        except (NameError, AttributeError) as exc:
            _fail(
                step_name,
                f"the return annotation {named.__name__}",
                f"has a field type that cannot be resolved ({exc})",
                f"Define the types {named.__name__} uses at module level, or import them where it is defined.",
            )
        for field_name in typing.cast("tuple[str, ...]", getattr(named, "_fields")):  # noqa: B009 - NamedTuple API
            tp, artifact = _artifact_name(step_name, f'output "{field_name}"', field_types.get(field_name, object))
            outputs.append(OutputParam(field_name, tp, OutputKind.RETURN, artifact_name=artifact))
    else:
        tp, artifact = _artifact_name(step_name, "the return annotation", returned)
        outputs.append(OutputParam(DEFAULT_OUTPUT, tp, OutputKind.RETURN, artifact_name=artifact))
    return named


def analyze_step(func: object, *, name: str | None = None) -> StepSignature:
    """Classify every parameter and the return annotation of a step function, or raise StepDefinitionError."""
    step_name = name or str(getattr(func, "__name__", repr(func)))
    fn = _check_callable(func, step_name)
    hints = _resolve_hints(fn, step_name)
    inputs: list[InputParam] = []
    outputs: list[OutputParam] = []
    config: ConfigParam | None = None
    for param in inspect.signature(fn).parameters.values():
        where = f'parameter "{param.name}"'
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            _fail(step_name, where, f"is {star}{param.name}", "Give every input its own named, annotated parameter.")
        if param.name not in hints:
            _fail(
                step_name,
                where,
                "has no annotation",
                "Annotate it: Input[T] for an artifact handle, Output[T] for an artifact the step writes, "
                "a BaseStepConfig subclass for parameters, or a plain type T for a value.",
            )
        tp = hints[param.name]
        has_default = param.default is not param.empty
        if _type_variables(tp):
            _fail(
                step_name,
                where,
                f"uses the type variable {_type_variables(tp)[0]} (a generic step)",
                "zen compares steps with slots by concrete types; annotate the step with the types it is used with.",
            )
        if not _is_type(tp):
            _fail(
                step_name,
                where,
                f"is annotated {tp!r}, which is not a type",
                "Annotate it with a type: Input[T], Output[T], a BaseStepConfig subclass, or a plain type T.",
            )
        origin = get_origin(tp)
        if tp in _MARKERS:
            _fail(step_name, where, f"is annotated {tp.__name__} without a type", f"Write {tp.__name__}[T].")
        if tp is Handle or origin is Handle:
            _fail(step_name, where, "is annotated Handle", "Handles are for wiring; annotate Input[T] instead.")
        if _marker_nested(tp):
            _fail(
                step_name,
                where,
                f"has Input/Output inside another type ({type_name(tp)})",
                "Input[T] and Output[T] must be the whole annotation; put Optional/Union/list inside: Input[T | None].",
            )
        if origin is Output:
            if has_default:
                _fail(step_name, where, "is an Output with a default", "Remove the default; zen always provides it.")
            written, artifact = _artifact_name(step_name, where, get_args(tp)[0])
            outputs.append(OutputParam(param.name, written, OutputKind.PARAM, artifact_name=artifact))
        elif origin is Input:
            _unnamed(step_name, where, get_args(tp)[0])
            inputs.append(InputParam(param.name, get_args(tp)[0], InputKind.HANDLE, has_default=has_default))
        elif tp is BaseStepConfig:
            _fail(step_name, where, "is annotated BaseStepConfig itself", "Annotate it with your subclass.")
        elif _is_config(tp):
            if config is not None:
                _fail(
                    step_name,
                    where,
                    f'is a second config (the first is "{config.name}")',
                    "Merge the parameters into one BaseStepConfig subclass.",
                )
            config = ConfigParam(param.name, typing.cast("type[BaseStepConfig]", tp), has_default=has_default)
        else:
            _unnamed(step_name, where, tp)
            inputs.append(InputParam(param.name, tp, InputKind.VALUE, has_default=has_default))
    named = _return_outputs(step_name, hints, outputs)
    seen: set[str] = set()
    for out in outputs:
        if out.name in seen:
            _fail(
                step_name,
                f'output "{out.name}"',
                "is declared twice (an Output parameter and a returned field share the name)",
                "Rename one of them.",
            )
        seen.add(out.name)
    return StepSignature(tuple(inputs), tuple(outputs), config, returns_named=named)
