"""What every ``zen`` command module shares: the printer for the options given, and opening the project's stores
for reading (which never creates a project) or for writing.

Only click and the output module are imported here; the stores are imported when a command opens them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Final

from zen_run._escape import escape_controls
from zen_run._output import Printer
from zen_run.cli import current_options

if TYPE_CHECKING:
    from zen_run._client import Client
    from zen_run._project import Project

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_DAMAGED",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_USAGE",
    "existing_project",
    "printer",
    "progress",
    "read_client",
    "usage_error",
    "write_client",
]

# The exit codes of ``zen`` (what each means: ``_cli``'s docstring; which error gets which: ``_cli.exit_code``).
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_NOT_FOUND: Final = 3
EXIT_DAMAGED: Final = 4
EXIT_INTERRUPTED: Final = 130
EXIT_BROKEN_PIPE: Final = 141


def usage_error(message: str) -> Exception:
    """The error for an argument that names nothing usable (exit 2); ``message`` quotes it and says what to do."""
    from zen_run.errors import CommandLineError

    return CommandLineError(message)


def printer() -> Printer:
    """Prints in the form the running command was asked for (``--json`` or text)."""
    return Printer(json_output=current_options().json)


def existing_project() -> Project:
    """The project the command runs in, which must exist already: reading never creates ``.zen/``."""
    from zen_run._project import Project

    return Project.find().existing()


def read_client() -> Client:
    """A client on the existing project's stores, for the stack given (``--stack``) or the active one."""
    from zen_run._client import Client

    return Client(existing_project().root, stack=current_options().stack)


def write_client() -> Client:
    """A client on the project's stores, creating ``.zen/`` when it is missing (commands that change things)."""
    from zen_run._client import Client
    from zen_run._project import Project

    return Client(Project.find().ensure().root, stack=current_options().stack)


def progress(message: str) -> None:
    """A run's progress line, on stderr."""
    print(escape_controls(message), file=sys.stderr, flush=True)
