"""``zen run``, ``zen rerun``, ``zen resume``, ``zen dag`` and the ``zen runs`` group (list, search, show, compare,
delete).

To add a verb to ``zen runs``, decorate a function with ``@runs.command(...)`` here; a new noun is a new
``_cli_<noun>.py`` module whose group is added to ``COMMANDS`` in ``_cli.py``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import keyword
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Final

import click

from zen_run._cli_shared import printer, read_client, usage_error, write_client
from zen_run._completion import complete_pipeline_names, complete_run_ids, complete_step_names, complete_tags
from zen_run._output import Printer, say
from zen_run.cli import WholeNumber, ZenCommand, ZenGroup, argument, common_options, current_options

if TYPE_CHECKING:
    from zen_run._client import Run
    from zen_types import PipelineInstance

__all__ = ["RUN_STATUSES", "dag", "delete", "load_object", "logs", "rerun", "resume", "run", "runs"]

RUN_STATUSES: Final = ("running", "completed", "failed", "stopped", "crashed")
"""The statuses ``zen runs list --status`` accepts: zen_store's ``RunStatus`` values (a test keeps them equal),
spelled out so that ``--help`` imports no store."""

_TARGET_HELP: Final = "The bound pipeline instance, as MODULE:OBJECT or FILE.py:OBJECT (e.g. flows:instance)."
_RUN_HELP: Final = "A run id, or a unique prefix of one (see `zen runs list`)."


def load_object(target: str) -> object:
    """Load ``module:attr`` or ``path/to/file.py:attr`` (``ZenCommand`` made the project root and cwd importable)."""
    from zen_run.errors import ModuleImportError
    from zen_types.errors import ZenError

    module_name, sep, attr = target.partition(":")
    if not sep or not attr:
        raise usage_error(f"{target!r}: expected MODULE:OBJECT or FILE.py:OBJECT, e.g. examples/quickstart.py:instance")
    try:
        module = _import_target(target, module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not f"{module_name}.".startswith(f"{exc.name}."):
            raise ModuleImportError(target=target, module_name=module_name, cause=exc) from exc  # its own import
        if "/" in module_name or "\\" in module_name:  # a path without its .py: name the file or the module
            dotted = module_name.replace("\\", "/").strip("/").replace("/", ".")
            raise usage_error(
                f"{target!r}: {module_name!r} is neither a module name nor a .py file; name the file "
                f"({module_name}.py:{attr}) or the module ({dotted}:{attr})."
            ) from exc
        raise usage_error(f"{target!r}: cannot import module {module_name!r} ({exc}).") from exc
    except ZenError:  # zen's own sentence names the culprit (a step or pipeline defined wrongly, a bad path)
        raise
    except Exception as exc:  # whatever the user's module raised: named, with its traceback
        raise ModuleImportError(target=target, module_name=module_name, cause=exc) from exc
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise usage_error(f"{target!r}: module {module_name!r} has no attribute {attr!r}{_near(obj, part)}.")
        obj = getattr(obj, part)
    return obj


def _near(namespace: object, name: str) -> str:
    """``; did you mean 'instance'?`` for a name close to one ``namespace`` has, listing its pipeline instances."""
    import difflib

    from zen_types import PipelineInstance

    names = [n for n in dir(namespace) if not n.startswith("_")]
    close = difflib.get_close_matches(name, names, n=1)
    instances = sorted(n for n in names if isinstance(getattr(namespace, n, None), PipelineInstance))
    hint = f"; did you mean {close[0]!r}?" if close else ""
    if instances:
        hint += f" (pipeline instances there: {', '.join(instances)})"
    return hint


def _import_target(target: str, module_name: str) -> types.ModuleType:
    """The module of a ``MODULE:OBJECT`` or ``FILE.py:OBJECT`` argument, imported."""
    if module_name.endswith(".py"):
        file = Path(module_name).resolve()
        if not file.exists():
            raise usage_error(f"{module_name}: no such file.")
        dotted = _module_name_of(file)
        if dotted is not None:  # imported by name, so its code pins and `zen rerun` finds it by that name
            module = importlib.import_module(dotted)
        else:
            spec = importlib.util.spec_from_file_location(file.stem, file)
            if spec is None or spec.loader is None:
                raise usage_error(f"{module_name}: cannot be imported as a module.")
            module = importlib.util.module_from_spec(spec)
            sys.modules[file.stem] = module
            spec.loader.exec_module(module)
        return module
    return importlib.import_module(module_name)


def _module_name_of(file: Path) -> str | None:
    """The dotted name that imports ``file`` from the first ``sys.path`` folder holding it (the project root
    first: ``examples/flows.py`` is ``examples.flows``), or None when no name leads there. A module loaded by
    path under another name could not be pinned: a pin is loaded again by name."""
    for entry in sys.path:
        folder = Path(entry or ".").resolve()
        if not file.is_relative_to(folder):
            continue
        parts = file.relative_to(folder).with_suffix("").parts
        if not parts or not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
            continue
        dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        try:
            spec = importlib.util.find_spec(dotted)
        except (ImportError, ValueError):  # a package on the way failed to import, or is not a package
            continue
        if spec is not None and spec.origin is not None and Path(spec.origin).resolve() == file:
            return dotted
    return None


def _instance(target: str) -> PipelineInstance:
    from zen_types import Pipeline, PipelineInstance

    obj = load_object(target)
    if isinstance(obj, Pipeline):
        raise usage_error(
            f"{target!r} is the pipeline {obj.name!r}, not a bound instance. Point at an instance, e.g. "
            f"`instance = {obj.name}(slot=step(), ...)`, and run MODULE:instance."
        )
    if not isinstance(obj, PipelineInstance):
        raise usage_error(f"{target!r} is a {type(obj).__name__}, not a pipeline instance.")
    return obj


def _show_run(run: Run, out: Printer) -> None:
    from zen_run._render import describe_failure

    steps = run.steps
    failed = {name: step for name, step in steps.items() if step.error is not None}
    if out.json:
        tails = {name: step.logs.tail(_FAILED_TAIL) for name, step in failed.items()}
        out.emit_json(
            {
                "run": run.record,
                "steps": {name: step.record for name, step in steps.items()},
                "failed_logs_tail": tails,
            }
        )
        return
    dirty = "  (dirty: tracked files had uncommitted changes)" if run.dirty else ""
    out.line(f"run {run.id}  pipeline {run.pipeline_name}  {run.status}{dirty}")
    rows = []
    for name, step in steps.items():
        outputs = ", ".join(f"{k}={a.record.label} ({a.id})" for k, a in step.outputs.items())
        rows.append([name, step.status, step.source, outputs])
    out.table(["step", "status", "source", "outputs"], rows)
    for step in failed.values():
        out.line()
        for line in describe_failure(run.id, step.record, step.logs, tail=_FAILED_TAIL):
            out.line(line)


def _list_runs(runs: list[Run], out: Printer, *, empty: str) -> None:
    """The runs as a table (or JSON); when there are none, ``empty`` says so on stderr (stdout stays for data)."""
    if out.json:
        out.emit_json([r.record for r in runs])
        return
    if not runs:
        say(empty)
        return
    out.table(
        ["run", "pipeline", "name", "status", "started", "dirty"],
        [[r.id, r.pipeline_name, r.name, r.status, r.started_at, "yes" if r.dirty else "no"] for r in runs],
    )


_quiet = click.option("-q", "--quiet", is_flag=True, help="Print no progress on stderr.")
_FAILED_TAIL: Final = 20
"""Lines of a failed step's output `zen runs show` prints under its error."""


@click.command(
    cls=ZenCommand,
    help="Run a bound pipeline instance. Progress goes to stderr: a live status line in a terminal, one line per "
    "finished step otherwise.",
)
@argument("target", help=_TARGET_HELP)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="A YAML run config (run_name, enable_cache, steps.SLOT.config...).",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="SLOT.FIELD=VALUE",
    help="Set a step's config field (repeatable); VALUE is read as YAML, as in --config: 3, true, [1, 2], {a: 1}, "
    "'quoted text'.",
)
@click.option("--run-name", metavar="NAME", help="Name the run (shown by `zen runs list`, found by --name).")
@click.option("--no-cache", is_flag=True, help="Run every step; reuse nothing from earlier runs.")
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    shell_complete=complete_tags,
    help="Label the run (repeatable); find it with --tag.",
)
@_quiet
@common_options
def run(
    *,
    target: str,
    config: Path | None,
    settings: tuple[str, ...],
    run_name: str | None,
    no_cache: bool,
    tags: tuple[str, ...],
    quiet: bool,
) -> None:
    from zen_run._context import RunContext
    from zen_run._runconfig import RunConfig, parse_set_option
    from zen_run._runner import RunOptions, execute

    stack = current_options().stack
    instance = _instance(target)
    run_config = RunConfig()
    if config is not None:
        run_config = run_config.merged(RunConfig.from_file(config))
    if settings:
        run_config = run_config.merged(parse_set_option(list(settings), instance))
    opts = RunOptions(
        run_name=run_name,
        enable_cache=False if no_cache else None,
        config=run_config,
        stack=stack,
        tags=tags,  # type: ignore[arg-type]  # attrs reads converter=tuple as Iterable[_T_co], unsolved
        progress=not quiet,
    )
    with _steps_print_to_stderr():
        ran = execute(instance, RunContext.shared(stack=stack), opts)
    _show_run(ran, printer())


def _steps_print_to_stderr() -> contextlib.AbstractContextManager[object]:
    """With ``--json``, what steps print goes to stderr (and is kept as usual), so stdout holds the JSON alone."""
    return contextlib.redirect_stdout(sys.stderr) if current_options().json else contextlib.nullcontext()


@click.command(cls=ZenCommand, help="Run a past run again from its pinned sources (loaded from git history).")
@argument("run_id", metavar="RUN", help=_RUN_HELP, shell_complete=complete_run_ids)
@click.option("--no-cache", is_flag=True, help="Run every step; reuse nothing from earlier runs.")
@_quiet
@common_options
def rerun(run_id: str, no_cache: bool, quiet: bool) -> None:
    from zen_run._context import RunContext
    from zen_run._rerun import rerun as rerun_run

    context = RunContext.shared(stack=current_options().stack)
    with _steps_print_to_stderr():
        again = rerun_run(context, run_id, progress=not quiet, enable_cache=not no_cache)
    _show_run(again, printer())


@click.command(cls=ZenCommand, help="Run a failed or crashed run's remaining steps, reusing the completed ones.")
@argument("run_id", metavar="RUN", help=_RUN_HELP, shell_complete=complete_run_ids)
@_quiet
@common_options
def resume(run_id: str, quiet: bool) -> None:
    from zen_run._context import RunContext
    from zen_run._rerun import resume as resume_run

    context = RunContext.shared(stack=current_options().stack)
    with _steps_print_to_stderr():
        resumed = resume_run(context, run_id, progress=not quiet)
    _show_run(resumed, printer())


_DAG_FORMATS: Final = {
    "": "mermaid",
    "mmd": "mermaid",
    "md": "mermaid",
    "txt": "mermaid",
    "dot": "dot",
    "gv": "dot",
    "svg": "svg",
    "png": "png",
}
"""The format ``zen dag -o FILE`` writes, by the file's extension (Mermaid, the text format, without one)."""


@click.command(cls=ZenCommand, help="Print or write a pipeline instance's graph: Mermaid, Graphviz DOT, SVG or PNG.")
@argument("target", help=_TARGET_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "svg", "png"]),
    default=None,
    help="Mermaid or DOT text, an SVG drawing, or the drawing as a PNG image. [default: from --output's extension, "
    "else mermaid]",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the graph to this file instead of standard output (needed for PNG on a terminal).",
)
@common_options
def dag(target: str, fmt: str | None, output: Path | None) -> None:
    from zen_run._dag import render_dag, render_dag_png

    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    if fmt is None:
        fmt = _DAG_FORMATS.get(suffix)
        if fmt is None:
            raise usage_error(
                f"cannot tell which format to write to {output} from its extension: name the file .mmd, .dot, "
                f".svg or .png, or pass --format. Nothing was written."
            )
    spec = _instance(target).compile()
    if fmt == "png":
        if output is None and sys.stdout.isatty():
            raise usage_error("a PNG is binary: write it to a file with --output dag.png (or redirect: > dag.png).")
        data = render_dag_png(spec)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            output.write_bytes(data)
        return
    text = render_dag(spec, fmt=fmt)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        return
    out = printer()
    for line in text.splitlines():
        out.line(line)


@click.group(cls=ZenGroup, help="List, search, show and compare runs.")
def runs() -> None:
    """The ``zen runs`` group."""


_limit = click.option(
    "--limit", type=WholeNumber(minimum=1), default=50, show_default=True, metavar="K", help="Show at most K runs."
)


@runs.command(
    name="list", help="List runs, newest first; `dirty` marks runs started while tracked files had uncommitted changes."
)
@click.option("--pipeline", metavar="NAME", shell_complete=complete_pipeline_names, help="Only runs of this pipeline.")
@click.option("--status", type=click.Choice(RUN_STATUSES), help="Only runs with this status.")
@click.option("--name", metavar="NAME", help="Only runs with this run name.")
@click.option("--tag", metavar="TAG", shell_complete=complete_tags, help="Only runs labelled with this tag.")
@_limit
@common_options
def list_runs(pipeline: str | None, status: str | None, name: str | None, tag: str | None, limit: int) -> None:
    client = read_client()
    found = client.runs(pipeline, status=status, run_name=name, tag=tag, limit=limit)
    if not found and pipeline is not None:
        client.last_run(pipeline)  # a pipeline with no run at all is a name that does not exist: exit 3, it says so
    filters = {"--pipeline": pipeline, "--status": status, "--name": name, "--tag": tag}
    _list_runs(found, printer(), empty=_no_runs_match(filters))


def _no_runs_match(filters: dict[str, str | None]) -> str:
    import shlex

    given = " ".join(f"{flag} {shlex.quote(value)}" for flag, value in filters.items() if value is not None)
    if not given:
        return "no runs are recorded yet; `zen run MODULE:OBJECT` runs a pipeline."
    return f"no runs match {given}; `zen runs list` lists every run."


@runs.command(help="Find runs by pipeline or run name, tag or config value (every word must match).")
@argument("text", help="Words to find; end a word with * to match a prefix, e.g. 'resnet lr*'.")
@_limit
@common_options
def search(text: str, limit: int) -> None:
    _list_runs(read_client().search_runs(text, limit=limit), printer(), empty=f"no runs match {text!r}.")


@runs.command(
    help="Show a run and its steps, sources and outputs; for a step that did not complete, its error (with the "
    "traceback) and the last lines it printed."
)
@argument("run_id", metavar="RUN", help=_RUN_HELP, shell_complete=complete_run_ids)
@common_options
def show(run_id: str) -> None:
    _show_run(read_client().get_run(run_id), printer())


@runs.command(help="Delete runs (and the records of outputs no other run uses); `zen gc --delete` frees the space.")
@argument(
    "run_ids",
    metavar="RUN...",
    nargs=-1,
    required=True,
    help="Runs to delete: ids or unique prefixes.",
    shell_complete=complete_run_ids,
)
@click.option("--yes", is_flag=True, help="Delete without asking (needed when not run in a terminal).")
@common_options
def delete(run_ids: tuple[str, ...], yes: bool) -> None:
    from zen_run import _render
    from zen_store import RunInProgressError, RunStatus

    client = write_client()
    chosen = {run.id: run for run in (client.get_run(run_id) for run_id in run_ids)}  # every id known, or none goes
    for run in chosen.values():
        if run.status is RunStatus.RUNNING:
            raise RunInProgressError(run.id, run.pipeline_name)
    out = printer()
    if not yes:
        if not sys.stdin.isatty():
            raise usage_error(
                f"`zen runs delete` deletes {len(chosen)} run(s) for good; it asks first in a terminal, and needs "
                f"--yes elsewhere. Nothing was deleted."
            )
        listed = ", ".join(f"{run.id} ({run.pipeline_name}, {run.status})" for run in chosen.values())
        if not click.confirm(f"Delete {len(chosen)} run(s): {listed}?", default=False, err=True):
            click.echo("nothing was deleted", err=True)
            return
    deleted = [client.delete_run(run_id) for run_id in chosen]
    if out.json:
        out.emit_json(deleted)
    else:
        out.line(_render.describe_deletion(deleted))


@runs.command(help="What differs between two runs: configs, code, statuses, outputs, repository state.")
@argument("run_a", metavar="A", help="The first run (an id or a unique prefix).", shell_complete=complete_run_ids)
@argument("run_b", metavar="B", help="The second run (an id or a unique prefix).", shell_complete=complete_run_ids)
@common_options
def compare(run_a: str, run_b: str) -> None:
    from zen_run import _render

    comparison = read_client().compare(run_a, run_b)
    out = printer()
    if out.json:
        out.emit_json(comparison)
        return
    for line in _render.describe_comparison(comparison):
        out.line(line)


@click.command(
    cls=ZenCommand,
    help="Print what a step of a run printed: its stdout, stderr and logging records, as written. A note on stderr "
    "says when the start was cut (zen keeps the last 1,000,000 characters), or when a cached step shows the output "
    "of the step run it reused.",
)
@argument("run_id", metavar="RUN", help=_RUN_HELP, shell_complete=complete_run_ids)
@argument(
    "step_name",
    metavar="STEP",
    help="The step's name in the pipeline (its slot, as `zen runs show` lists).",
    shell_complete=complete_step_names,
)
@click.option("--tail", type=WholeNumber(minimum=1), metavar="N", help="Print only the last N lines.")
@common_options
def logs(run_id: str, step_name: str, tail: int | None) -> None:
    from zen_run._render import log_lines

    step = read_client().step(run_id, step_name)
    record = step.record
    cached = record.cached_from is not None
    made_by = step.cached_from  # a cached step did not run: what it shows is what the step run it reused printed
    shown = made_by.logs if made_by is not None else step.logs
    printed_by = made_by.record if made_by is not None else None if cached else record  # None: deleted meanwhile
    out = printer()
    lines = log_lines(shown.text)
    if tail is not None:
        lines = lines[-tail:]
    if out.json:
        out.emit_json(
            {
                "run_id": record.run_id,
                "step_name": record.step_name,
                "step_run_id": record.step_run_id,
                "status": record.status,
                "text": "\n".join(lines) + ("\n" if lines else ""),
                "cut": shown.cut,
                "cached": cached,
                "from_run_id": None if printed_by is None else printed_by.run_id,
                "from_step_run": record.cached_from or record.step_run_id,
                "error": record.error,
            }
        )
        return
    if printed_by is not None and printed_by is not record:
        say(
            f"step {record.step_name} of run {record.run_id} was a cache hit and did not run; this is what it printed "
            f"in run {printed_by.run_id}, which made the outputs reused here."
        )
    elif cached:
        say(
            f"step {record.step_name} of run {record.run_id} was a cache hit and did not run; the step run that made "
            f"its outputs ({record.cached_from}) was deleted with its run, and its output with it."
        )
        return
    if shown.cut:
        say(f"the first {shown.cut:,} characters of this output were not kept (zen keeps the last 1,000,000).")
    if printed_by is not None and not lines and not shown.cut:
        running = " yet" if record.status == "running" else ""
        say(f"step {printed_by.step_name} of run {printed_by.run_id} printed nothing{running}.")
    for line in lines:
        click.echo(line)
