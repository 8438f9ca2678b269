"""The round-trip kit: check any materializer the way zen checks its built-ins.

``check_roundtrip(MyMaterializer(), strategy)`` writes every generated value into a fresh directory, reads it
back and asserts it is equal (NaN equals NaN, types must match), that the metadata is JSON, and that the
materializer declares a format. ``strategy_for(tp)`` derives a strategy from a type where hypothesis can.
Needs the ``testing`` extra (hypothesis).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from typing import TypeVar

from zen_materialize._base import Location, Materializer
from zen_materialize.errors import MaterializerError

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MaterializerError("zen_materialize.testing needs hypothesis: pip install 'zen-materialize[testing]'") from exc

__all__ = ["check_roundtrip", "same_value", "strategy_for"]

T = TypeVar("T")


def same_value(a: object, b: object) -> bool:
    """Equality for round trips: same type, NaN equals NaN, containers compared element by element."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    equal: object = a == b
    if isinstance(equal, bool):
        return equal
    all_equal = getattr(equal, "all", None)  # array-likes compare element-wise
    return bool(all_equal()) if callable(all_equal) else bool(equal)


def strategy_for(tp: type[T]) -> st.SearchStrategy[T]:
    """A hypothesis strategy for values of ``tp`` (``st.from_type``)."""
    return st.from_type(tp)


def check_roundtrip(
    materializer: Materializer[T],
    strategy: st.SearchStrategy[T],
    *,
    equal: Callable[[T, T], bool] = same_value,
    max_examples: int | None = None,
) -> None:
    """Assert write-then-read gives back an equal value for every example ``strategy`` generates."""
    assert type(materializer).FORMAT, f"{type(materializer).__qualname__} declares no FORMAT"
    options = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    if max_examples is not None:
        options = settings(options, max_examples=max_examples)

    @options
    @given(strategy)
    def roundtrip(value: T) -> None:
        with tempfile.TemporaryDirectory(prefix="zen-roundtrip-") as directory:
            location = Location(directory)
            materializer.write(value, location)
            back = materializer.read(location)
            assert equal(value, back), f"{type(materializer).__qualname__}: wrote {value!r}, read back {back!r}"
            json.dumps(materializer.metadata(value))

    roundtrip()
