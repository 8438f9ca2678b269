"""Shared hypothesis strategies for materializer tests."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path

from hypothesis import strategies as st


class Color(enum.Enum):
    """An enum to store."""

    RED = "red"
    BLUE = 2


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.sampled_from(Color),
    st.datetimes(timezones=st.sampled_from([dt.UTC, None])),
    st.dates(),
    st.decimals(allow_nan=False, places=3),
    st.uuids(),
    st.text(alphabet="abc/", min_size=1, max_size=10).map(Path),
)
hashable = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.sampled_from(Color))

plain_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
        st.dictionaries(hashable, inner, max_size=4),
        st.frozensets(hashable, max_size=4),
        st.sets(hashable, max_size=4),
    ),
    max_leaves=12,
)

ordered_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=12,
)
"""Plain values without sets: pickle writes a set in its iteration order, which a copy of the set may not share."""
