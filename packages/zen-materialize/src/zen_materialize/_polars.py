"""polars DataFrames as parquet, and every parquet artifact (a pandas DataFrame, an Arrow table) read as one.

A polars frame is stored as ``data.parquet``, the format pandas frames and Arrow tables use, so each reads as
the others (views): ``artifact.read(as_type=polars.DataFrame)`` or ``handle.view(polars.DataFrame)`` in a
pipeline. polars writes its own schema into the file, so dtypes come back as written (``Categorical``,
``Enum``, ``Decimal``, zoned ``Datetime``, nested ``List``/``Struct``); a write reads the file back and
compares schema and values, and refuses a frame that would change, naming the column. ``Object`` columns hold
arbitrary Python objects and are refused. polars has no index: read as a polars frame, a pandas artifact's
unnamed index (stored as a ``__index_level_N__`` column) is left out and a named index is an ordinary column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._previews import parquet_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError, UnstorableValueError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["PolarsFrameMaterializer", "register"]

_FILE: Final = "data.parquet"
_PANDAS_INDEX: Final = "__index_level_"


def _refuse(where: str, problem: str, fix: str) -> UnstorableValueError:
    return UnstorableValueError(value_type="polars.DataFrame", where=where, problem=problem, fix=fix)


class PolarsFrameMaterializer(Materializer[pl.DataFrame]):
    """``polars.DataFrame`` as ``data.parquet``; also reads DataFrame and Arrow table artifacts as polars frames."""

    TYPES: ClassVar[tuple[type, ...]] = (pl.DataFrame,)
    FORMAT: ClassVar[str] = "parquet"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "polars DataFrame (parquet)"

    def write(self, value: pl.DataFrame, artifact: ArtifactLocation) -> None:
        """Write the frame, then read it back and compare (a difference is refused, naming the column)."""
        if not isinstance(value, pl.DataFrame):
            raise _refuse(
                "value", f"it is a {type(value).__qualname__}, not a DataFrame", "Choose another materializer."
            )
        for name, dtype in value.schema.items():
            if dtype == pl.Object:
                raise _refuse(
                    f"column {name!r}",
                    "it holds Python objects (dtype Object), which parquet cannot store",
                    "Convert the column to a polars type (String, a number, List or Struct) first.",
                )
        path = Path(artifact.uri) / _FILE
        try:
            value.write_parquet(path)
        except (pl.exceptions.PolarsError, OSError, ValueError, TypeError) as exc:
            raise _refuse(
                "value", f"parquet cannot store it ({exc})", "Cast the columns to types parquet keeps."
            ) from exc
        back = self.read(artifact)
        for name, dtype in value.schema.items():
            other = back.schema.get(name)
            if other != dtype:
                raise _refuse(
                    f"column {name!r}",
                    f"its dtype {dtype} comes back as {other if other is not None else 'nothing'}",
                    "Cast the column to a dtype parquet keeps.",
                )
            if not value.get_column(name).equals(back.get_column(name), check_dtypes=True, null_equal=True):
                raise _refuse(f"column {name!r}", "its values come back changed", "Cast the column first.")
        if back.columns != value.columns:
            raise _refuse("the columns", f"{value.columns} come back as {back.columns}", "Rename the columns.")

    def read(self, artifact: ArtifactLocation) -> pl.DataFrame:
        """Read the whole file (a pandas index stored as ``__index_level_N__`` is left out)."""
        path = Path(artifact.uri) / _FILE
        if not path.is_file():
            raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.")
        try:
            names = pq.read_schema(path).names
            columns = [n for n in names if not n.startswith(_PANDAS_INDEX)]
            return pl.read_parquet(path, columns=columns if len(columns) < len(names) else None)
        except (pl.exceptions.PolarsError, pa.ArrowException, OSError, ValueError) as exc:
            raise CorruptArtifactError(f"{path} is not a valid parquet file (truncated or corrupt): {exc}") from exc

    def metadata(self, value: pl.DataFrame) -> dict[str, JSONValue]:
        """Rows, columns and dtypes."""
        return {
            "rows": value.height,
            "columns": list(value.columns),
            "dtypes": {name: str(dtype) for name, dtype in value.schema.items()},
        }

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The first rows with dtypes and the row count, read from the first row groups only."""
        return parquet_preview(Path(artifact.uri) / _FILE)


def register(registry: MaterializerRegistry) -> None:
    """Register the polars frame materializer (the writer of polars frames and a reader of every parquet)."""
    registry.register(PolarsFrameMaterializer)
