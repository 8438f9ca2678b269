"""zen's image materializer: ``PIL.Image.Image`` values as PNG (mode and size kept, metadata dropped).

Importing this module imports Pillow; ``import zen_materialize`` does not.
"""

from __future__ import annotations

from zen_materialize._images import PNG_MODES, ImageMaterializer

__all__ = ["ImageMaterializer", "PNG_MODES"]
