"""One thread per process that beats for every run in progress, so a run does not start (and wait for) its own.

A run registers its beat with :meth:`Heartbeats.keeping` for as long as it executes; the thread, started with the
first run of the process (again after a fork), calls every registered beat once per interval. Leaving waits for
a beat in progress (at most one interval), so nothing is beaten for a run whose end is being recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Heartbeats"]


class Heartbeats:
    """Beats registered functions every ``interval()`` seconds from one daemon thread."""

    def __init__(self, interval: Callable[[], float]) -> None:
        self._interval = interval
        self._lock = threading.Lock()
        """Guards the registered beats and the thread."""
        self._beating = threading.Lock()
        """Held while beats are sent."""
        self._beats: dict[int, Callable[[], None]] = {}
        self._next = 0
        self._thread: threading.Thread | None = None

    @contextmanager
    def keeping(self, beat: Callable[[], None]) -> Iterator[None]:
        """Call ``beat`` every interval while the block runs (it must not raise)."""
        with self._lock:
            token, self._next = self._next, self._next + 1
            self._beats[token] = beat
            if self._thread is None or not self._thread.is_alive():  # the first run, or a forked child
                self._thread = threading.Thread(target=self._loop, name="zen-heartbeat", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            waited = self._beating.acquire(timeout=self._interval())  # a beat in progress ends first
            try:
                with self._lock:
                    del self._beats[token]
            finally:
                if waited:
                    self._beating.release()

    def _loop(self) -> None:
        while True:
            time.sleep(self._interval())
            with self._beating:
                self._beat()

    def _beat(self) -> None:
        """Call every registered beat (in a frame of its own: nothing of a run outlives the call here)."""
        with self._lock:
            beats = list(self._beats.values())
        for beat in beats:
            beat()
