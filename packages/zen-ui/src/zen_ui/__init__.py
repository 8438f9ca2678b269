"""zen-ui: the zen dashboard, in the browser.

It sits on top of zen-run and reads every run, step, artifact and lineage graph through ``zen_run.Client``.
``zen ui`` serves it read-only on loopback; ``create_app`` gives the ASGI app for tests or another server.
Importing this package does not import the web stack (Starlette, uvicorn, Jinja2): that happens when the app
is created.
"""

from __future__ import annotations

from zen_ui._server import DEFAULT_HOST, DEFAULT_PORT, create_app, serve
from zen_ui.errors import AddressInUseError, UiError

__all__ = ["AddressInUseError", "DEFAULT_HOST", "DEFAULT_PORT", "UiError", "create_app", "serve"]
