"""``zen ui``: the dashboard's command, plugged into the ``zen`` command line through the ``zen.commands``
entry-point group (zen-run lists the group; it never imports this package), so the web stack loads only when
``zen ui`` runs."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable

from zen_ui._server import DEFAULT_HOST, DEFAULT_PORT

__all__ = ["register"]

AddCommand = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535; 0 picks a free one)")
    return int(text)


def _run(args: argparse.Namespace) -> int:
    from zen_ui._server import serve

    with contextlib.suppress(KeyboardInterrupt):
        serve(stack=args.stack, host=args.host, port=args.port)
    return 0


def register(add: AddCommand) -> None:
    """Add ``zen ui [--host H] [--port P]``."""
    parser = add("ui", "serve the dashboard (runs, DAGs, artifacts, lineage) read-only in the browser", _run)
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine only)"
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
