"""The definition layer: step signatures, configs, slots, binding and wiring, checked before anything runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple, NewType

import pytest

from zen_types import (
    BaseStepConfig,
    Input,
    Output,
    PipelineSpec,
    Slot,
    is_assignable,
    pipeline,
    step,
    value_conforms,
)
from zen_types.errors import (
    BindingError,
    ConfigError,
    SpecError,
    StepDefinitionError,
    WiringError,
)


class AddConfig(BaseStepConfig):
    """Seed 000's config."""

    add_amount: int = 1


class OtherConfig(BaseStepConfig):
    """A config of another class."""

    rate: float = 0.5
    name: str = "x"
    flag: bool = False
    maybe: int | None = None


class Animal:
    """A base class."""


class Dog(Animal):
    """A subclass."""


UserId = NewType("UserId", int)


class Pair(NamedTuple):
    """Two named outputs."""

    left: int
    right: str


@step
def returns_one() -> int:
    return 1


@step
def adds(some_num: int, config: AddConfig) -> int:
    return some_num + config.add_amount


@step
def make_dog() -> Dog:
    return Dog()


@step
def take_animal(pet: Animal) -> None:
    return None


@step
def take_dog(pet: Dog) -> None:
    return None


@step
def make_pair() -> Pair:
    return Pair(1, "a")


@step
def take_str(text: str) -> int:
    return len(text)


@step
def writes(data: Input[list[int]], out: Output[int]) -> None:
    out.write(sum(data.read()))


@step
def make_list() -> list[int]:
    return [1]


@pipeline
def add_pipeline(first: Slot[[], int], second: Slot[[int], int]) -> None:
    second(first())


# -- step definitions ----------------------------------------------------------------------------------------


def test_seed_steps_define_and_keep_the_undecorated_function() -> None:
    """@step classifies inputs, outputs and config; .func is the plain function for unit tests."""
    sig = adds.signature
    assert [i.name for i in sig.inputs] == ["some_num"]
    assert sig.config is not None and sig.config.cls is AddConfig
    assert [o.name for o in sig.outputs] == ["output"]
    assert adds.func(2, AddConfig(add_amount=3)) == 5
    assert [o.name for o in make_pair.signature.outputs] == ["left", "right"]
    assert [o.name for o in writes.signature.outputs] == ["out"]


def _define(source: str) -> None:
    namespace: dict[str, object] = {
        "step": step,
        "Input": Input,
        "Output": Output,
        "AddConfig": AddConfig,
        "OtherConfig": OtherConfig,
        "BaseStepConfig": BaseStepConfig,
    }
    exec(source, namespace)


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("@step\ndef f(x) -> int: ...", ['"f"', '"x"', "no annotation", "Input[T]"]),
        ("@step\ndef f(x: int): ...", ['"f"', "return", "no annotation", "-> None"]),
        ("@step\ndef f(*xs: int) -> None: ...", ['"f"', "*xs", "own named"]),
        ("@step\ndef f(**kw: int) -> None: ...", ['"f"', "**kw"]),
        ("@step\ndef f(o: Output[int] = None) -> None: ...", ['"o"', "Output with a default"]),
        ("@step\ndef f(a: AddConfig, b: OtherConfig) -> None: ...", ['"b"', "second config", "Merge"]),
        ("@step\ndef f(x: list[Input[int]]) -> None: ...", ['"x"', "inside another type"]),
        ("@step\ndef f(x: Output[int] | None) -> None: ...", ['"x"', "inside another type"]),
        ("@step\ndef f() -> Output[int]: ...", ["return annotation", "Output[T] parameter"]),
        ("@step\ndef f(x: Input) -> None: ...", ['"x"', "without a type", "Input[T]"]),
        ("@step\ndef f(x: BaseStepConfig) -> None: ...", ['"x"', "BaseStepConfig itself"]),
        ("@step\nasync def f() -> None: ...", ['"f"', "async"]),
        ("@step\ndef f() -> int:\n    yield 1", ['"f"', "generator"]),
        ("class K:\n    @step\n    def f(self) -> None: ...", ['"f"', "class 'K'", "module-level"]),
        ("@step\ndef f(x: 'Missing') -> None: ...", ['"f"', "cannot be resolved", "module level"]),
    ],
)
def test_bad_step_definitions_fail_when_decorated(source: str, words: list[str]) -> None:
    """Each invalid signature raises StepDefinitionError naming the step and parameter and the fix."""
    with pytest.raises(StepDefinitionError) as info:
        _define(source)
    for word in words:
        assert word in str(info.value), f"{word!r} not in: {info.value}"


def test_step_on_a_non_function_is_refused() -> None:
    """Classes and other callables are not steps."""
    with pytest.raises(StepDefinitionError, match="not a function"):
        step(AddConfig)


# -- configs ---------------------------------------------------------------------------------------------------


def test_config_is_frozen_keyword_only_and_validated() -> None:
    """Values are checked against annotations; ints are accepted for floats; instances are immutable."""
    assert OtherConfig(rate=1).rate == 1
    with pytest.raises(ConfigError, match=r"OtherConfig.rate: expected float, got 'x'"):
        OtherConfig(rate="x")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="expected bool"):
        OtherConfig(flag=1)  # type: ignore[arg-type]
    config = AddConfig(add_amount=2)
    with pytest.raises(AttributeError):
        config.add_amount = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        AddConfig(2)  # type: ignore[call-arg]


def test_yaml_values_are_typed_by_the_field_not_by_their_spelling() -> None:
    """NO and on stay text in str fields and are refused in bool fields; 3.10 stays "3.10"; null vs "null"."""
    assert OtherConfig.from_yaml("name: NO").name == "NO"
    assert OtherConfig.from_yaml("name: 3.10").name == "3.10"
    assert OtherConfig.from_yaml("name: on").name == "on"
    with pytest.raises(ConfigError, match=r"config.flag: expected bool \(true or false\), got 'NO'"):
        OtherConfig.from_yaml("flag: NO")
    assert OtherConfig.from_yaml("flag: true").flag is True
    assert OtherConfig.from_yaml("maybe: null").maybe is None
    with pytest.raises(ConfigError, match="maybe"):
        OtherConfig.from_yaml('maybe: "null"')
    assert OtherConfig.from_yaml("rate: 3").rate == 3.0


def test_yaml_duplicate_keys_merge_keys_and_alias_bombs_are_refused() -> None:
    """Ambiguous or hostile YAML fails with a clear error instead of silently producing values."""
    with pytest.raises(ConfigError, match="duplicate key 'name'"):
        OtherConfig.from_yaml("name: a\nname: b\n")
    with pytest.raises(ConfigError, match="merge keys"):
        OtherConfig.from_yaml("base: &b {name: a}\n<<: *b\n")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    with pytest.raises(ConfigError, match="alias bomb"):
        OtherConfig.from_yaml(bomb)


def test_config_errors_name_the_key_path() -> None:
    """Structuring reports every bad key by path, and unknown or missing keys."""
    with pytest.raises(ConfigError, match=r"second.config.add_amount: expected int, got 'x'"):
        AddConfig.from_dict({"add_amount": "x"}, path="second.config")
    with pytest.raises(ConfigError, match="unknown key"):
        AddConfig.from_dict({"bogus": 1})
    assert AddConfig.from_dict({"add_amount": 4}).to_dict() == {"add_amount": 4}


# -- instances, binding, slots ---------------------------------------------------------------------------------


def test_step_instances_check_their_config() -> None:
    """A config of the wrong class, or a config for a step without one, fails with the shared wording."""
    with pytest.raises(BindingError, match='Step "adds" takes a config of class AddConfig, but got OtherConfig'):
        adds(OtherConfig())  # type: ignore[zen-binding]  # deliberately wrong: the runtime check is under test
    with pytest.raises(BindingError, match="takes no config"):
        returns_one(AddConfig())  # type: ignore[zen-binding]  # deliberately wrong: the runtime check is under test
    with pytest.raises(BindingError, match='no input or output "nope"'):
        returns_one(materializers={"nope": int})


def test_calling_an_instance_directly_is_explained() -> None:
    """Outside a pipeline body, step instances cannot be called; the error points at .func."""
    with pytest.raises(WiringError, match=r"returns_one.func"):
        returns_one()()


def test_seed_pipeline_binds_and_compiles_to_a_json_spec() -> None:
    """Seed 000: bind, trace, compile; the spec round-trips through JSON."""
    instance = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
    spec = instance.compile()
    assert [s.name for s in spec.steps] == ["first", "second"]
    assert spec.step("second").config == {"add_amount": 3}
    assert PipelineSpec.from_json(spec.to_json()) == spec
    assert add_pipeline(returns_one(), adds()).compile().edges == spec.edges


def test_binding_errors() -> None:
    """Unknown, missing and twice-bound slots, and a step object instead of an instance."""
    with pytest.raises(BindingError, match='no slot "third"'):
        add_pipeline(first=returns_one(), second=adds(), third=adds())  # type: ignore[call-arg]  # deliberately wrong: the runtime check is under test
    with pytest.raises(BindingError, match="second not bound"):
        add_pipeline(first=returns_one())  # type: ignore[call-arg]  # deliberately wrong: the runtime check is under test
    with pytest.raises(BindingError, match="bound twice"):
        add_pipeline(returns_one(), adds(), second=adds())  # type: ignore[misc]  # deliberately wrong: the runtime check is under test
    with pytest.raises(BindingError, match=r"returns_one\(\)"):
        add_pipeline(first=returns_one, second=adds())  # type: ignore[arg-type]  # deliberately wrong: the runtime check is under test


@step
def make_animal() -> Animal:
    return Animal()


def test_slot_interfaces_accept_fitting_steps_and_refuse_others() -> None:
    """A slot states an interface: the bound step's inputs accept the slot's (contravariant), its output fits."""

    @pipeline
    def pets(source: Slot[[], Animal], sink: Slot[[Dog], None]) -> None:
        sink(source())  # type: ignore[zen-wiring]  # deliberately wrong: the runtime check is under test

    pets(source=make_dog(), sink=take_animal())  # Dog output fits Animal; an Animal input accepts a Dog
    with pytest.raises(BindingError, match=r'input 1 \("text"\) expects str, the slot passes Dog'):
        pets(source=make_dog(), sink=take_str())  # type: ignore[zen-binding]  # deliberately wrong: the runtime check is under test

    @pipeline
    def strict(source: Slot[[], Dog], sink: Slot[[Dog], None]) -> None:
        sink(source())

    with pytest.raises(BindingError, match="its output has type Animal, the slot needs Dog"):
        strict(source=make_animal(), sink=take_animal())  # type: ignore[zen-binding]  # deliberately wrong: the runtime check is under test

    @pipeline
    def pairs(source: Slot[[], Pair]) -> None:
        source()

    pairs(source=make_pair())
    with pytest.raises(BindingError, match='no output "left"'):
        pairs(source=make_dog())  # type: ignore[zen-binding]  # deliberately wrong: the runtime check is under test


def test_same_pipeline_reused_with_other_steps_of_one_interface() -> None:
    """Seed: swap step logic when the interface stays."""

    @step
    def adds_twice(n: int) -> int:
        return n + 2

    a = add_pipeline(first=returns_one(), second=adds())
    b = add_pipeline(first=returns_one(), second=adds_twice())
    assert a.compile().step("second").step_name == "adds"
    assert b.compile().step("second").step_name == "adds_twice"


def test_wiring_errors() -> None:
    """Type mismatches, raw values, unknown/missing/doubled inputs, foreign handles, handles used as data."""

    @pipeline
    def bad_type(a, b):  # type: ignore[no-untyped-def]
        b(a())

    with pytest.raises(WiringError, match='Input "text" of step "b \\(take_str\\)" expects str'):
        bad_type(a=returns_one(), b=take_str())

    @pipeline
    def raw(a):  # type: ignore[no-untyped-def]
        a(5)

    with pytest.raises(WiringError, match="plain value of type int, not a handle"):
        raw(a=adds())

    @pipeline
    def unknown(a, b):  # type: ignore[no-untyped-def]
        b(nope=a())

    with pytest.raises(WiringError, match='has no input "nope"'):
        unknown(a=returns_one(), b=adds())

    @pipeline
    def missing(a, b):  # type: ignore[no-untyped-def]
        a()
        b()

    with pytest.raises(WiringError, match='without its input "some_num"'):
        missing(a=returns_one(), b=adds())

    @pipeline
    def twice(a, b):  # type: ignore[no-untyped-def]
        h = a()
        b(h, some_num=h)

    with pytest.raises(WiringError, match="twice"):
        twice(a=returns_one(), b=adds())

    @pipeline
    def as_data(a, b):  # type: ignore[no-untyped-def]
        h = a()
        if h:
            b(h)

    with pytest.raises(WiringError, match="used as data"):
        as_data(a=returns_one(), b=adds())

    @pipeline
    def whole(a, b):  # type: ignore[no-untyped-def]
        b(a())

    with pytest.raises(WiringError, match="pick one by name"):
        whole(a=make_pair(), b=take_str())

    @pipeline
    def uncalled(a, b):  # type: ignore[no-untyped-def]
        a()

    with pytest.raises(WiringError, match="never called"):
        uncalled(a=returns_one(), b=adds())


def test_a_handle_from_another_binding_is_refused() -> None:
    """Handles only connect steps of the same pipeline body."""
    leaked: list[object] = []

    @pipeline
    def leak(a):  # type: ignore[no-untyped-def]
        leaked.append(a())

    leak(a=returns_one())

    @pipeline
    def use(b):  # type: ignore[no-untyped-def]
        b(leaked[0])

    with pytest.raises(WiringError, match="another pipeline"):
        use(b=adds())


def test_named_outputs_wire_by_attribute_and_unpacking() -> None:
    """NamedTuple outputs come back as handles accessible by name or by position."""

    @pipeline
    def named(a, b, c):  # type: ignore[no-untyped-def]
        left, right = a()
        b(right)
        c(left)

    spec = named(a=make_pair(), b=take_str(), c=adds()).compile()
    assert {(e.source_output, e.target_step) for e in spec.edges} == {("right", "b"), ("left", "c")}


def test_spec_json_refuses_cycles_and_dangling_edges() -> None:
    """Loading a spec validates it."""
    spec = add_pipeline(first=returns_one(), second=adds()).compile()
    text = spec.to_json()
    with pytest.raises(SpecError, match="cycle"):
        _cycle(spec)
    with pytest.raises(SpecError, match="has no output"):
        PipelineSpec.from_json(text.replace('"source_output":"output"', '"source_output":"nope"'))
    with pytest.raises(SpecError, match="not a valid pipeline spec"):
        PipelineSpec.from_json('{"pipeline_name": "x"}')


def _cycle(spec: PipelineSpec) -> None:
    from zen_types import EdgeSpec, topological_order

    edges = [*spec.edges, EdgeSpec(source_step="second", source_output="output", target_step="first", target_input="x")]
    topological_order([s.name for s in spec.steps], edges)


# -- the assignability rule --------------------------------------------------------------------------------------

AGREEMENT: list[tuple[object, object, bool]] = [
    (int, int, True),
    (Dog, Animal, True),
    (Animal, Dog, False),
    (int, float, True),
    (float, int, False),
    (bool, int, True),
    (int, int | None, True),
    (int | None, int, False),
    (int | str, int | str | None, True),
    (None, int | None, True),
    (list[int], list[int], True),
    (list[bool], list[int], False),
    (list[int], Sequence[int], True),
    (list[bool], Sequence[int], True),
    (tuple[int, str], tuple[int, str], True),
    (tuple[bool, ...], tuple[int, ...], True),
    (tuple[int, int], tuple[int, ...], True),
    (tuple[int, ...], tuple[int, int], False),
    (dict[str, int], dict[str, int], True),
    (dict[str, bool], dict[str, int], False),
    (dict[str, bool], Mapping[str, int], True),
    (Literal["a"], str, True),
    (str, Literal["a"], False),
    (UserId, int, True),
    (int, UserId, False),
    (list[Dog], Sequence[Animal], True),
    (dict[str, list[int]], Mapping[str, Sequence[int]], True),
    (object, int, False),
    (int, object, True),
    (frozenset[bool], frozenset[int], True),
    (set[bool], set[int], False),
]


@pytest.mark.parametrize(("src", "dst", "expected"), AGREEMENT)
def test_assignability_follows_mypy(src: object, dst: object, expected: bool) -> None:
    """The runtime rule answers as mypy does (variance, promotions, unions, Literal, NewType)."""
    assert is_assignable(src, dst) is expected


def test_value_conforms_checks_returned_values() -> None:
    """Run-time values are checked deeply (containers sampled)."""
    assert value_conforms([1, 2], list[int])
    assert not value_conforms([1, "a"], list[int])
    assert value_conforms(3, float)
    assert not value_conforms(True, float)
    assert value_conforms(None, int | None)
    assert value_conforms({"a": (1, "x")}, dict[str, tuple[int, str]])
