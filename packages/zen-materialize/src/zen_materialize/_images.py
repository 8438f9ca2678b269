"""PIL images as PNG: pixels, mode and size kept; metadata dropped on purpose. A list of images, chosen
explicitly, as one PNG each.

An image artifact is ``image.png``. The modes PNG stores exactly are accepted: ``1``, ``L``, ``LA``, ``P``
(with its RGB palette), ``RGB``, ``RGBA`` and ``I;16``; any other mode is refused when writing, with the mode to
convert to named. Everything in ``image.info`` and EXIF (text chunks, ICC profile, DPI, gamma, timestamps,
a palette image's transparency entry) is deliberately not written: it would make equal pixels hash
differently (a timestamp changes every save) and can carry personal data (camera, GPS). Store what you need
of it as a separate output. PIL writes PNG deterministically, so the same pixels give the same bytes in every
process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

from PIL import Image, UnidentifiedImageError

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._image_grid import MAX_GRID_IMAGES, THUMB_SIDE, grid_html, grid_png
from zen_materialize._previews import png_file_preview
from zen_materialize._visualization import Html, Visualization
from zen_materialize.errors import CorruptArtifactError, UnstorableValueError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["PNG_MODES", "ImageListMaterializer", "ImageMaterializer", "register"]

_FILE: Final = "image.png"
_LIST_ITEM: Final = "{:05d}.png"
_LIST_INDEX: Final = "images.json"

PNG_MODES: Final = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16")
"""The PIL image modes stored exactly as PNG."""

_CONVERT_TO: Final = {
    "I": "I;16 (if the values fit in 16 bits)",
    "F": "I;16 or L after scaling, or store the pixels as a NumPy array",
    "CMYK": "RGB",
    "YCbCr": "RGB",
    "HSV": "RGB",
    "LAB": "RGB",
    "PA": "RGBA",
    "La": "LA",
    "RGBa": "RGBA",
    "RGBX": "RGB",
}

_IMAGE: Final = "PIL.Image.Image"


def _check_palette(value: Image.Image, where: str, value_type: str) -> None:
    palette = value.getpalette() or []
    colors = len(palette) // 3
    low_high: object = value.getextrema()
    highest = low_high[1] if isinstance(low_high, tuple) and isinstance(low_high[1], int) else 0
    if colors == 0 or highest >= colors:
        raise UnstorableValueError(
            value_type=value_type,
            where=where,
            problem=f"the palette image indexes colour {highest} but its palette has {colors} colours, which PNG "
            f"cannot store",
            fix="Give it a full palette with image.putpalette(...) or convert it to RGB.",
        )


def _save_png(value: Image.Image, path: Path, where: str, value_type: str) -> None:
    """Save the pixels (and a palette image's palette) as PNG, without ``info`` or EXIF; an image PNG cannot hold
    exactly is refused naming ``where`` it is in the stored value of type ``value_type``."""
    if value.mode not in PNG_MODES:
        hint = _CONVERT_TO.get(value.mode, "RGB or RGBA")
        raise UnstorableValueError(
            value_type=value_type,
            where=where,
            problem=f"the image has mode {value.mode}, which PNG cannot store exactly",
            fix=f"Convert it with image.convert({hint.split()[0]!r}) first ({hint}). Stored modes: "
            f"{', '.join(PNG_MODES)}.",
        )
    if value.mode == "P":
        _check_palette(value, where, value_type)
    clean = Image.frombytes(value.mode, value.size, value.tobytes())
    if value.mode == "P":
        clean.putpalette(value.getpalette() or [])
    clean.save(path, format="PNG")


def _load_png(path: Path) -> Image.Image:
    """Decode a stored PNG fully (the file is closed before returning)."""
    try:
        with Image.open(path, formats=["PNG"]) as image:
            image.load()
            loaded: Image.Image = image.copy()
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptArtifactError(f"{path} is not a valid PNG file (truncated or corrupt): {exc}") from exc
    loaded.info.clear()
    return loaded


class ImageMaterializer(Materializer[Image.Image]):
    """``PIL.Image.Image`` as ``image.png`` (mode and size kept, metadata dropped)."""

    TYPES: ClassVar[tuple[type, ...]] = (Image.Image,)
    FORMAT: ClassVar[str] = "png"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "PIL image (PNG; mode and size kept, metadata dropped)"

    def write(self, value: Image.Image, artifact: ArtifactLocation) -> None:
        """Save the pixels (and a palette image's palette) as PNG, without ``info`` or EXIF."""
        if not isinstance(value, Image.Image):
            raise TypeError(f"ImageMaterializer writes PIL images, not {type(value).__name__}")
        _save_png(value, self.path(artifact, _FILE), "value", _IMAGE)

    def read(self, artifact: ArtifactLocation) -> Image.Image:
        """Decode the PNG fully (the file is closed before returning)."""
        return _load_png(self.path(artifact, _FILE))

    def metadata(self, value: Image.Image) -> dict[str, JSONValue]:
        """Mode, width and height."""
        return {"mode": value.mode, "width": value.width, "height": value.height}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The stored PNG itself (decoded by the browser; nothing is loaded here)."""
        return png_file_preview(self.path(artifact, _FILE))


class ImageListMaterializer(Materializer[list[Image.Image]]):
    """A list of PIL images as ``00000.png``, ``00001.png``... and ``images.json`` (their count), each image as
    :class:`ImageMaterializer` stores it. Chosen explicitly, ``step(materializers={"output":
    ImageListMaterializer})``: other lists are zen-json's. Previewed as a grid of thumbnails."""

    TYPES: ClassVar[tuple[type, ...]] = (list,)
    FORMAT: ClassVar[str] = "png-list"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "list of PIL images (one PNG each; modes and sizes kept, metadata dropped)"

    def write(self, value: list[Image.Image], artifact: ArtifactLocation) -> None:
        """Save each image as PNG (refusing a non-image item or an unstorable mode, naming its index)."""
        if type(value) is not list:
            raise TypeError(f"ImageListMaterializer writes lists of PIL images, not {type(value).__name__}")
        for index, image in enumerate(value):
            if not isinstance(image, Image.Image):
                raise UnstorableValueError(
                    value_type="list",
                    where=f"item {index} of the list",
                    problem=f"it is a {type(image).__name__}, not a PIL image",
                    fix="Store a list of images only (convert arrays with PIL.Image.fromarray), or choose another "
                    "materializer.",
                )
        for index, image in enumerate(value):
            _save_png(image, self.path(artifact, _LIST_ITEM.format(index)), f"item {index} of the list", "list")
        self.path(artifact, _LIST_INDEX).write_text(json.dumps({"count": len(value)}), encoding="utf-8")

    def read(self, artifact: ArtifactLocation) -> list[Image.Image]:
        """Decode every image, in order."""
        return [_load_png(self.path(artifact, _LIST_ITEM.format(i))) for i in range(_count(artifact))]

    def metadata(self, value: list[Image.Image]) -> dict[str, JSONValue]:
        """How many images, their modes and (when they share one) their size."""
        sizes = {image.size for image in value}
        modes: list[JSONValue] = [str(mode) for mode in sorted({image.mode for image in value})]
        facts: dict[str, JSONValue] = {"count": len(value), "modes": modes}
        if len(sizes) == 1:
            width, height = sizes.pop()
            facts.update(width=width, height=height)
        return facts

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The first images as a grid of thumbnails (only those files are decoded)."""
        import numpy as np

        count = _count(artifact)
        if count == 0:
            return Html('<p class="caption">An empty list of images.</p>')
        thumbnails = []
        for index in range(min(count, MAX_GRID_IMAGES)):
            image = _load_png(self.path(artifact, _LIST_ITEM.format(index)))
            image.thumbnail((THUMB_SIDE, THUMB_SIDE), resample=Image.Resampling.NEAREST)
            thumbnails.append(np.asarray(image.convert("RGBA"), dtype=np.uint8))
        shown = f"the first {MAX_GRID_IMAGES} shown" if count > MAX_GRID_IMAGES else "all shown"
        caption = f"{count} image{'s' if count != 1 else ''}, {shown}"
        return Html(grid_html(grid_png(thumbnails), caption=caption))


def _count(artifact: ArtifactLocation) -> int:
    path = Materializer.path(artifact, _LIST_INDEX)
    try:
        index: object = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (OSError, ValueError) as exc:
        raise CorruptArtifactError(f"{path} is not valid JSON (truncated or corrupt): {exc}") from exc
    count = index.get("count") if isinstance(index, dict) else None
    if not isinstance(count, int) or count < 0:
        raise CorruptArtifactError(f"{path} does not hold the number of images.")
    return count


def register(registry: MaterializerRegistry) -> None:
    """Register the PIL image materializer (the writer of images) and the image list (chosen explicitly)."""
    registry.register(ImageMaterializer)
    registry.register(ImageListMaterializer, writer=False)
