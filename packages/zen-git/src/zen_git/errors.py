"""Errors and warnings of code pinning and pinned-code loading."""

from __future__ import annotations

from zen_types.errors import ZenError

__all__ = [
    "SourceResolutionError",
    "UncommittedCodeError",
    "UnpinnedCodeWarning",
    "UpwardRelativeImportError",
]


class SourceResolutionError(ZenError, LookupError):
    """A source string cannot be parsed or names nothing that can be loaded."""


class UncommittedCodeError(ZenError, RuntimeError):
    """Pinned code cannot be loaded because its module folder has uncommitted changes now (seed safeguard)."""


class UpwardRelativeImportError(ZenError, ImportError):
    """A module to pin uses an upward relative import (``from .. import x``), which pinning cannot follow."""


class UnpinnedCodeWarning(UserWarning):
    """Code was recorded without a git sha (uncommitted, outside a repository, or in ``__main__``)."""
