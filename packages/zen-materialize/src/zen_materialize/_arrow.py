"""pyarrow Tables as parquet; the same format as pandas DataFrames, so each can be read as the other (views).

Parquet cannot hold every Arrow type as it is (``date64`` comes back as ``date32``, for example): a write reads
the file back and compares schema, metadata and data, and refuses a table that would change, naming the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Final

import pyarrow as pa
import pyarrow.parquet as pq

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize.errors import CorruptArtifactError, UnstorableValueError
from zen_types import JSONValue

__all__ = ["WRITERS", "ArrowTableMaterializer"]

_FILE: Final = "data.parquet"


def _refuse(where: str, problem: str, fix: str) -> UnstorableValueError:
    return UnstorableValueError(value_type="pyarrow.Table", where=where, problem=problem, fix=fix)


class ArrowTableMaterializer(Materializer[object]):
    """``pyarrow.Table`` as ``data.parquet``; also reads DataFrame artifacts as Arrow tables."""

    TYPES: ClassVar[tuple[type, ...]] = (pa.Table,)
    FORMAT: ClassVar[str] = "parquet"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "pyarrow Table (parquet)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write the table, then read it back and compare (a difference is refused, naming the column)."""
        if not isinstance(value, pa.Table):
            raise _refuse("value", f"it is a {type(value).__qualname__}, not a Table", "Choose another materializer.")
        path = Path(artifact.uri) / _FILE
        try:
            pq.write_table(value, path)
        except (pa.ArrowException, ValueError, TypeError) as exc:
            raise _refuse(
                "value", f"parquet cannot store it ({exc})", "Cast the column to a type parquet keeps."
            ) from exc
        back = self.read(artifact)
        assert isinstance(back, pa.Table)
        for field in value.schema:
            index = back.schema.get_field_index(field.name)
            other = back.schema.field(index) if index >= 0 else None
            if other is None or not other.equals(field, check_metadata=True):
                raise _refuse(
                    f"column {field.name!r}",
                    f"its type {field.type} comes back as {other.type if other is not None else 'nothing'}",
                    "Cast the column to a type parquet keeps (for example date64 to date32 or timestamp).",
                )
            if not back.column(index).equals(value.column(field.name)):
                raise _refuse(f"column {field.name!r}", "its values come back changed", "Cast the column first.")
        if not back.schema.equals(value.schema, check_metadata=True):
            raise _refuse("the schema", f"{value.schema} comes back as {back.schema}", "Drop what parquet adds.")

    def read(self, artifact: ArtifactLocation) -> object:
        """Read the table (for a DataFrame artifact its index comes back as a column)."""
        path = Path(artifact.uri) / _FILE
        try:
            table: object = pq.read_table(path)
            return table
        except FileNotFoundError as exc:
            raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
        except (pa.ArrowException, OSError) as exc:
            raise CorruptArtifactError(f"{path} is not a valid parquet file (truncated or corrupt): {exc}") from exc

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """Rows and the schema's columns."""
        if not isinstance(value, pa.Table):
            return {}
        return {"rows": value.num_rows, "columns": list(value.column_names)}


WRITERS: Final = (ArrowTableMaterializer,)
