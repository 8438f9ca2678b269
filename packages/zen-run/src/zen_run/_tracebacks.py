"""A failed step's traceback as its author reads it: from the first frame of their own code on.

A step's exception is caught inside zen (``_steps.py``), so its traceback starts with zen's frames, which say
nothing to the person whose step failed. :func:`user_traceback` drops those leading frames and keeps everything
from the first frame outside zen's packages (later zen frames a step called into stay: they are the user's
story). A traceback with no frame outside zen (zen itself failed) is kept whole. Chained exceptions are
formatted as Python does.
"""

from __future__ import annotations

import traceback
from types import TracebackType

__all__ = ["user_traceback"]

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
