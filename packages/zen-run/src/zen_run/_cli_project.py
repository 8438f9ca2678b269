"""``zen init`` and the ``zen stack`` group (list, register, set): the project and its stacks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from zen_run._cli_shared import existing_project, printer, usage_error
from zen_run.cli import ZenCommand, ZenGroup, argument, common_options, complete_stack_names, current_options

if TYPE_CHECKING:
    from zen_run._stack import Stack

__all__ = ["init", "stack"]


@click.command(cls=ZenCommand, help="Create .zen/ at the project root and open its stores.")
@common_options
def init() -> None:
    from zen_run._context import RunContext
    from zen_run._project import Project

    project = Project.find().ensure()
    RunContext.shared(project=project, stack=current_options().stack)
    out = printer()
    if out.json:
        out.emit_json({"root": str(project.root), "git": project.in_git_work_tree})
        return
    out.line(f"zen project at {project.root} (stores and stacks in {project.zen_dir})")
    if not project.in_git_work_tree:
        out.line(
            "this folder is in no git repository, so runs cannot pin their code to commits: `git init` and commit "
            "your code, and `zen rerun` can load any run's code again"
        )


@click.group(cls=ZenGroup, help="List, register and activate stacks (kept in .zen/config.json).")
def stack() -> None:
    """The ``zen stack`` group."""


def _options(stack: Stack) -> str:
    shown = [f"{k}={v}" for k, v in sorted(stack.options.items())]
    shown += [f"artifact:{k}={v}" for k, v in sorted(stack.artifact_options.items())]
    return " ".join(shown) or "-"


def _key_values(flag: str, items: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise usage_error(f"{flag} {item!r}: expected KEY=VALUE.")
        found[key] = value
    return found


@stack.command(name="list", help="List stacks; * marks the active one.")
@common_options
def list_stacks() -> None:
    from zen_run._stack import StackRegistry

    registry = StackRegistry(existing_project())
    stacks = registry.list()
    active = registry.active_name
    out = printer()
    if out.json:
        out.emit_json({"active": active, "stacks": stacks})
        return
    out.table(
        ["", "name", "orchestrator", "artifact store", "lineage store", "options"],
        [
            ["*" if s.name == active else "", s.name, s.orchestrator, s.artifact_store, s.lineage_store, _options(s)]
            for s in stacks
        ],
    )


@stack.command(help="Register a stack: where runs execute, and where artifacts and lineage are stored.")
@argument("name", help="The stack's name, used by --stack and `zen stack set`.")
@click.option(
    "--orchestrator",
    default="local",
    show_default=True,
    help="local (in process), dask, or an orchestrator another package registers.",
)
@click.option(
    "--artifact-store",
    default=".zen/artifacts",
    show_default=True,
    metavar="PATH|URL",
    help="A folder, or an fsspec URL such as s3://bucket/prefix.",
)
@click.option(
    "--lineage-store",
    default=".zen/lineage.db",
    show_default=True,
    metavar="PATH|URL",
    help="A SQLite file, or a PostgreSQL URL postgresql://user@host:port/dbname shared by a team (the password "
    "comes from PGPASSWORD or ~/.pgpass; one given in the URL is moved into ~/.pgpass, never into "
    ".zen/config.json).",
)
@click.option("--option", "option", multiple=True, metavar="KEY=VALUE", help="An orchestrator option (repeatable).")
@click.option(
    "--artifact-option",
    multiple=True,
    metavar="KEY=VALUE",
    help="An fsspec storage option of a remote artifact store, e.g. endpoint_url=http://127.0.0.1:9000 (repeatable; "
    "credentials come from the environment).",
)
@click.option("--replace", is_flag=True, help="Overwrite a stack of the same name.")
@common_options
def register(
    *,
    name: str,
    orchestrator: str,
    artifact_store: str,
    lineage_store: str,
    option: tuple[str, ...],
    artifact_option: tuple[str, ...],
    replace: bool,
) -> None:
    from zen_run._project import Project
    from zen_run._stack import Stack, StackRegistry
    from zen_store import SavedPassword, is_postgres_url, remember_password

    saved = SavedPassword(url=lineage_store, saved_in=None)
    if is_postgres_url(lineage_store):
        try:  # the password goes where libpq finds it; the configuration keeps the URL without it
            saved = remember_password(lineage_store)
        except (OSError, ValueError) as exc:
            raise usage_error(
                f"the lineage store URL holds a password, which zen keeps only in the password file, and that "
                f"failed ({exc}). Register the URL without the password and give it through PGPASSWORD."
            ) from exc
    new = Stack(
        name=name,
        orchestrator=orchestrator,
        artifact_store=artifact_store,
        lineage_store=saved.url,
        options=_key_values("--option", option),
        artifact_options=_key_values("--artifact-option", artifact_option),
    )
    project = Project.find()
    for option_name, given, location in (
        ("--artifact-store", new.artifact_store, new.artifact_location(project)),
        ("--lineage-store", new.lineage_store, new.lineage_location(project)),
    ):
        parent = Path(location).parent
        local = "://" not in given and not is_postgres_url(given)
        if local and parent != project.zen_dir and not parent.is_dir():  # .zen/ is made with the project's files
            raise usage_error(
                f"{option_name} {given}: the folder it goes in, {parent}, does not exist (zen creates a store's own "
                f"folder or file, never the folders above it, which a mistyped path would conjure up). Create it "
                f"first, or fix the path; nothing was registered."
            )
    StackRegistry(project).register(new, replace=replace)
    out = printer()
    if out.json:
        out.emit_json(new)
        return
    out.line(f"registered stack {new.name}")
    if saved.saved_in is not None:
        out.line(f"the lineage store's password is in {saved.saved_in} (mode 0600), not in .zen/config.json")


@stack.command(name="set", help="Make a registered stack the active one.")
@argument("name", help="The name of a registered stack (see `zen stack list`).", shell_complete=complete_stack_names)
@common_options
def set_stack(name: str) -> None:
    from zen_run._project import Project
    from zen_run._stack import StackRegistry

    chosen = StackRegistry(Project.find()).activate(name)
    out = printer()
    out.emit_json(chosen) if out.json else out.line(f"active stack: {chosen.name}")
