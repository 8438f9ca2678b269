"""A batch of images shown as one grid of thumbnails: the preview of an image-stack array and of a list of images.

An array is an image stack when it is ``(N, H, W, C)`` with ``C`` in 1, 3 or 4 (8-bit or floating point), or
``(N, H, W)`` of 8-bit values; a single image (``H x W`` or ``H x W x C``) is shown as itself elsewhere. At most
``MAX_GRID_IMAGES`` images are shown, each shrunk by striding to at most ``THUMB_SIDE`` pixels a side (tiny
images are enlarged by whole pixels), so a preview of a memory-mapped stack reads only the pixels it shows.
Floating-point pixels in [0, 1] are scaled by 255; others are stretched from their shown minimum to maximum,
and the caption says so. NumPy is imported inside the functions, so this module imports with the core install.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from zen_materialize._png import png_bytes

if TYPE_CHECKING:
    import numpy as np

    Pixels = np.ndarray[tuple[int, int, int], np.dtype[np.uint8]]

__all__ = ["GRID_COLUMNS", "MAX_GRID_IMAGES", "THUMB_SIDE", "grid_html", "grid_png", "is_image_stack", "stack_grid"]

MAX_GRID_IMAGES: Final = 32
"""How many images a grid shows at most (the first ones)."""
THUMB_SIDE: Final = 96
"""The longest side of a thumbnail, in pixels."""
GRID_COLUMNS: Final = 8
_MIN_SIDE: Final = 56  # thumbnails smaller than this are enlarged by whole pixels, so 28x28 digits stay visible
_GAP: Final = 3
_BACKGROUND: Final = (233, 236, 239, 255)


def is_image_stack(shape: Sequence[int], kind: str, itemsize: int) -> bool:
    """Whether an array of this shape and dtype (``dtype.kind``, ``dtype.itemsize``) is a batch of images."""
    eight_bit = kind == "u" and itemsize == 1
    if len(shape) == 4:
        n, h, w, c = shape
        return n > 0 and h * w >= 4 and c in (1, 3, 4) and (eight_bit or kind == "f")
    if len(shape) == 3:
        n, h, w = shape
        return eight_bit and n > 0 and h * w >= 4
    return False


def _stride(height: int, width: int) -> int:
    return max(1, math.ceil(max(height, width) / THUMB_SIDE))


def _rgba(pixels: np.ndarray[tuple[int, ...], np.dtype[np.uint8]]) -> Pixels:
    """H x W (grey), H x W x 1, 3 or 4 as H x W x 4."""
    import numpy as np

    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    channels = pixels.shape[2]
    if channels == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    if channels in (1, 3):
        alpha = np.full((*pixels.shape[:2], 1), 255, dtype=np.uint8)
        pixels = np.concatenate([pixels, alpha], axis=2)
    return np.ascontiguousarray(pixels, dtype=np.uint8)


def grid_png(thumbnails: Sequence[np.ndarray[tuple[int, ...], np.dtype[np.uint8]]]) -> bytes:
    """One RGBA PNG of the thumbnails (each H x W, or H x W x 1/3/4, 8-bit) in rows of ``GRID_COLUMNS``."""
    import numpy as np

    tiles = [_rgba(t) for t in thumbnails]
    scale = max(1, _MIN_SIDE // max(max(t.shape[0], t.shape[1]) for t in tiles))
    if scale > 1:
        tiles = [np.repeat(np.repeat(t, scale, axis=0), scale, axis=1) for t in tiles]
    cell_h, cell_w = max(t.shape[0] for t in tiles), max(t.shape[1] for t in tiles)
    columns = min(GRID_COLUMNS, len(tiles))
    rows = math.ceil(len(tiles) / columns)
    height, width = rows * cell_h + (rows + 1) * _GAP, columns * cell_w + (columns + 1) * _GAP
    canvas = np.empty((height, width, 4), dtype=np.uint8)
    canvas[:] = _BACKGROUND
    for index, tile in enumerate(tiles):
        top = _GAP + (index // columns) * (cell_h + _GAP) + (cell_h - tile.shape[0]) // 2
        left = _GAP + (index % columns) * (cell_w + _GAP) + (cell_w - tile.shape[1]) // 2
        canvas[top : top + tile.shape[0], left : left + tile.shape[1]] = tile
    return png_bytes([canvas[i].tobytes() for i in range(height)], width=width, height=height, channels=4)


def stack_grid(array: object) -> tuple[bytes, str]:
    """The grid PNG of an image-stack array (see :func:`is_image_stack`) and how its pixels were scaled."""
    import numpy as np

    assert isinstance(array, np.ndarray)
    shown = min(int(array.shape[0]), MAX_GRID_IMAGES)
    step = _stride(int(array.shape[1]), int(array.shape[2]))
    sample = np.asarray(array[:shown, ::step, ::step])
    scaling = ""
    if sample.dtype.kind == "f":
        values = sample.astype("float64")
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if low >= 0.0 and high <= 1.0:
            low, high = 0.0, 1.0
        else:
            scaling = f"pixel values stretched from {low:.4g}\u2013{high:.4g} to 0\u2013255"
        span = high - low if high > low else 1.0
        scaled = np.clip((np.nan_to_num(values, nan=low) - low) / span * 255.0, 0, 255)
        sample = np.round(scaled).astype(np.uint8)
    return grid_png([sample[i] for i in range(shown)]), scaling


def grid_html(png: bytes, *, caption: str) -> str:
    """The grid as an ``<img>`` (a ``data:`` URI) under an escaped caption."""
    data = base64.b64encode(png).decode("ascii")
    text = html.escape(caption)
    return f'<p class="caption">{text}</p><img class="preview-grid" alt="{text}" src="data:image/png;base64,{data}">'
