"""Errors of the runner, the stacks, run configuration and the post-execution client.

::

    ZenError
    ├── CompileError (TypeError)        a bound pipeline cannot run (before anything runs)
    ├── StepFailedError (RuntimeError)  a step raised, or could not run; the user's exception is the __cause__
    ├── OutputTypeError (TypeError)     a step returned what its annotation does not allow; nothing written
    ├── StackError (ValueError)         a stack is unknown or malformed
    ├── RunConfigError (ValueError)     a run configuration or run option is invalid
    ├── RunNotResumableError (ValueError)
    ├── CommandLineError (ValueError)   an argument of the zen command names nothing usable
    ├── ModuleImportError (ImportError)  the module a MODULE:OBJECT argument names raised while it was imported
    ├── NoProjectError (FileNotFoundError)  a command that only reads a project found none (it creates none)
    └── ProjectRootError (FileNotFoundError)  a project cannot be made where asked (no such parent folder)

    MissedHeartbeatWarning (UserWarning)    a running run could not record its heartbeat (it goes on)
    SharedProjectRootWarning (UserWarning)  the project found is a shared folder (home, temporary folder)

The two raised from several places (every orchestrator) take fields and write their own message.

The errors and warnings of the packages below, which zen-run's APIs pass on to users (``Client().delete_run`` of
a run in progress, an artifact that cannot be read, a module that cannot be pinned...), are importable from here
too, so one module answers "what can I catch": ``from zen_run.errors import RunInProgressError``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from zen_types.errors import ZenError

if TYPE_CHECKING:
    from pathlib import Path

    from zen_git.errors import (
        GitCommandError,
        InstalledVersionError,
        SourceResolutionError,
        UnpinnedCodeWarning,
        UpwardRelativeImportError,
    )
    from zen_materialize.errors import (
        AmbiguousMaterializerError,
        ArtifactReadError,
        ArtifactWriteError,
        CorruptArtifactError,
        MaterializerDefinitionError,
        MaterializerError,
        MaterializerNotFoundError,
        UnsafeMaterializerWarning,
        UnstorableValueError,
    )
    from zen_store.errors import (
        ArtifactIntegrityError,
        ArtifactNotFoundError,
        DamagedCopyError,
        GcRefusedError,
        LineageStoreDamagedError,
        RecordNotFoundError,
        RunInProgressError,
        SchemaVersionError,
        StoreError,
        UnsafePathError,
        UnstorableTextError,
    )

__all__ = [
    "AmbiguousMaterializerError",
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "ArtifactReadError",
    "ArtifactWriteError",
    "CommandLineError",
    "CompileError",
    "CorruptArtifactError",
    "DamagedCopyError",
    "GcRefusedError",
    "GitCommandError",
    "InstalledVersionError",
    "LineageStoreDamagedError",
    "MaterializerDefinitionError",
    "MaterializerError",
    "MaterializerNotFoundError",
    "MissedHeartbeatWarning",
    "ModuleImportError",
    "NoProjectError",
    "OutputTypeError",
    "ProjectRootError",
    "RecordNotFoundError",
    "RunConfigError",
    "RunInProgressError",
    "RunNotResumableError",
    "SchemaVersionError",
    "SharedProjectRootWarning",
    "SourceResolutionError",
    "StackError",
    "StepFailedError",
    "StoreError",
    "UnpinnedCodeWarning",
    "UnsafeMaterializerWarning",
    "UnsafePathError",
    "UnstorableTextError",
    "UnstorableValueError",
    "UpwardRelativeImportError",
    "ZenError",
]

# The errors of the packages below, each imported on first use (PEP 562): catching zen-run's own errors does not
# load the stores, materializers and git code. The imports above say the same to type checkers.
_BELOW: dict[str, str] = {
    **dict.fromkeys(
        (
            "GitCommandError",
            "InstalledVersionError",
            "SourceResolutionError",
            "UnpinnedCodeWarning",
            "UpwardRelativeImportError",
        ),
        "zen_git.errors",
    ),
    **dict.fromkeys(
        (
            "AmbiguousMaterializerError",
            "ArtifactReadError",
            "ArtifactWriteError",
            "CorruptArtifactError",
            "MaterializerDefinitionError",
            "MaterializerError",
            "MaterializerNotFoundError",
            "UnsafeMaterializerWarning",
            "UnstorableValueError",
        ),
        "zen_materialize.errors",
    ),
    **dict.fromkeys(
        (
            "ArtifactIntegrityError",
            "ArtifactNotFoundError",
            "DamagedCopyError",
            "GcRefusedError",
            "LineageStoreDamagedError",
            "RecordNotFoundError",
            "RunInProgressError",
            "SchemaVersionError",
            "StoreError",
            "UnsafePathError",
            "UnstorableTextError",
        ),
        "zen_store.errors",
    ),
}

if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any name as this module's

    def __getattr__(name: str) -> object:
        module = _BELOW.get(name)
        if module is None:
            raise AttributeError(f"module 'zen_run.errors' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # once imported, an ordinary module attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_BELOW})


class CompileError(ZenError, TypeError):
    """A bound pipeline cannot run: a type without a materializer, a missing config, an unknown materializer."""


class StepFailedError(ZenError, RuntimeError):
    """Step ``step_name`` (function ``function_name``) of run ``run_id`` failed for ``reason``; the user's
    exception, when there is one, is chained (``__cause__``) with its traceback. ``where`` says where it ran
    when that is not this process (``" on the Dask cluster"``). ``storage_fault`` names what zen was doing when
    storage failed it (``"saving its outputs"``: a full disk, a read-only folder, a symbolic link in an output
    folder); then the cause is in the message, and its traceback would show zen's code, not the step's."""

    def __init__(
        self,
        *,
        run_id: str,
        step_name: str,
        function_name: str,
        reason: str,
        where: str = "",
        storage_fault: str | None = None,
    ) -> None:
        self.run_id = run_id
        self.step_name = step_name
        self.function_name = function_name
        self.reason = reason
        self.where = where
        self.storage_fault = storage_fault
        doing = f" while {storage_fault}" if storage_fault else ""
        message = f'Step "{step_name}" ({function_name}) of run {run_id} failed{where}{doing}: {reason}'
        if storage_fault:
            message += ". Nothing of this step was committed; fix the cause and run again."
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields: rebuilt from them when the error travels between processes (Dask).
        fields = (self.run_id, self.step_name, self.function_name, self.reason, self.where, self.storage_fault)
        return (_step_failed, fields)


def _step_failed(  # noqa: PLR0917 - the order __reduce__ gives them
    run_id: str, step_name: str, function_name: str, reason: str, where: str, storage_fault: str | None
) -> StepFailedError:
    return StepFailedError(
        run_id=run_id,
        step_name=step_name,
        function_name=function_name,
        reason=reason,
        where=where,
        storage_fault=storage_fault,
    )


class OutputTypeError(ZenError, TypeError):
    """Step ``step_name`` returned ``returned`` (a type name) where ``declared`` was annotated - for the output
    ``output_name``, or for the whole return value when that is ``None``; nothing was written for it."""

    def __init__(
        self, *, step_name: str, function_name: str, returned: str, declared: str, output_name: str | None = None
    ) -> None:
        self.step_name = step_name
        self.function_name = function_name
        self.returned = returned
        self.declared = declared
        self.output_name = output_name
        culprit = f'Step "{step_name}" ({function_name}) returned {returned}'
        if output_name is None:
            message = f"{culprit}, but its return annotation is {declared}. Nothing was written"
        else:
            message = (
                f'{culprit} for output "{output_name}", which is declared as {declared}. Nothing was written for it'
            )
        super().__init__(f"{message}; fix the step or its annotation.")

    def __reduce__(self) -> tuple[object, ...]:
        return (_output_type, (self.step_name, self.function_name, self.returned, self.declared, self.output_name))


def _output_type(
    step_name: str, function_name: str, returned: str, declared: str, output_name: str | None
) -> OutputTypeError:
    return OutputTypeError(
        step_name=step_name, function_name=function_name, returned=returned, declared=declared, output_name=output_name
    )


class StackError(ZenError, ValueError):
    """A stack is unknown, malformed, or cannot be activated."""


class RunConfigError(ZenError, ValueError):
    """A run configuration file or CLI option is invalid; the message starts with the key path."""


class RunNotResumableError(ZenError, ValueError):
    """A run cannot be resumed or re-run (it completed, or its code cannot be loaded)."""


class CommandLineError(ZenError, ValueError):
    """An argument of the ``zen`` command names nothing usable (a target that is not a pipeline instance, a
    KEY=VALUE without ``=``); the message quotes the argument and says what was expected."""


class ModuleImportError(ZenError, ImportError):
    """The module a ``MODULE:OBJECT`` argument names raised while it was imported (a syntax error, a missing
    package it imports, an exception at module level); the user's exception is the ``__cause__``, and ``zen``
    prints its traceback from the user's code on."""

    def __init__(self, *, target: str, module_name: str, cause: BaseException) -> None:
        self.target = target
        self.module_name = module_name
        detail = " ".join(str(cause).split())
        super().__init__(
            f"{target!r}: importing {module_name!r} raised {type(cause).__name__}"
            + (f": {detail}" if detail else "")
            + "; the traceback below shows where. Fix that code, then run the command again."
        )


class NoProjectError(ZenError, FileNotFoundError):
    """There is no zen project at ``root`` (no ``.zen/`` folder there or above, and no ``ZEN_ROOT``) for a command
    that only reads one; reading never creates a project, so the message says how to create one."""

    def __init__(self, *, root: Path) -> None:
        self.root = root
        super().__init__(
            f"there is no zen project in {root} (no .zen/ folder here or above); run `zen init` to create one, or "
            f"run zen from your project's folder (or set ZEN_ROOT to it)."
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (_no_project, (self.root,))


def _no_project(root: Path) -> NoProjectError:
    return NoProjectError(root=root)


class ProjectRootError(ZenError, FileNotFoundError):
    """A project cannot be made at ``root``: the folder it would go in does not exist (zen creates the project's
    own folder, as ``mkdir`` does, never the folders above it, which a mistyped ``ZEN_ROOT`` would conjure up), or
    ``root`` is a file. Nothing was created; the message names the folder and the fix."""

    def __init__(self, *, root: Path) -> None:
        self.root = root
        if root.exists():
            problem = "it is a file, not a folder"
        else:
            problem = f"the folder it goes in, {root.parent}, does not exist (zen never creates the folders above it)"
        super().__init__(
            f"cannot make a zen project in {root}: {problem}. Set ZEN_ROOT to your project's folder, or create the "
            f"folder first; nothing was created."
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (_project_root, (self.root,))


def _project_root(root: Path) -> ProjectRootError:
    return ProjectRootError(root=root)


class SharedProjectRootWarning(UserWarning):
    """The project root found from the current folder is a shared folder (the home folder, the temporary folder or
    the file system's root) that is not a git repository, so every folder below it without a marker of its own
    shares its ``.zen/`` stores; the message names both folders and the fix."""

    def __init__(self, *, root: Path, here: Path) -> None:
        self.root = root
        self.here = here
        found = "found above" if root != here else "is"
        super().__init__(
            f"zen's project for {here} {found} {root}, a shared folder that is not a git repository, so every "
            f"folder below it without its own repository or .zen/ shares the stores in {root / '.zen'}; run zen "
            f"from your project's git repository, run `zen init` in your project's folder, or set ZEN_ROOT."
        )


class MissedHeartbeatWarning(UserWarning):
    """A running run could not record its heartbeat (a full disk, a read-only folder, a server gone); it goes on,
    and the warning says when other processes would take it for crashed."""
