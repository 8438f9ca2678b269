"""One error for a value that cannot be stored: its message is written from its fields, and the older name
still resolves to it (with a deprecation warning) so code written against it keeps catching it."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

import zen_materialize
from zen_materialize import UnstorableValueError
from zen_types.errors import ZenError

_PHRASE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30)


@given(value_type=_PHRASE, where=_PHRASE, problem=_PHRASE, fix=_PHRASE)
def test_unstorable_value_message_names_type_spot_problem_and_fix(
    value_type: str, where: str, problem: str, fix: str
) -> None:
    """The message is composed once, by the exception, from the fields every raise site passes."""
    error = UnstorableValueError(value_type=value_type, where=where, problem=problem, fix=fix)
    assert str(error) == f"Cannot store this {value_type}: at {where}, {problem}. {fix}"
    assert (error.value_type, error.where, error.problem, error.fix) == (value_type, where, problem, fix)


def test_unstorable_value_error_is_caught_as_value_or_type_error() -> None:
    """Code that caught the older class as a TypeError, or this one as a ValueError, still catches it."""
    error = UnstorableValueError(value_type="int", where="value", problem="p", fix="f")
    caught: list[type[Exception]] = [ZenError, ValueError, TypeError]
    assert all(isinstance(error, cls) for cls in caught)


@pytest.mark.parametrize("module", ["zen_materialize", "zen_materialize.errors"])
def test_unsupported_value_error_is_a_deprecated_alias(module: str) -> None:
    """The older name is the same class, and using it warns with the name to use instead."""
    imported = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=r"UnsupportedValueError is deprecated: use UnstorableValueError"):
        alias = imported.UnsupportedValueError
    assert alias is UnstorableValueError
    assert "UnsupportedValueError" not in imported.__all__


def test_unknown_names_still_raise_attribute_error() -> None:
    """The deprecation hook answers only for deprecated names."""
    with pytest.raises(AttributeError, match="module 'zen_materialize' has no attribute 'NoSuchError'"):
        _ = zen_materialize.NoSuchError  # type: ignore[attr-defined]  # the point: it does not exist
