"""What a materializer shows of an artifact: HTML, SVG or PNG (``Materializer.visualize``).

A visualization is one of three frozen values. ``Html`` and ``Svg`` are markup the materializer built itself and
is responsible for: every value taken from the artifact must be escaped (``html.escape``), and it holds no
scripts. ``Png`` is image bytes. A visualization reads only what it shows (a few rows, a memory-mapped array)
and never runs code stored in the artifact.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["PREVIEW_MAX_BYTES", "Html", "Png", "Svg", "Visualization"]

PREVIEW_MAX_BYTES: Final = 64 * 1024 * 1024
"""How much of an artifact a visualization reads at most; past it, statistics come from an even sample."""


@attrs.frozen
class Html:
    """An HTML fragment (no ``<script>``; values escaped)."""

    html: str


@attrs.frozen
class Svg:
    """An ``<svg>`` element (no ``<script>``; labels escaped)."""

    svg: str


@attrs.frozen
class Png:
    """A PNG image and its text alternative."""

    data: bytes
    alt: str = ""


Visualization = Html | Svg | Png
"""What ``Materializer.visualize`` returns (or ``None`` when it shows nothing beyond the metadata)."""
