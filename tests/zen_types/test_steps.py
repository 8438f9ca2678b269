"""``@step``: what a step function may look like, what fails when it is decorated, and step instances."""

from __future__ import annotations

import functools
import importlib
from typing import NamedTuple

import pytest

from tests.zen_types.definitions import (
    AddConfig,
    DataFrame,
    Model,
    OtherConfig,
    Pair,
    Single,
    adds,
    custom,
    evaluate,
    load_data,
    make_pair,
    make_single,
    nothing,
    returns_one,
    take_with_default,
    train,
    untyped,
)
from zen_types import (
    DEFAULT_OUTPUT,
    Input,
    InputKind,
    Output,
    OutputKind,
    Step,
    StepInstance,
    is_assignable,
    step,
    type_name,
)
from zen_types.errors import BindingError, DefinitionError, StepDefinitionError, WiringError, ZenError

# -- what a step may be --------------------------------------------------------------------------------------


def test_plain_parameters_are_inputs_passed_by_value_and_a_plain_return_is_the_output_named_output() -> None:
    """Seed 000: ``adds(some_num: int, config: AddConfig) -> int``."""
    sig = adds.signature
    assert [(i.name, i.type, i.kind) for i in sig.inputs] == [("some_num", int, InputKind.VALUE)]
    assert sig.config is not None
    assert (sig.config.name, sig.config.cls, sig.config.has_default) == ("config", AddConfig, False)
    assert [(o.name, o.type, o.kind) for o in sig.outputs] == [(DEFAULT_OUTPUT, int, OutputKind.RETURN)]
    assert DEFAULT_OUTPUT == "output"
    assert sig.returns_named is None


def test_input_and_output_markers_become_handle_inputs_and_written_outputs() -> None:
    """Seed 001: ``Input[T]`` is an input read through a handle, ``Output[T]`` an output the step writes."""
    sig = train.signature
    assert [(i.name, i.type, i.kind) for i in sig.inputs] == [("data", DataFrame, InputKind.HANDLE)]
    assert [(o.name, o.type, o.kind) for o in sig.outputs] == [("model", Model, OutputKind.PARAM)]
    assert [(o.name, o.type, o.kind) for o in load_data.signature.outputs] == [("out", DataFrame, OutputKind.PARAM)]
    assert [(o.name, o.kind) for o in evaluate.signature.outputs] == [("output", OutputKind.RETURN)]


def test_a_none_return_has_no_outputs_and_a_namedtuple_return_names_each_output() -> None:
    """``-> None`` declares nothing; ``-> Pair`` declares ``left`` and ``right`` with their field types."""
    assert nothing.signature.outputs == ()
    assert [(o.name, o.type) for o in make_pair.signature.outputs] == [("left", int), ("right", str)]
    assert make_pair.signature.returns_named is Pair
    assert make_single.signature.returns_named is Single


def test_inputs_with_defaults_are_optional_and_a_config_default_is_remembered() -> None:
    """A defaulted input may stay unwired; the signature says so."""
    assert [i.has_default for i in take_with_default.signature.inputs] == [False, True]


def test_the_interface_is_described_for_messages() -> None:
    """``describe()`` is the compact text used in binding errors; the repr shows it too."""
    assert adds.signature.describe() == "(int) -> int"
    assert make_pair.signature.describe() == "() -> (left: int, right: str)"
    assert train.signature.describe() == "(DataFrame) -> (model: Model)"
    assert nothing.signature.describe() == "() -> None"
    assert repr(adds) == "<step adds (int) -> int>"


def test_the_undecorated_function_stays_callable_for_unit_tests() -> None:
    """``.func`` is the plain function; the step keeps its name, docstring and module."""
    assert adds.func(2, AddConfig(add_amount=3)) == 5
    assert returns_one.func() == 1
    copied = vars(adds)  # functools.update_wrapper copied the function's attributes onto the step
    assert (copied["__name__"], copied["__module__"], copied["__wrapped__"]) == (
        "adds",
        adds.func.__module__,
        adds.func,
    )
    assert adds.source_name == "tests.zen_types.definitions.adds"


def test_step_takes_a_name_and_a_cache_flag() -> None:
    """``@step(name=..., enable_cache=...)``: the name is used in messages and specs, the flag by instances."""
    assert isinstance(custom, Step)
    assert custom.name == "renamed"
    assert custom.func.__name__ == "custom"
    assert custom.enable_cache is False
    assert custom().enable_cache is False
    assert custom(enable_cache=True).enable_cache is True
    assert returns_one.enable_cache is None


# -- what fails when decorated -------------------------------------------------------------------------------


def _define(source: str) -> object:
    """Run ``source`` (which defines ``f``) in a fresh namespace holding the names steps use; return ``f``."""
    namespace: dict[str, object] = {}
    exec("from tests.zen_types.definitions import *\nfrom zen_types import *\n" + source, namespace)
    return namespace.get("f")


BAD_STEPS: list[tuple[str, str, list[str]]] = [
    ("missing parameter annotation", "@step\ndef f(x) -> int: ...", ['"f"', '"x"', "no annotation", "Input[T]"]),
    ("missing return annotation", "@step\ndef f(x: int): ...", ['"f"', "return", "no annotation", "-> None"]),
    ("*args", "@step\ndef f(*xs: int) -> None: ...", ['"f"', '"xs"', "*xs", "own named"]),
    ("**kwargs", "@step\ndef f(**kw: int) -> None: ...", ['"f"', '"kw"', "**kw", "own named"]),
    (
        "default on Output",
        "@step\ndef f(o: Output[int] = None) -> None: ...",
        ['"o"', "Output with a default", "Remove"],
    ),
    ("two configs", "@step\ndef f(a: AddConfig, b: OtherConfig) -> None: ...", ['"b"', 'first is "a"', "Merge"]),
    (
        "Input in a list",
        "@step\ndef f(x: list[Input[int]]) -> None: ...",
        ['"x"', "inside another type", "Input[T | None]"],
    ),
    ("Optional Output", "@step\ndef f(x: Output[int] | None) -> None: ...", ['"x"', "inside another type"]),
    ("Input in Output", "@step\ndef f(x: Output[Input[int]]) -> None: ...", ['"x"', "inside another type"]),
    ("Output returned", "@step\ndef f() -> Output[int]: ...", ['"f"', "return annotation", "Output[T] parameter"]),
    ("Input in the return", "@step\ndef f() -> list[Input[int]]: ...", ['"f"', "return annotation", "Input/Output"]),
    ("Handle returned", "@step\ndef f() -> Handle[int]: ...", ['"f"', "return annotation", "Handle", "-> int"]),
    ("bare Input", "@step\ndef f(x: Input) -> None: ...", ['"x"', "Input without a type", "Input[T]"]),
    ("bare Output", "@step\ndef f(x: Output) -> None: ...", ['"x"', "Output without a type", "Output[T]"]),
    ("Handle parameter", "@step\ndef f(x: Handle[int]) -> None: ...", ['"x"', "Handle", "Input[T] instead"]),
    (
        "BaseStepConfig itself",
        "@step\ndef f(x: BaseStepConfig) -> None: ...",
        ['"x"', "BaseStepConfig itself", "subclass"],
    ),
    ("not a type", "@step\ndef f(x: 5) -> None: ...", ['"f"', '"x"', "annotated 5", "not a type"]),
    ("not a type returned", "@step\ndef f() -> 5: ...", ['"f"', "return annotation", "not a type", "-> int"]),
    (
        "unresolvable name",
        "@step\ndef f(x: 'Missing') -> None: ...",
        ['"f"', "cannot be resolved", "Missing", "module level"],
    ),
    ("unparsable string", "@step\ndef f(x: 'list[') -> None: ...", ['"f"', "not a valid type", "such as int"]),
    ("async", "@step\nasync def f() -> None: ...", ['"f"', "is async", "asyncio.run"]),
    ("async generator", "@step\nasync def f() -> None:\n    yield", ['"f"', "is async"]),
    ("generator", "@step\ndef f() -> int:\n    yield 1", ['"f"', "is a generator", "Return the value"]),
    ("method", "class K:\n    @step\n    def f(self) -> None: ...", ['"f"', "class 'K'", "method", "module-level"]),
    (
        "staticmethod",
        "class K:\n    @step\n    @staticmethod\n    def f() -> None: ...",
        ['"f"', "staticmethod", "module-level"],
    ),
    ("class", "@step\nclass f: ...", ['"f"', "not a function", "plain `def`"]),
    (
        "duplicate output",
        "@step\ndef f(output: Output[int]) -> int: ...",
        ['"f"', 'output "output"', "twice", "Rename"],
    ),
]


@pytest.mark.parametrize(("source", "words"), [pytest.param(s, w, id=i) for i, s, w in BAD_STEPS])
def test_bad_step_definitions_fail_when_decorated_naming_step_parameter_and_fix(source: str, words: list[str]) -> None:
    """Each invalid signature raises StepDefinitionError (a DefinitionError, a ZenError and a TypeError)
    whose message names the step and the parameter and says how to fix it."""
    with pytest.raises(StepDefinitionError) as info:
        _define(source)
    for word in words:
        assert word in str(info.value), f"{word!r} not in: {info.value}"
    assert isinstance(info.value, DefinitionError | ZenError | TypeError)


class _Unresolvable(NamedTuple):
    """Named outputs whose field type does not exist at run time (imported for type checkers only)."""

    value: Missing  # type: ignore[name-defined]  # noqa: F821 - deliberately unresolvable


def test_a_namedtuple_return_with_an_unresolvable_field_is_a_definition_error() -> None:
    """The field types of named outputs are resolved when decorated, with the step named on failure."""

    def f() -> _Unresolvable:
        raise AssertionError("never runs")

    with pytest.raises(StepDefinitionError, match=r'Step "f": the return annotation _Unresolvable .*Missing'):
        step(f)


def test_local_steps_with_module_level_types_are_fine() -> None:
    """A step defined inside a function is not a method; its module-level annotations resolve."""

    @step
    def local(data: DataFrame) -> Model:
        return Model()

    assert [i.type for i in local.signature.inputs] == [DataFrame]


def test_step_refuses_non_functions_and_bound_methods() -> None:
    """Builtins, partials, bound methods and instances are refused with the kind of object named."""
    with pytest.raises(StepDefinitionError, match=r'Step "len": is a builtin_function_or_method, not a function'):
        step(untyped(len))
    with pytest.raises(StepDefinitionError, match=r'Step "partial": is a partial, not a function'):
        step(untyped(functools.partial(adds.func, 1)))
    with pytest.raises(StepDefinitionError, match="is a method, not a function"):
        step(untyped(AddConfig().to_dict))
    with pytest.raises(StepDefinitionError, match="not a function"):
        step(untyped(3))


def test_a_step_cannot_be_decorated_twice() -> None:
    """``@step`` over a step: the inner object is a Step, not a function."""
    with pytest.raises(StepDefinitionError, match=r'Step "adds": is a Step, not a function'):
        step(untyped(adds))


# -- step instances ------------------------------------------------------------------------------------------


def test_calling_a_step_gives_an_instance_with_its_config() -> None:
    """Seed 000: ``adds(AddConfig(add_amount=3))``; a step with a config may also be called without one."""
    configured = adds(AddConfig(add_amount=3))
    assert isinstance(configured, StepInstance)
    assert configured.step is untyped(adds)
    assert configured.name == "adds"
    assert configured.config == AddConfig(add_amount=3)
    assert repr(configured) == "adds(AddConfig(add_amount=3))"
    assert adds().config is None
    assert adds(config=AddConfig()).config == AddConfig()
    assert returns_one().config is None
    assert repr(returns_one()) == "returns_one()"


def test_with_config_swaps_the_config_and_keeps_the_rest() -> None:
    """Used when configs come from YAML or the CLI."""
    base = adds(AddConfig(add_amount=3), enable_cache=False, materializers={"output": int})
    swapped = base.with_config(AddConfig(add_amount=5))
    assert swapped.config == AddConfig(add_amount=5)
    assert (swapped.enable_cache, swapped.materializers) == (False, {"output": int})
    assert base.config == AddConfig(add_amount=3)


def test_materializers_choose_per_named_input_or_output() -> None:
    """Known names are kept; an unknown name fails at once, listing the known ones."""
    assert train(materializers={"data": DataFrame, "model": Model}).materializers == {"data": DataFrame, "model": Model}
    with pytest.raises(BindingError, match=r'Step "returns_one" has no input or output "nope".*known: output'):
        returns_one(materializers={"nope": int})  # type: ignore[zen-binding]  # the mistake under test


def test_a_config_of_the_wrong_class_is_refused_with_the_shared_wording() -> None:
    """The wording is the plugin's: step, expected class, given class, and the fix."""
    with pytest.raises(BindingError) as info:
        untyped(adds)(OtherConfig())
    assert str(info.value) == 'Step "adds" takes a config of class AddConfig, but got OtherConfig. Pass AddConfig(...).'
    with pytest.raises(BindingError, match="takes a config of class AddConfig, but got int"):
        untyped(adds)(3)


def test_a_config_for_a_step_without_one_is_refused() -> None:
    """The message names the step and the config and says what to do."""
    with pytest.raises(BindingError, match=r'Step "returns_one" takes no config, but got AddConfig\..*BaseStepConfig'):
        untyped(returns_one)(AddConfig())


def test_a_config_class_of_the_same_name_from_elsewhere_is_shown_with_its_module() -> None:
    """Two classes called AddConfig (e.g. one loaded from another commit) are told apart by module."""
    namespace: dict[str, object] = {}
    exec("from zen_types import BaseStepConfig\nclass AddConfig(BaseStepConfig):\n    add_amount: int = 1\n", namespace)
    impostor: type = namespace["AddConfig"]  # type: ignore[assignment]  # defined by exec just above
    with pytest.raises(
        BindingError, match=r"class tests\.zen_types\.definitions\.AddConfig, but got builtins\.AddConfig"
    ):
        untyped(adds)(impostor())


def test_calling_an_instance_directly_is_a_wiring_error_pointing_at_func() -> None:
    """Outside a pipeline body an instance cannot run; the message points at ``.func`` for tests."""
    with pytest.raises(
        WiringError, match=r'Step instance "returns_one" was called directly.*returns_one\.func\(\.\.\.\)'
    ):
        untyped(returns_one())()


# -- the handles a running step receives ---------------------------------------------------------------------


def test_input_and_output_handles_read_and_write_once() -> None:
    """What the runner hands a step: ``Input.read()`` loads, ``Output.write()`` stores once; metadata is kept."""
    stored: list[int] = []
    source = Input[list[int]](uri="mem://in", load=lambda: [1, 2], name="data", metadata={"rows": 2})
    sink = Output[int](uri="mem://out", store=stored.append, name="total")
    sink.write(sum(source.read()))
    assert stored == [3]
    assert (source.uri, source.metadata, sink.written) == ("mem://in", {"rows": 2}, True)
    assert repr(source) == "Input(name='data', uri='mem://in')"
    with pytest.raises(
        WiringError, match=r'^Output "total" was already written; each output is written once per run\.$'
    ):
        sink.write(4)
    assert stored == [3]


def test_pandas_stubs_spelling_of_a_series_is_the_series_type() -> None:
    """``"pd.Series[float]"``, as pandas-stubs spells it, is accepted although ``Series`` cannot be subscripted at
    run time: the input's type is ``Series[float]``, which a plain ``Series`` output fits and an ``int`` does not."""
    pandas = importlib.import_module("pandas")
    namespace: dict[str, object] = {"pd": pandas, "step": step}
    exec("@step\ndef mean(s: 'pd.Series[float]') -> float:\n    return float(s.mean())\n", namespace)
    made = namespace["mean"]
    assert isinstance(made, Step)
    (param,) = made.signature.inputs
    assert type_name(param.type) == "Series[float]"
    assert is_assignable(pandas.Series, param.type)
    assert not is_assignable(int, param.type)


class _Writer:
    """Stands in for a materializer class: the step records the choice, the runner resolves it."""


class _OtherWriter:
    """A second choice, to show which one wins."""


def test_step_decorator_chooses_materializers_for_every_instance() -> None:
    """``@step(materializers=...)`` as docs/materializers.md shows: each instance starts from the step's choice,
    and an instance's own choice overrides it name by name."""

    @step(materializers={"output": _Writer})
    def measure(data: Input[int]) -> float:
        return float(data.read())

    assert measure.materializers == {"output": _Writer}
    assert measure().materializers == {"output": _Writer}
    assert measure(materializers={"data": _OtherWriter}).materializers == {"output": _Writer, "data": _OtherWriter}
    assert measure(materializers={"output": _OtherWriter}).materializers == {"output": _OtherWriter}


def test_step_decorator_refuses_a_materializer_for_a_name_the_step_lacks() -> None:
    """Refused when the step is defined, in the sentence an instance's unknown name gets (and the plugin's)."""
    with pytest.raises(StepDefinitionError, match=r'Step "m" has no input or output "nope".*\(known: output, x\)'):

        @step(name="m", materializers={"nope": _Writer})  # type: ignore[zen-step]  # the mistake under test
        def measure(x: int) -> float:
            return float(x)
