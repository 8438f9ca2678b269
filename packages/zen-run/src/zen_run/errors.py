"""Errors of the runner, the stacks, run configuration and the post-execution client."""

from __future__ import annotations

from zen_types.errors import ZenError

__all__ = [
    "CompileError",
    "OutputTypeError",
    "RunConfigError",
    "RunNotResumableError",
    "StackError",
    "StepFailedError",
]


class CompileError(ZenError, TypeError):
    """A bound pipeline cannot run: a type without a materializer, a missing config, an unknown materializer."""


class StepFailedError(ZenError, RuntimeError):
    """A step raised, or its inputs or outputs could not be read or saved (a full disk, a read-only folder, a
    symbolic link in an output folder); the original exception is chained (``__cause__``). ``storage_fault`` is
    True for the latter: the cause is in the message, and its traceback would show zen's code, not the step's."""

    def __init__(self, message: str, *, run_id: str, step_name: str, storage_fault: bool = False) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.step_name = step_name
        self.storage_fault = storage_fault


class OutputTypeError(ZenError, TypeError):
    """A step returned a value that does not match its declared output type; nothing was written for it."""


class StackError(ZenError, ValueError):
    """A stack is unknown, malformed, or cannot be activated."""


class RunConfigError(ZenError, ValueError):
    """A run configuration file or CLI option is invalid; the message starts with the key path."""


class RunNotResumableError(ZenError, ValueError):
    """A run cannot be resumed or re-run (it completed, or its code cannot be loaded)."""
