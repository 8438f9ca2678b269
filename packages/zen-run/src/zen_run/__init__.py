"""zen-run: the top layer of zen and the facade users import.

It holds the synchronous reference runner (compile, cache, execute, record), stacks, YAML/CLI run
configuration, the post-execution ``Client``, the ``zen`` command line and the orchestrators for distributed
engines. It builds on every other zen package (zen-types, zen-materialize, zen-store, zen-git) and re-exports
the names a pipeline author needs, so ``from zen_run import step, pipeline, ...`` is all a user writes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zen_run._client import Artifact, Client, Run, StepRun
    from zen_run._context import RunContext
    from zen_run._project import Project, find_project_root
    from zen_run._rerun import rerun, resume
    from zen_run._runconfig import RunConfig, StepRunConfig
    from zen_run._runner import RunOptions, execute
    from zen_run._stack import DEFAULT_STACK, Stack, StackRegistry
    from zen_run.errors import CompileError, OutputTypeError, RunConfigError, StackError, StepFailedError
    from zen_store import RunStatus, StepStatus
    from zen_types import (
        ArtifactName,
        BaseStepConfig,
        Handle,
        Input,
        Output,
        Pipeline,
        PipelineInstance,
        PipelineSpec,
        Slot,
        Step,
        StepInstance,
        ZenError,
        pipeline,
        step,
    )

# Each name's module, imported on first use (PEP 562): `zen --help` and other light users of zen_run's modules do
# not pay for the whole framework (zen-types' definitions, the stores), and `from zen_run import step` still
# imports exactly what it names. The imports above say the same to type checkers.
_LAZY: dict[str, str] = {
    "Artifact": "zen_run._client",
    "ArtifactName": "zen_types",
    "BaseStepConfig": "zen_types",
    "Client": "zen_run._client",
    "CompileError": "zen_run.errors",
    "DEFAULT_STACK": "zen_run._stack",
    "Handle": "zen_types",
    "Input": "zen_types",
    "Output": "zen_types",
    "OutputTypeError": "zen_run.errors",
    "Pipeline": "zen_types",
    "PipelineInstance": "zen_types",
    "PipelineSpec": "zen_types",
    "Project": "zen_run._project",
    "Run": "zen_run._client",
    "RunConfig": "zen_run._runconfig",
    "RunConfigError": "zen_run.errors",
    "RunContext": "zen_run._context",
    "RunOptions": "zen_run._runner",
    "RunStatus": "zen_store",
    "Slot": "zen_types",
    "Stack": "zen_run._stack",
    "StackError": "zen_run.errors",
    "StackRegistry": "zen_run._stack",
    "Step": "zen_types",
    "StepFailedError": "zen_run.errors",
    "StepInstance": "zen_types",
    "StepRun": "zen_run._client",
    "StepRunConfig": "zen_run._runconfig",
    "StepStatus": "zen_store",
    "ZenError": "zen_types",
    "execute": "zen_run._runner",
    "find_project_root": "zen_run._project",
    "pipeline": "zen_types",
    "rerun": "zen_run._rerun",
    "resume": "zen_run._rerun",
    "step": "zen_types",
}

__all__ = [
    "Artifact",
    "ArtifactName",
    "BaseStepConfig",
    "Client",
    "CompileError",
    "DEFAULT_STACK",
    "Handle",
    "Input",
    "Output",
    "OutputTypeError",
    "Pipeline",
    "PipelineInstance",
    "PipelineSpec",
    "Project",
    "Run",
    "RunConfig",
    "RunConfigError",
    "RunContext",
    "RunOptions",
    "RunStatus",
    "Slot",
    "Stack",
    "StackError",
    "StackRegistry",
    "Step",
    "StepFailedError",
    "StepInstance",
    "StepRun",
    "StepRunConfig",
    "StepStatus",
    "ZenError",
    "execute",
    "find_project_root",
    "pipeline",
    "rerun",
    "resume",
    "step",
]


if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any name as zen_run's

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'zen_run' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # once imported, an ordinary module attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})
