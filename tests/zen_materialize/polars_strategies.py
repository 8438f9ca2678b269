"""Hypothesis strategies and the strict equality for polars frames: every dtype polars keeps in parquet
(integers of each width, floats with arbitrary bits, text, booleans, zoned datetimes, times, categoricals,
enums, lists, structs), nulls anywhere."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import strategies as st

_INTS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def same_frame(a: object, b: object) -> bool:
    """Same class, schema, nulls and values, floats bit for bit (so -0.0 and NaN payloads count)."""
    assert isinstance(a, pl.DataFrame) and isinstance(b, pl.DataFrame)
    if type(a) is not type(b) or a.schema != b.schema or not a.equals(b, null_equal=True):
        return False
    for name, dtype in a.schema.items():
        if dtype in (pl.Float32, pl.Float64):
            x, y = a.get_column(name), b.get_column(name)
            if not x.is_null().equals(y.is_null()):
                return False
            if x.fill_null(0).to_numpy().tobytes() != y.fill_null(0).to_numpy().tobytes():
                return False
    return True


def _floats(width: int) -> st.SearchStrategy[float | None]:
    return st.none() | st.floats(width=width, allow_nan=True, allow_infinity=True, allow_subnormal=True)  # type: ignore[arg-type]  # width is 32 or 64, as hypothesis takes


@st.composite
def _column(draw: st.DrawFn, rows: int) -> pl.Series:
    kind = draw(st.sampled_from(["int", "float", "text", "bool", "date", "time", "category", "enum", "list", "struct"]))
    if kind == "int":
        dtype = draw(st.sampled_from(_INTS))
        info = np.iinfo(str(dtype).lower())
        ints = draw(st.lists(st.none() | st.integers(int(info.min), int(info.max)), min_size=rows, max_size=rows))
        return pl.Series(ints, dtype=dtype)
    if kind == "float":
        width = draw(st.sampled_from([32, 64]))
        floats = draw(st.lists(_floats(width), min_size=rows, max_size=rows))
        return pl.Series(floats, dtype=pl.Float32 if width == 32 else pl.Float64, nan_to_null=False)
    if kind == "text":
        return pl.Series(draw(st.lists(st.none() | st.text(max_size=8), min_size=rows, max_size=rows)), dtype=pl.String)
    if kind == "bool":
        return pl.Series(draw(st.lists(st.none() | st.booleans(), min_size=rows, max_size=rows)), dtype=pl.Boolean)
    if kind == "date":
        zone = draw(st.sampled_from([None, "UTC", "Europe/Paris"]))
        moments = st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1))
        stamps = draw(st.lists(st.none() | moments, min_size=rows, max_size=rows))
        return pl.Series(stamps, dtype=pl.Datetime("us", zone))
    if kind == "time":
        return pl.Series(draw(st.lists(st.none() | st.times(), min_size=rows, max_size=rows)), dtype=pl.Time)
    words = st.sampled_from(["a", "b", "c"])
    if kind in ("category", "enum"):
        labels = draw(st.lists(st.none() | words, min_size=rows, max_size=rows))
        return pl.Series(labels, dtype=pl.Categorical if kind == "category" else pl.Enum(["c", "a", "b"]))
    if kind == "list":
        lists = st.none() | st.lists(st.none() | st.integers(-(2**63), 2**63 - 1), max_size=3)
        return pl.Series(draw(st.lists(lists, min_size=rows, max_size=rows)), dtype=pl.List(pl.Int64))
    records = st.none() | st.fixed_dictionaries({"x": st.none() | st.integers(0, 9), "y": st.none() | words})
    return pl.Series(
        draw(st.lists(records, min_size=rows, max_size=rows)), dtype=pl.Struct({"x": pl.Int64, "y": pl.String})
    )


@st.composite
def frames(draw: st.DrawFn) -> pl.DataFrame:
    """Frames of 0-6 rows and 0-4 columns of every kind polars keeps in parquet, nulls anywhere."""
    rows = draw(st.integers(0, 6))
    names = draw(st.lists(st.text(min_size=1, max_size=6), max_size=4, unique=True))
    return pl.DataFrame([draw(_column(rows)).alias(name) for name in names])
