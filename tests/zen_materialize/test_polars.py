"""polars frames: stored as parquet exactly (dtypes, nulls, float bits), the same bytes in every process, refused
when they would change, and every parquet artifact (pandas, Arrow) read as a polars frame, in a pipeline too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings

from tests.zen_materialize.polars_strategies import frames, same_frame
from zen_materialize import Location, UnstorableValueError, default_registry
from zen_materialize._arrow import ArrowTableMaterializer
from zen_materialize._pandas import DataFrameMaterializer
from zen_materialize.polars import PolarsFrameMaterializer
from zen_materialize.testing import check_roundtrip


def test_polars_frames_round_trip_exactly_with_the_same_bytes() -> None:
    check_roundtrip(PolarsFrameMaterializer(), frames(), equal=same_frame, max_examples=60)


@settings(max_examples=25, deadline=None)
@given(frames())
def test_a_polars_frame_reads_as_an_arrow_table_with_the_same_values(frame: pl.DataFrame) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        PolarsFrameMaterializer().write(frame, Location(folder))
        table = default_registry().read(Location(folder), format="parquet", as_type=pa.Table)
        assert isinstance(table, pa.Table)
        assert same_frame(pl.from_arrow(table), frame)


def test_a_pandas_frame_reads_as_polars_without_its_unnamed_index(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.5, -0.0, np.nan], "label": ["a", None, "c"]}, index=[10, 20, 30])
    DataFrameMaterializer().write(frame, Location(str(tmp_path)))
    viewed = default_registry().read(Location(str(tmp_path)), format="parquet", as_type=pl.DataFrame)
    assert isinstance(viewed, pl.DataFrame)
    assert viewed.columns == ["x", "label"]
    assert viewed.schema == pl.Schema({"x": pl.Float64, "label": pl.String})
    assert viewed.get_column("label").to_list() == ["a", None, "c"]
    assert np.signbit(viewed.get_column("x").to_numpy()[1])


def test_a_named_pandas_index_is_an_ordinary_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="id"))
    DataFrameMaterializer().write(frame, Location(str(tmp_path)))
    viewed = default_registry().read(Location(str(tmp_path)), format="parquet", as_type=pl.DataFrame)
    assert isinstance(viewed, pl.DataFrame) and viewed.to_dict(as_series=False) == {"x": [1, 2], "id": ["a", "b"]}


def test_an_arrow_table_reads_as_polars(tmp_path: Path) -> None:
    table = pa.table({"n": pa.array([1, None, 3], pa.int16()), "s": ["x", "y", None]})
    ArrowTableMaterializer().write(table, Location(str(tmp_path)))
    viewed = default_registry().read(Location(str(tmp_path)), format="parquet", as_type=pl.DataFrame)
    assert isinstance(viewed, pl.DataFrame) and viewed.schema == pl.Schema({"n": pl.Int16, "s": pl.String})


def test_the_registry_writes_polars_frames_and_keeps_pandas_the_default_reader(tmp_path: Path) -> None:
    assert isinstance(default_registry().writer_for(pl.DataFrame), PolarsFrameMaterializer)
    DataFrameMaterializer().write(pd.DataFrame({"x": [1]}), Location(str(tmp_path)))
    assert isinstance(default_registry().read(Location(str(tmp_path)), format="parquet"), pd.DataFrame)


def test_object_columns_are_refused_naming_the_column(tmp_path: Path) -> None:
    frame = pl.DataFrame({"ok": [1], "things": pl.Series([object()], dtype=pl.Object)})
    with pytest.raises(UnstorableValueError, match=r"column 'things'.*Object.*Convert the column"):
        PolarsFrameMaterializer().write(frame, Location(str(tmp_path)))


def test_metadata_lists_rows_columns_and_dtypes() -> None:
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert PolarsFrameMaterializer().metadata(frame) == {
        "rows": 2,
        "columns": ["a", "b"],
        "dtypes": {"a": "Int64", "b": "String"},
    }


_WRITER = """
import sys
import polars as pl
from zen_materialize import Location
from zen_materialize.polars import PolarsFrameMaterializer
frame = pl.DataFrame({"x": [1.5, None, -0.0], "s": ["a", "b", None], "c": pl.Series(["u", "v", "u"], dtype=pl.Categorical)})
PolarsFrameMaterializer().write(frame, Location(sys.argv[1]))
"""


def test_polars_files_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """The same frame written by two processes gives the same bytes, so the same content hash."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    subprocess.run([sys.executable, "-c", _WRITER, str(there)], check=True)
    frame = pl.DataFrame(
        {"x": [1.5, None, -0.0], "s": ["a", "b", None], "c": pl.Series(["u", "v", "u"], dtype=pl.Categorical)}
    )
    PolarsFrameMaterializer().write(frame, Location(str(here)))
    assert (here / "data.parquet").read_bytes() == (there / "data.parquet").read_bytes()
