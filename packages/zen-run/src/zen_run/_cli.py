"""The ``zen`` command line.

Exit codes: 0 success; 1 a step failed (the run is recorded as failed); 2 bad usage or invalid input (a
definition, wiring, config or stack error); 3 something named does not exist; 4 the lineage store is damaged or
missing (``zen doctor`` says what to do); 130 interrupted (the run is recorded as stopped); 141 the reader of
the output went away (``zen ... | head``), quietly. ``--json`` prints machine-readable output; tables are aligned
in a terminal and plain tab-separated text when piped; progress of a run goes to stderr. Control characters in
names users chose (ANSI escapes, newlines) are printed escaped, so they cannot restyle the terminal or break rows.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from zen_run import _render
from zen_run._cache import CacheComponents, diff_components
from zen_run._client import Client, Run
from zen_run._context import RunContext
from zen_run._dag import render_dag
from zen_run._output import Printer, escape_controls
from zen_run._project import Project
from zen_run._rerun import rerun, resume
from zen_run._runconfig import RunConfig, parse_set_option
from zen_run._runner import RunOptions, execute
from zen_run._stack import Stack, StackRegistry
from zen_run.errors import StepFailedError
from zen_store import (
    ArtifactNotFoundError,
    LineageStoreDamagedError,
    RecordNotFoundError,
    SQLiteLineageStore,
    check_file,
    restore,
)
from zen_types import Pipeline, PipelineInstance, RunView
from zen_types.errors import ZenError

__all__ = ["main"]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_DAMAGED = 4
EXIT_BROKEN_PIPE = 141
EXIT_INTERRUPTED = 130


class _UsageError(ZenError, ValueError):
    """A command-line argument that names nothing loadable."""


def load_object(target: str) -> object:
    """Load ``module:attr`` or ``path/to/file.py:attr`` (the project root and cwd are importable)."""
    module_name, sep, attr = target.partition(":")
    if not sep or not attr:
        raise _UsageError(f"{target!r}: expected MODULE:OBJECT or FILE.py:OBJECT, e.g. examples/quickstart.py:instance")
    if module_name.endswith(".py"):
        file = Path(module_name).resolve()
        if not file.exists():
            raise _UsageError(f"{module_name}: no such file.")
        spec = importlib.util.spec_from_file_location(file.stem, file)
        if spec is None or spec.loader is None:
            raise _UsageError(f"{module_name}: cannot be imported as a module.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[file.stem] = module
        spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            raise _UsageError(f"{target!r}: cannot import module {module_name!r} ({exc}).") from exc
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise _UsageError(f"{target!r}: module {module_name!r} has no attribute {attr!r}.")
        obj = getattr(obj, part)
    return obj


def _instance(target: str) -> PipelineInstance:
    obj = load_object(target)
    if isinstance(obj, Pipeline):
        raise _UsageError(
            f"{target!r} is the pipeline {obj.name!r}, not a bound instance. Point at an instance, e.g. "
            f"`instance = {obj.name}(slot=step(), ...)`, and run MODULE:instance."
        )
    if not isinstance(obj, PipelineInstance):
        raise _UsageError(f"{target!r} is a {type(obj).__name__}, not a pipeline instance.")
    return obj


def _progress(message: str) -> None:
    print(escape_controls(message), file=sys.stderr, flush=True)


def _client(args: argparse.Namespace) -> Client:
    return Client(stack=args.stack)


# -- commands ----------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, out: Printer) -> int:
    project = Project.find().ensure()
    RunContext.shared(project=project, stack=args.stack)
    out.emit_json({"root": str(project.root)}) if out.json else out.line(f"zen project at {project.root}")
    return 0


def cmd_run(args: argparse.Namespace, out: Printer) -> int:
    instance = _instance(args.target)
    config = RunConfig()
    if args.config:
        config = config.merged(RunConfig.from_file(Path(args.config)))
    if args.set:
        config = config.merged(parse_set_option(args.set))
    opts = RunOptions(
        run_name=args.run_name,
        enable_cache=False if args.no_cache else None,
        config=config,
        stack=args.stack,
        tags=tuple(args.tag or ()),
        progress=None if args.quiet else _progress,
    )
    run = execute(instance, RunContext.shared(stack=args.stack), opts)
    _show_run(run, out)
    return 0


def _show_run(run: Run, out: Printer) -> None:
    if out.json:
        out.emit_json(_run_json(run))
        return
    dirty = "  (from a dirty work tree: not reproducible from git)" if run.dirty else ""
    out.line(f"run {run.id}  pipeline {run.pipeline_name}  {run.status}{dirty}")
    rows = []
    for name, step in run.steps.items():
        outputs = ", ".join(f"{k}:{a.id[:12]}" for k, a in step.outputs.items())
        rows.append([name, step.status, step.source, outputs])
    out.table(["step", "status", "source", "outputs"], rows)


def _run_json(run: Run) -> dict[str, object]:
    return {
        "run": run.record,
        "steps": {name: step.record for name, step in run.steps.items()},
    }


def cmd_runs_list(args: argparse.Namespace, out: Printer) -> int:
    runs = _client(args).runs(args.pipeline, status=args.status, run_name=args.name, tag=args.tag, limit=args.limit)
    return _list_runs(runs, out)


def cmd_runs_search(args: argparse.Namespace, out: Printer) -> int:
    return _list_runs(_client(args).search_runs(args.text, limit=args.limit), out)


def _list_runs(runs: list[Run], out: Printer) -> int:
    if out.json:
        out.emit_json([r.record for r in runs])
        return 0
    out.table(
        ["run", "pipeline", "name", "status", "started", "dirty"],
        [[r.id, r.pipeline_name, r.name, r.status, r.started_at, "yes" if r.dirty else ""] for r in runs],
    )
    return 0


def cmd_runs_show(args: argparse.Namespace, out: Printer) -> int:
    _show_run(_client(args).get_run(args.run), out)
    return 0


def cmd_runs_compare(args: argparse.Namespace, out: Printer) -> int:
    comparison = _client(args).compare(args.run_a, args.run_b)
    if out.json:
        out.emit_json(comparison)
        return 0
    for line in _render.describe_comparison(comparison):
        out.line(line)
    return 0


def cmd_artifacts_show(args: argparse.Namespace, out: Printer) -> int:
    artifact = _client(args).artifact(args.artifact)
    if out.json:
        out.emit_json(artifact.record)
        return 0
    for key, value in _render.describe_artifact(artifact.record):
        out.line(f"{key:<14} {value}")
    return 0


def cmd_artifacts_read(args: argparse.Namespace, out: Printer) -> int:
    value = _client(args).artifact(args.artifact).read()
    if out.json:
        out.emit_json(value)
    else:
        out.line(repr(value))
    return 0


def cmd_lineage(args: argparse.Namespace, out: Printer) -> int:
    graph = _client(args).lineage(args.artifact, downstream=args.downstream)
    if out.json:
        out.emit_json(graph)
        return 0
    for line in _render.describe_lineage(graph):
        out.line(line)
    return 0


def cmd_stack_list(args: argparse.Namespace, out: Printer) -> int:
    registry = StackRegistry(Project.find())
    stacks = registry.list()
    active = registry.active_name
    if out.json:
        out.emit_json({"active": active, "stacks": stacks})
        return 0
    out.table(
        ["", "name", "orchestrator", "artifact store", "lineage store", "options"],
        [
            ["*" if s.name == active else "", s.name, s.orchestrator, s.artifact_store, s.lineage_store, _options(s)]
            for s in stacks
        ],
    )
    return 0


def _key_values(flag: str, items: list[str] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _UsageError(f"{flag} {item!r}: expected KEY=VALUE.")
        found[key] = value
    return found


def _options(stack: Stack) -> str:
    shown = [f"{k}={v}" for k, v in sorted(stack.options.items())]
    shown += [f"artifact:{k}={v}" for k, v in sorted(stack.artifact_options.items())]
    return " ".join(shown) or "-"


def cmd_stack_register(args: argparse.Namespace, out: Printer) -> int:
    stack = Stack(
        name=args.name,
        orchestrator=args.orchestrator,
        artifact_store=args.artifact_store,
        lineage_store=args.lineage_store,
        options=_key_values("--option", args.option),
        artifact_options=_key_values("--artifact-option", args.artifact_option),
    )
    StackRegistry(Project.find()).register(stack, replace=args.replace)
    out.emit_json(stack) if out.json else out.line(f"registered stack {stack.name}")
    return 0


def cmd_stack_set(args: argparse.Namespace, out: Printer) -> int:
    stack = StackRegistry(Project.find()).activate(args.name)
    out.emit_json(stack) if out.json else out.line(f"active stack: {stack.name}")
    return 0


def cmd_cache_explain(args: argparse.Namespace, out: Printer) -> int:
    client = _client(args)
    run = client.get_run(args.run)
    step = run.steps.get(args.step)
    if step is None:
        raise RecordNotFoundError(f"run {run.id} has no step {args.step!r} (steps: {', '.join(run.steps)}).")
    explanation = explain(client, run, args.step)
    if out.json:
        out.emit_json(explanation)
    else:
        lines = explanation["lines"]
        for line in lines if isinstance(lines, list) else []:
            out.line(str(line))
    return 0


def explain(client: Client, run_view: RunView, step_name: str) -> dict[str, object]:
    """Why ``step_name`` of ``run_view`` was or was not cached, component by component."""
    run = client.get_run(run_view.id)
    step = run.steps[step_name]
    record = step.record
    lines: list[str] = []
    if record.status == "cached":
        lines.append(f"step {step_name} was cached: reused step run {record.cached_from} (same cache key).")
        return {"cached": True, "cached_from": record.cached_from, "lines": lines}
    now = CacheComponents.from_json(record.cache_components or {})
    if record.cache_key is None and record.status == "completed":
        lines.append(f"step {step_name} ran with caching turned off (per step, pipeline or run).")
    previous = client.context.stores.lineage.previous_step_run(run.pipeline_name, step_name, before_run=run.id)
    if previous is None:
        lines.append(f"step {step_name} was not cached: no earlier run of pipeline {run.pipeline_name} has this step.")
        return {"cached": False, "lines": lines}
    before = CacheComponents.from_json(previous.cache_components or {})
    reasons = diff_components(now, before)
    lines.append(f"step {step_name} was not cached; compared with run {previous.run_id}:")
    if reasons:
        lines.extend(f"  - {reason}" for reason in reasons)
    elif previous.status != "completed":
        lines.append(f"  - the earlier step run did not complete (status {previous.status}).")
    else:
        lines.append("  - same components, but the cached artifacts were missing or corrupt (a miss, not a failure).")
    return {"cached": False, "compared_with": previous.run_id, "reasons": reasons, "lines": lines}


def cmd_cache_clear(args: argparse.Namespace, out: Printer) -> int:
    count = _client(args).context.stores.lineage.clear_cache(pipeline_name=args.pipeline)
    out.emit_json({"cleared": count}) if out.json else out.line(f"cleared {count} cache entries")
    return 0


def cmd_gc(args: argparse.Namespace, out: Printer) -> int:
    from zen_run._gc import forget_referent, garbage_collect

    if args.older_than < 0:
        raise _UsageError(f"--older-than {args.older_than}: give a number of minutes, 0 or more.")
    stores = _client(args).context.stores
    if args.forget:
        if not forget_referent(stores, args.forget):
            raise _UsageError(f"--forget {args.forget}: no lineage store with that id writes to this artifact store.")
        out.line(f"forgot lineage store {args.forget}; its references no longer protect artifacts")
    report = garbage_collect(stores, delete=args.delete, older_than_s=args.older_than * 60)
    if out.json:
        out.emit_json(report)
        return 0
    for line in _render.describe_gc(report, deleted=args.delete):
        out.line(line)
    return 0


def cmd_doctor(args: argparse.Namespace, out: Printer) -> int:
    project = Project.find()
    stacks = StackRegistry(project)
    stack = stacks.get(args.stack) if args.stack else stacks.active()
    location = stack.lineage_location(project)
    if "://" in location:
        raise _UsageError(f"zen doctor checks SQLite lineage files; {location!r} is a server, check it there.")
    path = Path(location)
    if args.restore:
        try:
            report = restore(path)
        except FileNotFoundError as exc:
            raise _UsageError(
                f"there is no backup of {path} to restore ({exc} is missing). If its runs are gone for good, start "
                f"afresh with `zen doctor --new-store`."
            ) from exc
        out.emit_json(report) if out.json else None
        if not out.json:
            out.line(f"restored {path} from {report.restored_from}")
            if report.damaged_kept_at:
                out.line(f"the damaged file is kept at {report.damaged_kept_at}")
            for table, count in sorted(report.salvaged.items()):
                out.line(f"  {count} {table} rows read back from the damaged file")
            for table, problem in sorted(report.unreadable.items()):
                out.line(f"  {table}: the rest could not be read ({problem})")
    elif args.new_store:
        if path.exists():
            raise _UsageError(f"{path} exists; --new-store only starts a lineage store where none is left.")
        SQLiteLineageStore.open(path).close()
        out.line(
            f"started an empty lineage store at {path}. The artifact store still protects what the lost one "
            f"recorded until `zen gc --forget STORE_ID` (gc names it)."
        )
        return 0
    health = check_file(path)
    if out.json:
        out.emit_json({"sound": health.sound, "health": health})
    else:
        for line in _render.describe_health(health):
            out.line(line)
    return 0 if health.sound else EXIT_DAMAGED


def cmd_dag(args: argparse.Namespace, out: Printer) -> int:
    instance = _instance(args.target)
    for line in render_dag(instance.compile(), fmt=args.format).splitlines():
        out.line(line)
    return 0


def cmd_rerun(args: argparse.Namespace, out: Printer) -> int:
    context = RunContext.shared(stack=args.stack)
    run = rerun(context, args.run, progress=None if args.quiet else _progress, enable_cache=not args.no_cache)
    _show_run(run, out)
    return 0


def cmd_resume(args: argparse.Namespace, out: Printer) -> int:
    context = RunContext.shared(stack=args.stack)
    run = resume(context, args.run, progress=None if args.quiet else _progress)
    _show_run(run, out)
    return 0


# -- parser --------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:  # noqa: PLR0915 - one flat table of commands reads best
    """The ``zen`` argument parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    common.add_argument("--stack", help="use this stack instead of the active one")
    parser = argparse.ArgumentParser(prog="zen", description="zen: typed ML pipelines with lineage.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, help_text: str, func: object, parent: argparse._SubParsersAction[argparse.ArgumentParser]
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.set_defaults(func=func)
        return p

    add("init", "create .zen/ at the project root and open its stores", cmd_init, sub)

    p = add("run", "run a pipeline instance MODULE:OBJECT (or FILE.py:OBJECT)", cmd_run, sub)
    p.add_argument("target")
    p.add_argument("--config", help="a YAML run config (run_name, enable_cache, steps.SLOT.config...)")
    p.add_argument("--set", action="append", metavar="SLOT.FIELD=VALUE", help="set a config field (repeatable)")
    p.add_argument("--run-name")
    p.add_argument("--no-cache", action="store_true", help="run every step, reuse nothing")
    p.add_argument("--tag", action="append", help="label the run (repeatable); find it with runs list --tag")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")

    runs = sub.add_parser("runs", help="list, search, show and compare runs").add_subparsers(dest="sub", required=True)
    p = add("list", "list runs, newest first", cmd_runs_list, runs)
    p.add_argument("--pipeline")
    p.add_argument("--status")
    p.add_argument("--name")
    p.add_argument("--tag", help="only runs labelled with this tag")
    p.add_argument("--limit", type=int, default=50)
    p = add(
        "search",
        "find runs by pipeline or run name, tag or config value (every word must match)",
        cmd_runs_search,
        runs,
    )
    p.add_argument("text", help="words to find; end a word with * to match a prefix, e.g. 'resnet lr*'")
    p.add_argument("--limit", type=int, default=50)
    p = add("show", "show a run and its steps", cmd_runs_show, runs)
    p.add_argument("run")
    p = add("compare", "what differs between two runs", cmd_runs_compare, runs)
    p.add_argument("run_a")
    p.add_argument("run_b")

    arts = sub.add_parser("artifacts", help="show and read artifacts").add_subparsers(dest="sub", required=True)
    p = add("show", "show an artifact's record", cmd_artifacts_show, arts)
    p.add_argument("artifact")
    p = add("read", "read an artifact's value and print it", cmd_artifacts_read, arts)
    p.add_argument("artifact")

    p = add("lineage", "the upstream (or downstream) lineage of an artifact", cmd_lineage, sub)
    p.add_argument("artifact")
    p.add_argument("--downstream", action="store_true")

    stack = sub.add_parser("stack", help="list, register and activate stacks").add_subparsers(dest="sub", required=True)
    add("list", "list stacks (* marks the active one)", cmd_stack_list, stack)
    p = add("register", "register a stack", cmd_stack_register, stack)
    p.add_argument("name")
    p.add_argument("--orchestrator", default="local", help="local (in process), dask, or a registered one")
    p.add_argument("--artifact-store", default=".zen/artifacts", help="a path or an fsspec URL (s3://bucket/prefix)")
    p.add_argument(
        "--lineage-store",
        default=".zen/lineage.db",
        help="a SQLite file, or a PostgreSQL URL postgresql://user@host:port/dbname shared by a team (the password "
        "comes from PGPASSWORD or ~/.pgpass)",
    )
    p.add_argument("--option", action="append", metavar="KEY=VALUE", help="orchestrator option (repeatable)")
    p.add_argument(
        "--artifact-option",
        action="append",
        metavar="KEY=VALUE",
        help="fsspec storage option of a remote artifact store, e.g. endpoint_url=http://127.0.0.1:9000 (repeatable; "
        "credentials come from the environment)",
    )
    p.add_argument("--replace", action="store_true")
    p = add("set", "activate a stack", cmd_stack_set, stack)
    p.add_argument("name")

    cache = sub.add_parser("cache", help="explain and clear the step cache").add_subparsers(dest="sub", required=True)
    p = add("explain", "why a step was or was not cached", cmd_cache_explain, cache)
    p.add_argument("run")
    p.add_argument("step")
    p = add("clear", "forget cache entries (artifacts stay until gc)", cmd_cache_clear, cache)
    p.add_argument("--pipeline")

    p = add("gc", "delete artifacts no run references (dry run unless --delete)", cmd_gc, sub)
    p.add_argument("--delete", action="store_true")
    p.add_argument(
        "--older-than",
        type=float,
        default=60.0,
        metavar="MINUTES",
        help="treat unfinished uploads to a remote store (and staging written from other hosts) as abandoned once "
        "this old (default 60)",
    )
    p.add_argument(
        "--forget",
        metavar="STORE_ID",
        help="first drop a lineage store that is gone for good from the artifact store's registry (gc names it when "
        "it refuses)",
    )

    p = add("doctor", "check the lineage file and restore it from its backup if it is damaged", cmd_doctor, sub)
    p.add_argument(
        "--restore",
        action="store_true",
        help="put the last backup in place of a damaged or missing lineage file (kept aside) and add every row the "
        "damaged file still holds",
    )
    p.add_argument(
        "--new-store", action="store_true", help="start an empty lineage store where the old one is lost for good"
    )

    p = add("dag", "print a pipeline instance's graph as Mermaid, Graphviz DOT or SVG", cmd_dag, sub)
    p.add_argument("target")
    p.add_argument("--format", choices=["mermaid", "dot", "svg"], default="mermaid")

    p = add("rerun", "re-run a past run from its pinned sources", cmd_rerun, sub)
    p.add_argument("run")
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    p = add("resume", "run a failed or crashed run's remaining steps", cmd_resume, sub)
    p.add_argument("run")
    p.add_argument("-q", "--quiet", action="store_true")
    _add_plugin_commands(lambda name, help_text, func: add(name, help_text, _plugin_command(func), sub))
    return parser


def _plugin_command(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace, Printer], int]:
    return lambda args, out: func(args)


def _add_plugin_commands(
    add: Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser],
) -> None:
    """Commands other packages plug in through the ``zen.commands`` entry-point group (``zen ui`` is one).

    Each entry point names a function ``register(add)``; ``add(name, help, func)`` returns the command's
    argparse parser (with ``--json`` and ``--stack``) and ``func(args) -> exit code`` runs it. zen-run never
    imports those packages itself, so the layering stays one-way and ``zen --help`` stays fast.
    """
    for entry in importlib.metadata.entry_points(group="zen.commands"):
        try:
            register = entry.load()
        except Exception as exc:
            print(f"zen: command {entry.name!r} from {entry.value} cannot be loaded ({exc}); skipped.", file=sys.stderr)
            continue
        register(add)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``zen`` command; returns the exit code (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Printer(json_output=args.json)
    Project.find().make_importable()
    try:
        code: int = args.func(args, out)
        sys.stdout.flush()  # here, so a reader that went away is noticed below rather than at exit
    except StepFailedError as exc:
        _say(exc)
        if exc.__cause__ is not None and not exc.storage_fault:
            import traceback

            traceback.print_exception(exc.__cause__, file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        _say(
            "interrupted; a run in progress is recorded as stopped, and an output it was saving is left in a staging "
            "folder that `zen gc --delete` removes"
        )
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`zen ... | head`): stop quietly, and keep Python from complaining at exit when it
        # flushes stdout into the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    except (RecordNotFoundError, ArtifactNotFoundError) as exc:
        _say(exc)
        return EXIT_NOT_FOUND
    except LineageStoreDamagedError as exc:
        _say(exc)
        return EXIT_DAMAGED
    except ZenError as exc:
        _say(exc)
        return EXIT_USAGE
    return code


def _say(message: object) -> None:
    """One line on stderr, with control characters from user-provided names escaped."""
    print(f"zen: {escape_controls(str(message))}", file=sys.stderr)


def run_main() -> None:
    """Console-script entry point."""
    sys.exit(main())
