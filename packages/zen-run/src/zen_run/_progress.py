"""Showing a run's progress: a live status line in a terminal, one line per finished step anywhere else.

The driver reports :class:`StepProgress` events (a step running, writing an output, cached, completed, failed,
stopped) to a :class:`Progress`; ``progress_for`` picks the display: :class:`LiveProgress` when the stream is a
terminal - a status line redrawn ten times a second with each running step, its elapsed time and what it is
doing (``running``, ``writing 12.3 MB``), finished steps printed above it and the steps' own output passed
through above it too - and :class:`LineProgress` otherwise (scripts, notebooks, CI logs): one line per step when
it ends. Both write to stderr by default, so a command's ``--json`` output on stdout stays clean.
"""

from __future__ import annotations

import contextlib
import enum
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, Protocol, TextIO

import attrs

from zen_run import _logs
from zen_run._escape import escape_controls

__all__ = ["LineProgress", "LiveProgress", "Progress", "StepProgress", "StepState", "progress_for"]

TICK_S: Final = 0.1
_SPINNER: Final = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_CLEAR: Final = "\r\x1b[2K"
_STATE_COLOURS: Final = {"completed": "32", "cached": "36", "failed": "31", "stopped": "33"}


class StepState(enum.Enum):
    """What a step is doing, or how it ended."""

    RUNNING = "running"
    WRITING = "writing"
    CACHED = "cached"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"

    @property
    def finished(self) -> bool:
        """True when the step ended (no further event for it)."""
        return self not in (StepState.RUNNING, StepState.WRITING)


@attrs.frozen(kw_only=True)
class StepProgress:
    """One step's progress: which of how many, what it is doing, for how long."""

    step_name: str
    index: int
    total: int
    state: StepState
    elapsed_s: float = 0.0
    written_bytes: int = 0
    """For a completed step: the size of the outputs it wrote."""
    staging: Path | None = None
    """For a step writing an output: the folder it is written into (the display measures it)."""
    output_name: str | None = None
    """For a step writing an output: which."""


class Progress(Protocol):
    """Receives a run's progress (from the thread running the driver)."""

    def step(self, event: StepProgress) -> None:
        """A step started, moved on (writing an output) or ended."""
        ...

    def run_finished(self, run_id: str, status: str, elapsed_s: float) -> None:
        """The run ended with ``status``; nothing follows."""
        ...


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover - the loop always returns


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def _folder_size(path: Path) -> int:
    """Bytes under ``path`` so far (files appear and grow while a materializer writes)."""
    total = 0
    with contextlib.suppress(OSError):  # the folder was committed (renamed) or discarded meanwhile
        for file in path.rglob("*"):
            with contextlib.suppress(OSError):
                total += file.lstat().st_size if not file.is_dir() else 0
    return total


def summary(event: StepProgress) -> str:
    """The line a finished step gets: ``[2/5] train: completed in 4.5 s, wrote 210.0 MB``."""
    head = f"[{event.index}/{event.total}] {escape_controls(event.step_name)}: {event.state.value}"
    if event.state is StepState.CACHED:
        return head
    wrote = f", wrote {_size(event.written_bytes)}" if event.written_bytes else ""
    word = "in" if event.state is StepState.COMPLETED else "after"
    return f"{head} {word} {_duration(event.elapsed_s)}{wrote}"


class LineProgress:
    """One line per finished step, and one for the run, handed to ``write`` (by default printed to stderr)."""

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self.write = write or _print_stderr

    def step(self, event: StepProgress) -> None:
        """Print a finished step's line."""
        if event.state.finished:
            self.write(summary(event))

    def run_finished(self, run_id: str, status: str, elapsed_s: float) -> None:
        """Print the run's line."""
        self.write(f"run {run_id} {status} in {_duration(elapsed_s)}")


def _print_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@attrs.define
class _Running:
    event: StepProgress
    since: float
    size: int = 0
    measured_at: float = 0.0


class LiveProgress:
    """A status line on a terminal, redrawn by a background thread; finished steps and the steps' own output are
    printed above it. Used as a context manager (the thread runs, and step output passes through it, inside)."""

    def __init__(self, stream: TextIO, *, colour: bool = True) -> None:
        self.stream = stream
        self.colour = colour
        self._lock = threading.RLock()
        self._running: dict[str, _Running] = {}
        self._shown = False
        self._at_line_start = True
        self._frame = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()

    def __enter__(self) -> LiveProgress:
        self._thread = threading.Thread(target=self._tick, name="zen-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._hide()

    @contextlib.contextmanager
    def passing_output(self) -> Iterator[None]:
        """While the block runs, step output is printed above the status line instead of through it."""
        with _logs.echo_through(self._echo):
            yield

    # -- Progress ----------------------------------------------------------------------------------------------

    def step(self, event: StepProgress) -> None:
        """Show a step's new state: in the status line while it runs, as a line above it when it ends."""
        with self._lock:
            if event.state.finished:
                self._running.pop(event.step_name, None)
                self._hide()
                self.stream.write(self._paint(summary(event), event.state.value) + "\n")
                self.stream.flush()
            else:
                found = self._running.get(event.step_name)
                since = found.since if found is not None else time.monotonic() - event.elapsed_s
                self._running[event.step_name] = _Running(event, since)
            self._draw()

    def run_finished(self, run_id: str, status: str, elapsed_s: float) -> None:
        """Clear the status line and print the run's line."""
        with self._lock:
            self._running.clear()
            self._hide()
            self.stream.write(self._paint(f"run {run_id} {status} in {_duration(elapsed_s)}", status) + "\n")
            self.stream.flush()

    # -- drawing -----------------------------------------------------------------------------------------------

    def _paint(self, text: str, state: str) -> str:
        code = _STATE_COLOURS.get(state)
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text

    def _status(self) -> str:
        now = time.monotonic()
        parts = []
        for running in self._running.values():
            event = running.event
            doing = event.state.value
            if event.state is StepState.WRITING:
                if event.staging is not None and now - running.measured_at >= 0.5:
                    running.size, running.measured_at = _folder_size(event.staging), now
                doing = f"writing {escape_controls(event.output_name or 'output')} {_size(running.size)}"
            parts.append(
                f"[{event.index}/{event.total}] {escape_controls(event.step_name)} {doing} "
                f"{_duration(now - running.since)}"
            )
        spinner = _SPINNER[self._frame % len(_SPINNER)]
        width = shutil.get_terminal_size().columns
        line = f"{spinner} " + " · ".join(parts)
        return line if len(line) < width else line[: max(width - 2, 1)] + "…"

    def _draw(self) -> None:
        if not self._running or not self._at_line_start:
            return
        self.stream.write(_CLEAR + self._status())
        self.stream.flush()
        self._shown = True

    def _hide(self) -> None:
        if self._shown:
            self.stream.write(_CLEAR)
            self.stream.flush()
            self._shown = False

    def _tick(self) -> None:
        while not self._stop.wait(TICK_S):
            with self._lock:
                self._frame += 1
                self._draw()

    def _echo(self, target: TextIO, text: str) -> None:
        """A step's output: clear the status line, print it, and draw the status again once the output is back
        at the start of a line (a step drawing its own progress bar with ``\\r`` keeps the line until then)."""
        with self._lock:
            self._hide()
            target.write(text)
            target.flush()
            if text:
                self._at_line_start = text.endswith("\n")
            self._draw()


def progress_for(stream: TextIO | None = None) -> LineProgress | LiveProgress:
    """The display for ``stream`` (stderr by default): live on a terminal (``TERM`` not ``dumb``), lines
    elsewhere. Colour unless ``NO_COLOR`` is set."""
    stream = stream or sys.stderr
    tty = stream.isatty() and os.environ.get("TERM", "") != "dumb"
    if not tty:
        return LineProgress(lambda line: print(line, file=stream, flush=True))
    return LiveProgress(stream, colour="NO_COLOR" not in os.environ)
