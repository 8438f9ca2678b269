"""The root of zen's exception tree and the errors of the definition layer.

Every exception zen raises derives from :class:`ZenError` and also from the builtin it resembles, so callers can
catch either ``ZenError`` (anything from zen) or the builtin they already handle. Messages say what happened,
name the culprit (step, parameter, slot, type) and say how to fix it.
"""

from __future__ import annotations

__all__ = [
    "BindingError",
    "ConfigError",
    "DefinitionError",
    "OutputNameError",
    "PipelineDefinitionError",
    "RunnerNotFoundError",
    "SpecError",
    "StepDefinitionError",
    "WiringError",
    "ZenError",
]


class ZenError(Exception):
    """Base class of every error raised by zen."""


class DefinitionError(ZenError, TypeError):
    """A step or pipeline definition is invalid; raised when it is decorated."""


class StepDefinitionError(DefinitionError):
    """A function marked ``@step`` has a signature zen cannot use."""


class PipelineDefinitionError(DefinitionError):
    """A function marked ``@pipeline`` has a signature or body zen cannot use."""


class WiringError(ZenError, TypeError):
    """Inside a pipeline body, a step was called with inputs that do not fit its signature."""


class OutputNameError(WiringError, AttributeError):
    """``outputs.name`` names no output of the step; an ``AttributeError`` too, so ``hasattr`` stays honest."""


class BindingError(ZenError, TypeError):
    """A step bound to a pipeline slot does not fit that slot, or a slot is missing or unknown."""


class ConfigError(ZenError, ValueError):
    """A step configuration value is invalid; the message starts with the path of the offending key."""


class SpecError(ZenError, ValueError):
    """A compiled pipeline spec is inconsistent (a cycle, a dangling edge) or cannot be (de)serialised."""


class RunnerNotFoundError(ZenError, RuntimeError):
    """``PipelineInstance.run()`` was called but no runner is installed (install ``zen-run``)."""
