"""Building blocks of the ``zen`` command line, for zen's own commands and for packages that add one.

A package adds a command by naming a :class:`click.Command` in the ``zen.commands`` entry-point group of its
``pyproject.toml`` (``ui = "zen_ui._command:ui"``). ``zen`` lists the group, and loads an entry only to show its
help or run it, so zen-run never imports the packages above it. A command built from these parts looks and
behaves like the built-in ones::

    @click.command(cls=ZenCommand, help="Serve the dashboard.")
    @argument("target", help="What to serve.")
    @common_options
    def serve(target: str) -> None:
        options = current_options()  # --json and --stack, as every zen command takes them
        ...

Every parameter has a help text (an argument's shows under "Positional arguments:" in ``--help``). This module
imports only click, so ``zen --help`` stays fast; a command imports what it needs when it runs.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import click
from click.decorators import FC as _F  # a command function (or command): decorators hand it back

if TYPE_CHECKING:
    from collections.abc import Callable

    from click.shell_completion import CompletionItem

__all__ = [
    "COMMANDS_GROUP",
    "CommandOptions",
    "WholeNumber",
    "ZenCommand",
    "ZenGroup",
    "argument",
    "common_options",
    "complete_stack_names",
    "current_options",
]

COMMANDS_GROUP = "zen.commands"
"""The entry-point group through which other packages add commands to ``zen``."""


# A dataclass, not attrs as elsewhere: this module is imported by every `zen` start, and attrs alone would add a
# third of `zen --help`'s import time.
@dataclasses.dataclass(frozen=True, kw_only=True)
class CommandOptions:
    """The options every ``zen`` command takes: ``--json`` (machine-readable output) and ``--stack NAME``."""

    json: bool
    stack: str | None


def argument(
    *param_decls: str,
    help: str,
    metavar: str | None = None,
    nargs: int = 1,
    required: bool | None = None,
    shell_complete: Callable[[click.Context, click.Parameter, str], list[CompletionItem[str]] | list[str]]
    | None = None,
) -> Callable[[_F], _F]:
    """``click.argument`` with a help text, which is required (click lists it under "Positional arguments:")."""
    if not help.strip():
        raise ValueError(f"argument {param_decls!r} needs a help text.")
    return click.argument(
        *param_decls, help=help, metavar=metavar, nargs=nargs, required=required, shell_complete=shell_complete
    )


class ZenCommand(click.Command):
    """A command that runs with the project's modules importable (the project root and the current directory on
    ``sys.path``), so the steps and classes of stored runs load in every command the way they do in ``zen run``."""

    def invoke(self, ctx: click.Context) -> object:
        """Make the project importable, then run the command (never for ``--help``, which stays light)."""
        from zen_run._project import Project

        Project.find().make_importable()
        return super().invoke(ctx)


class ZenGroup(click.Group):
    """A group of commands (a noun: ``runs``, ``stack``) whose commands and sub-groups are zen's kinds."""

    command_class = ZenCommand
    group_class = type


class WholeNumber(click.ParamType[int, object]):
    """A whole number written in ASCII digits, from ``minimum`` to ``maximum`` (``int()`` would also take
    '٣' and refuse '¹' with a traceback)."""

    name = "integer"

    def __init__(self, *, minimum: int = 0, maximum: int | None = None, hint: str = "") -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.hint = hint

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """The number, or a usage error naming the range."""
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.isascii() and value.isdigit():
            number = int(value)
        else:
            number = -1
        if number < self.minimum or (self.maximum is not None and number > self.maximum):
            span = f"{self.minimum}-{self.maximum}" if self.maximum is not None else f"{self.minimum} or more"
            self.fail(f"{value!r} is not a {self.hint or 'whole number'} ({span}).", param, ctx)
        return number


def complete_stack_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of a stack name: the project's registered stacks that start with ``incomplete`` (none,
    quietly, when the project or its configuration cannot be read)."""
    from zen_run._project import Project
    from zen_run._stack import StackRegistry
    from zen_types.errors import ZenError

    try:
        names = [stack.name for stack in StackRegistry(Project.find()).list()]
    except (ZenError, OSError):
        return []
    return [name for name in names if name.startswith(incomplete)]


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> None:
    ctx.meta[f"zen.{param.name}"] = value


def common_options(func: _F) -> _F:
    """Add ``--json`` and ``--stack NAME`` to a command; read them with :func:`current_options`."""
    json_option = click.option(
        "--json",
        "json_output",
        is_flag=True,
        expose_value=False,
        callback=_remember,
        help="Print JSON for scripts instead of text.",
    )
    stack_option = click.option(
        "--stack",
        metavar="NAME",
        expose_value=False,
        callback=_remember,
        shell_complete=complete_stack_names,
        help="Use this registered stack instead of the active one.",
    )
    return json_option(stack_option(func))


def current_options() -> CommandOptions:
    """The ``--json`` and ``--stack`` given to the command that is running."""
    meta = click.get_current_context().meta
    stack = meta.get("zen.stack")
    return CommandOptions(json=meta.get("zen.json_output") is True, stack=stack if isinstance(stack, str) else None)
