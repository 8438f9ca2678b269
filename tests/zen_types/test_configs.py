"""``BaseStepConfig``: frozen, keyword-only, validated attrs classes, structured strictly from dicts and YAML."""

from __future__ import annotations

import json
import math
import time

import attrs
import pytest
import yaml
from hypothesis import given

from tests.zen_types.definitions import (
    AddConfig,
    Colour,
    Early,
    Everything,
    Later,
    Level,
    Nested,
    OtherConfig,
    Required,
    Window,
    untyped,
)
from tests.zen_types.strategies import everything_configs
from zen_types import BaseStepConfig, load_yaml, structure_config
from zen_types.errors import ConfigError, DefinitionError, ZenError

# -- construction ----------------------------------------------------------------------------------------------


def test_fields_come_from_annotations_with_their_defaults() -> None:
    """A subclass is an attrs class: annotated fields, defaults, equality and a readable repr."""
    assert [f.name for f in attrs.fields(untyped(OtherConfig))] == ["rate", "name", "flag", "maybe"]
    assert OtherConfig() == OtherConfig(rate=0.5, name="x", flag=False, maybe=None)
    assert repr(AddConfig(add_amount=3)) == "AddConfig(add_amount=3)"
    assert AddConfig(add_amount=3) != AddConfig()


def test_configs_are_frozen_and_hashable() -> None:
    """Assigning to a field fails; equal configs hash alike."""
    config = AddConfig(add_amount=2)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        untyped(config).add_amount = 3
    assert hash(config) == hash(AddConfig(add_amount=2))


def test_fields_are_keyword_only_and_required_fields_are_required() -> None:
    """Positional arguments are refused; a field without a default must be given."""
    with pytest.raises(TypeError, match="positional"):
        untyped(AddConfig)(2)
    with pytest.raises(TypeError, match="add_amount"):
        untyped(Required)()
    assert Required(add_amount=1).add_amount == 1


def test_values_are_validated_on_construction() -> None:
    """A wrong type fails with the class, field, expected type and value; an int is accepted for a float."""
    assert OtherConfig(rate=1).rate == 1
    with pytest.raises(ConfigError) as info:
        untyped(OtherConfig)(rate="x")
    assert str(info.value) == "OtherConfig.rate: expected float, got 'x' (str)."
    assert isinstance(info.value, ZenError | ValueError)
    with pytest.raises(ConfigError, match=r"OtherConfig.flag: expected bool, got 1 \(int\)"):
        untyped(OtherConfig)(flag=1)
    with pytest.raises(ConfigError, match=r"OtherConfig.maybe: expected int \| None, got 1.5"):
        untyped(OtherConfig)(maybe=1.5)
    with pytest.raises(ConfigError, match=r"Everything.tags: expected list\[str\], got \['a', 2\]"):
        untyped(Everything)(tags=["a", 2])
    with pytest.raises(ConfigError, match=r"Nested.second: expected Required, got \{'add_amount': 1\}"):
        untyped(Nested)(second={"add_amount": 1})
    with pytest.raises(ConfigError, match=r"Everything\.mode: expected Literal\['fast', 'slow'\], got 'medium'"):
        untyped(Everything)(mode="medium")


def test_nested_configs_and_attrs_classes_are_fields_like_any_other() -> None:
    """A config may hold another config and plain attrs classes."""
    nested = Nested(second=Required(add_amount=2), window=Window(size=5))
    assert nested.second.add_amount == 2
    assert nested.to_dict() == {"second": {"add_amount": 2}, "window": {"size": 5, "overlap": 0.0}}


def test_subclasses_of_configs_add_fields() -> None:
    """A config class can extend another; both sets of fields are validated."""

    class More(AddConfig):
        label: str = "x"

    assert More(add_amount=2, label="y").to_dict() == {"add_amount": 2, "label": "y"}
    with pytest.raises(ConfigError, match=r"More\.add_amount: expected int"):
        untyped(More)(add_amount="2")


def test_a_config_may_name_a_class_defined_after_it() -> None:
    """Field types are resolved at the first construction, not when the class is created."""
    later = Later()
    assert Early(later=later).later is later
    with pytest.raises(ConfigError, match=r"Early\.later: expected Later \| None, got 3"):
        untyped(Early)(later=3)


def test_a_config_field_type_that_cannot_be_resolved_is_a_definition_error() -> None:
    """A type local to a function is invisible to ``get_type_hints``: the error names the class and the fix."""

    class Local:
        pass

    class Hidden(BaseStepConfig):
        value: Local | None = None

    with pytest.raises(
        DefinitionError, match=r"^Config class Hidden: a field annotation cannot be resolved .*Local.*module level"
    ):
        Hidden()


# -- from_dict / to_dict ---------------------------------------------------------------------------------------


def test_from_dict_and_to_dict_round_trip_the_seed_config() -> None:
    """``to_dict`` gives JSON data; ``from_dict`` builds the same config back."""
    assert AddConfig.from_dict({"add_amount": 4}) == AddConfig(add_amount=4)
    assert AddConfig.from_dict({}) == AddConfig()
    assert AddConfig(add_amount=4).to_dict() == {"add_amount": 4}


def test_structuring_errors_name_the_key_path() -> None:
    """The path starts at the given prefix and follows nested configs, attrs classes, lists and dicts."""
    with pytest.raises(ConfigError) as info:
        AddConfig.from_dict({"add_amount": "x"}, path="second.config")
    assert str(info.value) == "second.config.add_amount: expected int, got 'x'"
    assert isinstance(info.value, ZenError | ValueError)
    with pytest.raises(ConfigError, match=r"^config\.second\.add_amount: expected int, got 'x'$"):
        Nested.from_dict({"second": {"add_amount": "x"}})
    with pytest.raises(ConfigError, match=r"^config\.window\.size: expected int, got 2\.5$"):
        Nested.from_dict({"second": {"add_amount": 1}, "window": {"size": 2.5}})
    with pytest.raises(ConfigError, match=r"^config\.tags\[1\]: expected str, got 3$"):
        Everything.from_dict({"tags": ["a", 3]})
    with pytest.raises(ConfigError, match=r"^config\.weights\.a: expected float, got 'heavy'$"):
        Everything.from_dict({"weights": {"a": "heavy"}})


def test_every_bad_key_is_reported_at_once() -> None:
    """Several problems become one ConfigError listing each path."""
    with pytest.raises(ConfigError) as info:
        OtherConfig.from_dict({"rate": "fast", "flag": "yes"})
    assert "config.rate: expected float, got 'fast'" in str(info.value)
    assert "config.flag: expected bool (true or false), got 'yes'" in str(info.value)


def test_unknown_and_missing_keys_are_refused() -> None:
    """Unknown keys are named with the known ones; a missing required key is named by path."""
    with pytest.raises(ConfigError, match=r"^config: unknown key\(s\) bogus \(known: add_amount\)$"):
        AddConfig.from_dict({"bogus": 1})
    with pytest.raises(ConfigError, match=r"^config\.second: unknown key\(s\) x \(known: add_amount\)$"):
        Nested.from_dict({"second": {"add_amount": 1, "x": 2}})
    with pytest.raises(ConfigError, match=r"^config\.add_amount: required but missing$"):
        Required.from_dict({})
    with pytest.raises(ConfigError, match=r"^config\.second\.add_amount: required but missing$"):
        Nested.from_dict({"second": {}})


def test_structuring_is_strict_about_types() -> None:
    """Python values are not coerced: "3" is no int, 3.7 no int, True no int, and an int is a float."""
    for value in ["3", 3.7, True, None]:
        with pytest.raises(ConfigError, match=r"^config\.add_amount: expected int"):
            AddConfig.from_dict({"add_amount": value})
    assert OtherConfig.from_dict({"rate": 2}).rate == 2.0
    with pytest.raises(ConfigError, match="expected float"):
        OtherConfig.from_dict({"rate": True})
    with pytest.raises(ConfigError, match="expected str, got 3"):
        OtherConfig.from_dict({"name": 3})


def test_values_of_the_wrong_shape_are_refused_not_iterated() -> None:
    """Text into a list would be its letters, a mapping into a list its keys, a number into a class a crash."""
    with pytest.raises(ConfigError, match=r"^config\.tags: expected list\[str\], got 'abc'$"):
        Everything.from_dict({"tags": "abc"})
    with pytest.raises(ConfigError, match=r"^config\.tags: expected list\[str\], got \{'a': 'b'\}$"):
        Everything.from_dict({"tags": {"a": "b"}})
    with pytest.raises(ConfigError, match=r"^config\.sizes: expected tuple\[int, \.\.\.\], got 3$"):
        Everything.from_dict({"sizes": 3})
    with pytest.raises(ConfigError, match=r"^config\.unique: expected frozenset\[int\], got 'ab'$"):
        Everything.from_dict({"unique": "ab"})
    with pytest.raises(ConfigError, match=r"^config\.weights: expected dict\[str, float\], got 'ab'$"):
        Everything.from_dict({"weights": "ab"})
    with pytest.raises(ConfigError, match=r"^config\.window: expected a mapping of Window fields, got 3$"):
        Everything.from_dict({"window": 3})
    with pytest.raises(ConfigError, match=r"^config: expected a mapping of field names to values, got list\.$"):
        structure_config([1], AddConfig)


def test_literal_and_enum_fields_take_their_values() -> None:
    """Literal fields accept their values only; enums are given by value (an IntEnum is not a plain int)."""
    config = Everything.from_dict({"mode": "slow", "colour": "blue", "level": 2})
    assert (config.mode, config.colour, config.level) == ("slow", Colour.BLUE, Level.HIGH)
    assert config.to_dict()["colour"] == "blue"
    assert config.to_dict()["level"] == 2
    with pytest.raises(ConfigError, match=r"^config\.mode: expected one of 'fast', 'slow', got 'medium'$"):
        Everything.from_dict({"mode": "medium"})
    with pytest.raises(ConfigError, match=r"^config\.colour: expected one of 'red', 'blue', got 'green'$"):
        Everything.from_dict({"colour": "green"})
    with pytest.raises(ConfigError, match=r"^config\.level: expected one of 1, 2, got 3$"):
        Everything.from_dict({"level": 3})


@given(everything_configs())
def test_to_dict_then_from_dict_gives_the_same_config(config: Everything) -> None:
    """The round trip holds for every kind of field, also through JSON text (as a run records it)."""
    data = config.to_dict()
    assert Everything.from_dict(data) == config
    assert Everything.from_dict(json.loads(json.dumps(data))) == config


@given(everything_configs())
def test_yaml_written_from_to_dict_reads_back_the_same_config(config: Everything) -> None:
    """A run config dumped as YAML (as a user would write it) is read back unchanged."""
    assert Everything.from_yaml(yaml.safe_dump(config.to_dict())) == config


# -- YAML ------------------------------------------------------------------------------------------------------


def test_from_yaml_builds_the_seed_config() -> None:
    """Plain YAML into the seed config; an empty document is all defaults."""
    assert AddConfig.from_yaml("add_amount: 3") == AddConfig(add_amount=3)
    assert AddConfig.from_yaml("") == AddConfig()
    with pytest.raises(ConfigError, match=r"^second\.config\.add_amount: expected int, got 'x'$"):
        AddConfig.from_yaml("add_amount: x", path="second.config")
    with pytest.raises(ConfigError, match="expected a mapping of field names to values, got list"):
        AddConfig.from_yaml("- 1")
    with pytest.raises(ConfigError, match="config: not valid YAML"):
        AddConfig.from_yaml("add_amount: [1")


@pytest.mark.parametrize("spelling", ["NO", "no", "on", "On", "yes", "Y", "off"])
def test_yaml_11_booleans_are_refused_in_bool_fields_and_kept_as_text_in_str_fields(spelling: str) -> None:
    """Norway problem: ``NO`` is not False. Only ``true``/``false`` make a bool; a str field keeps the text."""
    with pytest.raises(ConfigError, match=rf"^config\.flag: expected bool \(true or false\), got '{spelling}'$"):
        OtherConfig.from_yaml(f"flag: {spelling}")
    assert OtherConfig.from_yaml(f"name: {spelling}").name == spelling


def test_yaml_booleans_true_and_false() -> None:
    """The unambiguous spellings work."""
    assert OtherConfig.from_yaml("flag: true").flag is True
    assert OtherConfig.from_yaml("flag: False").flag is False


def test_yaml_numbers_keep_their_text_in_str_fields_and_are_strict_in_number_fields() -> None:
    """``3.10`` in a str field is "3.10" (not 3.1); octal-looking, hex and float text is no int."""
    assert OtherConfig.from_yaml("name: 3.10").name == "3.10"
    assert OtherConfig.from_yaml("name: 010").name == "010"
    assert OtherConfig.from_yaml("rate: 3").rate == 3.0
    assert OtherConfig.from_yaml("rate: 1e3").rate == 1000.0
    assert math.isinf(OtherConfig.from_yaml("rate: .inf").rate)
    assert AddConfig.from_yaml("add_amount: 1_000").add_amount == 1000
    assert AddConfig.from_yaml("add_amount: -2").add_amount == -2
    for text in ["010", "0x10", "1.0", "'3'", "true", "3 apples"]:
        with pytest.raises(ConfigError, match=r"^config\.add_amount: expected int, got "):
            AddConfig.from_yaml(f"add_amount: {text}")
    with pytest.raises(ConfigError, match=r"^config\.rate: expected float, got 'true'$"):
        OtherConfig.from_yaml("rate: true")


def test_yaml_null_quoted_and_plain() -> None:
    """For ``int | None``: plain ``null``/``~``/nothing is None, quoted ``"null"`` is text and refused; in a
    ``str`` field plain null is refused (quote it for the text), quoted ``"null"`` is the text."""
    assert OtherConfig.from_yaml("maybe: null").maybe is None
    assert OtherConfig.from_yaml("maybe: ~").maybe is None
    assert OtherConfig.from_yaml("maybe:").maybe is None
    assert OtherConfig.from_yaml("maybe: 4").maybe == 4
    with pytest.raises(ConfigError, match=r"^config\.maybe: expected int \| None, got 'null'$"):
        OtherConfig.from_yaml('maybe: "null"')
    assert OtherConfig.from_yaml('name: "null"').name == "null"
    assert Everything.from_yaml("label: null").label is None
    assert Everything.from_yaml("label: 'null'").label == "null"
    with pytest.raises(ConfigError, match=r"^config\.name: expected str, got null \(YAML null\); quote it"):
        OtherConfig.from_yaml("name: null")
    with pytest.raises(ConfigError, match=r"^config\.name: expected str, got an empty value"):
        OtherConfig.from_yaml("name:")


def test_yaml_unions_try_each_member_by_the_value_text() -> None:
    """``int | str``: a bare number is the int, quoted or other text is the str."""
    assert Everything.from_yaml("either: 3").either == 3
    assert Everything.from_yaml("either: '3'").either == "3"
    assert Everything.from_yaml("either: 3.5").either == "3.5"


def test_yaml_collections_nested_configs_and_literals() -> None:
    """Lists, tuples, sets, dicts, nested configs, attrs classes, Literal and enums from one document."""
    config = Everything.from_yaml(
        "tags: [a, NO, 3.10]\npair: [1, x]\nsizes: [1, 2]\nweights: {a: 1, b: .5}\nunique: [3, 1, 3]\n"
        "inner: {add_amount: 7}\nwindow: {size: 4}\nmode: slow\ncolour: blue\nlevel: 2\n"
    )
    assert config.tags == ["a", "NO", "3.10"]
    assert (config.pair, config.sizes, config.unique) == ((1, "x"), (1, 2), frozenset({1, 3}))
    assert config.weights == {"a": 1.0, "b": 0.5}
    assert (config.inner, config.window) == (AddConfig(add_amount=7), Window(size=4))
    assert (config.mode, config.colour, config.level) == ("slow", Colour.BLUE, Level.HIGH)
    with pytest.raises(ConfigError, match=r"^config\.tags: expected list\[str\], got 'abc'$"):
        Everything.from_yaml("tags: abc")
    with pytest.raises(ConfigError, match=r"^config\.tags\[0\]: expected str, got null"):
        Everything.from_yaml("tags: [null]")
    with pytest.raises(ConfigError, match=r"^config\.inner\.add_amount: expected int, got 'x'$"):
        Everything.from_yaml("inner: {add_amount: x}")


def test_yaml_duplicate_keys_are_refused_with_their_line() -> None:
    """A repeated key would silently win; it is an error naming the key and where it is."""
    with pytest.raises(
        ConfigError, match=r"^config: duplicate key 'name' \(line 2, column 1\); each key may appear once"
    ):
        OtherConfig.from_yaml("name: a\nname: b\n")
    with pytest.raises(ConfigError, match="duplicate key 'add_amount'"):
        Nested.from_yaml("second:\n  add_amount: 1\n  add_amount: 2\n")


def test_yaml_merge_keys_are_refused() -> None:
    """``<<`` merges hide which value wins; the error says to write the keys out."""
    with pytest.raises(ConfigError, match=r"merge keys \('<<'\) are not supported .*write the merged keys out"):
        OtherConfig.from_yaml("base: &b {name: a}\nother:\n  <<: *b\n")


def test_yaml_mapping_keys_must_be_text() -> None:
    """A sequence as a key cannot name a field."""
    with pytest.raises(ConfigError, match="mapping keys must be plain text"):
        OtherConfig.from_yaml("? [a]\n: 1\n")


def test_a_billion_laughs_document_is_refused_fast() -> None:
    """Nine levels of ten aliases would expand to 10^9 nodes; the loader stops after a bounded count."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=r"expands to more than 100000 nodes .*alias bomb.*without '\*' aliases"):
        OtherConfig.from_yaml("\n".join(lines))
    assert time.perf_counter() - started < 5


def test_small_aliases_are_fine() -> None:
    """Aliases below the cap are expanded as usual."""
    assert load_yaml("a: &x [1, 2]\nb: *x\n") == {"a": ["1", "2"], "b": ["1", "2"]}


def test_yaml_tags_do_not_run_code() -> None:
    """The loader composes nodes only: a python tag constructs nothing, the node is read as plain data."""
    assert load_yaml("x: !!python/object/apply:os.getpid []") == {"x": []}
    with pytest.raises(ConfigError, match=r"^config\.add_amount: expected int, got \[\]$"):
        AddConfig.from_yaml("add_amount: !!python/object/apply:os.getpid []")
