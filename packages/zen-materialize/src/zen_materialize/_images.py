"""PIL images as PNG: pixels, mode and size kept; metadata dropped on purpose.

An image artifact is ``image.png``. The modes PNG stores exactly are accepted: ``1``, ``L``, ``LA``, ``P``
(with its RGB palette), ``RGB``, ``RGBA`` and ``I;16``; any other mode is refused when writing, with the mode to
convert to named. Everything in ``image.info`` and EXIF (text chunks, ICC profile, DPI, gamma, timestamps,
a palette image's transparency entry) is deliberately not written: it would make equal pixels hash
differently (a timestamp changes every save) and can carry personal data (camera, GPS). Store what you need
of it as a separate output. PIL writes PNG deterministically, so the same pixels give the same bytes in every
process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Final

from PIL import Image, UnidentifiedImageError

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._previews import png_file_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError, UnsupportedValueError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["PNG_MODES", "ImageMaterializer", "register"]

_FILE: Final = "image.png"

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


def _check_palette(value: Image.Image) -> None:
    palette = value.getpalette() or []
    colors = len(palette) // 3
    low_high: object = value.getextrema()
    highest = low_high[1] if isinstance(low_high, tuple) and isinstance(low_high[1], int) else 0
    if colors == 0 or highest >= colors:
        raise UnsupportedValueError(
            f"the palette image indexes colour {highest} but its palette has {colors} colours, which PNG cannot "
            f"store; give it a full palette with image.putpalette(...) or convert it to RGB."
        )


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
        if value.mode not in PNG_MODES:
            hint = _CONVERT_TO.get(value.mode, "RGB or RGBA")
            raise UnsupportedValueError(
                f"the image has mode {value.mode}, which PNG cannot store exactly; convert it with "
                f"image.convert({hint.split()[0]!r}) first ({hint}). Stored modes: {', '.join(PNG_MODES)}."
            )
        if value.mode == "P":
            _check_palette(value)
        clean = Image.frombytes(value.mode, value.size, value.tobytes())
        if value.mode == "P":
            clean.putpalette(value.getpalette() or [])
        clean.save(self.path(artifact, _FILE), format="PNG")

    def read(self, artifact: ArtifactLocation) -> Image.Image:
        """Decode the PNG fully (the file is closed before returning)."""
        path = self.path(artifact, _FILE)
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

    def metadata(self, value: Image.Image) -> dict[str, JSONValue]:
        """Mode, width and height."""
        return {"mode": value.mode, "width": value.width, "height": value.height}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The stored PNG itself (decoded by the browser; nothing is loaded here)."""
        return png_file_preview(self.path(artifact, _FILE))


def register(registry: MaterializerRegistry) -> None:
    """Register the PIL image materializer."""
    registry.register(ImageMaterializer)
