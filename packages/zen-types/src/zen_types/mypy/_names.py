"""Fully qualified names of the runtime objects the plugin hooks or builds types from.

mypy matches hooks by the *defining* name: moving ``step`` to another module would silently disable every
check. ``tests/typing`` imports this table and proves each name still resolves to the runtime object.
"""

from __future__ import annotations

from typing import Final

from zen_types._messages import HANDLE_OPERATORS, HANDLE_UNARY_OPERATORS

STEP_DECORATOR: Final = "zen_types._shapes.step"
STEP_DECORATOR_FACTORY_CALL: Final = "zen_types._shapes.StepDecorator.__call__"
STEP: Final = "zen_types._step.Step"
STEP_CALL: Final = "zen_types._step.Step.__call__"
STEP_INSTANCE: Final = "zen_types._step.StepInstance"
STEP_INSTANCE_CALL: Final = "zen_types._step.StepInstance.__call__"
SLOT: Final = "zen_types._pipeline.Slot"
SLOT_CALL: Final = "zen_types._pipeline.Slot.__call__"
PIPELINE_DECORATOR: Final = "zen_types._pipeline.pipeline"
PIPELINE: Final = "zen_types._pipeline.Pipeline"
PIPELINE_CALL: Final = "zen_types._pipeline.Pipeline.__call__"
HANDLE: Final = "zen_types._handles.Handle"
INPUT: Final = "zen_types._handles.Input"
OUTPUT: Final = "zen_types._handles.Output"
OUTPUT_HANDLES: Final = "zen_types._handles.OutputHandles"
BASE_STEP_CONFIG: Final = "zen_types._config.BaseStepConfig"
HANDLE_OPERATOR_METHODS: Final = {f"{HANDLE}.{name}": op for name, op in HANDLE_OPERATORS.items()}
HANDLE_UNARY_METHODS: Final = {f"{HANDLE}.{name}": op for name, op in HANDLE_UNARY_OPERATORS.items()}

ALL_NAMES: Final = (
    STEP_DECORATOR,
    STEP_DECORATOR_FACTORY_CALL,
    STEP,
    STEP_CALL,
    STEP_INSTANCE,
    STEP_INSTANCE_CALL,
    SLOT,
    SLOT_CALL,
    PIPELINE_DECORATOR,
    PIPELINE,
    PIPELINE_CALL,
    HANDLE,
    INPUT,
    OUTPUT,
    OUTPUT_HANDLES,
    BASE_STEP_CONFIG,
    *HANDLE_OPERATOR_METHODS,
    *HANDLE_UNARY_METHODS,
)
