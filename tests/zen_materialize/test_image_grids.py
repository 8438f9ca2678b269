"""Batches of images as preview material: an image-stack array or a list of PIL images is shown as one grid of
thumbnails (capped, pixels taken from the stored values), and a list of images round-trips as PNG files."""

from __future__ import annotations

import base64
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from tests.zen_materialize.torch_strategies import images, same_images
from zen_materialize import Html, Location, Png, UnstorableValueError, default_registry
from zen_materialize._image_grid import GRID_COLUMNS, MAX_GRID_IMAGES, THUMB_SIDE, is_image_stack
from zen_materialize._numpy import NumpyMaterializer
from zen_materialize.images import ImageListMaterializer
from zen_materialize.testing import check_roundtrip

MARKUP = "<script>alert(1)</script>"
U8 = np.ndarray[tuple[int, ...], np.dtype[np.uint8]]


def _grid(shown: object) -> tuple[str, U8]:
    """The caption and the decoded RGBA pixels of a grid preview."""
    assert isinstance(shown, Html), shown
    caption = shown.html.split('<p class="caption">', 1)[1].split("</p>", 1)[0]
    data = base64.b64decode(shown.html.split("data:image/png;base64,", 1)[1].split('"', 1)[0])
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6)  # 8-bit RGBA
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * 4)
    assert (raw[:, 0] == 0).all()  # filter type "none" on every row
    return caption, raw[:, 1:].reshape(height, width, 4)


def _tiles(pixels: U8, count: int) -> list[U8]:
    """Cut a grid back into its ``count`` cells (all the same size), gaps of 3 pixels around each."""
    columns = min(GRID_COLUMNS, count)
    rows = -(-count // columns)
    cell_h, cell_w = (pixels.shape[0] - 3 * (rows + 1)) // rows, (pixels.shape[1] - 3 * (columns + 1)) // columns
    return [
        pixels[3 + (i // columns) * (cell_h + 3) :][:cell_h, 3 + (i % columns) * (cell_w + 3) :][:, :cell_w]
        for i in range(count)
    ]


def _as_rgba(image: U8) -> U8:
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if image.shape[2] == 3:
        image = np.concatenate([image, np.full((*image.shape[:2], 1), 255, np.uint8)], axis=2)
    return image


def _shrunk(image: U8) -> U8:
    """What a thumbnail shows of one image: every k-th pixel, enlarged by whole pixels when tiny."""
    step = max(1, -(-max(image.shape[0], image.shape[1]) // THUMB_SIDE))
    small = _as_rgba(image[::step, ::step])
    scale = max(1, 56 // max(small.shape[0], small.shape[1]))
    return np.repeat(np.repeat(small, scale, axis=0), scale, axis=1)


def _stack_shape(n: int, height: int, width: int, channels: int) -> tuple[int, ...]:
    """``N x H x W x C``, or ``N x H x W`` greys when ``channels`` is 0; a grey stack's width is never 3 or 4,
    since an 8-bit ``H x W x 3|4`` array is one colour image (the rule in docs/materializers.md)."""
    if channels:
        return (n, height, width, channels)
    return (n, height, width + 2 if width in (3, 4) else width)


stacks = st.tuples(st.integers(1, 12), st.integers(2, 130), st.integers(2, 130), st.sampled_from([0, 1, 3, 4])).flatmap(
    lambda s: hnp.arrays(np.uint8, _stack_shape(*s), elements=st.integers(0, 255))
)


@settings(max_examples=40, deadline=None)
@given(stacks)
def test_an_8bit_image_stack_shows_each_image_as_its_thumbnail(stack: U8) -> None:
    with tempfile.TemporaryDirectory() as folder:
        NumpyMaterializer().write(stack, Location(folder))
        shown = NumpyMaterializer().visualize(Location(folder))
    caption, pixels = _grid(shown)
    assert caption.startswith(f"{stack.shape[0]} image")
    assert isinstance(shown, Html) and "mean" in shown.html  # the statistics stay below the grid
    for tile, image in zip(_tiles(pixels, stack.shape[0]), stack, strict=True):
        assert np.array_equal(tile, _shrunk(image))


def test_an_8bit_array_whose_last_side_is_3_is_one_colour_image_not_a_stack_of_greys(tmp_path: Path) -> None:
    """``1 x 2 x 3`` could be one grey 2x3 image or one 2x1 RGB image: the single-image rule decides."""
    NumpyMaterializer().write(np.zeros((1, 2, 3), dtype=np.uint8), Location(str(tmp_path)))
    shown = NumpyMaterializer().visualize(Location(str(tmp_path)))
    assert isinstance(shown, Png) and shown.alt == "2\u00d71 image (3 channels)"


def test_a_stack_shows_the_first_images_only(tmp_path: Path) -> None:
    stack = np.arange(40, dtype=np.uint8)[:, None, None] * np.ones((1, 8, 8), dtype=np.uint8)
    NumpyMaterializer().write(stack, Location(str(tmp_path)))
    caption, pixels = _grid(NumpyMaterializer().visualize(Location(str(tmp_path))))
    assert caption == f"40 images of 8\u00d78 (uint8), the first {MAX_GRID_IMAGES} shown"
    tiles = _tiles(pixels, MAX_GRID_IMAGES)
    assert [int(t[0, 0, 0]) for t in tiles] == list(range(MAX_GRID_IMAGES))


def test_float_pixels_in_0_1_are_scaled_and_others_stretched_as_the_caption_says(tmp_path: Path) -> None:
    unit = np.linspace(0.0, 1.0, 2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    (tmp_path / "unit").mkdir()
    (tmp_path / "wide").mkdir()
    NumpyMaterializer().write(unit, Location(str(tmp_path / "unit")))
    caption, pixels = _grid(NumpyMaterializer().visualize(Location(str(tmp_path / "unit"))))
    assert "stretched" not in caption
    first, second = _tiles(pixels, 2)
    assert first[0, 0, 0] == 0 and second[-1, -1, 2] == 255
    wide = unit * 20 - 5
    NumpyMaterializer().write(wide, Location(str(tmp_path / "wide")))
    caption, pixels = _grid(NumpyMaterializer().visualize(Location(str(tmp_path / "wide"))))
    assert caption.endswith("pixel values stretched from -5\u201315 to 0\u2013255")
    first, second = _tiles(pixels, 2)
    assert first[0, 0, 0] == 0 and second[-1, -1, 2] == 255


@pytest.mark.parametrize(
    ("shape", "dtype", "stack"),
    [
        ((5, 28, 28), np.uint8, True),
        ((5, 28, 28, 3), np.float32, True),
        ((5, 28, 28, 2), np.uint8, False),  # two channels are no picture
        ((5, 28, 28), np.float64, False),  # a float cube is data, not greys
        ((5, 28, 28, 3), np.int32, False),
        ((0, 28, 28), np.uint8, False),
        ((28, 28), np.uint8, False),  # one image: shown as itself
    ],
)
def test_which_arrays_are_image_stacks(shape: tuple[int, ...], dtype: type, stack: bool) -> None:
    kind = np.dtype(dtype)
    assert is_image_stack(shape, kind.kind, kind.itemsize) is stack


def test_lists_of_images_round_trip_with_the_same_bytes() -> None:
    check_roundtrip(ImageListMaterializer(), st.lists(images(), max_size=4), equal=same_images, max_examples=40)


@settings(max_examples=25, deadline=None)
@given(st.lists(images(), min_size=1, max_size=10))
def test_a_list_of_images_shows_each_one_in_the_grid(pictures: list[Image.Image]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        ImageListMaterializer().write(pictures, Location(folder))
        caption, pixels = _grid(ImageListMaterializer().visualize(Location(folder)))
    assert caption == f"{len(pictures)} image{'s' if len(pictures) > 1 else ''}, all shown"
    columns = min(GRID_COLUMNS, len(pictures))
    assert pixels.shape[1] > columns * max(p.width for p in pictures)


def test_a_list_preview_decodes_only_the_images_it_shows(tmp_path: Path) -> None:
    pictures = [Image.new("L", (6, 6), i) for i in range(MAX_GRID_IMAGES + 3)]
    ImageListMaterializer().write(pictures, Location(str(tmp_path)))
    (tmp_path / f"{MAX_GRID_IMAGES + 1:05d}.png").write_bytes(b"not a png")  # past the cap: never opened
    caption, pixels = _grid(ImageListMaterializer().visualize(Location(str(tmp_path))))
    assert caption == f"{MAX_GRID_IMAGES + 3} images, the first {MAX_GRID_IMAGES} shown"
    assert [int(t[0, 0, 0]) for t in _tiles(pixels, MAX_GRID_IMAGES)] == list(range(MAX_GRID_IMAGES))


def test_a_list_item_that_is_not_an_image_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(
        UnstorableValueError, match=r"at item 1 of the list, it is a ndarray, not a PIL image.*fromarray"
    ):
        ImageListMaterializer().write([Image.new("L", (2, 2)), np.zeros((2, 2))], Location(str(tmp_path)))  # type: ignore[list-item]  # the mistake this test pins
    with pytest.raises(UnstorableValueError, match=r"at item 0 of the list, the image has mode CMYK.*convert\('RGB'\)"):
        ImageListMaterializer().write([Image.new("CMYK", (2, 2))], Location(str(tmp_path)))


def test_image_lists_are_read_back_through_the_registry_and_described(tmp_path: Path) -> None:
    pictures = [Image.new("RGB", (3, 2), (9, 8, 7)), Image.new("L", (3, 2), 5)]
    ImageListMaterializer().write(pictures, Location(str(tmp_path)))
    back = default_registry().read(Location(str(tmp_path)), format="png-list")
    assert same_images(back, pictures)
    assert ImageListMaterializer().metadata(pictures) == {"count": 2, "modes": ["L", "RGB"], "width": 3, "height": 2}
    assert MARKUP not in ImageListMaterializer().visualize(Location(str(tmp_path))).html  # type: ignore[union-attr]  # an Html, checked in _grid elsewhere
