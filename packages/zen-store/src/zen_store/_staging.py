"""Local staging directories: where one artifact is written before it is committed (or downloaded before use).

Every store stages on local disk, so materializers always write and read plain local files. A staging
directory is named ``<pid>-<random>-<host>``: a writer killed mid-write leaves its directory behind, and
:meth:`Staging.stale` recognises it - by process liveness for writers on this host, by age for writers on other
hosts sharing the same folder (a network file system), since their pids mean nothing here.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Final

import attrs

from zen_store._process import alive

__all__ = ["StagingArea", "Staging"]

_HOST: Final = socket.gethostname()


@attrs.define
class StagingArea:
    """An empty directory to write one artifact into; ``uri`` is its path (materializers write there)."""

    path: Path
    committed: bool = False

    @property
    def uri(self) -> str:
        """The staging directory's path."""
        return str(self.path)

    def __enter__(self) -> StagingArea:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """On an exception (a failing materializer) the partial output is thrown away; otherwise nothing."""
        if exc_type is not None and not self.committed:
            shutil.rmtree(self.path, ignore_errors=True)


class Staging:
    """The staging folder ``directory`` (created if missing) and the areas in it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def new(self) -> StagingArea:
        """A fresh, empty staging directory owned by this process."""
        path = self.directory / f"{os.getpid()}-{os.urandom(16).hex()}-{_HOST}"
        path.mkdir()
        return StagingArea(path)

    @staticmethod
    def discard(area: StagingArea) -> None:
        """Throw a staging directory away (a failed write's partial output)."""
        if not area.committed:
            shutil.rmtree(area.path, ignore_errors=True)

    def stale(self, *, older_than_s: float) -> list[Path]:
        """Staging directories whose writer is gone: a dead process on this host, or older than ``older_than_s``
        when written from another host."""
        found: list[Path] = []
        now = time.time()
        for entry in sorted(self.directory.iterdir()):
            pid_text, _, rest = entry.name.partition("-")
            host = rest.partition("-")[2] or _HOST  # names without a host predate the host suffix
            if not (pid_text.isascii() and pid_text.isdigit()):
                found.append(entry)
            elif host == _HOST:
                if not alive(int(pid_text)):
                    found.append(entry)
            elif now - entry.lstat().st_mtime > older_than_s:
                found.append(entry)
        return found

    def cleanup(self, *, older_than_s: float) -> list[Path]:
        """Delete stale staging directories; returns what was removed."""
        removed = self.stale(older_than_s=older_than_s)
        for path in removed:
            if path.is_symlink() or not path.is_dir():  # never followed: only the link itself goes
                path.unlink(missing_ok=True)
            else:
                shutil.rmtree(path, ignore_errors=True)
        return removed
