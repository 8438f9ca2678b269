"""Errors of the dashboard.

::

    ZenError
    └── UiError
        └── AddressInUseError (also OSError)
"""

from __future__ import annotations

from zen_types import ZenError

__all__ = [
    "AddressInUseError",
    "UiError",
    "ZenError",
]


class UiError(ZenError):
    """Something the dashboard cannot do."""


class AddressInUseError(UiError, OSError):
    """The host and port ``zen ui`` was asked to listen on cannot be bound."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        self.host = host
        self.port = port
        super().__init__(
            f"cannot listen on {host}:{port} ({reason}). Another program (or another `zen ui`) may be using it; "
            f"pick a free port with `zen ui --port {port + 1}`."
        )
