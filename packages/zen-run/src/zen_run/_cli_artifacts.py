"""``zen artifacts`` (list, show, read) and ``zen lineage``: reading what runs stored. None of them writes anything."""

from __future__ import annotations

from typing import Final

import click

from zen_run._cli_shared import printer, read_client
from zen_run._completion import complete_artifact_names, complete_artifacts
from zen_run._output import say
from zen_run.cli import WholeNumber, ZenCommand, ZenGroup, argument, common_options

__all__ = ["artifacts", "lineage"]

_ARTIFACT_HELP: Final = (
    "An artifact name (its latest version), NAME:VERSION (iris_model:3), or an id or unique prefix of one (see "
    "`zen artifacts list`)."
)


@click.group(cls=ZenGroup, help="List, show and read the artifacts runs stored.")
def artifacts() -> None:
    """The ``zen artifacts`` group."""


@artifacts.command(name="list", help="List stored artifacts, newest first, with their names and versions.")
@click.option(
    "--name",
    metavar="NAME",
    shell_complete=complete_artifact_names,
    help="Only the versions of this artifact name, latest first.",
)
@click.option(
    "--limit", type=WholeNumber(minimum=1), default=50, show_default=True, metavar="K", help="Show at most K."
)
@common_options
def list_artifacts(name: str | None, limit: int) -> None:
    client = read_client()
    found = client.artifacts(name, limit=limit)
    if not found and name is not None:
        client.context.stores.lineage.artifact_version(name)  # no artifact has that name: exit 3, says so
    out = printer()
    if out.json:
        out.emit_json([a.record for a in found])
        return
    if not found:
        say("no artifacts are stored yet; runs store their steps' outputs as artifacts.")
        return
    out.table(
        ["artifact", "name", "version", "type", "size", "created"],
        [[a.id, a.name, a.version, a.record.value_type, a.record.size, a.record.created_at] for a in found],
    )


@artifacts.command(help="Show an artifact's record: type, materializer, format, hash, size, metadata.")
@argument("artifact_id", metavar="ARTIFACT", help=_ARTIFACT_HELP, shell_complete=complete_artifacts)
@common_options
def show(artifact_id: str) -> None:
    import attrs  # here, not at the top: `zen --help` imports no attrs (tests/zen_run/test_cli_surface.py)

    from zen_run import _render

    artifact = read_client().artifact(artifact_id)
    record = attrs.evolve(artifact.record, uri=artifact.uri)  # where its files are now, if the project moved
    out = printer()
    if out.json:
        out.emit_json(record)
        return
    for key, value in _render.describe_artifact(record):
        out.line(f"{key:<14} {value}")


@artifacts.command(help="Read an artifact's value (verified against its content hash) and print it.")
@argument("artifact_id", metavar="ARTIFACT", help=_ARTIFACT_HELP, shell_complete=complete_artifacts)
@common_options
def read(artifact_id: str) -> None:
    value = read_client().artifact(artifact_id).read()
    out = printer()
    if out.json:
        out.emit_json(value)
    else:
        out.line(repr(value))


@click.command(cls=ZenCommand, help="The step runs and artifacts upstream (or downstream) of an artifact.")
@argument("artifact_id", metavar="ARTIFACT", help=_ARTIFACT_HELP, shell_complete=complete_artifacts)
@click.option("--downstream", is_flag=True, help="Follow what was made from the artifact instead of its sources.")
@common_options
def lineage(artifact_id: str, downstream: bool) -> None:
    from zen_run import _render

    graph = read_client().lineage(artifact_id, downstream=downstream)
    out = printer()
    if out.json:
        out.emit_json(graph)
        return
    for line in _render.describe_lineage(graph):
        out.line(line)
