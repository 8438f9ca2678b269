"""Errors and warnings of code pinning and pinned-code loading.

::

    ZenError
    ├── SourceResolutionError (LookupError)      a source string cannot be parsed or loaded
    │   └── InstalledVersionError                 recorded dist==version differs from the installed one
    ├── GitCommandError (RuntimeError)           a git command failed
    └── UpwardRelativeImportError (ImportError)  ``from .. import x`` in a module to pin

    UnpinnedCodeWarning (UserWarning)            code recorded without a pin, with the reason
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen_types.errors import ZenError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "GitCommandError",
    "InstalledVersionError",
    "SourceResolutionError",
    "UnpinnedCodeWarning",
    "UpwardRelativeImportError",
    "ZenError",
]


class SourceResolutionError(ZenError, LookupError):
    """A source string cannot be parsed or names nothing that can be loaded."""


class InstalledVersionError(SourceResolutionError):
    """A source recorded as ``module.Name@<dist>==<version>`` while another version (or none) is installed."""

    def __init__(self, *, source: str, distribution: str, recorded: str, installed: str | None) -> None:
        self.source = source
        self.distribution = distribution
        self.recorded = recorded
        self.installed = installed
        from zen_types import install_hint  # here: the module's namespace is its public API

        now = f"{installed} is installed" if installed is not None else "it is not installed"
        super().__init__(
            f"{source} was recorded with {distribution}=={recorded}, but {now}; the code that ran is not "
            f"available. Install it with {install_hint(distribution, version=recorded)} and try again."
        )


class GitCommandError(ZenError, RuntimeError):
    """A git command failed (or git is missing); the message quotes git's own explanation."""

    def __init__(self, *, argv: Sequence[str], detail: str) -> None:
        self.argv = tuple(argv)
        self.detail = detail
        super().__init__(f"`{' '.join(self.argv)}` failed: {detail or 'no message'}.")


class UpwardRelativeImportError(ZenError, ImportError):
    """A module to pin uses an upward relative import (``from .. import x``), which pinning cannot follow."""


class UnpinnedCodeWarning(UserWarning):
    """Code was recorded without a pin; the message says why for each object (see ``UnpinnedReason``)."""
