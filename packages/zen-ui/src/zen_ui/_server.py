"""Serving the dashboard: bind the socket ourselves (so a taken port is one clear sentence), then run uvicorn.

``serve`` blocks until interrupted; ``create_app`` is what tests and other ASGI servers mount. Both import the
web stack (and zen's client and errors) only when called, so ``import zen_ui`` and ``zen ui --help`` stay cheap.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "bind", "create_app", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _announce(message: str) -> None:
    print(message, flush=True)


def create_app(root: Path | str | None = None, *, stack: str | None = None) -> Starlette:
    """The dashboard as an ASGI app over the project at ``root`` (default: found from the working directory)."""
    from zen_run import Client
    from zen_ui._app import build_app

    return build_app(lambda: Client(root, stack=stack))


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port), or ``AddressInUseError``."""
    from zen_ui.errors import AddressInUseError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise AddressInUseError(host, port, exc.strerror or str(exc)) from exc
    return sock


def serve(
    root: Path | str | None = None,
    *,
    stack: str | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve the dashboard until interrupted; ``announce`` gets the URL once the socket listens."""
    import uvicorn

    app = create_app(root, stack=stack)
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    (announce or _announce)(f"zen ui: serving http://{shown}:{bound_port}/ (read-only; Ctrl-C to stop)")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
