"""Text users chose, made safe to print: control characters written as escapes.

A step, output or run name reaches the terminal in tables, progress lines and messages; escaped first, it cannot
send terminal escape sequences or break a table's rows, and the only escape sequences zen prints are its own.
Kept apart from ``_output`` (which needs click) so the progress display of a run does not import click.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["escape_controls", "escape_controls_in_lines"]

# Control characters, and lone surrogates (a byte that was not UTF-8 in an argument), which no stream can encode.
_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def escape_controls(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x1b``, ``\\n``): names users chose cannot send
    terminal escape sequences or break a table's rows. A lone surrogate is written ``\\udce9``."""
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_CONTROLS_BUT_LINES: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def escape_controls_in_lines(text: str) -> str:
    """Text of several lines (a traceback quoting a user's exception message) with every control character but
    line breaks and tabs escaped: it keeps its shape and still cannot restyle the terminal."""
    return _CONTROLS_BUT_LINES.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
