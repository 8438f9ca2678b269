"""Installed plug-ins: the entry points installed distributions declare, read once per process.

zen looks for plug-ins in several entry-point groups (``zen.runner``, ``zen.materializers``,
``zen.orchestrators``, ``zen.commands``). Importing ``importlib.metadata`` and reading every installed
distribution's entry points is the slow part, and it is the same work whatever the group, so one scan answers
every group. The scan is kept for as long as ``sys.path`` is unchanged: distributions on a path added later (a
plug-in folder put on ``sys.path`` at run time) are found by the next look-up.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["installed_entry_points"]

_SCANNED: dict[tuple[str, ...], dict[str, tuple[EntryPoint, ...]]] = {}
"""The last scan's entry points by group, keyed by the ``sys.path`` it was made with (one entry at most)."""


def installed_entry_points(group: str) -> tuple[EntryPoint, ...]:
    """The entry points installed distributions declare in ``group``: what
    ``importlib.metadata.entry_points(group=group)`` finds (same order, one distribution of each name, the first
    on ``sys.path``), from a scan made once for every group."""
    key = tuple(sys.path)
    groups = _SCANNED.get(key)
    if groups is None:
        from importlib.metadata import entry_points  # slow to import: only when a plug-in is first looked for

        every = entry_points()  # every group of every distribution, in one pass
        groups = {name: tuple(every.select(group=name)) for name in every.groups}
        _SCANNED.clear()
        _SCANNED[key] = groups
    return groups.get(group, ())
