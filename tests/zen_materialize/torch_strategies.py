"""Hypothesis strategies and equalities for the PyTorch and image materializers: tensors of every dtype
safetensors stores (with arbitrary bit patterns, so NaN payloads, -0.0 and subnormals occur), strided and
grad-requiring tensors, tables as datasets, and images of every PNG mode."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import torch
from hypothesis import strategies as st
from PIL import Image

from zen_materialize.images import PNG_MODES
from zen_materialize.torch import SAFETENSORS_DTYPES, TableBatches, TableDataset

DTYPES = sorted(SAFETENSORS_DTYPES, key=str)
NUMPY_DTYPES = [
    d for d in DTYPES if d not in {torch.bfloat16, torch.complex64} and not str(d).startswith("torch.float8")
]


def tensor_bytes(tensor: torch.Tensor) -> bytes:
    """The elements' bytes in row-major order, whatever the tensor's strides."""
    compact = tensor.detach().cpu().clone(memory_format=torch.contiguous_format)
    return bytes(compact.untyped_storage())


def same_tensor(a: object, b: object) -> bool:
    """Same dtype, shape, grad flag and bit-identical elements (so NaN payloads and -0.0 count)."""
    assert isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
    return (
        a.dtype == b.dtype
        and a.shape == b.shape
        and a.requires_grad == b.requires_grad
        and tensor_bytes(a) == tensor_bytes(b)
    )


@st.composite
def tensors_of(draw: st.DrawFn, dtype: torch.dtype, *, max_side: int = 4) -> torch.Tensor:
    """A tensor of ``dtype`` filled with arbitrary bits, sometimes transposed, sometimes requiring grad."""
    shape = draw(st.lists(st.integers(0, max_side), max_size=3))
    numel = math.prod(shape)
    itemsize = torch.empty((), dtype=dtype).element_size()
    raw = bytearray(draw(st.binary(min_size=numel * itemsize, max_size=numel * itemsize)))
    if dtype is torch.bool:
        raw = bytearray(b & 1 for b in raw)
    tensor = torch.frombuffer(raw, dtype=dtype).reshape(shape).clone() if numel else torch.empty(shape, dtype=dtype)
    if len(shape) >= 2 and draw(st.booleans()):
        tensor = tensor.transpose(0, 1)  # not contiguous: strides must not matter
    if (
        (dtype.is_floating_point or dtype.is_complex)
        and not str(dtype).startswith("torch.float8")
        and draw(st.booleans())
    ):
        tensor.requires_grad_(True)
    return tensor


tensors = st.sampled_from(DTYPES).flatmap(tensors_of)
numpy_tensors = st.sampled_from(NUMPY_DTYPES).flatmap(tensors_of).map(lambda t: t.detach().contiguous())

_COLUMN_DTYPES = [torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8, torch.bool]


@st.composite
def datasets(draw: st.DrawFn) -> TableDataset:
    """A dataset of one to three columns of one length, with arbitrary bits in each column."""
    rows = draw(st.integers(0, 6))
    names = draw(st.lists(st.sampled_from(["x", "y", "label", "w"]), min_size=1, max_size=3, unique=True))
    columns = {}
    for name in names:
        dtype = draw(st.sampled_from(_COLUMN_DTYPES))
        size = rows * torch.empty((), dtype=dtype).element_size()
        raw = bytearray(draw(st.binary(min_size=size, max_size=size)))
        if dtype is torch.bool:
            raw = bytearray(b & 1 for b in raw)
        columns[name] = torch.frombuffer(raw, dtype=dtype).clone() if rows else torch.empty(0, dtype=dtype)
    return TableDataset(columns)


def same_dataset(a: object, b: object) -> bool:
    """Same columns, each the same tensor."""
    assert isinstance(a, TableDataset) and isinstance(b, TableDataset)
    return a.columns.keys() == b.columns.keys() and all(same_tensor(a.columns[k], b.columns[k]) for k in a.columns)


# One folder per test process for the files TableBatches values stream from; removed when the process exits.
_BATCH_FILES = tempfile.TemporaryDirectory(prefix="zen-batches-")


def batches_from(dataset: TableDataset) -> TableBatches:
    """A TableBatches over a parquet file holding ``dataset`` (kept until the test process exits)."""
    folder = Path(tempfile.mkdtemp(dir=_BATCH_FILES.name))
    arrays = {name: pa.array(column.numpy()) for name, column in dataset.columns.items()}
    pq.write_table(pa.table(arrays), folder / "data.parquet")
    return TableBatches(folder / "data.parquet", batch_size=2)


def _concatenated(batches: TableBatches) -> dict[str, torch.Tensor]:
    parts: dict[str, list[torch.Tensor]] = {}
    for batch in batches:
        for name, tensor in batch.items():
            parts.setdefault(name, []).append(tensor)
    return {name: torch.cat(tensors) for name, tensors in parts.items()}


def same_batches(a: object, b: object) -> bool:
    """The same rows streamed, each column the same tensor bit for bit (batch boundaries may differ): NaN payloads
    and -0.0 count, and a NaN matches itself (``torch.equal`` takes NaN for unequal to everything)."""
    assert isinstance(a, TableBatches) and isinstance(b, TableBatches)
    left, right = _concatenated(a), _concatenated(b)
    return left.keys() == right.keys() and all(same_tensor(left[k], right[k]) for k in left)


def nan_batches() -> TableBatches:
    """Float columns holding NaN, -NaN, a NaN payload and -0.0, streamed in batches of two rows."""
    bits = bytes.fromhex("0000c07f0000c0ff0100807f000000800000803f")
    single = torch.frombuffer(bytearray(bits), dtype=torch.float32).clone()
    return batches_from(TableDataset({"x": single, "w": single.double(), "label": torch.arange(5)}))


@st.composite
def images(draw: st.DrawFn) -> Image.Image:
    """An image of a PNG mode with random pixels (palette images with a full random palette)."""
    mode = draw(st.sampled_from(PNG_MODES))
    size = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    blank = Image.new(mode, size)
    pixels = draw(st.binary(min_size=len(blank.tobytes()), max_size=len(blank.tobytes())))
    image = Image.frombytes(mode, size, pixels)
    if mode == "P":
        image.putpalette(draw(st.binary(min_size=768, max_size=768)))
    if draw(st.booleans()):
        image.info["comment"] = "dropped on purpose"
    return image


def same_image(a: object, b: object) -> bool:
    """Same mode, size, pixels and palette (metadata is not compared: it is dropped on purpose)."""
    assert isinstance(a, Image.Image) and isinstance(b, Image.Image)
    return a.mode == b.mode and a.size == b.size and a.tobytes() == b.tobytes() and a.getpalette() == b.getpalette()


def same_images(a: object, b: object) -> bool:
    """Two lists of images, each the same as :func:`same_image` says."""
    assert isinstance(a, list) and isinstance(b, list)
    return type(a) is type(b) and len(a) == len(b) and all(same_image(x, y) for x, y in zip(a, b, strict=True))
