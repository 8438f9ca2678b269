"""``zen cache`` (explain, clear), ``zen gc`` and ``zen doctor``: looking after the stores."""

from __future__ import annotations

from pathlib import Path

import click

from zen_run._cli_shared import EXIT_DAMAGED, printer, read_client, usage_error, write_client
from zen_run._completion import complete_pipeline_names, complete_run_ids, complete_step_names
from zen_run.cli import ZenCommand, ZenGroup, argument, common_options, current_options

__all__ = ["cache", "doctor", "gc", "verify"]


@click.group(cls=ZenGroup, help="Explain and clear the step cache.")
def cache() -> None:
    """The ``zen cache`` group."""


@cache.command(help="Why a step of a run was or was not cached, component by component.")
@argument(
    "run_id",
    metavar="RUN",
    help="A run id, or a unique prefix of one (see `zen runs list`).",
    shell_complete=complete_run_ids,
)
@argument(
    "step_name",
    metavar="STEP",
    help="The step's name in the pipeline (its slot, as `zen runs show` lists).",
    shell_complete=complete_step_names,
)
@common_options
def explain(run_id: str, step_name: str) -> None:
    from zen_run._explain import explain as explain_step
    from zen_store import RecordNotFoundError

    client = read_client()
    run = client.get_run(run_id)
    if step_name not in run.steps:
        raise RecordNotFoundError(f"run {run.id} has no step {step_name!r} (steps: {', '.join(run.steps)}).")
    explanation = explain_step(client, run, step_name)
    out = printer()
    if out.json:
        out.emit_json(explanation)
        return
    lines = explanation["lines"]
    for line in lines if isinstance(lines, list) else []:
        out.line(str(line))


@cache.command(help="Forget cache entries, so steps run again (their artifacts stay until `zen gc`).")
@click.option(
    "--pipeline", metavar="NAME", shell_complete=complete_pipeline_names, help="Only the entries of this pipeline."
)
@common_options
def clear(pipeline: str | None) -> None:
    count = write_client().context.stores.lineage.clear_cache(pipeline_name=pipeline)
    out = printer()
    out.emit_json({"cleared": count}) if out.json else out.line(f"cleared {count} cache entries")


@click.command(
    cls=ZenCommand, help="Delete artifacts no run references, and writes cut short (a dry run unless --delete)."
)
@click.option("--delete", is_flag=True, help="Delete what a dry run would list (without it nothing is changed).")
@click.option(
    "--older-than",
    type=float,
    default=60.0,
    show_default=True,
    metavar="MINUTES",
    help="Treat unfinished uploads to a remote store (and staging written from other hosts) as abandoned once "
    "this old.",
)
@click.option(
    "--forget",
    metavar="STORE_ID",
    help="First drop a lineage store that is gone for good from the artifact store's registry (gc names it when "
    "it refuses).",
)
@common_options
def gc(delete: bool, older_than: float, forget: str | None) -> None:
    from zen_run import _render
    from zen_run._gc import forget_referent, garbage_collect
    from zen_run._stack import StackRegistry

    if not older_than >= 0:  # also refuses nan
        raise usage_error(f"--older-than {older_than:g}: give a number of minutes, 0 or more.")
    context = (write_client() if delete or forget else read_client()).context
    stores = context.stores
    out = printer()
    if forget:
        if not forget_referent(stores, forget):
            raise usage_error(f"--forget {forget}: no lineage store with that id writes to this artifact store.")
        out.line(f"forgot lineage store {forget}; its references no longer protect artifacts")
    lineage_files = [stack.lineage_location(context.project) for stack in StackRegistry(context.project).list()]
    report = garbage_collect(stores, delete=delete, older_than_s=older_than * 60, lineage_files=lineage_files)
    if out.json:
        out.emit_json(report)
        return
    for line in _render.describe_gc(report, deleted=delete):
        out.line(line)


@click.command(cls=ZenCommand, help="Check the lineage file, and restore it from its backup if it is damaged.")
@click.option(
    "--restore",
    is_flag=True,
    help="Put the last backup in place of a damaged or missing lineage file (kept aside) and add every row the "
    "damaged file still holds.",
)
@click.option("--new-store", is_flag=True, help="Start an empty lineage store where the old one is lost for good.")
@common_options
def doctor(restore: bool, new_store: bool) -> None:
    from zen_run import _render
    from zen_run._project import Project
    from zen_run._stack import StackRegistry
    from zen_store import SQLiteLineageStore, check_file
    from zen_store import restore as restore_file

    project = Project.find()
    stacks = StackRegistry(project)
    name = current_options().stack
    chosen = stacks.get(name) if name else stacks.active()
    location = chosen.lineage_location(project)
    if "://" in location:
        raise usage_error(f"zen doctor checks SQLite lineage files; {location!r} is a server, check it there.")
    path = Path(location)
    out = printer()
    if restore:
        if path.is_file() and check_file(path).sound:
            raise usage_error(
                f"{path} passes SQLite's full integrity check and is not marked damaged; there is nothing to restore."
            )
        try:
            report = restore_file(path)
        except FileNotFoundError as exc:
            raise usage_error(
                f"there is no backup of {path} to restore ({exc} is missing). If its runs are gone for good, start "
                f"afresh with `zen doctor --new-store`."
            ) from exc
        if out.json:
            out.emit_json(report)
        else:
            out.line(f"restored {path} from {report.restored_from}")
            if report.damaged_kept_at:
                out.line(f"the damaged file is kept at {report.damaged_kept_at}")
            for table, count in sorted(report.salvaged.items()):
                out.line(f"  {count} {table} rows read back from the damaged file")
            for table, problem in sorted(report.unreadable.items()):
                out.line(f"  {table}: the rest could not be read ({problem})")
    elif new_store:
        if path.exists():
            raise usage_error(f"{path} exists; --new-store only starts a lineage store where none is left.")
        SQLiteLineageStore.open(path).close()
        out.line(
            f"started an empty lineage store at {path}. The artifact store still protects what the lost one "
            f"recorded until `zen gc --forget STORE_ID` (gc names it)."
        )
        return
    health = check_file(path)
    if out.json:
        out.emit_json({"sound": health.sound, "health": health})
    else:
        for line in _render.describe_health(health):
            out.line(line)
    if not health.sound:
        raise click.exceptions.Exit(EXIT_DAMAGED)


@click.command(
    cls=ZenCommand,
    help="Check every recorded artifact against its content hash (each stored copy once); exit 1 if one is missing "
    "or altered.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Hash every byte, even of files unchanged since they were last verified (finds bits that rotted on disk).",
)
@common_options
def verify(full: bool) -> None:
    from zen_run._verify import verify_artifacts

    report = verify_artifacts(read_client().context.stores, full=full)
    out = printer()
    if out.json:
        out.emit_json(report)
    else:
        for restored in report.restored:
            out.line(
                f"RESTORED {restored.uri} (artifacts {', '.join(restored.artifact_ids)}) from the lineage store's "
                f"copy of its bytes: {restored.problem}"
            )
        for damaged in report.damaged:
            out.line(f"DAMAGED {damaged.uri} (artifacts {', '.join(damaged.artifact_ids)}): {damaged.problem}")
        how = "every byte hashed" if full else "unchanged files trusted; --full hashes every byte"
        out.line(
            f"checked {report.copies} stored copies for {report.records} artifact records ({report.bytes} bytes, "
            f"{how}): {'all intact' if report.ok else f'{len(report.damaged)} damaged'}"
        )
    if not report.ok:
        raise click.exceptions.Exit(1)
