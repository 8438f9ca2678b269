"""The runtime bind-time rule and the mypy plugin agree on which outputs may feed which inputs.

One shared table of (output type, input type, accepted?) rows. For each row the runtime ``is_assignable`` is
asked directly, and the plugin by running mypy once over a generated module in which a slot returning the
output type is wired into a slot taking the input type (one wiring line per row).
"""

from __future__ import annotations

import pytest

from tests.typing.harness import run_mypy
from zen_types import is_assignable

PRELUDE = """\
from collections.abc import Mapping, Sequence, Set
from typing import Generic, Literal, NewType, TypeVar

from zen_types import Slot, pipeline

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Animal: ...


class Dog(Animal): ...


class Box(Generic[T]): ...


class ReadBox(Generic[T_co]): ...


UserId = NewType("UserId", int)
"""

# (output type, input type, accepted?): the output of an upstream step flowing into an input.
TABLE: list[tuple[str, str, bool]] = [
    ("int", "int", True),
    ("int", "float", True),
    ("float", "int", False),
    ("bool", "int", True),
    ("int", "bool", False),
    ("int", "object", True),
    ("object", "int", False),
    ("Dog", "Animal", True),
    ("Animal", "Dog", False),
    ("int", "int | None", True),
    ("int | None", "int", False),
    ("Dog | None", "Animal | None", True),
    ("int | str", "int | str | None", True),
    ("int | str", "int", False),
    ("list[int]", "list[int]", True),
    ("list[bool]", "list[int]", False),
    ("list[bool]", "Sequence[int]", True),
    ("Sequence[int]", "list[int]", False),
    ("dict[str, int]", "dict[str, float]", False),
    ("dict[str, bool]", "Mapping[str, int]", True),
    ("Mapping[str, int]", "dict[str, int]", False),
    ("frozenset[int]", "Set[int]", True),
    ("tuple[int, str]", "tuple[int, str]", True),
    ("tuple[int, str]", "tuple[int, ...]", False),
    ("tuple[int, int]", "tuple[int, ...]", True),
    ("tuple[int, ...]", "tuple[int, int]", False),
    ("tuple[bool, Dog]", "tuple[int, Animal]", True),
    ("tuple[int, str]", "tuple[int, str, int]", False),
    ("list[list[int]]", "list[list[int]]", True),
    ("dict[str, list[Dog]]", "Mapping[str, Sequence[Animal]]", True),
    ("dict[str, list[Dog]]", "dict[str, list[Animal]]", False),
    ('Literal["a"]', "str", True),
    ("str", 'Literal["a"]', False),
    ("Literal[1, 2]", "int", True),
    ("Literal[1, 2]", "Literal[1]", False),
    ("UserId", "int", True),
    ("int", "UserId", False),
    ("Box[int]", "Box[int]", True),
    ("Box[bool]", "Box[int]", False),
    ("ReadBox[bool]", "ReadBox[int]", True),
    ("ReadBox[int]", "ReadBox[bool]", False),
]


def _namespace() -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(PRELUDE, namespace)  # the same definitions the generated module holds
    return namespace


def _module() -> tuple[str, dict[int, int]]:
    """The generated module, and which table row each wiring line checks."""
    lines = PRELUDE.splitlines()
    line_of_row: dict[int, int] = {}
    for index, (output, input_, _) in enumerate(TABLE):
        lines += [
            "",
            "",
            "@pipeline",
            f"def wire_{index}(produce: Slot[[], {output}], consume: Slot[[{input_}], None]) -> None:",
            "    consume(produce())",
        ]
        line_of_row[len(lines)] = index
    return "\n".join(lines) + "\n", line_of_row


@pytest.fixture(scope="module")
def plugin_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[int, bool]:
    """Row index -> whether mypy with the plugin accepted the wiring line."""
    tmp = tmp_path_factory.mktemp("agreement")
    source, line_of_row = _module()
    output = run_mypy({"agreement": source}, workdir=tmp / "src", cache_dir=tmp / "cache")["agreement"]
    refused: set[int] = set()
    for message in output:
        line = int(message.split(":")[1])
        assert line in line_of_row, f"error outside a wiring line: {message}"
        assert "[zen-wiring]" in message, message
        refused.add(line_of_row[line])
    return {index: index not in refused for index in range(len(TABLE))}


def test_table_is_large_and_balanced() -> None:
    """At least 30 rows, with both answers well represented."""
    assert len(TABLE) >= 30
    assert sum(accepted for *_, accepted in TABLE) >= 10
    assert sum(not accepted for *_, accepted in TABLE) >= 10


@pytest.mark.parametrize(("index", "row"), list(enumerate(TABLE)), ids=[f"{o} -> {i}" for o, i, _ in TABLE])
def test_runtime_and_plugin_agree(index: int, row: tuple[str, str, bool], plugin_verdicts: dict[int, bool]) -> None:
    """Runtime ``is_assignable`` and the plugin both give the table's answer for this row."""
    output, input_, accepted = row
    namespace = _namespace()
    runtime = is_assignable(eval(output, namespace), eval(input_, namespace))
    assert (runtime, plugin_verdicts[index]) == (accepted, accepted)
