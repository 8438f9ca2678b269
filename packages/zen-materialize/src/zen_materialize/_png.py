"""PNG files from raw pixels, written with zlib alone (no imaging library): the previews' pictures."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

__all__ = ["png_bytes"]


def png_bytes(rows: Sequence[bytes], *, width: int, height: int, channels: int) -> bytes:
    """A PNG file (8-bit grey, RGB or RGBA) from raw rows of pixels."""
    colour = {1: 0, 3: 2, 4: 6}[channels]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows[:height])
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
