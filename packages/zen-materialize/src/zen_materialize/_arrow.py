"""pyarrow Tables as parquet; the same format as pandas DataFrames, so each can be read as the other (views)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize.errors import CorruptArtifactError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["ArrowTableMaterializer", "register"]

_FILE = "data.parquet"


class ArrowTableMaterializer(Materializer[object]):
    """``pyarrow.Table`` as ``data.parquet``; also reads DataFrame artifacts as Arrow tables."""

    TYPES: ClassVar[tuple[type, ...]] = (pa.Table,)
    FORMAT: ClassVar[str] = "parquet"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "pyarrow Table (parquet)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write the table."""
        if not isinstance(value, pa.Table):
            raise TypeError(f"ArrowTableMaterializer writes pyarrow Tables, not {type(value).__name__}")
        pq.write_table(value, Path(artifact.uri) / _FILE)

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


def register(registry: MaterializerRegistry) -> None:
    """Register the Arrow materializer."""
    registry.register(ArrowTableMaterializer)
