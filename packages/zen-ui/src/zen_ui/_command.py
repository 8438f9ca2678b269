"""``zen ui``: the dashboard's command, plugged into the ``zen`` command line through the ``zen.commands``
entry-point group (zen-run lists the group; it never imports this package), so the web stack loads only when
``zen ui`` runs."""

from __future__ import annotations

import contextlib

import click

from zen_run.cli import WholeNumber, ZenCommand, common_options, current_options
from zen_ui._server import DEFAULT_HOST, DEFAULT_PORT

__all__ = ["ui"]


@click.command(
    cls=ZenCommand,
    help="Serve the dashboard (runs, DAGs, artifacts, lineage) read-only in the browser; runs until Ctrl-C.",
)
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="The address to listen on (the default serves this machine only).",
)
@click.option(
    "--port",
    type=WholeNumber(maximum=65535, hint="port number"),
    default=DEFAULT_PORT,
    show_default=True,
    help="The port to listen on; 0 picks a free one.",
)
@common_options
def ui(host: str, port: int) -> None:
    from zen_ui._server import serve

    with contextlib.suppress(KeyboardInterrupt):
        serve(stack=current_options().stack, host=host, port=port)
