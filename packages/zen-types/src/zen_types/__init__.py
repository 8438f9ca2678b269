"""zen-types: the bottom layer of zen.

It defines what users write (``@step``, ``@pipeline``, ``Input[T]``, ``Output[T]``, ``BaseStepConfig``,
``Slot[...]``), the one assignability rule shared by the runtime wiring checks and the mypy plugin, the
compiled pipeline spec that the runner and the stores consume, and the root of the error tree. It imports no
other zen package; zen-materialize, zen-store and zen-git build on it, and zen-run on all of them.
"""

from __future__ import annotations

from zen_types._artifact_name import ArtifactName
from zen_types._assignability import is_assignable, type_name, value_conforms
from zen_types._config import BaseStepConfig, structure_config, unstructure_config
from zen_types._handles import Handle, Input, Output, OutputHandles
from zen_types._install import ZEN_DISTRIBUTIONS, install_hint, upgrade_hint
from zen_types._json import JSONValue
from zen_types._pipeline import Pipeline, PipelineInstance, Slot, SlotInterface, TracedStep, pipeline
from zen_types._plugins import installed_entry_points
from zen_types._run import ArtifactView, RunView, StepRunView
from zen_types._shapes import step
from zen_types._signature import (
    DEFAULT_OUTPUT,
    ConfigParam,
    InputKind,
    InputParam,
    OutputKind,
    OutputParam,
    StepSignature,
    analyze_step,
)
from zen_types._spec import EdgeSpec, IOSpec, PipelineSpec, StepSpec, topological_order
from zen_types._step import Step, StepInstance
from zen_types._typing import AnyFunction, Permissive
from zen_types._yaml import YamlScalar, load_yaml, read_yaml_text
from zen_types.errors import ZenError

__all__ = [
    "AnyFunction",
    "ArtifactName",
    "ArtifactView",
    "BaseStepConfig",
    "ConfigParam",
    "DEFAULT_OUTPUT",
    "EdgeSpec",
    "Handle",
    "IOSpec",
    "Input",
    "InputKind",
    "InputParam",
    "JSONValue",
    "Output",
    "OutputHandles",
    "OutputKind",
    "OutputParam",
    "Permissive",
    "Pipeline",
    "PipelineInstance",
    "PipelineSpec",
    "RunView",
    "Slot",
    "SlotInterface",
    "Step",
    "StepInstance",
    "StepRunView",
    "StepSignature",
    "StepSpec",
    "TracedStep",
    "YamlScalar",
    "ZEN_DISTRIBUTIONS",
    "ZenError",
    "analyze_step",
    "install_hint",
    "installed_entry_points",
    "is_assignable",
    "load_yaml",
    "pipeline",
    "read_yaml_text",
    "step",
    "structure_config",
    "topological_order",
    "type_name",
    "unstructure_config",
    "upgrade_hint",
    "value_conforms",
]
