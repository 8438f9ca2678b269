"""What the built-in materializers show (``visualize``): the right facts, escaped, reading only what is shown,
and never loading stored code."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.linear_model import LogisticRegression

import zen_materialize._previews as previews
from zen_materialize import Html, Location, PickleMaterializer, Png, RecordMaterializer, UnsafeMaterializerWarning
from zen_materialize._builtins import JsonMaterializer
from zen_materialize._numpy import NumpyMaterializer
from zen_materialize._pandas import DataFrameMaterializer, SeriesMaterializer
from zen_materialize._sklearn import SklearnMaterializer
from zen_materialize.errors import CorruptArtifactError

MARKUP = "<script>alert(1)</script>"


def _html(shown: object) -> str:
    assert isinstance(shown, Html), shown
    return shown.html


def test_dataframe_shows_first_rows_dtypes_and_row_count_escaped(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": np.arange(100, dtype="int64"), "name": [f"n{i}" for i in range(100)]})
    frame.loc[3, "name"] = MARKUP
    DataFrameMaterializer().write(frame, Location(str(tmp_path)))
    text = _html(DataFrameMaterializer().visualize(Location(str(tmp_path))))
    assert "100 rows \u00d7 2 columns; the first 20 shown" in text
    assert "<td>n19</td>" in text and "n20<" not in text
    assert text.count('class="dtype"') == 2 and '<div class="dtype">int64</div>' in text
    assert MARKUP not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_dataframe_preview_reads_only_the_first_row_group(tmp_path: Path) -> None:
    table = pa.table({"x": np.arange(30_000, dtype="int64")})
    path = tmp_path / "data.parquet"
    pq.write_table(table, path, row_group_size=10_000)
    last = pq.ParquetFile(path).metadata.row_group(2).column(0)
    with path.open("r+b") as handle:  # wreck the last row group's pages; the footer stays intact
        handle.seek(last.data_page_offset)
        handle.write(b"\xff" * 64)
    with pytest.raises(OSError):
        pq.read_table(path)
    text = _html(DataFrameMaterializer().visualize(Location(str(tmp_path))))
    assert "30000 rows" in text


def test_series_shows_values_and_length(tmp_path: Path) -> None:
    SeriesMaterializer().write(pd.Series([1.5, 2.5], name="s"), Location(str(tmp_path)))
    text = _html(SeriesMaterializer().visualize(Location(str(tmp_path))))
    assert "2 values" in text and "1.5" in text


def test_corrupt_parquet_is_a_corrupt_artifact_error(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"not parquet")
    with pytest.raises(CorruptArtifactError):
        DataFrameMaterializer().visualize(Location(str(tmp_path)))


def test_array_shows_shape_dtype_statistics_and_histogram(tmp_path: Path) -> None:
    array = np.array([[1.0, 2.0], [3.0, 6.0]])
    NumpyMaterializer().write(array, Location(str(tmp_path)))
    text = _html(NumpyMaterializer().visualize(Location(str(tmp_path))))
    for fact in ("(2, 2)", "float64", "<th>min</th><td>1</td>", "<th>max</th><td>6</td>", "<th>mean</th><td>3</td>"):
        assert fact in text
    assert text.count("<rect") == previews.BINS


def test_big_array_statistics_come_from_an_even_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(previews, "PREVIEW_MAX_BYTES", 8 * 1000)
    NumpyMaterializer().write(np.arange(10_000, dtype="float64"), Location(str(tmp_path)))
    text = _html(NumpyMaterializer().visualize(Location(str(tmp_path))))
    assert "every 10th value (1000 of 10000)" in text
    assert "<th>max</th><td>9990</td>" in text


def test_strings_and_empty_arrays_are_shown_without_statistics(tmp_path: Path) -> None:
    for sub in ("s", "e"):
        (tmp_path / sub).mkdir()
    NumpyMaterializer().write(np.array([MARKUP, "b"]), Location(str(tmp_path / "s")))
    text = _html(NumpyMaterializer().visualize(Location(str(tmp_path / "s"))))
    assert "first values" in text and MARKUP not in text
    NumpyMaterializer().write(np.zeros((0, 3)), Location(str(tmp_path / "e")))
    assert "min" not in _html(NumpyMaterializer().visualize(Location(str(tmp_path / "e"))))


def _decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, colour = 8, b"", 0, 0, -1
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, _, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, colour, zlib.decompress(idat)


@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 3, 4]))))
def test_an_8bit_image_array_is_shown_as_that_png(image: np.ndarray[tuple[int, int, int], np.dtype[np.uint8]]) -> None:
    pixels = image[:, :, 0] if image.shape[2] == 1 else image
    rows = [pixels[i].tobytes() for i in range(pixels.shape[0])]
    width, height, colour, raw = _decode_png(
        previews.png_bytes(rows, width=image.shape[1], height=image.shape[0], channels=image.shape[2])
    )
    assert (width, height, colour) == (image.shape[1], image.shape[0], {1: 0, 3: 2, 4: 6}[image.shape[2]])
    stride = width * image.shape[2] + 1
    assert [raw[i * stride + 1 : (i + 1) * stride] for i in range(height)] == rows


def test_image_array_visualizes_as_png(tmp_path: Path) -> None:
    NumpyMaterializer().write(np.full((4, 5, 3), 200, dtype=np.uint8), Location(str(tmp_path)))
    shown = NumpyMaterializer().visualize(Location(str(tmp_path)))
    assert isinstance(shown, Png) and shown.alt == "5\u00d74 image (3 channels)"
    assert _decode_png(shown.data)[:2] == (5, 4)


def test_json_values_are_shown_verbatim_and_escaped(tmp_path: Path) -> None:
    for sub in ("f", "d"):
        (tmp_path / sub).mkdir()
    JsonMaterializer().write(0.94, Location(str(tmp_path / "f")))
    assert "<code>0.94</code>" in _html(JsonMaterializer().visualize(Location(str(tmp_path / "f"))))
    JsonMaterializer().write({"accuracy": 0.9, "note": MARKUP}, Location(str(tmp_path / "d")))
    text = _html(JsonMaterializer().visualize(Location(str(tmp_path / "d"))))
    assert "&quot;accuracy&quot;: 0.9" in text and MARKUP not in text


@attrs.frozen
class ShownPoint:
    """A record whose preview names its class."""

    x: int


def test_records_are_shown_with_their_class_without_importing_it(tmp_path: Path) -> None:
    RecordMaterializer().write(ShownPoint(3), Location(str(tmp_path)))
    text = _html(RecordMaterializer().visualize(Location(str(tmp_path))))
    assert "test_visualize:ShownPoint" in text and "&quot;x&quot;: 3" in text


def test_sklearn_model_shows_its_parameters_without_loading_it(tmp_path: Path) -> None:
    model = LogisticRegression(C=0.5, max_iter=50).fit(np.random.default_rng(0).random((20, 3)), np.arange(20) % 2)
    SklearnMaterializer().write(model, Location(str(tmp_path)))
    text = _html(SklearnMaterializer().visualize(Location(str(tmp_path))))
    assert "LogisticRegression" in text
    assert "<th>C</th><td><code>0.5</code></td>" in text and "<th>max_iter</th><td><code>50</code></td>" in text
    assert "coef_" in text  # listed as fitted, not shown as a parameter


def test_pickles_show_metadata_only(tmp_path: Path) -> None:
    with pytest.warns(UnsafeMaterializerWarning):
        PickleMaterializer().write({"a": 1}, Location(str(tmp_path)))
    assert PickleMaterializer().visualize(Location(str(tmp_path))) is None


def test_png_images_are_shown_as_stored(tmp_path: Path) -> None:
    from PIL import Image

    from zen_materialize.images import ImageMaterializer

    ImageMaterializer().write(Image.new("RGB", (7, 3), (10, 20, 30)), Location(str(tmp_path)))
    shown = ImageMaterializer().visualize(Location(str(tmp_path)))
    assert isinstance(shown, Png) and shown.alt == "7\u00d73 image"
    assert shown.data == (tmp_path / "image.png").read_bytes()
    (tmp_path / "image.png").write_bytes(b"GIF89a not a png at all")
    with pytest.raises(CorruptArtifactError):
        ImageMaterializer().visualize(Location(str(tmp_path)))


def test_tensors_show_statistics_from_the_mapped_file(tmp_path: Path) -> None:
    import torch

    from zen_materialize.torch import TensorMaterializer

    for sub in ("f", "b"):
        (tmp_path / sub).mkdir()
    TensorMaterializer().write(torch.tensor([[1.0, 2.0], [3.0, 6.0]]), Location(str(tmp_path / "f")))
    text = _html(TensorMaterializer().visualize(Location(str(tmp_path / "f"))))
    for fact in ("(2, 2)", "f32", "<th>min</th><td>1</td>", "<th>max</th><td>6</td>", "<th>mean</th><td>3</td>"):
        assert fact in text
    TensorMaterializer().write(torch.zeros(3, dtype=torch.bfloat16), Location(str(tmp_path / "b")))
    text = _html(TensorMaterializer().visualize(Location(str(tmp_path / "b"))))
    assert "bf16" in text.lower() and "min" not in text
