"""The ``zen`` command line, on click: the root group, the exit codes, and the commands other packages plug in.

Exit codes, decided here and nowhere else (:func:`exit_code`): 0 success; 1 a step failed, including a step that
returned the wrong type (the run is recorded as failed); 2 bad usage or invalid input (an unknown option or
choice, a definition, wiring, config or stack error); 3 something named does not exist, or there is no zen project
here for a command that only reads one, or the folder a project would go in does not exist, and a file or folder
that cannot be read or written (a full disk, no permission: said in one sentence naming it); 4 the lineage store is
damaged or missing (``zen doctor`` says what to do); 130 interrupted (the run is recorded as stopped); 141 the
reader of the output went away (``zen ... | head``), quietly. Errors are one sentence on stderr, never a
traceback (a failing step's own traceback is the exception: it is the user's code).

The commands live in one module per noun (``_cli_runs``, ``_cli_artifacts``, ``_cli_project``,
``_cli_store``); :data:`COMMANDS` below is the one list that puts them on ``zen``. Those modules import only
click at the top and the rest of zen inside each command, so ``zen --help`` and ``zen COMMAND --help`` load no
stores, pipelines or array libraries. Commands of other packages (``zen ui``) come in through the
``zen.commands`` entry-point group and are loaded only to show their help or to run them.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, TextIO

import click

from zen_run._cli_artifacts import artifacts, lineage
from zen_run._cli_project import init, stack
from zen_run._cli_runs import dag, logs, rerun, resume, run, runs
from zen_run._cli_shared import (
    EXIT_BROKEN_PIPE,
    EXIT_DAMAGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
)
from zen_run._cli_store import cache, doctor, gc, verify
from zen_run._output import say
from zen_run.cli import COMMANDS_GROUP, ZenGroup

if TYPE_CHECKING:
    import importlib.metadata

__all__ = [
    "COMMANDS",
    "COMPLETE_VAR",
    "EXIT_BROKEN_PIPE",
    "EXIT_DAMAGED",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_USAGE",
    "exit_code",
    "main",
    "run_main",
    "zen",
]

COMPLETE_VAR: Final = "_ZEN_COMPLETE"
"""The environment variable through which a shell asks ``zen`` for completions (click's protocol)."""

COMMANDS: Final[tuple[click.Command, ...]] = (
    init,
    run,
    runs,
    logs,
    artifacts,
    lineage,
    stack,
    cache,
    gc,
    verify,
    doctor,
    dag,
    rerun,
    resume,
)
"""zen's own commands, in the order ``zen --help`` lists them."""

_ADDED_BY: Final = {"ui": "zen-ui"}
"""Commands zen's own optional packages add, by the distribution that adds them (named when it is missing)."""
_DISTRIBUTIONS: Final = ("zen-run", "zen-types", "zen-materialize", "zen-store", "zen-git", "zen-ui")


class _Zen(ZenGroup):
    """The root group: zen's own commands in their order, then those of the ``zen.commands`` entry points."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Own commands first (in :data:`COMMANDS` order), then plugged-in ones, by name."""
        plugged = sorted(name for name in _plugged() if name not in self.commands)
        return [*self.commands, *plugged]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """An own command, or a plugged-in one loaded now; a plug-in that fails to load is skipped with a line."""
        own = self.commands.get(cmd_name)
        if own is not None:
            return own
        entry = _plugged().get(cmd_name)
        if entry is None:
            return None
        try:
            loaded = entry.load()
        except Exception as exc:
            say(f"command {cmd_name!r} from {entry.value} cannot be loaded ({exc}); skipped.")
            return None
        if not isinstance(loaded, click.Command):
            say(f"command {cmd_name!r} from {entry.value} is a {type(loaded).__name__}, not a click command; skipped.")
            return None
        return loaded

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """click's resolution, but a command another zen package adds names that package when it is missing."""
        name = args[0] if args else ""
        package = _ADDED_BY.get(name)
        if package is not None and self.get_command(ctx, name) is None:
            from zen_types import install_hint

            ctx.fail(
                f"`zen {name}` comes with {package}, which is not installed in this environment. Install it as the "
                f"other zen packages were: {install_hint(package)}."
            )
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their short help; a plugged-in command shows its package's summary, so listing
        it imports nothing (its own help comes with ``zen NAME --help``)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            own = self.commands.get(name)
            if own is None:
                rows.append((name, _shortened(_summary(_plugged()[name]), limit)))
            elif not own.hidden:
                rows.append((name, own.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 1)].rsplit(" ", 1)[0] + "..."


def _summary(entry: importlib.metadata.EntryPoint) -> str:
    dist = entry.dist
    summary = dist.metadata["Summary"] if dist is not None else None
    origin = f" (from {dist.name})" if dist is not None else ""
    return f"{summary}{origin}" if summary else f"A command from {entry.value}{origin}."


@functools.cache  # one scan of the installed packages per process (a `zen` process runs one command)
def _plugged() -> dict[str, importlib.metadata.EntryPoint]:
    import importlib.metadata  # here: it costs a tenth of a start-up, and only listing commands needs it

    return {entry.name: entry for entry in importlib.metadata.entry_points(group=COMMANDS_GROUP)}


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    import importlib.metadata

    for name in _DISTRIBUTIONS:
        try:
            click.echo(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    ctx.exit()


@click.group(
    cls=_Zen,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    help="zen: typed ML pipelines with lineage. Run a pipeline, then query its runs, artifacts and lineage.",
    epilog="Every command takes --json and --stack NAME; `zen COMMAND --help` shows its options.",
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the versions of the installed zen packages and exit.",
)
def zen() -> None:
    """The ``zen`` command."""


for _command in COMMANDS:
    zen.add_command(_command)


def exit_code(exc: BaseException) -> int:
    """The exit code for an error a command raised (see the module docstring)."""
    from zen_run.errors import NoProjectError, OutputTypeError, ProjectRootError, StepFailedError
    from zen_store import ArtifactNotFoundError, LineageStoreDamagedError, RecordNotFoundError

    if isinstance(exc, (StepFailedError, OutputTypeError)):
        return EXIT_FAILED
    if isinstance(exc, (RecordNotFoundError, ArtifactNotFoundError, NoProjectError, ProjectRootError)):
        return EXIT_NOT_FOUND
    if isinstance(exc, LineageStoreDamagedError):
        return EXIT_DAMAGED
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``zen`` command; returns the exit code (see the module docstring)."""
    args = sys.argv[1:] if argv is None else list(argv)
    instruction = os.environ.get(COMPLETE_VAR)
    if instruction:  # the shell asks for completions (see docs/cli.md)
        from click.shell_completion import shell_complete

        from zen_run._completion import use_bash_colon_words

        use_bash_colon_words()
        return shell_complete(zen, {}, "zen", COMPLETE_VAR, instruction)
    color = False if os.environ.get("NO_COLOR") else None
    with warnings.catch_warnings():  # restores Python's own display when the command ends
        warnings.showwarning = functools.partial(_show_warning, warnings.showwarning)
        return _invoke(args, color)


def _show_warning(  # noqa: PLR0917 - the signature of warnings.showwarning, plus Python's own display
    python: Callable[[Warning | str, type[Warning], str, int, TextIO | None, str | None], None],
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """zen's own warnings (code it cannot pin, a materializer it distrusts) in one line like its errors, rather
    than as Python shows them: the file and line of zen's code that warned, which tell a user nothing."""
    if category.__module__.startswith("zen_"):
        say(f"warning: {message}")
    else:
        python(message, category, filename, lineno, file, line)


def _invoke(args: list[str], color: bool | None) -> int:
    try:
        # click's own `main` would turn a closed pipe into exit 1 and an interrupt into its own message; here
        # every outcome goes through the handlers below. `--help`, `--version` and `zen doctor`'s 4 end in Exit.
        try:
            with zen.make_context("zen", args, color=color) as ctx:
                zen.invoke(ctx)
        finally:
            sys.stdout.flush()  # here, so a reader that went away is noticed below rather than at exit
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        _show_usage_error(exc)
        return exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        say(
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
    except Exception as exc:
        from zen_types.errors import ZenError

        if isinstance(exc, ZenError):
            return _report(exc)
        if isinstance(exc, OSError):  # what the library did not say in its own words: one sentence, no traceback
            say(_os_error(exc))
            return EXIT_USAGE
        raise
    return 0


def _os_error(exc: OSError) -> str:
    """One sentence for an error of the operating system: what failed, on which file, and how to fix it."""
    what = exc.strerror or str(exc) or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        fix = "free disk space"
    elif exc.errno in {errno.EACCES, errno.EPERM, errno.EROFS} or isinstance(exc, PermissionError):
        fix = "fix the permissions of that file or folder (or remount it writable)"
    else:
        fix = "fix the cause"
    return f"{what}{where}; nothing more was done. {fix.capitalize()}, then run the command again."


def _report(exc: BaseException) -> int:
    from zen_run.errors import ModuleImportError, StepFailedError

    say(exc)
    if isinstance(exc, ModuleImportError) and exc.__cause__ is not None:
        from zen_run._escape import escape_controls_in_lines
        from zen_run._project import find_project_root
        from zen_run._tracebacks import import_traceback, project_relative

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root = find_project_root()
        sys.stderr.write(escape_controls_in_lines(project_relative(import_traceback(exc.__cause__), root)))
    if isinstance(exc, StepFailedError) and exc.__cause__ is not None and not exc.storage_fault:
        from zen_run._escape import escape_controls_in_lines
        from zen_run._project import find_project_root
        from zen_run._tracebacks import project_relative, user_traceback

        with warnings.catch_warnings():  # the project's folder was warned about when the run began, if need be
            warnings.simplefilter("ignore")
            root = find_project_root()
        sys.stderr.write(escape_controls_in_lines(project_relative(user_traceback(exc.__cause__), root)))
    return exit_code(exc)


def _show_usage_error(exc: click.ClickException) -> None:
    """click's usage line and hint, then the problem in one line like every other zen error; a group given no
    command (``zen``, ``zen runs``) shows its help instead."""
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if isinstance(exc, click.exceptions.NoArgsIsHelpError) and ctx is not None:
        click.echo(ctx.get_help(), err=True)
        return
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        hint = " ".join(ctx.command_path.split()) + " --help"
        click.echo(f"Try '{hint}' for help.\n", err=True)
    say(exc.format_message())


def run_main() -> None:
    """Console-script entry point."""
    sys.exit(main())
