"""The one assignability rule (``is_assignable``, mypy's answers), its spelling of types (``type_name``), and the
run-time value check (``value_conforms``)."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Annotated, Literal, Protocol, TypedDict, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.zen_types.definitions import (
    AdminId,
    Animal,
    Box,
    Dog,
    IntBox,
    Ints,
    Level,
    Pair,
    ReadBox,
    Sink,
    UserId,
)
from tests.zen_types.strategies import LATTICE, VALUES, type_names, typed_values
from zen_types import is_assignable, type_name, value_conforms

Bound = TypeVar("Bound", bound=Animal)


class Speaker(Protocol):
    """A protocol that is not runtime-checkable: the check must not crash on it."""

    def speak(self) -> str: ...


class Parrot:
    """Has the protocol's member."""

    def speak(self) -> str:
        return "hello"


# (source type, destination type, assignable?) -- mypy's verdict for each row.
TABLE: list[tuple[object, object, bool]] = [
    # identity, Any, object
    (int, int, True),
    (int, object, True),
    (object, int, False),
    (typing.Any, int, True),
    (int, typing.Any, True),
    (None, None, True),
    (None, object, True),
    # subclasses
    (Dog, Animal, True),
    (Animal, Dog, False),
    (bool, int, True),
    (int, bool, False),
    (Level, int, True),
    # numeric promotions, also for subclasses of int
    (int, float, True),
    (int, complex, True),
    (float, complex, True),
    (float, int, False),
    (complex, float, False),
    (bool, float, True),
    (Level, float, True),
    (list[int], list[float], False),
    (list[bool], Sequence[float], True),
    # unions and Optional
    (int, int | None, True),
    (None, int | None, True),
    (int | None, int, False),
    (int | str, int | str | None, True),
    (int | str, int, False),
    (Dog | None, Animal | None, True),
    (bool | int, int, True),
    (typing.Optional[Dog], Animal | None, True),  # noqa: UP045 - the typing spelling must work the same
    (typing.Union[int, str], int | str, True),  # noqa: UP007 - the typing spelling must work the same
    # invariant containers
    (list[int], list[int], True),
    (list[bool], list[int], False),
    (list[int], list[bool], False),
    (set[bool], set[int], False),
    (dict[str, int], dict[str, int], True),
    (dict[str, bool], dict[str, int], False),
    (dict[str, int], dict[str, float], False),
    (dict[str, list[Dog]], dict[str, list[Animal]], False),
    (list, list[int], True),  # a bare generic is list[Any]
    # covariant abstract containers
    (list[int], Sequence[int], True),
    (list[Dog], Sequence[Animal], True),
    (tuple[int, ...], Sequence[int], True),
    (tuple[int, str], Sequence[int | str], True),
    (tuple[int, str], Sequence[int], False),
    (Sequence[int], list[int], False),
    (frozenset[bool], frozenset[int], True),
    (frozenset[int], AbstractSet[int], True),
    (set[Dog], AbstractSet[Animal], True),
    (list[int], Iterable[float], True),
    (dict[str, int], Iterable[str], True),
    (str, Sequence[str], True),
    (str, Sequence[int], False),
    (bytes, Sequence[int], True),
    # Mapping: invariant keys, covariant values
    (dict[str, bool], Mapping[str, int], True),
    (dict[bool, int], Mapping[int, int], False),
    (Mapping[str, int], dict[str, int], False),
    (dict[str, list[int]], Mapping[str, Sequence[int]], True),
    (dict[str, bool], MutableMapping[str, int], False),
    # tuples
    (tuple[int, str], tuple[int, str], True),
    (tuple[bool, Dog], tuple[int, Animal], True),
    (tuple[int, str], tuple[int, str, int], False),
    (tuple[int, int], tuple[int, ...], True),
    (tuple[int, str], tuple[int, ...], False),
    (tuple[bool, ...], tuple[int, ...], True),
    (tuple[int, ...], tuple[int, int], False),
    # Literal
    (Literal["a"], str, True),
    (Literal["a", "b"], str, True),
    (str, Literal["a"], False),
    (Literal[1, 2], int, True),
    (Literal[1], float, True),
    (Literal["a"], Literal["a", "b"], True),
    (Literal[1, 2], Literal[1], False),
    (Literal[True], Literal[1], False),
    (Literal[True], bool, True),
    (Literal["a"], Literal["a"] | None, True),
    (Literal["a", "b"], Literal["a"] | Literal["b"], True),
    (Literal["a", 1], str | int, True),
    (Literal["a", 1], str, False),
    # NewType
    (UserId, int, True),
    (UserId, float, True),
    (int, UserId, False),
    (AdminId, UserId, True),
    (AdminId, int, True),
    (UserId, AdminId, False),
    # user generics by declared variance
    (Box[int], Box[int], True),
    (Box[bool], Box[int], False),
    (ReadBox[bool], ReadBox[int], True),
    (ReadBox[Dog], ReadBox[Animal], True),
    (ReadBox[Animal], ReadBox[Dog], False),
    (Sink[Animal], Sink[Dog], True),
    (Sink[Dog], Sink[Animal], False),
    # plain classes that fix their bases' arguments
    (IntBox, Box[int], True),
    (IntBox, Box[str], False),
    (Ints, list[int], True),
    (Ints, list[str], False),
    (Ints, Sequence[float], True),
    # NamedTuples are tuples
    (Pair, tuple[int, str], True),
    (Pair, Pair, True),
    (tuple[int, str], Pair, False),
    # Annotated is transparent
    (Annotated[int, "meta"], int, True),
    (int, Annotated[float, "meta"], True),
    # type[...] is covariant
    (type[Dog], type[Animal], True),
    (type[Animal], type[Dog], False),
    # a bounded TypeVar stands for its bound
    (Bound, Animal, True),
    (Bound, Dog, False),
    # protocols that are not runtime-checkable are matched by their members
    (Parrot, Speaker, True),
    (int, Speaker, False),
]


@pytest.mark.parametrize(
    ("src", "dst", "expected"),
    [pytest.param(s, d, e, id=f"{type_name(s)} -> {type_name(d)}") for s, d, e in TABLE],
)
def test_is_assignable_answers_as_mypy_does(src: object, dst: object, expected: bool) -> None:
    """Variance, promotions, unions, Literal, NewType, user generics, Any and object: one row each."""
    assert is_assignable(src, dst) is expected


@given(type_names)
def test_is_assignable_is_reflexive(name: str) -> None:
    """Every type is assignable to itself, to object and to Any, and from Any."""
    tp = LATTICE[name]
    assert is_assignable(tp, tp)
    assert is_assignable(tp, object)
    assert is_assignable(tp, typing.Any)
    assert is_assignable(typing.Any, tp)


@given(type_names, type_names, type_names)
def test_is_assignable_is_transitive_on_the_lattice(a: str, b: str, c: str) -> None:
    """A fits B and B fits C means A fits C."""
    if is_assignable(LATTICE[a], LATTICE[b]) and is_assignable(LATTICE[b], LATTICE[c]):
        assert is_assignable(LATTICE[a], LATTICE[c])


@given(type_names, type_names)
def test_a_type_fits_a_union_exactly_when_it_fits_a_member(a: str, b: str) -> None:
    """For a non-union A, ``A -> B | None`` is ``A -> B`` or ``A -> None``; ``A | B -> C`` needs both."""
    tp_a, tp_b = LATTICE[a], LATTICE[b]
    if typing.get_origin(tp_a) is not types.UnionType:
        assert is_assignable(tp_a, tp_b | None) == (is_assignable(tp_a, tp_b) or is_assignable(tp_a, None))  # type: ignore[operator]  # runtime union of runtime types
    assert is_assignable(tp_a | tp_b, int) == (is_assignable(tp_a, int) and is_assignable(tp_b, int))  # type: ignore[operator]  # runtime union of runtime types


@given(typed_values(), type_names)
def test_a_value_of_an_assignable_type_conforms_to_the_target(typed: tuple[str, object], target: str) -> None:
    """The static rule and the run-time check agree: if A fits B, every value of A is a B. The one deliberate
    difference: a bool is not accepted as a float value (mypy allows it; a config or a returned value that is
    True where a float is declared is almost always a mistake)."""
    name, value = typed
    assert value_conforms(value, LATTICE[name])
    bool_as_float = "float" in target.lower() and "bool" in name.lower()
    if is_assignable(LATTICE[name], LATTICE[target]) and not bool_as_float:
        assert value_conforms(value, LATTICE[target])


@given(st.data())
def test_every_lattice_value_strategy_produces_values_of_its_type(data: st.DataObject) -> None:
    """Guard for the strategies module: VALUES[name] really draws values of LATTICE[name]."""
    name = data.draw(type_names)
    assert value_conforms(data.draw(VALUES[name]), LATTICE[name])


# -- type_name ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "text"),
    [
        (int, "int"),
        (None, "None"),
        (type(None), "None"),
        (typing.Any, "Any"),
        (list[int], "list[int]"),
        (dict[str, list[Dog]], "dict[str, list[Dog]]"),
        (int | None, "int | None"),
        (typing.Optional[int], "int | None"),  # noqa: UP045 - the typing spelling is shown the same
        (Literal["a", 1], "Literal['a', 1]"),
        (Sequence[int], "Sequence[int]"),
        (tuple[int, ...], "tuple[int, ...]"),
        (UserId, "UserId"),
        (Annotated[int, "meta"], "int"),
        (typing.Callable[[int], str], "Callable[[int], str]"),
        (Pair, "Pair"),
    ],
)
def test_type_name_spells_types_as_mypy_does(tp: object, text: str) -> None:
    """Messages show types the way the plugin (mypy) shows them."""
    assert type_name(tp) == text


# -- value_conforms ----------------------------------------------------------------------------------------------

CONFORMS: list[tuple[object, object, bool]] = [
    (1, int, True),
    (True, int, True),
    (1, float, True),
    (1.5, int, False),
    (True, float, False),
    (1, complex, True),
    ("a", str, True),
    (b"a", str, False),
    (None, int | None, True),
    (None, int, False),
    (None, None, True),
    (3, object, True),
    (3, typing.Any, True),
    ([1, 2], list[int], True),
    ([1, "a"], list[int], False),
    ((1, 2), Sequence[int], True),
    ([1], tuple[int, ...], False),
    ((1, "a"), tuple[int, str], True),
    ((1, "a", 2), tuple[int, str], False),
    ((1, 2, 3), tuple[int, ...], True),
    ({"a": (1, "x")}, dict[str, tuple[int, str]], True),
    ({"a": 1}, dict[str, str], False),
    ({1: "a"}, Mapping[str, str], False),
    ({1, 2}, set[int], True),
    (frozenset({"a"}), frozenset[int], False),
    (Dog(), Animal, True),
    (Animal(), Dog, False),
    ("a", Literal["a", "b"], True),
    ("c", Literal["a", "b"], False),
    (True, Literal[1], False),
    (1, Literal[1], True),
    (5, UserId, True),
    ("5", UserId, False),
    (Level.LOW, Level, True),
    (1, Level, False),
    (Pair(1, "a"), Pair, True),
    (Dog(), Bound, True),
    (3, Bound, False),
    (iter([1, "a"]), Iterable[int], True),  # an iterator is not consumed to check it
]


def _stable_repr(value: object) -> str:
    text = repr(value)
    return f"<{type(value).__name__}>" if " at 0x" in text else text


@pytest.mark.parametrize(
    ("value", "tp", "expected"),
    # Ids must be the same in every pytest-xdist worker: objects whose repr holds an address get their type name.
    [pytest.param(v, t, e, id=f"{_stable_repr(v)}: {type_name(t)}") for v, t, e in CONFORMS],
)
def test_value_conforms_checks_values_deeply(value: object, tp: object, expected: bool) -> None:
    """Returned values and config values are checked against their declared types, containers included."""
    assert value_conforms(value, tp) is expected


def test_value_conforms_samples_large_containers() -> None:
    """Only the first thousand elements are checked, so the run-time check stays cheap."""
    assert value_conforms([*range(1000), "late"], list[int])
    assert not value_conforms(["early", *range(2000)], list[int])


class _Predictor(Protocol):
    def predict(self, xs: list[float]) -> list[int]: ...


class _GoodModel:
    def predict(self, xs: Sequence[float]) -> list[int]:
        return []


class _WrongModel:
    def predict(self, xs: str) -> str:
        return xs


_T_co = TypeVar("_T_co", covariant=True)


class _Reader(Protocol[_T_co]):
    def read(self) -> _T_co: ...


class _IntReader:
    def read(self) -> int:
        return 1


class _Row(TypedDict):
    x: int


class _SameRow(TypedDict):
    x: int


class _OtherRow(TypedDict):
    x: str


def test_protocol_methods_are_compared_by_signature() -> None:
    """A class fits a protocol when its methods accept what the protocol passes and return what it promises."""
    assert is_assignable(_GoodModel, _Predictor)
    assert not is_assignable(_WrongModel, _Predictor)


def test_generic_protocols_use_their_arguments() -> None:
    """``Reader[int]`` is read with ``int`` for its type parameter: an int reader fits, not a str reader."""
    assert is_assignable(_IntReader, _Reader[int])
    assert is_assignable(_IntReader, _Reader[float])
    assert not is_assignable(_IntReader, _Reader[str])


def test_typeddicts_are_compared_by_keys() -> None:
    """TypedDicts fit by their keys and value types (mypy's rule), never by raising TypeError."""
    assert is_assignable(_Row, _SameRow)
    assert not is_assignable(_OtherRow, _SameRow)
    assert not is_assignable(dict, _SameRow)
