"""Capturing what a step prints - stdout, stderr and ``logging`` records - while still showing it as it comes.

While a step runs, ``sys.stdout`` and ``sys.stderr`` are tees that pass every write on to the stream they replaced
(the terminal, a notebook, a Dask worker's log) and copy it into the :class:`LogCapture` of the step the writing
thread belongs to; a handler on the root logger copies each ``logging`` record that reaches it (at the levels the
program's loggers let through) the same way. The invariants:

- Nothing leaks between steps: a write belongs to the capture of the thread running the step, or of a thread
  that step started (one not alive when it began) when no other step in the process began before that thread
  either - otherwise, when two steps run at once in one process, it is shown but kept by neither.
- Nothing is lost from the terminal: every write is echoed, and a record that only our handler would have
  handled goes to ``logging.lastResort`` as it would have without us.
- The streams and the root logger are restored when the last capture in the process ends, however the step
  ended (a raised exception, Ctrl-C); a stream the step replaced itself and did not restore is left alone.
- A capture keeps the last ``LOG_LIMIT`` characters and counts the ones it dropped, so a step printing gigabytes
  costs bounded memory.

Not captured (still shown): output written to the file descriptors directly - subprocesses, C libraries - and
records of handlers that write to a stream they opened themselves and never reach the root logger.
"""

from __future__ import annotations

import collections
import contextlib
import io
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Final, TextIO

import attrs

from zen_store import LOG_LIMIT, StepLogs
from zen_types import ZenError

__all__ = ["LogCapture", "capturing", "echo_through"]

LIVE_EVERY_S: Final = 1.0
"""How often a running step's logs so far are handed to its live sink (when it printed something new)."""
_RECORD_FORMAT: Final = logging.Formatter(logging.BASIC_FORMAT)
_LOGGING_FILE: Final = logging.__file__


class LogCapture:
    """What one step run printed, kept as it is written (the last ``limit`` characters).

    ``live`` (optional) receives the logs so far about every ``LIVE_EVERY_S`` seconds while something new was
    printed and live sending is on (:meth:`start_live` to :meth:`stop_live`: while the step's own code runs), from
    a background thread started at the first write; :meth:`stop_live` returns once no send is in flight, so the
    caller may use the same store connection afterwards. A failed send is ignored: the final logs are recorded
    with the step anyway. :meth:`close` stops the thread.
    """

    def __init__(self, *, limit: int = LOG_LIMIT, live: Callable[[StepLogs], None] | None = None) -> None:
        self.limit = limit
        self.live = live
        self._chunks: collections.deque[str] = collections.deque()
        self._size = 0
        self._cut = 0
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._live_on = False
        self._dirty = False
        self._closed = False
        self._wake: threading.Event | None = None  # made with the sending thread: most steps never need one
        self._sender: threading.Thread | None = None

    def write(self, text: str) -> None:
        """Keep ``text`` (dropping the oldest characters beyond the limit)."""
        if not text:
            return
        with self._lock:
            self._chunks.append(text)
            self._size += len(text)
            while self._size - len(self._chunks[0]) >= self.limit:
                dropped = self._chunks.popleft()
                self._size -= len(dropped)
                self._cut += len(dropped)
            self._dirty = True
            if self.live is not None and self._sender is None and not self._closed:
                self._wake = threading.Event()
                self._sender = threading.Thread(target=self._send_loop, args=(self._wake,), daemon=True)
                self._sender.start()

    def logs(self) -> StepLogs:
        """Everything kept so far, with the count of characters dropped before it."""
        with self._lock:
            text = "".join(self._chunks)
            cut = self._cut
        if len(text) > self.limit:
            cut += len(text) - self.limit
            text = text[-self.limit :]
        return StepLogs(text=text, cut=cut)

    def start_live(self) -> None:
        """Send the logs so far to ``live`` from now on."""
        self._live_on = True

    def stop_live(self) -> None:
        """Stop sending; returns once no send is in flight."""
        with self._send_lock:
            self._live_on = False

    def close(self) -> None:
        """Stop the sending thread (waiting for a send in flight)."""
        with self._lock:
            self._closed = True
            if self._wake is not None:
                self._wake.set()
        self.stop_live()
        sender = self._sender
        if sender is not None and sender is not threading.current_thread():
            sender.join()

    def _send_loop(self, wake: threading.Event) -> None:
        assert self.live is not None
        while not wake.wait(LIVE_EVERY_S):
            with self._send_lock:
                if not self._live_on or not self._dirty:
                    continue
                self._dirty = False
                with contextlib.suppress(ZenError, OSError):
                    self.live(self.logs())


@attrs.frozen
class _Entry:
    capture: LogCapture
    owner: int
    """The thread running the step."""
    before: frozenset[int]
    """Threads alive when the step began: never the step's own."""


Echo = Callable[[TextIO, str], None]


def _plain_echo(stream: TextIO, text: str) -> None:
    stream.write(text)


class _Router:
    """The process's active captures, and the tees and handler installed while there is at least one."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.entries: list[_Entry] = []
        self.tees: list[_Tee] = []
        self._made: dict[int, _Tee] = {}
        """The last tee made for stdout (1) and stderr (2), reused while it wraps the stream to wrap (until a step
        closes it): making a tee costs more than the rest of a step's capture."""
        self.handler = _RecordHandler(self)
        self.echo: Echo = _plain_echo

    def captures(self) -> list[LogCapture]:
        """The captures a write from the current thread belongs to (innermost last)."""
        ident = threading.get_ident()
        entries = self.entries  # replaced, never mutated, so reading it needs no lock
        own = [e.capture for e in entries if e.owner == ident]
        if own:
            return own
        started_during = [e for e in entries if ident not in e.before]
        if started_during and all(e.owner == started_during[0].owner for e in started_during):
            return [e.capture for e in started_during]
        return []

    def enter(self, capture: LogCapture) -> _Entry:
        entry = _Entry(
            capture,
            threading.get_ident(),
            frozenset(t.ident for t in threading.enumerate() if t.ident is not None),
        )
        with self.lock:
            if not self.entries:
                self._install()
            self.entries = [*self.entries, entry]
        return entry

    def leave(self, entry: _Entry) -> None:
        with self.lock:
            self.entries = [e for e in self.entries if e is not entry]
            if not self.entries:
                self._uninstall()

    def _install(self) -> None:
        out, err = self._tee(sys.stdout, 1), self._tee(sys.stderr, 2)
        self.tees = [out, err]
        sys.stdout = out
        sys.stderr = err
        logging.getLogger().addHandler(self.handler)

    def _tee(self, target: TextIO, slot: int) -> _Tee:
        made = self._made.get(slot)
        if made is None or made.target is not target:
            made = self._made[slot] = _Tee(target, self)
        return made

    def forget(self, tee: _Tee) -> None:
        """Make no more use of ``tee`` (a step closed it)."""
        self._made = {slot: made for slot, made in self._made.items() if made is not tee}

    def _uninstall(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        out, err = self.tees
        if sys.stdout is out:
            sys.stdout = out.target
        if sys.stderr is err:
            sys.stderr = err.target
        self.tees = []


class _Tee(io.TextIOBase):
    """A text stream that writes through to ``target`` and copies each write into the writer's captures."""

    def __init__(self, target: TextIO, router: _Router) -> None:
        super().__init__()
        self.target = target
        self.router = router

    def write(self, text: str) -> int:
        self.router.echo(self.target, text)
        # A logging handler writing a record to this stream: the record itself was captured by the handler.
        if sys._getframe(1).f_code.co_filename != _LOGGING_FILE:
            for capture in self.router.captures():
                capture.write(text)
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def close(self) -> None:
        self.router.forget(self)
        super().close()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase declares it a plain attribute
        return self.target.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]  # as above
        return self.target.errors

    def __getattr__(self, name: str) -> object:  # buffer, mode, name, reconfigure, ...: the target's
        return getattr(self.target, name)


class _RecordHandler(logging.Handler):
    """Copies each record that reaches the root logger into the emitting thread's captures."""

    def __init__(self, router: _Router) -> None:
        super().__init__()
        self.router = router
        self.setFormatter(_RECORD_FORMAT)

    def emit(self, record: logging.LogRecord) -> None:
        captures = self.router.captures()
        if captures:
            text = self.format(record) + "\n"
            for capture in captures:
                capture.write(text)
        if not self._others_handle(record):
            last = logging.lastResort
            if last is not None and record.levelno >= last.level:
                last.handle(record)

    def _others_handle(self, record: logging.LogRecord) -> bool:
        """True when a handler other than this one handles ``record`` (as ``Logger.callHandlers`` walks them)."""
        logger: logging.Logger | None = logging.getLogger(record.name) if record.name != "root" else logging.root
        while logger is not None:
            if any(h is not self for h in logger.handlers):  # found, whatever its level (as callHandlers counts)
                return True
            if not logger.propagate:
                return False
            logger = logger.parent
        return False


_router: Final = _Router()
"""The one router of the process: sys.stdout, sys.stderr and the root logger are the process's too."""


@contextlib.contextmanager
def capturing(capture: LogCapture) -> Iterator[LogCapture]:
    """Capture what the current thread (and threads it starts) print into ``capture`` while the block runs;
    ``capture`` is closed after it."""
    entry = _router.enter(capture)
    try:
        yield capture
    finally:
        _router.leave(entry)
        capture.close()


@contextlib.contextmanager
def echo_through(echo: Echo) -> Iterator[None]:
    """Echo captured output with ``echo(stream, text)`` while the block runs (a live progress display clears its
    status line around it)."""
    previous = _router.echo
    _router.echo = echo
    try:
        yield
    finally:
        _router.echo = previous
