"""zen-run: the top layer of zen and the facade users import.

It holds the synchronous reference runner (compile, cache, execute, record), stacks, YAML/CLI run
configuration, the post-execution ``Client``, the ``zen`` command line and the orchestrators for distributed
engines. It builds on every other zen package (zen-types, zen-materialize, zen-store, zen-git) and re-exports
the names a pipeline author needs, so ``from zen_run import step, pipeline, ...`` is all a user writes.
"""

from __future__ import annotations

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
