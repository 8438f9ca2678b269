"""PyTorch tensors, tables as torch datasets, and PIL images: round trips of generated values, the same bytes
in every process, refusals with the fix named, and views that do not copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from PIL import Image

from tests.zen_materialize.torch_strategies import (
    datasets,
    images,
    numpy_tensors,
    same_dataset,
    same_image,
    same_tensor,
    tensor_bytes,
    tensors,
)
from zen_materialize import (
    ArtifactReadError,
    CorruptArtifactError,
    Location,
    UnstorableValueError,
    default_registry,
)
from zen_materialize._numpy import NumpyMaterializer
from zen_materialize._pandas import DataFrameMaterializer
from zen_materialize.images import ImageMaterializer
from zen_materialize.testing import check_roundtrip
from zen_materialize.torch import (
    SAFETENSORS_DTYPES,
    NumpyTensorView,
    TableBatches,
    TableDataset,
    TensorMaterializer,
)


def test_tensors_of_every_stored_dtype_round_trip_bit_for_bit() -> None:
    """Every dtype safetensors stores comes back with its dtype, shape, grad flag and exact bits."""
    check_roundtrip(TensorMaterializer(), tensors, equal=same_tensor, max_examples=60)


@pytest.mark.parametrize("dtype", sorted(SAFETENSORS_DTYPES, key=str), ids=str)
def test_each_stored_dtype_is_accepted(dtype: torch.dtype, tmp_path: Path) -> None:
    """No dtype in the documented list is refused (a hypothesis run might not reach every one)."""
    value = torch.zeros((2, 3), dtype=dtype)
    TensorMaterializer().write(value, Location(str(tmp_path)))
    assert same_tensor(TensorMaterializer().read(Location(str(tmp_path))), value)


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        (torch.zeros(2, dtype=torch.complex128), "complex64"),
        (torch.zeros(2, dtype=torch.uint8).view(torch.float8_e8m0fnu), "supported dtype"),
        (torch.zeros(2, dtype=torch.int8).view(torch.float4_e2m1fn_x2), "supported dtype"),
        (torch.zeros(2, 2).to_sparse(), "to_dense"),
        (torch.zeros(2, device="meta"), "meta device"),
    ],
    ids=["complex128", "float8_e8m0fnu", "float4", "sparse", "meta"],
)
def test_unstorable_tensors_are_refused_naming_the_fix(value: torch.Tensor, fix: str, tmp_path: Path) -> None:
    """A tensor safetensors cannot hold is refused when written, with what to convert it to."""
    with pytest.raises(UnstorableValueError, match=fix):
        TensorMaterializer().write(value, Location(str(tmp_path)))
    assert list(tmp_path.iterdir()) == []


def test_strides_do_not_change_the_bytes(tmp_path: Path) -> None:
    """A transposed view and its contiguous copy are stored identically; the read tensor is contiguous."""
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    view, copy = base.t(), base.t().contiguous()
    for name, value in (("view", view), ("copy", copy)):
        (tmp_path / name).mkdir()
        TensorMaterializer().write(value, Location(str(tmp_path / name)))
    assert (tmp_path / "view" / "tensor.safetensors").read_bytes() == (
        tmp_path / "copy" / "tensor.safetensors"
    ).read_bytes()
    back = TensorMaterializer().read(Location(str(tmp_path / "view")))
    assert back.is_contiguous() and torch.equal(back, view)


def test_metadata_records_device_dtype_and_shape() -> None:
    """Listings show where the tensor was and what it is."""
    meta = TensorMaterializer().metadata(torch.zeros((2, 5), dtype=torch.bfloat16))
    assert meta == {"shape": [2, 5], "dtype": "torch.bfloat16", "device": "cpu", "nbytes": 20}


def test_a_truncated_tensor_file_is_corrupt_not_a_wrong_value(tmp_path: Path) -> None:
    """Damaged or missing files raise CorruptArtifactError."""
    TensorMaterializer().write(torch.arange(100.0), Location(str(tmp_path)))
    file = tmp_path / "tensor.safetensors"
    file.write_bytes(file.read_bytes()[:50])
    with pytest.raises(CorruptArtifactError, match="not a valid safetensors"):
        TensorMaterializer().read(Location(str(tmp_path)))
    file.unlink()
    with pytest.raises(CorruptArtifactError, match="missing"):
        TensorMaterializer().read(Location(str(tmp_path)))


_WRITER = """
import sys
import torch
from PIL import Image
from zen_materialize import Location
from zen_materialize.images import ImageMaterializer
from zen_materialize.torch import TensorMaterializer
generator = torch.Generator().manual_seed(7)
tensor = torch.randn((64, 33), generator=generator).to(torch.bfloat16).t()
TensorMaterializer().write(tensor, Location(sys.argv[1]))
image = Image.frombytes("RGBA", (8, 4), bytes(range(128)))
image.info["comment"] = sys.argv[1]
ImageMaterializer().write(image, Location(sys.argv[2]))
"""


def test_tensor_and_image_files_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """The same values written by two processes give the same bytes, so the same content hash."""
    outputs = []
    for index in range(2):
        tensor_dir, image_dir = tmp_path / f"t{index}", tmp_path / f"i{index}"
        tensor_dir.mkdir()
        image_dir.mkdir()
        subprocess.run([sys.executable, "-c", _WRITER, str(tensor_dir), str(image_dir)], check=True)
        outputs.append(
            [(folder / name).read_bytes() for folder in (tensor_dir, image_dir) for name in sorted(_names(folder))]
        )
    assert outputs[0] == outputs[1]


def _names(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir()]


def test_registry_picks_tensor_and_image_writers_and_subclasses() -> None:
    """Tensors (and tensor subclasses such as nn.Parameter) and PIL images find their writers by MRO."""
    registry = default_registry()
    assert isinstance(registry.writer_for(torch.Tensor), TensorMaterializer)
    assert isinstance(registry.writer_for(torch.nn.Parameter), TensorMaterializer)
    assert isinstance(registry.writer_for(Image.Image), ImageMaterializer)


def test_an_array_reads_as_a_tensor_sharing_the_mapped_file(tmp_path: Path) -> None:
    """npy -> torch.Tensor maps the file copy-on-write: no copy in memory, and writes never reach the file."""
    array = np.arange(1000, dtype=np.float32).reshape(10, 100)
    NumpyMaterializer().write(array, Location(str(tmp_path)))
    before = (tmp_path / "array.npy").read_bytes()
    tensor = default_registry().reader_for("npy", torch.Tensor).read(Location(str(tmp_path)))
    assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.float32 and tensor.shape == (10, 100)
    assert _mapped_from(tensor.data_ptr()) == str(tmp_path / "array.npy")
    tensor[0, 0] = -1.0
    assert (tmp_path / "array.npy").read_bytes() == before


def _mapped_from(address: int) -> str | None:
    """The file mapped at ``address`` in this process (from /proc/self/maps), or None for anonymous memory."""
    for line in Path("/proc/self/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        low, high = (int(x, 16) for x in parts[0].split("-"))
        if low <= address < high:
            return parts[5] if len(parts) == 6 else None
    return None


def test_tensors_of_numpy_dtypes_round_trip_through_npy() -> None:
    """The npy view's own write (through NumPy) and read agree for every dtype NumPy has."""
    check_roundtrip(NumpyTensorView(), numpy_tensors, equal=same_tensor, max_examples=40)


def test_a_dataframe_reads_as_a_dataset_and_a_dataloader(tmp_path: Path) -> None:
    """Rows come back as dicts of tensors; loader() batches them; the pandas index is left out."""
    frame = pd.DataFrame({"x": np.arange(10, dtype=np.float32), "y": np.arange(10) % 2}, index=list("abcdefghij"))
    DataFrameMaterializer().write(frame, Location(str(tmp_path)))
    dataset = default_registry().reader_for("parquet", TableDataset).read(Location(str(tmp_path)))
    assert isinstance(dataset, TableDataset) and len(dataset) == 10
    assert set(dataset[3]) == {"x", "y"} and float(dataset[3]["x"]) == 3.0
    batches = list(dataset.loader(batch_size=4))
    assert [len(b["x"]) for b in batches] == [4, 4, 2]
    assert batches[0]["y"].tolist() == [0, 1, 0, 1]
    shuffled = [b["x"].tolist() for b in dataset.loader(batch_size=10, shuffle=True, seed=3)]
    assert shuffled == [b["x"].tolist() for b in dataset.loader(batch_size=10, shuffle=True, seed=3)]
    with pytest.raises(IndexError):
        dataset[10]


def test_a_table_streams_as_batches_without_reading_it_whole(tmp_path: Path) -> None:
    """TableBatches decodes one record batch at a time, in the file's order."""
    frame = pd.DataFrame({"x": np.arange(25, dtype=np.int64)})
    DataFrameMaterializer().write(frame, Location(str(tmp_path)))
    batches = default_registry().reader_for("parquet", TableBatches).read(Location(str(tmp_path)))
    assert isinstance(batches, TableBatches)
    sizes = [len(b["x"]) for b in batches.with_batch_size(10).loader()]
    assert sizes == [10, 10, 5]
    assert torch.cat([b["x"] for b in batches]).tolist() == list(range(25))


def test_a_column_selected_twice_is_refused_when_streaming_is_set_up(tmp_path: Path) -> None:
    """Selecting a column twice is refused at once, naming it, not later as a schema mismatch while writing."""
    DataFrameMaterializer().write(pd.DataFrame({"x": [1, 2], "y": [3, 4]}), Location(str(tmp_path)))
    batches = default_registry().reader_for("parquet", TableBatches).read(Location(str(tmp_path)))
    assert isinstance(batches, TableBatches)
    with pytest.raises(ValueError, match=r"columns lists 'x' more than once; select each column once"):
        TableBatches(batches.path, columns=["x", "y", "x"])


def test_text_columns_are_refused_naming_the_column(tmp_path: Path) -> None:
    """A column with no tensor type is refused with its name, not turned into garbage."""
    DataFrameMaterializer().write(pd.DataFrame({"name": ["a", "b"]}), Location(str(tmp_path)))
    with pytest.raises(ArtifactReadError, match=r"as TableDataset .*column 'name'"):
        default_registry().reader_for("parquet", TableDataset).read(Location(str(tmp_path)))


@settings(max_examples=30, deadline=None)
@given(datasets())
def test_datasets_round_trip_through_parquet(dataset: TableDataset) -> None:
    """A dataset written as parquet reads back with the same columns and bits."""
    check_roundtrip_once(dataset)


def check_roundtrip_once(dataset: TableDataset) -> None:
    """One write/read of a dataset through its view."""
    import tempfile

    from zen_materialize.torch import TableDatasetView

    with tempfile.TemporaryDirectory() as folder:
        TableDatasetView().write(dataset, Location(folder))
        assert same_dataset(dataset, TableDatasetView().read(Location(folder)))


def test_images_of_every_png_mode_round_trip() -> None:
    """Mode, size, pixels and palette are kept."""
    check_roundtrip(ImageMaterializer(), images(), equal=same_image, max_examples=60)


def test_image_metadata_is_dropped_on_purpose(tmp_path: Path) -> None:
    """info (text chunks, DPI) is not written: equal pixels give equal bytes."""
    plain = Image.new("RGB", (4, 4), (1, 2, 3))
    tagged = plain.copy()
    tagged.info.update({"comment": "secret", "dpi": (300, 300)})
    for name, image in (("plain", plain), ("tagged", tagged)):
        (tmp_path / name).mkdir()
        ImageMaterializer().write(image, Location(str(tmp_path / name)))
    assert (tmp_path / "plain" / "image.png").read_bytes() == (tmp_path / "tagged" / "image.png").read_bytes()
    assert ImageMaterializer().read(Location(str(tmp_path / "tagged"))).info == {}


@pytest.mark.parametrize(("mode", "fix"), [("F", "I;16"), ("CMYK", "RGB"), ("I", "I;16")])
def test_modes_png_cannot_hold_are_refused_naming_the_fix(mode: str, fix: str, tmp_path: Path) -> None:
    """An image PNG cannot store exactly is refused with the mode to convert to."""
    with pytest.raises(UnstorableValueError, match=f"Convert it with image.convert\\('{fix}'"):
        ImageMaterializer().write(Image.new(mode, (2, 2)), Location(str(tmp_path)))


def test_a_palette_image_without_a_full_palette_is_refused(tmp_path: Path) -> None:
    """Indexes past the palette would be lost by PNG: refused, not silently changed."""
    with pytest.raises(UnstorableValueError, match="putpalette"):
        ImageMaterializer().write(Image.new("P", (2, 2), 5), Location(str(tmp_path)))


def test_importing_zen_does_not_import_torch_or_pillow() -> None:
    """torch and Pillow load only when a tensor or image is written or read."""
    code = "import sys, zen_run, zen_materialize; print(sorted({'torch', 'PIL', 'safetensors'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_tensor_bytes_helper_sees_strides() -> None:
    """The equality used above compares elements, not storage (so it can fail on a transposed copy)."""
    base = torch.arange(6).reshape(2, 3)
    assert tensor_bytes(base.t()) != tensor_bytes(base.reshape(3, 2))
