"""zen's image materializers: ``PIL.Image.Image`` values as PNG (mode and size kept, metadata dropped), and lists
of them (``ImageListMaterializer``, chosen with ``step(materializers=...)``), previewed as a grid.

Importing this module imports Pillow; ``import zen_materialize`` does not.
"""

from __future__ import annotations

from zen_materialize._images import PNG_MODES, ImageListMaterializer, ImageMaterializer

__all__ = ["ImageListMaterializer", "ImageMaterializer", "PNG_MODES"]
