"""pandas DataFrames and Series as parquet through pyarrow (index and dtypes kept)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pandas as pd
import pyarrow

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._previews import parquet_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["DataFrameMaterializer", "SeriesMaterializer", "register"]

_FILE = "data.parquet"


def _read_frame(path: Path) -> object:
    try:
        frame: object = pd.read_parquet(path, engine="pyarrow")
        return frame
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (pyarrow.ArrowException, OSError, ValueError) as exc:
        raise CorruptArtifactError(f"{path} is not a valid parquet file (truncated or corrupt): {exc}") from exc


class DataFrameMaterializer(Materializer[object]):
    """``pandas.DataFrame`` as ``data.parquet`` (pyarrow keeps the index and dtypes in its pandas metadata)."""

    TYPES: ClassVar[tuple[type, ...]] = (pd.DataFrame,)
    FORMAT: ClassVar[str] = "parquet"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "pandas DataFrame (parquet)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write the frame with its index."""
        if not isinstance(value, pd.DataFrame):
            raise TypeError(f"DataFrameMaterializer writes DataFrames, not {type(value).__name__}")
        value.to_parquet(Path(artifact.uri) / _FILE, engine="pyarrow", index=True)

    def read(self, artifact: ArtifactLocation) -> object:
        """Read the frame back."""
        return _read_frame(Path(artifact.uri) / _FILE)

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """Rows, columns and dtypes."""
        if not isinstance(value, pd.DataFrame):
            return {}
        return {
            "rows": len(value),
            "columns": [str(c) for c in value.columns],
            "dtypes": {str(c): str(t) for c, t in value.dtypes.items()},
        }

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The first rows with dtypes and the row count, read from the first row groups only."""
        return parquet_preview(Path(artifact.uri) / _FILE)


class SeriesMaterializer(Materializer[object]):
    """``pandas.Series`` as a one-column parquet file plus its name."""

    TYPES: ClassVar[tuple[type, ...]] = (pd.Series,)
    FORMAT: ClassVar[str] = "parquet-series"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "pandas Series (parquet)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write the series as a frame with one column named ``values``; its name goes beside it."""
        if not isinstance(value, pd.Series):
            raise TypeError(f"SeriesMaterializer writes Series, not {type(value).__name__}")
        pd.DataFrame({"values": value}).to_parquet(Path(artifact.uri) / _FILE, engine="pyarrow", index=True)
        (Path(artifact.uri) / "series.json").write_text(json.dumps({"name": value.name}))

    def read(self, artifact: ArtifactLocation) -> object:
        """Read the series back with its name."""
        frame = _read_frame(Path(artifact.uri) / _FILE)
        if not isinstance(frame, pd.DataFrame):  # pragma: no cover - read_parquet returns frames
            raise CorruptArtifactError(f"{artifact.uri}: not a series artifact.")
        try:
            name = json.loads((Path(artifact.uri) / "series.json").read_text())["name"]
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise CorruptArtifactError(f"{artifact.uri}: series.json is missing or corrupt.") from exc
        series = frame["values"]
        series.name = name
        return series

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """Length and dtype."""
        if not isinstance(value, pd.Series):
            return {}
        return {"rows": len(value), "dtype": str(value.dtype)}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The first values with the dtype and length."""
        return parquet_preview(Path(artifact.uri) / _FILE, series=True)


def register(registry: MaterializerRegistry) -> None:
    """Register the pandas materializers."""
    registry.register(DataFrameMaterializer)
    registry.register(SeriesMaterializer)
