"""What a step returned, checked against its annotations before anything of it is written.

A value conforms to its output's declared type or the step fails naming the step, the output, the type it
returned and the type declared (``OutputTypeError``). A conforming value may still be of a more specific class
than declared; :func:`concrete_type` names it, so the artifact keeps the class it had.
"""

from __future__ import annotations

import typing

from zen_run._compile import CompiledStep
from zen_run.errors import OutputTypeError
from zen_types import DEFAULT_OUTPUT, OutputKind, type_name, value_conforms

__all__ = ["check_output", "concrete_type", "returned_values"]


def returned_values(step: CompiledStep, result: object) -> dict[str, object]:
    """The values ``step`` returned (``result``), by output name, each checked against its annotation."""
    returned = [o for o in step.outputs if o.kind is OutputKind.RETURN]
    named = step.instance.step.signature.returns_named
    if not returned:
        if result is not None:
            raise _type_error(step, result, "None")
        return {}
    if named is None:
        assert returned[0].name == DEFAULT_OUTPUT
        check_output(step, DEFAULT_OUTPUT, returned[0].type, result)
        return {DEFAULT_OUTPUT: result}
    if not isinstance(result, tuple) or len(result) != len(returned):
        fields = ", ".join(o.name for o in returned)
        raise _type_error(step, result, f"a {named.__name__} with fields {fields}")
    values = dict(zip((o.name for o in returned), result, strict=True))
    for out in returned:
        check_output(step, out.name, out.type, values[out.name])
    return values


def check_output(step: CompiledStep, name: str, declared: object, value: object) -> None:
    """Raise OutputTypeError unless ``value``, for output ``name`` of ``step``, conforms to ``declared``."""
    if not value_conforms(value, declared):
        raise _type_error(step, value, type_name(declared), output_name=name)


def _type_error(step: CompiledStep, value: object, declared: str, *, output_name: str | None = None) -> OutputTypeError:
    return OutputTypeError(
        step_name=step.slot,
        function_name=step.instance.name,
        returned=type(value).__name__,
        declared=declared,
        output_name=output_name,
    )


def concrete_type(declared: object, value: object) -> str | None:
    """The name of the value's class when it says more than the declared type (a ``Pipeline`` declared as
    ``BaseEstimator``, an ``int`` declared as ``int | str``); None when the declared type is that class, or that
    class with parameters (``list[int]`` for a list), or the value is None."""
    if value is None:
        return None
    if typing.get_origin(declared) is typing.Annotated:
        declared = typing.get_args(declared)[0]
    cls = type(value)
    if cls is declared or typing.get_origin(declared) is cls:
        return None
    return type_name(cls)
