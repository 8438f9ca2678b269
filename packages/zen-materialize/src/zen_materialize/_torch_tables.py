"""Tables handed to PyTorch: a parquet artifact (a DataFrame or an Arrow table) as a ``Dataset``.

Read as :class:`TableDataset`, a parquet artifact is a map-style ``torch.utils.data.Dataset`` of rows (a dict of
column name to scalar tensor, which ``DataLoader`` collates into a dict of batch tensors); read as
:class:`TableBatches` it is an ``IterableDataset`` that streams record batches from the file without loading the
whole table. Both have ``loader(...)``, a ready ``DataLoader``. Numeric and boolean columns become tensors;
other columns are refused with the column named (a pandas index stored as ``__index_level_N__`` is left out).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize.errors import ArtifactReadError, CorruptArtifactError

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["TableBatches", "TableBatchesView", "TableDataset", "TableDatasetView", "register"]


def _column_tensor(
    column: object, name: str, path: Path, view: type[TableDatasetView | TableBatchesView]
) -> torch.Tensor:
    """A column as a tensor; a column with no tensor type cannot be read through ``view`` (named with ``path``)."""
    if not isinstance(column, pa.ChunkedArray):  # pragma: no cover - a table's columns are chunked arrays
        raise TypeError(f"column {name!r} is not an Arrow column")

    def refused(reason: str) -> ArtifactReadError:
        read_as = view.READ_TYPES[0]
        return ArtifactReadError(
            artifact=str(path.parent),
            value_type=read_as.__qualname__,
            materializer=view.ref().name,
            reason=reason,
        )

    try:
        values = column.to_numpy()
    except (pa.ArrowException, ValueError) as exc:
        raise refused(f"column {name!r} cannot become a tensor: {exc}") from exc
    if values.dtype.hasobject:
        raise refused(
            f"column {name!r} holds {column.type} values, which have no tensor type; select numeric columns "
            f"(for example with .view on a step that drops the others) or encode the column as numbers first."
        )
    return torch.from_numpy(np.require(values, requirements=["C", "W"]))  # copies only read-only buffers


def _tensors(table: object, path: Path, view: type[TableDatasetView | TableBatchesView]) -> dict[str, torch.Tensor]:
    if not isinstance(table, pa.Table):  # pragma: no cover - pyarrow reads tables
        raise TypeError("not an Arrow table")
    columns = (name for name in table.column_names if not name.startswith("__"))
    return {name: _column_tensor(table.column(name), name, path, view) for name in columns}


def _write_columns(columns: dict[str, torch.Tensor], path: Path) -> None:
    arrays = {name: pa.array(column.detach().cpu().numpy()) for name, column in columns.items()}
    pq.write_table(pa.table(arrays), path)


def _parquet_path(artifact: ArtifactLocation) -> Path:
    path = Path(artifact.uri) / "data.parquet"
    if not path.is_file():
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete or not in parquet format.")
    return path


class TableDataset(Dataset[dict[str, torch.Tensor]]):
    """A table's rows as a map-style ``Dataset``: ``dataset[i]`` is ``{column: scalar tensor}``.

    Columns become tensors once, when the view is read (numeric and boolean columns; a pandas index stored as a
    column named ``__index_level_N__`` is left out). ``loader(batch_size=32, shuffle=True)`` is a ready
    ``DataLoader`` whose batches are ``{column: tensor of batch_size}``.
    """

    def __init__(self, columns: dict[str, torch.Tensor]) -> None:
        lengths = {len(t) for t in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of a TableDataset must have one length, not {sorted(lengths)}")
        self.columns = columns
        self.rows = lengths.pop() if lengths else 0

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not -self.rows <= index < self.rows:
            raise IndexError(f"row {index} is out of range for a table of {self.rows} rows")
        return {name: column[index] for name, column in self.columns.items()}

    def loader(
        self, batch_size: int = 32, *, shuffle: bool = False, seed: int | None = None
    ) -> DataLoader[dict[str, torch.Tensor]]:
        """A ``DataLoader`` over the rows (``seed`` makes shuffling repeatable)."""
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        return DataLoader(self, batch_size=batch_size, shuffle=shuffle, generator=generator)


class TableBatches(IterableDataset[dict[str, torch.Tensor]]):
    """A parquet file streamed as batches of rows: only one record batch is decoded at a time.

    Each item is already a batch, ``{column: tensor of up to batch_size}``; ``loader()`` wraps it in a
    ``DataLoader`` that does not re-batch (``batch_size=None``).
    """

    def __init__(self, path: Path, *, batch_size: int = 1024, columns: list[str] | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        repeated = sorted({name for name in columns if columns.count(name) > 1}) if columns else []
        if repeated:
            raise ValueError(f"columns lists {', '.join(map(repr, repeated))} more than once; select each column once")
        self.path = path
        self.batch_size = batch_size
        self.selected = columns

    def with_batch_size(self, batch_size: int) -> TableBatches:
        """The same file streamed in batches of ``batch_size`` rows."""
        return TableBatches(self.path, batch_size=batch_size, columns=self.selected)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        # No memory map and no pre-buffering: either would bring the whole file into memory over the iteration.
        parquet = pq.ParquetFile(self.path, pre_buffer=False)
        try:
            for batch in parquet.iter_batches(batch_size=self.batch_size, columns=self.selected):
                yield _tensors(pa.Table.from_batches([batch]), self.path, TableBatchesView)
        finally:
            parquet.close()

    def loader(self) -> DataLoader[dict[str, torch.Tensor]]:
        """A ``DataLoader`` yielding the streamed batches as they are."""
        return DataLoader(self, batch_size=None)


class TableDatasetView(Materializer[TableDataset]):
    """A parquet artifact (DataFrame or Arrow table) read as a :class:`TableDataset`."""

    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (TableDataset,)
    FORMAT: ClassVar[str] = "parquet"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "table as a torch Dataset of rows (view of parquet)"

    def write(self, value: TableDataset, artifact: ArtifactLocation) -> None:
        """Write the dataset's columns as a parquet table (tables are normally written as DataFrames)."""
        _write_columns(value.columns, Path(artifact.uri) / "data.parquet")

    def read(self, artifact: ArtifactLocation) -> TableDataset:
        """Decode the table once (memory-mapped file) and turn its columns into tensors."""
        path = _parquet_path(artifact)
        try:
            table = pq.read_table(path, memory_map=True)
        except (pa.ArrowException, OSError) as exc:
            raise CorruptArtifactError(f"{path} is not a valid parquet file (truncated or corrupt): {exc}") from exc
        return TableDataset(_tensors(table, path, TableDatasetView))


class TableBatchesView(Materializer[TableBatches]):
    """A parquet artifact read as :class:`TableBatches`, streamed without loading the whole table."""

    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (TableBatches,)
    FORMAT: ClassVar[str] = "parquet"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "table streamed as batches of tensors (view of parquet)"

    def write(self, value: TableBatches, artifact: ArtifactLocation) -> None:
        """Copy the streamed table into a new parquet file, batch by batch."""
        target = Path(artifact.uri) / "data.parquet"
        with pq.ParquetFile(value.path, memory_map=True) as source:
            schema = source.schema_arrow
            if value.selected is not None:
                schema = pa.schema([schema.field(name) for name in value.selected])
            with pq.ParquetWriter(target, schema) as writer:
                for batch in source.iter_batches(batch_size=value.batch_size, columns=value.selected):
                    writer.write_batch(batch)

    def read(self, artifact: ArtifactLocation) -> TableBatches:
        """Check the file's footer now; batches are decoded while iterating."""
        path = _parquet_path(artifact)
        try:
            pq.read_metadata(path)
        except (pa.ArrowException, OSError) as exc:
            raise CorruptArtifactError(f"{path} is not a valid parquet file (truncated or corrupt): {exc}") from exc
        return TableBatches(path)


def register(registry: MaterializerRegistry) -> None:
    """Register the parquet views as torch datasets."""
    registry.register(TableDatasetView, writer=False)
    registry.register(TableBatchesView, writer=False)
