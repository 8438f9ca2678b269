"""Pipelines whose steps read upstream artifacts through views (``handle.view(V)``); module level so the
runner can pin and re-import them."""

# pandas and pyarrow ship no type information here, so their types are Any in these signatures; the typing of
# views themselves is pinned with typed classes in tests/typing/cases.test.
# mypy: disable-error-code="no-any-unimported"

from __future__ import annotations

import numpy as np
import onnx
import pandas as pd
import polars as pl
import pyarrow as pa
import torch
from PIL import Image
from sklearn.linear_model import LogisticRegression

from tests.zen_run.torch_models import MLP, MLPParams
from zen_materialize.torch import TableBatches, TableDataset
from zen_run import Slot, pipeline, step

SEEN: dict[str, object] = {}


@step
def make_frame() -> pd.DataFrame:
    """Ten rows of features and labels."""
    return pd.DataFrame({"x": [float(i) for i in range(10)], "y": [i % 2 for i in range(10)]})


@step
def count_batches(data: TableDataset) -> int:
    """Batches of four through the DataLoader the dataset view makes."""
    SEEN["dataset"] = type(data).__name__
    return sum(1 for _ in data.loader(batch_size=4))


@step
def total_streamed(data: TableBatches) -> float:
    """Sum of x over streamed batches."""
    return float(sum(float(batch["x"].sum()) for batch in data.with_batch_size(3)))


@step
def arrow_rows(table: pa.Table) -> int:
    """Rows of the Arrow view."""
    return int(table.num_rows)


@step
def frame_rows(frame: pd.DataFrame) -> int:
    """Rows of the frame as stored."""
    return len(frame)


@pipeline
def viewed(
    source: Slot[[], pd.DataFrame],
    batches: Slot[[TableDataset], int],
    streamed: Slot[[TableBatches], float],
    arrow: Slot[[pa.Table], int],
    plain: Slot[[pd.DataFrame], int],
) -> None:
    """One DataFrame read four ways: as a dataset, streamed, as Arrow, and as itself."""
    frame = source()
    batches(frame.view(TableDataset))
    streamed(frame.view(TableBatches))
    arrow(frame.view(pa.Table))
    plain(frame)


@step
def needs_tensor(value: torch.Tensor) -> int:
    """A tensor input (no reader turns a DataFrame into one)."""
    return int(value.numel())


@pipeline
def bad_view(source: Slot[[], pd.DataFrame], consumer: Slot[[torch.Tensor], int]) -> None:
    """A view no reader provides."""
    consumer(source().view(torch.Tensor))


@pipeline
def mistyped_view(source: Slot[[], pd.DataFrame], consumer: Slot[[pd.DataFrame], int]) -> None:
    """A view whose type the consuming step does not accept."""
    consumer(source().view(pa.Table))


@step
def polars_mean(frame: pl.DataFrame) -> float:
    """Mean of x, computed by polars."""
    return float(frame.get_column("x").mean())  # type: ignore[arg-type]  # x is a float column: its mean is a float


@step
def polars_evens(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows whose label is 0, as a polars frame (stored as parquet)."""
    return frame.filter(pl.col("y") == 0)


@pipeline
def viewed_as_polars(
    source: Slot[[], pd.DataFrame],
    mean: Slot[[pl.DataFrame], float],
    evens: Slot[[pl.DataFrame], pl.DataFrame],
    rows: Slot[[pd.DataFrame], int],
) -> None:
    """A pandas frame read by polars steps; a polars frame read back by a pandas step."""
    frame = source().view(pl.DataFrame)
    mean(frame)
    rows(evens(frame).view(pd.DataFrame))


@step
def draw_squares(count: int = 3) -> list[Image.Image]:
    """Grey squares, lighter each time."""
    return [Image.new("L", (4, 4), 40 * i) for i in range(count)]


@step
def brightest(pictures: list[Image.Image]) -> int:
    """The highest pixel value over the pictures."""
    return max(int(p.getextrema()[1]) for p in pictures)  # type: ignore[arg-type]  # grey images: (low, high) ints


@pipeline
def squares(source: Slot[[], list[Image.Image]], reader: Slot[[list[Image.Image]], int]) -> None:
    """A list of images handed from one step to the next."""
    reader(source())


@step
def fit_classifier() -> LogisticRegression:
    """A classifier of the sign of the first of three features."""
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    return LogisticRegression().fit(x, (x[:, 0] > 0).astype(np.int64))


@step
def onnx_labels(model: onnx.ModelProto) -> list[int]:
    """Labels the ONNX graph gives four fixed rows (run by onnx's reference evaluator, not scikit-learn)."""
    from onnx.reference import ReferenceEvaluator

    rows = np.array([[2, 0, 0], [-2, 0, 0], [1, 5, 5], [-1, -5, -5]], dtype=np.float32)
    outputs: object = ReferenceEvaluator(model).run(["label"], {"X": rows})
    assert isinstance(outputs, list)
    return [int(v) for v in np.asarray(outputs[0])]


@pipeline
def portable(fit: Slot[[], LogisticRegression], labels: Slot[[onnx.ModelProto], list[int]]) -> None:
    """A scikit-learn model handed to the next step as an ONNX graph."""
    labels(fit().view(onnx.ModelProto))


@step
def build_mlp() -> MLP:
    """A small MLP, 3 features to 2 outputs, fixed weights."""
    torch.manual_seed(0)
    return MLP(MLPParams(sizes=(3, 4, 2)))


@step
def onnx_output_width(model: onnx.ModelProto) -> int:
    """How many numbers the ONNX graph gives per row of a batch of five (run by onnx's reference evaluator)."""
    from onnx.reference import ReferenceEvaluator

    evaluator = ReferenceEvaluator(model)
    outputs: object = evaluator.run(None, {evaluator.input_names[0]: np.zeros((5, 3), dtype=np.float32)})
    assert isinstance(outputs, list)
    rows, width = np.asarray(outputs[0]).shape
    return int(width) if rows == 5 else -1


@pipeline
def portable_module(build: Slot[[], MLP], width: Slot[[onnx.ModelProto], int]) -> None:
    """A PyTorch module handed to the next step as an ONNX graph."""
    width(build().view(onnx.ModelProto))
