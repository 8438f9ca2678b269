"""A failed step's traceback as its author reads it: from the first frame of their own code on.

A step's exception is caught inside zen (``_steps.py``), so its traceback starts with zen's frames, which say
nothing to the person whose step failed. :func:`user_traceback` drops those leading frames and keeps everything
from the first frame outside zen's packages (later zen frames a step called into stay: they are the user's
story). A traceback with no frame outside zen (zen itself failed) is kept whole. Chained exceptions are
formatted as Python does.

:func:`project_relative` writes the files of frames inside the project root relative to it (``File
"pkg/steps.py"``), as the runner stores a failed step's traceback and ``zen run`` prints it: shorter to read, and
true on every machine that shares the lineage store, where the project lives in another folder. Files outside the
root (installed packages, the standard library) keep their absolute paths.
"""

from __future__ import annotations

import importlib
import os
import re
import traceback
from pathlib import Path
from types import TracebackType
from typing import Final

__all__ = ["import_traceback", "project_relative", "user_traceback"]

_FRAME: Final = re.compile(r'^(\s*File ")([^"\n]+)(", line \d+)', re.MULTILINE)

ZEN_PACKAGES = frozenset({"zen_types", "zen_materialize", "zen_store", "zen_git", "zen_run", "zen_ui"})
"""The top-level modules whose frames lead a step's traceback before the step's own code."""


def _in_zen(tb: TracebackType) -> bool:
    module = tb.tb_frame.f_globals.get("__name__")
    return isinstance(module, str) and module.partition(".")[0] in ZEN_PACKAGES


def _from_user_frame(tb: TracebackType | None) -> TracebackType | None:
    """The traceback from its first frame outside zen on, or all of it when every frame is zen's."""
    first = tb
    while first is not None and _in_zen(first):
        first = first.tb_next
    return tb if first is None else first


def user_traceback(exc: BaseException) -> str:
    """``exc`` formatted like ``traceback.format_exception``, without zen's leading frames."""
    shown = traceback.TracebackException(type(exc), exc, _from_user_frame(exc.__traceback__))
    return "".join(shown.format())


def import_traceback(exc: BaseException) -> str:
    """``exc``, raised while a user's module was imported, from its first frame in the user's code (not zen's,
    nor the import machinery's); a syntax error, which has no such frame, as its file, line and caret alone."""
    first = exc.__traceback__
    while first is not None and (_in_zen(first) or first.tb_frame.f_code.co_filename.startswith(_IMPORTING)):
        first = first.tb_next
    if first is None:
        return "".join(traceback.format_exception_only(type(exc), exc))
    return "".join(traceback.TracebackException(type(exc), exc, first).format())


_IMPORTING: Final = ("<frozen importlib.", importlib.__file__.rsplit(os.sep, 1)[0] + os.sep)
"""Where the frames of Python's import machinery come from (``importlib.import_module`` and what it calls)."""


def project_relative(text: str, root: Path) -> str:
    """``text`` (a formatted traceback) with each frame's file inside ``root`` written relative to it."""
    prefix = str(root).rstrip(os.sep) + os.sep

    def relative(match: re.Match[str]) -> str:
        path = match.group(2)
        if not path.startswith(prefix) and Path(path).is_absolute():
            path = str(Path(path).resolve())  # imported through a symbolic link to the project's folder
        if not path.startswith(prefix):
            return match.group(0)
        return f"{match.group(1)}{Path(path[len(prefix) :]).as_posix()}{match.group(3)}"

    return _FRAME.sub(relative, text)
