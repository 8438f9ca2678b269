"""``@pipeline``: slots, binding step instances, slot interfaces, and the wiring checks made while the body is
traced at bind time, before any step runs."""

from __future__ import annotations

import importlib.metadata

import pytest

from tests.zen_types.definitions import (
    AddConfig,
    Animal,
    DataFrame,
    Dog,
    Model,
    Pair,
    Required,
    add_pipeline,
    adds,
    adds_two,
    custom,
    evaluate,
    load_data,
    make_animal,
    make_bool,
    make_bools,
    make_dog,
    make_float,
    make_list,
    make_optional,
    make_pair,
    make_single,
    make_str,
    maybe_flag,
    needs_required,
    nothing,
    returns_one,
    take_animal,
    take_dog,
    take_float,
    take_int,
    take_list,
    take_optional,
    take_sequence,
    take_str,
    take_two,
    take_union,
    take_with_default,
    train,
    training,
    two_slots,
    untyped,
)
from zen_types import (
    AnyFunction,
    Handle,
    OutputHandles,
    Permissive,
    PipelineInstance,
    Slot,
    SlotInterface,
    Step,
    _messages,
    is_assignable,
    pipeline,
    type_name,
)
from zen_types import _plugins as plugins_module
from zen_types import _run as run_module
from zen_types.errors import (
    BindingError,
    ConfigError,
    OutputNameError,
    PipelineDefinitionError,
    RunnerNotFoundError,
    WiringError,
    ZenError,
)

# -- defining and binding ----------------------------------------------------------------------------------------


def test_seed_000_binds_by_keyword_or_position_and_traces_its_edge() -> None:
    """``add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))`` and the same by position."""
    by_name = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
    by_position = add_pipeline(returns_one(), adds(AddConfig(add_amount=3)))
    mixed = add_pipeline(returns_one(), second=adds(AddConfig(add_amount=3)))
    for instance in (by_name, by_position, mixed):
        assert isinstance(instance, PipelineInstance)
        assert instance.name == "add_pipeline"
        assert list(instance.steps) == ["first", "second"]
        (edge,) = instance.steps["second"].inputs.values()
        assert (edge.source_step, edge.source_output, edge.target_step, edge.target_input) == (
            "first",
            "output",
            "second",
            "some_num",
        )
    assert by_name.compile() == by_position.compile() == mixed.compile()
    assert repr(by_name) == "add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))"


def test_seed_001_input_and_output_artifacts_wire_through_their_handles() -> None:
    """An ``Output[T]`` parameter becomes a returned handle that feeds an ``Input[T]`` of the next step."""
    spec = training(loader=load_data(), trainer=train(), evaluator=evaluate()).compile()
    assert [(e.source_step, e.source_output, e.target_step, e.target_input) for e in spec.edges] == [
        ("loader", "out", "trainer", "data"),
        ("trainer", "model", "evaluator", "model"),
    ]


def test_slots_read_their_interfaces() -> None:
    """``Slot[[int], int]`` records input types and output; an unannotated slot takes any step."""
    assert add_pipeline.slots == {"first": SlotInterface((), int), "second": SlotInterface((int,), int)}
    assert two_slots.slots == {"a": None, "b": None}
    assert add_pipeline.slots["second"] is not None
    assert add_pipeline.slots["second"].describe() == "(int) -> int"
    assert repr(add_pipeline) == "<pipeline add_pipeline(first, second)>"


def test_pipeline_takes_a_name_and_a_cache_flag() -> None:
    """``@pipeline(name=..., enable_cache=...)``; the spec is recorded under that name."""

    @pipeline(name="renamed", enable_cache=False)
    def named(first: Slot[[], int]) -> None:
        first()

    assert (named.name, named.enable_cache) == ("renamed", False)
    assert named(first=returns_one()).compile().pipeline_name == "renamed"


def test_binding_errors_name_the_pipeline_and_the_slot() -> None:
    """Unknown, missing and twice-bound slots, too many positional steps."""
    bind = untyped(add_pipeline)
    with pytest.raises(
        BindingError, match=r'^Pipeline "add_pipeline" has no slot "third" \(its slots: first, second\)'
    ):
        bind(first=returns_one(), second=adds(), third=adds())
    with pytest.raises(BindingError, match=r'^Pipeline "add_pipeline": slot\(s\) second not bound.*second=my_step\(\)'):
        bind(first=returns_one())
    with pytest.raises(BindingError, match=r"slot\(s\) first, second not bound"):
        bind()
    with pytest.raises(BindingError, match=r'^Pipeline "add_pipeline": slot "second" is bound twice'):
        bind(returns_one(), adds(), second=adds())
    with pytest.raises(BindingError, match=r'"add_pipeline" has 2 slot\(s\) but got 3 positional steps'):
        bind(returns_one(), adds(), adds())


def test_binding_a_step_instead_of_an_instance_says_to_call_it() -> None:
    """A Step object (not called) is the most common slip: the message shows the call to write."""
    with pytest.raises(BindingError) as info:
        untyped(add_pipeline)(first=returns_one, second=adds())
    assert str(info.value) == (
        'Pipeline "add_pipeline": slot "first" got the step "returns_one" itself. Bind an instance: '
        "returns_one() (or returns_one(Config(...)))."
    )
    assert isinstance(info.value, ZenError | TypeError)
    with pytest.raises(BindingError, match=r'slot "first" got int, not a step instance.*my_step\(\)'):
        untyped(add_pipeline)(first=3, second=adds())


def _pipeline_from(source: str) -> object:
    namespace: dict[str, object] = {}
    exec("from tests.zen_types.definitions import *\nfrom zen_types import *\n" + source, namespace)
    return namespace.get("p")


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("@pipeline\ndef p(a=None) -> None: ...", ['"p"', 'slot "a"', "has a default", "remove the default"]),
        ("@pipeline\ndef p(*a) -> None: ...", ['"p"', "*a cannot be a slot", "own parameter"]),
        ("@pipeline\ndef p(**a) -> None: ...", ['"p"', "*a cannot be a slot"]),
        ("@pipeline\ndef p(a: int) -> None: ...", ['"p"', 'slot "a"', "annotated int", "Slot[[InputTypes...]"]),
        ("@pipeline\ndef p(a: Step) -> None: ...", ['slot "a"', "annotated Step", "Slot["]),
        ("@pipeline\ndef p(a: 'Missing') -> None: ...", ['"p"', "cannot be resolved", "Missing"]),
        ("p = pipeline(len)", ["plain function", "builtin_function_or_method", "`def`"]),
        ("p = pipeline(3)", ["plain function", "got int"]),
    ],
)
def test_bad_pipeline_definitions_fail_when_decorated(source: str, words: list[str]) -> None:
    """Slot parameters are plain named parameters, annotated with ``Slot[...]`` or not at all."""
    with pytest.raises(PipelineDefinitionError) as info:
        _pipeline_from(source)
    for word in words:
        assert word in str(info.value), f"{word!r} not in: {info.value}"


# -- slot interfaces -----------------------------------------------------------------------------------------------


@pipeline
def feeds_dog(source: Slot[[], Dog], sink: Slot[[Dog], None]) -> None:
    sink(source())


@pipeline
def feeds_animal(source: Slot[[], Animal], sink: Slot[[Animal], None]) -> None:
    sink(source())


@pipeline
def any_inputs(source: Slot[[], int], sink: Slot[..., int]) -> None:  # type: ignore[explicit-any]  # `...` is mypy's Any
    sink(source())


@pipeline
def named_source(source: Slot[[], Pair], sink: Slot[[str], int]) -> None:
    sink(source().right)


@pipeline
def ignores_output(source: Slot[[], int], sink: Slot[[int], None]) -> None:
    sink(source())


def test_slot_inputs_are_contravariant() -> None:
    """A step whose input accepts *more* than the slot passes fits (Dog passed, Animal accepted)."""
    feeds_dog(source=make_dog(), sink=take_animal())
    feeds_dog(source=make_dog(), sink=take_dog())
    with pytest.raises(BindingError) as info:
        untyped(feeds_animal)(source=make_animal(), sink=take_dog())
    assert str(info.value) == (
        'Slot "sink" of pipeline "feeds_animal" expects a step of interface (Animal) -> None, but the bound step "take_dog" '
        'has interface (Dog) -> None: input 1 ("pet") expects Dog, the slot passes Animal.'
    )


def test_slot_outputs_are_covariant() -> None:
    """A step whose output is *narrower* than the slot's fits (a Dog where an Animal is promised)."""
    feeds_animal(source=make_dog(), sink=take_animal())
    with pytest.raises(BindingError, match=r"its output has type Animal, the slot needs Dog\.$"):
        untyped(feeds_dog)(source=make_animal(), sink=take_animal())


def test_slot_input_counts_must_match_unless_extra_inputs_have_defaults() -> None:
    """Too few or too many inputs do not fit; a step with an extra defaulted input does."""
    ignores_output(source=returns_one(), sink=take_with_default())
    with pytest.raises(BindingError, match=r"the slot passes 1 input\(s\), the step takes 2"):
        untyped(ignores_output)(source=returns_one(), sink=take_two())
    with pytest.raises(BindingError, match=r"the slot passes 0 input\(s\), the step takes 1"):
        untyped(feeds_dog)(source=untyped(take_dog)(), sink=take_dog())


def test_a_slot_that_ignores_the_output_accepts_any_output_but_one_that_needs_it_does_not() -> None:
    """``Slot[[int], None]`` takes a step returning an int; ``Slot[[], int]`` refuses one returning nothing."""
    ignores_output(source=returns_one(), sink=adds())
    with pytest.raises(BindingError, match=r"the step has no outputs, the slot expects one\.$"):
        untyped(ignores_output)(source=nothing(), sink=take_int())


def test_slot_with_ellipsis_accepts_any_inputs() -> None:
    """``Slot[..., int]`` checks only the output."""
    any_inputs(source=returns_one(), sink=adds())
    any_inputs(source=returns_one(), sink=adds_two())
    with pytest.raises(
        BindingError, match=r"interface \(\.\.\.\) -> int.*the step has no outputs, the slot expects one"
    ):
        untyped(any_inputs)(source=returns_one(), sink=take_int())
    with pytest.raises(BindingError, match=r"interface \(\.\.\.\) -> int.*its output has type bool \| None"):
        untyped(any_inputs)(source=returns_one(), sink=maybe_flag())


def test_namedtuple_slots_need_each_named_output_with_a_fitting_type() -> None:
    """``Slot[[], Pair]`` takes steps with outputs ``left`` and ``right`` of fitting types."""
    named_source(source=make_pair(), sink=take_str())
    with pytest.raises(BindingError, match=r'\(\) -> \(left: int, right: str\).*the step has no output "left"\.$'):
        untyped(named_source)(source=make_dog(), sink=take_str())


def test_a_named_output_step_does_not_fit_a_single_output_slot() -> None:
    """Even with one field, a NamedTuple step gives named handles, not the one handle the slot promises."""
    with pytest.raises(BindingError, match=r"the step has named outputs \(only\), the slot expects one output\.$"):
        untyped(ignores_output)(source=make_single(), sink=take_int())


def test_the_same_pipeline_binds_other_steps_of_the_same_interface() -> None:
    """Seed: pipelines define the data dependencies, runs the steps; swapping step logic keeps the wiring."""
    with_adds = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
    with_two = add_pipeline(first=returns_one(), second=adds_two())
    first, second = with_adds.compile(), with_two.compile()
    assert [(s.name, s.step_name) for s in first.steps] == [("first", "returns_one"), ("second", "adds")]
    assert [(s.name, s.step_name) for s in second.steps] == [("first", "returns_one"), ("second", "adds_two")]
    assert [(e.source_step, e.target_step) for e in first.edges] == [
        (e.source_step, e.target_step) for e in second.edges
    ]
    assert [e.target_input for e in second.edges] == ["number"]
    assert with_adds.bound["second"].step is untyped(adds)  # the first binding is untouched


# -- wiring ----------------------------------------------------------------------------------------------------

WIRING: list[tuple[object, object]] = [
    (make_bool, take_int),
    (make_float, take_int),
    (returns_one, take_float),
    (make_bool, take_float),
    (make_optional, take_int),
    (returns_one, take_optional),
    (make_str, take_union),
    (make_float, take_union),
    (make_list, take_list),
    (make_bools, take_list),
    (make_bools, take_sequence),
    (make_list, take_sequence),
    (make_dog, take_animal),
    (make_animal, take_dog),
    (make_str, take_int),
]


@pytest.mark.parametrize(
    ("producer", "consumer"), [pytest.param(p, c, id=f"{untyped(p).name}->{untyped(c).name}") for p, c in WIRING]
)
def test_a_handle_feeds_an_input_exactly_when_its_type_is_assignable(
    producer: Step[AnyFunction, Permissive, Permissive], consumer: Step[AnyFunction, Permissive, Permissive]
) -> None:
    """Subclasses, promotions, Optional/Union and parameterised generics follow the one shared rule; a refusal
    uses the plugin's wording with the step, input and both types."""
    produced = producer.signature.outputs[0].type
    expected = consumer.signature.inputs[0]
    if is_assignable(produced, expected.type):
        two_slots(a=untyped(producer)(), b=untyped(consumer)())
        return
    with pytest.raises(WiringError) as info:
        two_slots(a=untyped(producer)(), b=untyped(consumer)())
    assert str(info.value) == (
        f'Input "{expected.name}" of step "b ({consumer.name})" expects {type_name(expected.type)}, but the handle '
        f"passed has type {type_name(produced)}. Wire an output of a compatible type, or widen the input's annotation."
    )


def test_the_wiring_table_has_both_verdicts() -> None:
    """The table above exercises acceptance and refusal (so the rule, not the table, decides)."""
    verdicts = {is_assignable(p.signature.outputs[0].type, c.signature.inputs[0].type) for p, c in untyped(WIRING)}
    assert verdicts == {True, False}


def test_step_name_is_shown_once_when_the_slot_has_its_name() -> None:
    """A slot named like its step is shown once; ``@step(name=...)`` is the name shown."""

    @pipeline
    def same(returns_one, take_str):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        take_str(returns_one())

    with pytest.raises(WiringError, match=r'^Input "text" of step "take_str" expects str'):
        same(returns_one=returns_one(), take_str=take_str())
    with pytest.raises(WiringError, match=r'^Input "number" of step "b \(renamed\)" expects int'):
        two_slots(a=make_str(), b=custom())


def test_raw_values_are_refused_where_a_handle_is_expected() -> None:
    """A literal, None, or the slot itself (``second(first)``) is no handle."""

    @pipeline
    def literal(second):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        second(5)

    with pytest.raises(WiringError) as info:
        literal(second=adds())
    assert str(info.value) == (
        'Input "some_num" of step "second (adds)" got a plain value of type int, not a handle. Inside a pipeline '
        "body pass the output of another step; put run-time values in the step's config."
    )

    @pipeline
    def slot_itself(first, second):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        first()
        second(first)

    with pytest.raises(WiringError, match=r'got the slot "first" itself, not its output\. .*first\(\)\.$'):
        slot_itself(first=returns_one(), second=adds())


def test_unknown_missing_doubled_and_surplus_inputs_are_refused() -> None:
    """Each names the step and the input; unknown keywords list the known inputs."""

    @pipeline
    def unknown(a, b):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        b(nope=a())

    with pytest.raises(WiringError, match=r'^Step "b \(adds\)" has no input "nope" \(its inputs: some_num\)\.$'):
        unknown(a=returns_one(), b=adds())

    @pipeline
    def missing(a, b):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        a()
        b()

    with pytest.raises(WiringError, match=r'^Step "b \(adds\)" is called without its input "some_num"\. Pass a handle'):
        missing(a=returns_one(), b=adds())

    @pipeline
    def twice(a, b):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        handle = a()
        b(handle, some_num=handle)

    with pytest.raises(WiringError, match=r'"b \(adds\)" got input "some_num" twice'):
        twice(a=returns_one(), b=adds())

    @pipeline
    def surplus(a, b):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        handle = a()
        b(handle, handle)

    with pytest.raises(WiringError, match=r'"b \(adds\)" takes 1 input\(s\) but 2 were passed positionally'):
        surplus(a=returns_one(), b=adds())


def test_an_input_with_a_default_may_stay_unwired() -> None:
    """No edge is recorded for it."""
    spec = two_slots(a=returns_one(), b=take_with_default()).compile()
    assert [(e.target_step, e.target_input) for e in spec.edges] == [("b", "first")]


def test_each_slot_is_called_exactly_once() -> None:
    """Calling a slot twice or never is a wiring error naming the pipeline and the slot."""

    @pipeline
    def called_twice(a, b):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        handle = a()
        b(handle)
        b(handle)  # type: ignore[zen-wiring]  # the mistake under test (the plugin reports it too)

    with pytest.raises(WiringError, match=r'^Pipeline "called_twice": slot "b" is called twice\..*another slot'):
        called_twice(a=returns_one(), b=adds())

    @pipeline
    def never(a, b):  # type: ignore[no-untyped-def,zen-wiring]  # untyped slots: the runtime's check under test
        a()

    with pytest.raises(WiringError, match=r'^Pipeline "never": slot\(s\) b are never called in the body\..*remove'):
        never(a=returns_one(), b=adds())


def test_a_body_that_returns_a_value_is_refused() -> None:
    """A pipeline body only wires."""

    @pipeline
    def returns(a):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        return a()

    with pytest.raises(PipelineDefinitionError, match=r'^Pipeline "returns" returned Handle; .* returns None\.$'):
        returns(a=returns_one())


def test_a_handle_from_another_binding_is_refused() -> None:
    """Handles only connect steps of one traced body, even of the same pipeline bound again."""
    leaked: list[object] = []

    @pipeline
    def leak(a):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        leaked.append(a())

    leak(a=returns_one())

    @pipeline
    def use(b):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        b(leaked[0])

    with pytest.raises(
        WiringError, match=r'"b \(adds\)" got a handle from another pipeline or binding \(Handle\[int\]'
    ):
        use(b=adds())


def test_named_outputs_wire_by_attribute_or_by_unpacking() -> None:
    """``split`` returns handles to ``train`` and ``test``; each feeds a different step."""

    @pipeline
    def by_attribute(a, b, c):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        outputs = a()
        b(outputs.right)
        c(outputs.left)

    @pipeline
    def by_unpacking(a, b, c):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        left, right = a()
        b(right)
        c(left)

    expected = {("right", "b", "text"), ("left", "c", "some_num")}
    for wired in (by_attribute, by_unpacking):
        spec = wired(a=make_pair(), b=take_str(), c=adds()).compile()
        assert {(e.source_output, e.target_step, e.target_input) for e in spec.edges} == expected


def test_passing_all_named_outputs_at_once_is_refused() -> None:
    """An ``OutputHandles`` passed whole (even of one field) must be narrowed to one output."""
    with pytest.raises(WiringError, match=r"multi-output step \(left, right\); pick one by name, e\.g\. outputs\.left"):
        two_slots(a=make_pair(), b=take_str())
    with pytest.raises(WiringError, match=r"\(only\); pick one by name"):
        two_slots(a=make_single(), b=take_int())


def test_what_slot_calls_return() -> None:
    """One output: a Handle; named outputs: OutputHandles; no output: None. An unknown name is an AttributeError."""
    seen: dict[str, object] = {}

    @pipeline
    def inspect(a, b, c):  # type: ignore[no-untyped-def]  # untyped slots: runtime check under test
        seen["single"] = a()
        seen["named"] = b()
        seen["none"] = c()

    inspect(a=returns_one(), b=make_pair(), c=nothing())
    single, named = seen["single"], seen["named"]
    assert isinstance(single, Handle)
    assert (single.producer, single.output_name, single.type) == ("a", "output", int)
    assert repr(single) == "Handle[int](a.output)"
    assert isinstance(named, OutputHandles)
    assert list(named.names()) == ["left", "right"]
    assert seen["none"] is None
    with pytest.raises(OutputNameError, match=r'no output named "middle" \(its outputs: left, right\)'):
        untyped(named).middle  # noqa: B018 - the attribute access is what is tested


@pytest.mark.parametrize(
    ("use", "what"),
    [
        ("if h: pass", "truth value of Handle[int](a.output)"),
        ("for x in h: pass", "iterating over Handle[int](a.output)"),
        ("len(h)", "len() of Handle[int](a.output)"),
        ("h[0]", "indexing Handle[int](a.output)"),
        ("x, y = h", "iterating over"),
    ],
)
def test_a_handle_used_as_data_is_a_wiring_error(use: str, what: str) -> None:
    """The data exists only when the pipeline runs: using a handle like a value is explained."""
    namespace: dict[str, object] = {}
    exec(f"def body(a):\n    h = a()\n    {use}\n", namespace)
    body: AnyFunction = namespace["body"]  # type: ignore[assignment]  # defined by exec just above
    with pytest.raises(WiringError) as info:
        pipeline(body)(a=returns_one())
    assert f"A handle was used as data ({what}" in str(info.value)
    assert "Do the computation inside a step." in str(info.value)


@pytest.mark.parametrize(
    ("method", "operator"),
    sorted({**_messages.HANDLE_OPERATORS, **_messages.HANDLE_UNARY_OPERATORS}.items()),
)
def test_an_operator_on_a_handle_is_explained_in_the_plugins_sentence(method: str, operator: str) -> None:
    """``h + 1``, ``1 + h``, ``h < 1``, ``-h``: a WiringError in the words zen's mypy plugin uses, never a bare
    TypeError; each method refuses with its own operator."""
    handle = Handle[int](producer="a", output_name="output", type_=int, trace_id=1)
    bound = getattr(handle, method)
    with pytest.raises(WiringError) as info:
        bound() if method in _messages.HANDLE_UNARY_OPERATORS else bound(1)
    assert str(info.value) == _messages.handle_used_as_data(_messages.operator_on_handle(operator, "int"))


def test_arithmetic_on_a_handle_in_a_body_fails_binding() -> None:
    """Written in a pipeline body, the operator fails binding, before any step runs."""
    namespace: dict[str, object] = {}
    exec("def body(a):\n    h = a()\n    h * 2\n", namespace)
    body: AnyFunction = namespace["body"]  # type: ignore[assignment]  # defined by exec just above
    with pytest.raises(WiringError, match=r"A handle was used as data \(the operator \* on a Handle\[int\]\)"):
        pipeline(body)(a=returns_one())


def test_the_slot_annotation_is_a_protocol_not_an_object() -> None:
    """``Slot`` is only an annotation (a protocol); zen passes the bound step in its place while tracing."""
    with pytest.raises(TypeError, match="Protocols cannot be instantiated"):
        untyped(Slot)()


# -- configs of a bound pipeline -------------------------------------------------------------------------------


def test_with_configs_merges_over_the_bound_configs_and_keeps_the_original() -> None:
    """Per-slot data from YAML or the CLI is merged over the bound config and validated by path."""
    bound = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
    assert bound.with_configs({}).compile() == bound.compile()
    rebound = bound.with_configs({"second": {"add_amount": 7}})
    assert rebound.bound["second"].config == AddConfig(add_amount=7)
    assert bound.bound["second"].config == AddConfig(add_amount=3)
    assert (
        add_pipeline(first=returns_one(), second=adds()).with_configs({"second": {}}).bound["second"].config
        == AddConfig()
    )


def test_with_configs_errors_give_the_key_path() -> None:
    """Bad values, unknown keys, unknown slots, slots without configs and non-mappings are named by path."""
    bound = add_pipeline(first=returns_one(), second=adds())
    with pytest.raises(ConfigError, match=r"^steps\.second\.config\.add_amount: expected int, got 'x'$"):
        bound.with_configs({"second": {"add_amount": "x"}})
    with pytest.raises(ConfigError, match=r"^run\.second\.config: unknown key\(s\) bogus"):
        bound.with_configs({"second": {"bogus": 1}}, path="run")
    with pytest.raises(
        ConfigError, match=r"^steps\.third: no such slot in pipeline 'add_pipeline' \(slots: first, second\)"
    ):
        bound.with_configs({"third": {}})
    with pytest.raises(ConfigError, match=r"^steps\.first: step 'returns_one' takes no config\.$"):
        bound.with_configs({"first": {"x": 1}})
    with pytest.raises(ConfigError, match=r"^steps\.second\.config: expected a mapping, got int\.$"):
        bound.with_configs({"second": 3})


def test_configs_default_from_their_class_unless_a_field_is_required() -> None:
    """An unconfigured step runs with its config class's defaults; a required field must be given."""
    defaults = add_pipeline(first=returns_one(), second=adds())
    assert defaults.config_of("second") == AddConfig()
    assert defaults.config_of("first") is None
    assert defaults.missing_configs() == []
    needs = add_pipeline(first=returns_one(), second=needs_required())
    assert needs.missing_configs() == ["second"]
    with pytest.raises(ConfigError, match=r"^steps\.second\.config: step 'needs_required' needs a Required"):
        needs.config_of("second")
    given = needs.with_configs({"second": {"add_amount": 2}})
    assert given.config_of("second") == Required(add_amount=2)
    assert given.missing_configs() == []


# -- running ---------------------------------------------------------------------------------------------------


def test_run_without_a_runner_installed_says_to_install_zen_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """zen-types finds the runner through the ``zen.runner`` entry points; with none, a clear error."""
    monkeypatch.setattr(run_module, "_RUNNER", [])
    monkeypatch.setattr(plugins_module, "_SCANNED", {})  # the installed plug-ins are scanned again, and none found
    monkeypatch.setattr(importlib.metadata, "entry_points", importlib.metadata.EntryPoints)  # none
    with pytest.raises(RunnerNotFoundError, match=r"No zen runner is installed.*Install zen-run"):
        add_pipeline(first=returns_one(), second=adds()).run()


def test_seed_types_are_module_level_so_annotations_resolve() -> None:
    """Guard for the definitions module: its types are what the steps' signatures hold."""
    assert train.signature.inputs[0].type is DataFrame
    assert train.signature.outputs[0].type is Model
