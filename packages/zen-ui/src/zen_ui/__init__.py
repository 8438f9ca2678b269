"""zen-ui: the zen dashboard, in the browser.

It sits on top of zen-run and reads every run, step, artifact and lineage graph through ``zen_run.Client``.
``zen ui`` serves it read-only on loopback; ``create_app`` gives the ASGI app for tests or another server.
Importing this package does not import the web stack (Starlette, uvicorn, Jinja2): that happens when the app
is created.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zen_ui._server import DEFAULT_HOST, DEFAULT_PORT, create_app, serve
    from zen_ui.errors import AddressInUseError, UiError

# Each name's module, imported on first use (PEP 562), so `zen ui --help` (which imports zen_ui._command) does
# not import zen's types and stores. The imports above say the same to type checkers.
_LAZY: dict[str, str] = {
    "AddressInUseError": "zen_ui.errors",
    "DEFAULT_HOST": "zen_ui._server",
    "DEFAULT_PORT": "zen_ui._server",
    "UiError": "zen_ui.errors",
    "create_app": "zen_ui._server",
    "serve": "zen_ui._server",
}

__all__ = ["AddressInUseError", "DEFAULT_HOST", "DEFAULT_PORT", "UiError", "create_app", "serve"]


if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any name as zen_ui's

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'zen_ui' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # once imported, an ordinary module attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})
