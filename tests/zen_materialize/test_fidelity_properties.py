"""The rule as properties: any DataFrame or Series hypothesis.extra.pandas draws, of every dtype family, reads back
exactly (``same_value``: class, dtypes, index, names, floats bit for bit) or is refused when written, naming the
spot; never changed, never a raw library error."""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.extra import pandas as hpd

from zen_materialize import ArtifactWriteError, Location, UnstorableValueError, default_registry, write_artifact
from zen_materialize.testing import same_value

_NUMERIC = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
_FLOATS = ["float16", "float32", "float64", "complex64", "complex128"]
_TIMES = [f"{kind}64[{unit}]" for kind in ("datetime", "timedelta") for unit in ("s", "ms", "us", "ns")]
_DTYPES = [*_NUMERIC, *_FLOATS, *_TIMES]

_objects = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.integers(),
    st.floats(),
    st.binary(max_size=3),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


def _column(position: int, kind: str) -> hpd.column[object]:
    name = f"c{position}"
    if kind == "text":
        return hpd.column(name, elements=st.text(max_size=4))
    if kind == "objects":
        return hpd.column(name, elements=_objects, dtype=object)
    if kind == "category":
        return hpd.column(name, elements=st.sampled_from(["a", "b", "c"]))
    return hpd.column(name, dtype=kind)


_indexes = st.sampled_from(
    [
        hpd.range_indexes(max_size=5),
        hpd.indexes(dtype="int64", max_size=5),
        hpd.indexes(dtype="float64", max_size=5),
        hpd.indexes(dtype="datetime64[ns]", max_size=5),
        hpd.indexes(elements=st.text(max_size=3), max_size=5),
    ]
).flatmap(lambda strategy: strategy)


@st.composite
def _frames(draw: st.DrawFn) -> object:
    kinds = draw(st.lists(st.sampled_from([*_DTYPES, "text", "objects", "category"]), max_size=4))
    index = draw(_indexes)
    frame = draw(
        hpd.data_frames(
            columns=[_column(i, k) for i, k in enumerate(kinds)], index=hpd.range_indexes(len(index), len(index))
        )
    )
    frame.index = index
    for position, kind in enumerate(kinds):
        if kind == "category":
            frame.isetitem(position, frame.iloc[:, position].astype("category"))
    if draw(st.booleans()):
        frame = frame.T if frame.shape[1] and draw(st.booleans()) else frame
    return frame


@st.composite
def _series(draw: st.DrawFn) -> object:
    dtype = draw(st.sampled_from(_DTYPES))
    series = draw(hpd.series(dtype=dtype, index=_indexes))
    return series.rename(draw(st.one_of(st.none(), st.text(max_size=3), st.integers(), st.tuples(st.text(max_size=2)))))


def _exact_or_refused(value: object, declared: type) -> None:
    registry = default_registry()
    with tempfile.TemporaryDirectory(prefix="zen-fidelity-") as folder:
        writer = registry.writer_for(declared)
        try:
            write_artifact(writer, value, Location(folder), artifact="value")
        except ArtifactWriteError as refused:
            assert isinstance(refused.__cause__, UnstorableValueError), refused
            assert refused.__cause__.where and refused.__cause__.fix
            return
        back = registry.read(Location(folder), format=type(writer).FORMAT, as_type=declared)
        assert same_value(value, back), f"wrote\n{value!r}\nread back\n{back!r}"


@given(_frames())
def test_any_frame_reads_back_exactly_or_is_refused(frame: object) -> None:
    """Frames of every dtype family, object and category columns, several index kinds, transposed too."""
    _exact_or_refused(frame, pd.DataFrame)


@given(_series())
def test_any_series_reads_back_exactly_or_is_refused(series: object) -> None:
    """Series of every dtype family over several index kinds, named with None, text, ints or tuples."""
    _exact_or_refused(series, pd.Series)


_ARRAY_DTYPES = st.one_of(
    hnp.scalar_dtypes(),
    hnp.byte_string_dtypes(endianness="?", max_len=3),
    hnp.unicode_string_dtypes(endianness="?", max_len=3),
    hnp.array_dtypes(max_size=3),
    hnp.nested_dtypes(max_itemsize=64),
)


@given(
    hnp.arrays(_ARRAY_DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)),
    st.sampled_from(["C", "F", "T", "step"]),
    st.sampled_from([np.ndarray, np.recarray, np.matrix]),
)
def test_any_array_reads_back_exactly_or_is_refused(array: object, layout: str, cls: type) -> None:
    """Arrays of every dtype family and shape, in any memory layout, as ndarray, recarray or matrix."""
    assert isinstance(array, np.ndarray)
    laid = {"C": array, "F": np.asfortranarray(array), "T": array.T, "step": array[::2] if array.ndim else array}[
        layout
    ]
    if cls is np.matrix and laid.ndim == 2:
        value: object = laid.view(np.matrix)
    elif cls is np.recarray:
        value = laid.view(np.recarray)
    else:
        value = laid
    _exact_or_refused(value, np.ndarray)
