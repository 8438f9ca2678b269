"""How the ``zen`` command prints: aligned tables in a terminal, tab-separated text when piped, JSON on request.

Colour (statuses in tables, table headers, the ``zen:`` of an error) goes only to a terminal: click strips it
from a pipe or a file, and ``zen`` turns it off when ``NO_COLOR`` is set. Text users chose is escaped before any
colour is added, so the only escape sequences printed are zen's own.
"""

from __future__ import annotations

import json
import sys
import typing
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Final, TextIO

import click

from zen_run._escape import escape_controls

if typing.TYPE_CHECKING:
    from zen_types import JSONValue

__all__ = ["Printer", "say", "to_json"]

# The colour of each run and step status in a terminal; anything else stays plain.
_STATUS_COLOURS: Final = {
    "completed": "green",
    "cached": "cyan",
    "running": "yellow",
    "failed": "red",
    "crashed": "red",
    "stopped": "magenta",
}


def say(message: object) -> None:
    """One line on stderr, ``zen: <message>``, with control characters from user-provided names escaped."""
    click.echo(f"{click.style('zen:', fg='red', bold=True)} {escape_controls(str(message))}", err=True)


def to_json(value: object) -> JSONValue:
    """Turn records (attrs classes, datetimes, enums, paths, containers) into JSON data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_json(value.value)
    if isinstance(value, Path):
        return str(value)
    import attrs

    if attrs.has(type(value)):
        fields = attrs.fields(typing.cast("type[attrs.AttrsInstance]", type(value)))
        return {f.name: to_json(getattr(value, f.name)) for f in fields if f.repr is not False}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    return repr(value)


class Printer:
    """Writes command output in the form the caller asked for."""

    def __init__(self, *, json_output: bool, stream: TextIO | None = None) -> None:
        self.json = json_output
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()

    def emit_json(self, value: object) -> None:
        """Print ``value`` as JSON."""
        click.echo(json.dumps(to_json(value), indent=2, sort_keys=True), file=self.stream, color=False)

    def line(self, text: str = "") -> None:
        """Print a line of text (control characters escaped)."""
        click.echo(escape_controls(text), file=self.stream)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Aligned columns in a terminal, statuses in colour; tab-separated values (no header) when piped. A cell
        with no value is ``-`` in both."""
        cells = [[_cell(v, tty=self.tty) for v in row] for row in rows]
        if not self.tty:
            for row in cells:
                click.echo("\t".join(row), file=self.stream)
            return
        widths = [len(h) for h in headers]
        for row in cells:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
        title = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
        click.echo(click.style(title, bold=True), file=self.stream)
        for row in cells:
            padded = [_coloured(h, c.ljust(w), c) for h, c, w in zip(headers, row, widths, strict=True)]
            click.echo("  ".join(padded).rstrip(), file=self.stream)


def _coloured(header: str, padded: str, value: str) -> str:
    colour = _STATUS_COLOURS.get(value) if header == "status" else None
    return padded if colour is None else padded.replace(value, click.style(value, fg=colour), 1)


def _cell(value: object, *, tty: bool) -> str:
    """A table cell's text. No value (None, an empty string) is ``-``, so no field of a piped row is blank; a time
    is ISO 8601 with its offset when piped (``2026-12-04T23:39:16+00:00``), one word a program parses as it is."""
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if tty else value.isoformat(timespec="seconds")
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape_controls(str(value))
