"""The wording of definition, wiring and binding errors, shared by the runtime checks and the mypy plugin.

Both sides build their messages here so a user sees the same sentence in the editor (mypy) and at bind time
(no mypy). Functions take plain strings (names and already formatted types) so the plugin can call them with
mypy's own type formatting.
"""

from __future__ import annotations

__all__ = [
    "HANDLE_OPERATORS",
    "HANDLE_UNARY_OPERATORS",
    "config_class_mismatch",
    "step_instance_called",
    "config_not_expected",
    "handle_used_as_data",
    "input_given_twice",
    "input_type_mismatch",
    "missing_input",
    "outputs_passed_as_input",
    "raw_value_for_input",
    "named_outputs_for_one",
    "operator_on_handle",
    "output_count_mismatch",
    "slot_interface_mismatch",
    "slot_called_twice",
    "slot_passed_as_input",
    "slots_never_called",
    "step_definition",
    "too_many_inputs",
    "unknown_output",
    "unknown_input",
    "unknown_materializer_target",
    "view_needs_a_class",
]


def input_type_mismatch(step: str, param: str, expected: str, actual: str) -> str:
    """An upstream output of type ``actual`` is wired into an input that expects ``expected``."""
    return (
        f'Input "{param}" of step "{step}" expects {expected}, but the handle passed has type {actual}. '
        f"Wire an output of a compatible type, or widen the input's annotation."
    )


def raw_value_for_input(step: str, param: str, value_type: str) -> str:
    """A plain Python value was passed where a handle to an upstream output is expected."""
    return (
        f'Input "{param}" of step "{step}" got a plain value of type {value_type}, not a handle. '
        f"Inside a pipeline body pass the output of another step; put run-time values in the step's config."
    )


def missing_input(step: str, param: str) -> str:
    """A required input of a step was not wired."""
    return f'Step "{step}" is called without its input "{param}". Pass a handle from an upstream step.'


def unknown_materializer_target(step: str, key: str, known: str) -> str:
    """``materializers={key: ...}`` where ``key`` names no input or output of the step."""
    return f'Step "{step}" has no input or output "{key}" to choose a materializer for (known: {known}).'


def unknown_input(step: str, param: str, known: str) -> str:
    """A keyword that names no input of the step."""
    return f'Step "{step}" has no input "{param}" (its inputs: {known}).'


_BINARY = {
    "__add__": "+",
    "__sub__": "-",
    "__mul__": "*",
    "__matmul__": "@",
    "__truediv__": "/",
    "__floordiv__": "//",
    "__mod__": "%",
    "__pow__": "**",
    "__lshift__": "<<",
    "__rshift__": ">>",
    "__and__": "&",
    "__xor__": "^",
    "__or__": "|",
}
HANDLE_OPERATORS = {
    **_BINARY,
    **{f"__r{name[2:]}": symbol for name, symbol in _BINARY.items()},
    "__lt__": "<",
    "__le__": "<=",
    "__gt__": ">",
    "__ge__": ">=",
}
"""The binary operators a handle refuses (``h + 1``, ``1 + h``, ``h < 1``), by method name."""
HANDLE_UNARY_OPERATORS = {"__neg__": "-", "__pos__": "+", "__invert__": "~"}
"""The unary operators a handle refuses."""


def operator_on_handle(operator: str, data_type: str) -> str:
    """What ``handle_used_as_data`` says for an operator: the same on both sides (no producer, which mypy lacks)."""
    return f"the operator {operator} on a Handle[{data_type}]"


def slot_called_twice(pipeline: str, slot: str) -> str:
    """A slot called a second time in one body (twice in a row, or in a loop)."""
    return (
        f'Pipeline "{pipeline}": slot "{slot}" is called twice. Each slot runs once per run; '
        f"add another slot to use the same step again."
    )


def slots_never_called(pipeline: str, slots: str) -> str:
    """Slots the body never calls."""
    return (
        f'Pipeline "{pipeline}": slot(s) {slots} are never called in the body. Call each slot once, or remove the slot.'
    )


def handle_used_as_data(what: str) -> str:
    """A handle was used like the data it refers to while wiring."""
    return (
        f"A handle was used as data ({what}). Handles only connect steps inside a pipeline body; "
        f"the data exists when the pipeline runs. Do the computation inside a step."
    )


def slot_interface_mismatch(pipeline: str, slot: str, *, step: str, expected: str, actual: str, reason: str) -> str:
    """A step bound to a slot does not have the interface the slot declares."""
    return (
        f'Slot "{slot}" of pipeline "{pipeline}" expects a step of interface {expected}, '
        f'but the bound step "{step}" has interface {actual}: {reason}.'
    )


def output_count_mismatch(count: int) -> str:
    """Why a step without exactly one output does not fit a slot expecting one (a reason for the above)."""
    outputs = "no outputs" if count == 0 else f"{count} outputs"
    return f"the step has {outputs}, the slot expects one"


def named_outputs_for_one(names: str) -> str:
    """Why a step with named outputs does not fit a slot expecting one output (a reason for the above)."""
    return f"the step has named outputs ({names}), the slot expects one output"


def slot_passed_as_input(step: str, param: str, slot: str) -> str:
    """``second(first)``: the slot itself where its output belongs."""
    return (
        f'Input "{param}" of step "{step}" got the slot "{slot}" itself, not its output. '
        f"Call it and pass what it returns: {slot}()."
    )


def config_class_mismatch(step: str, expected: str, actual: str) -> str:
    """A config of the wrong class was given to a step."""
    return f'Step "{step}" takes a config of class {expected}, but got {actual}. Pass {expected}(...).'


def step_definition(step: str, where: str, problem: str, fix: str) -> str:
    """A step function zen cannot use: ``where`` names the parameter or the return, ``fix`` says what to do."""
    return f'Step "{step}": {where} {problem}. {fix}'.replace(":  ", ": ")


def unknown_output(name: str, known: str) -> str:
    """An output name that the step's named outputs do not have (``outputs.validation``)."""
    return f'The step has no output named "{name}" (its outputs: {known}). Use one of those names.'


def too_many_inputs(step: str, takes: int, passed: int) -> str:
    """More positional handles than the step has inputs."""
    return f'Step "{step}" takes {takes} input(s) but {passed} were passed positionally.'


def input_given_twice(step: str, param: str) -> str:
    """One input passed by position and again by keyword."""
    return f'Step "{step}" got input "{param}" twice (by position and by keyword).'


def outputs_passed_as_input(step: str, param: str, names: str, first: str) -> str:
    """All the handles of a multi-output step passed where one handle is expected."""
    return (
        f'Input "{param}" of step "{step}" got the outputs of a multi-output step ({names}); '
        f"pick one by name, e.g. outputs.{first}."
    )


def config_not_expected(step: str, actual: str) -> str:
    """A config given to a step that has no config parameter."""
    return (
        f'Step "{step}" takes no config, but got {actual}. '
        f"Add a BaseStepConfig parameter to the step, or call it without arguments."
    )


def view_needs_a_class(handle: str, given: str) -> str:
    """``handle.view(x)`` was given something that is not a class."""
    return f"{handle}.view() takes the class to read the artifact as (for example .view(pyarrow.Table)), not {given}."


def step_instance_called(step: str) -> str:
    """A step instance called like a slot (``dedupe()(handle)``) inside or outside a pipeline body."""
    return (
        f'Step instance "{step}" was called directly. Inside a @pipeline body call the slot parameters; '
        f"outside, call the undecorated function for tests: {step}.func(...)."
    )
