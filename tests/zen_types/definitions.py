"""Types, configs, steps and pipelines the zen-types tests share.

They live at module level on purpose: a step's annotations are resolved with ``typing.get_type_hints``, which
sees module globals but not the locals of a test function.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Generic, Literal, NamedTuple, NewType, TypeVar

import attrs

from zen_types import BaseStepConfig, Input, Output, Permissive, Slot, pipeline, step

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)


class Animal:
    """A base class."""


class Dog(Animal):
    """A subclass."""


class Model:
    """What a training step writes (seed 001)."""


class DataFrame:
    """A stand-in for a data frame (seed 001)."""


UserId = NewType("UserId", int)
AdminId = NewType("AdminId", UserId)


class Box(Generic[T]):
    """An invariant user generic."""


class ReadBox(Generic[T_co]):
    """A covariant user generic."""


class Sink(Generic[T_contra]):
    """A contravariant user generic."""


class IntBox(Box[int]):
    """A plain class that fixes its generic base's argument."""


class Ints(list[int]):
    """A plain list subclass that fixes the element type."""


class Colour(enum.Enum):
    """A plain enum (by value)."""

    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    """An int enum: cattrs would treat it as an int."""

    LOW = 1
    HIGH = 2


class Pair(NamedTuple):
    """Two named outputs."""

    left: int
    right: str


class Split(NamedTuple):
    """Named outputs of a splitting step."""

    train: list[int]
    test: list[int]


class Single(NamedTuple):
    """One named output: still a named output, not a plain one."""

    only: int


# -- configs ---------------------------------------------------------------------------------------------------


class AddConfig(BaseStepConfig):
    """Seed 000's config."""

    add_amount: int = 1


class OtherConfig(BaseStepConfig):
    """A config of another class, with one field of each scalar kind."""

    rate: float = 0.5
    name: str = "x"
    flag: bool = False
    maybe: int | None = None


class Required(BaseStepConfig):
    """A config with a required field."""

    add_amount: int


@attrs.frozen
class Window:
    """A plain attrs class nested in a config."""

    size: int = 3
    overlap: float = 0.0


class Nested(BaseStepConfig):
    """A config holding another config and an attrs class."""

    second: Required
    window: Window = Window()


class Everything(BaseStepConfig):
    """One field of each supported kind: the round-trip property draws values for all of them."""

    count: int = 0
    rate: float = 0.0
    name: str = ""
    flag: bool = False
    maybe: int | None = None
    label: str | None = None
    either: int | str = 0
    mode: Literal["fast", "slow"] = "fast"
    colour: Colour = Colour.RED
    level: Level = Level.LOW
    tags: list[str] = attrs.field(factory=list)
    pair: tuple[int, str] = (0, "")
    sizes: tuple[int, ...] = ()
    weights: dict[str, float] = attrs.field(factory=dict)
    unique: frozenset[int] = frozenset()
    inner: AddConfig = AddConfig()
    window: Window = Window()


class Early(BaseStepConfig):
    """Names a class defined below it: annotations resolve lazily, at the first construction."""

    later: Later | None = None


class Later:
    """Defined after the config that uses it."""


# -- steps -----------------------------------------------------------------------------------------------------


@step
def returns_one() -> int:
    return 1


@step
def adds(some_num: int, config: AddConfig) -> int:
    return some_num + config.add_amount


@step
def adds_two(number: int) -> int:
    """Another step with the interface of ``adds`` (no config)."""
    return number + 2


@step
def needs_required(some_num: int, config: Required) -> int:
    return some_num + config.add_amount


@step
def nothing() -> None:
    return None


@step
def make_bool() -> bool:
    return True


@step
def make_float() -> float:
    return 1.0


@step
def make_str() -> str:
    return "a"


@step
def make_optional() -> int | None:
    return None


@step
def make_list() -> list[int]:
    return [1]


@step
def make_bools() -> list[bool]:
    return [True]


@step
def maybe_flag(number: int) -> bool | None:
    return number > 0


@step
def make_dog() -> Dog:
    return Dog()


@step
def make_animal() -> Animal:
    return Animal()


@step
def make_pair() -> Pair:
    return Pair(1, "a")


@step
def make_single() -> Single:
    return Single(1)


@step
def take_int(number: int) -> None:
    return None


@step
def take_float(number: float) -> None:
    return None


@step
def take_optional(number: int | None) -> None:
    return None


@step
def take_union(value: int | str) -> None:
    return None


@step
def take_list(numbers: list[int]) -> None:
    return None


@step
def take_sequence(numbers: Sequence[int]) -> None:
    return None


@step
def take_animal(pet: Animal) -> None:
    return None


@step
def take_dog(pet: Dog) -> None:
    return None


@step
def take_str(text: str) -> int:
    return len(text)


@step
def take_two(first: int, second: int) -> int:
    return first + second


@step
def take_with_default(first: int, second: int = 2) -> int:
    return first + second


@step
def split(data: list[int]) -> Split:
    return Split(data[:2], data[2:])


@step
def load_data(out: Output[DataFrame]) -> None:
    """Seed 001: an artifact written through an Output parameter."""
    out.write(DataFrame())


@step
def train(data: Input[DataFrame], model: Output[Model]) -> None:
    """Seed 001: an Input handle in, an Output handle written."""
    model.write(Model())


@step
def evaluate(model: Input[Model]) -> float:
    return 0.5


@step(name="renamed", enable_cache=False)
def custom(number: int) -> int:
    return number


# -- pipelines -------------------------------------------------------------------------------------------------


@pipeline
def add_pipeline(first: Slot[[], int], second: Slot[[int], int]) -> None:
    """Seed 000."""
    second(first())


@pipeline
def training(loader: Slot[[], DataFrame], trainer: Slot[[DataFrame], Model], evaluator: Slot[[Model], float]) -> None:
    """Seed 001, written with annotations."""
    evaluator(trainer(loader()))


@pipeline
def two_slots(a, b):  # type: ignore[no-untyped-def]  # untyped slots: the runtime wiring check is under test
    b(a())


def untyped(value: object) -> Permissive:
    """``value`` with its static type erased, so a deliberately wrong call reaches the runtime check under test
    (the mypy plugin would report it, which is the point of the plugin but not of these tests)."""
    return value
