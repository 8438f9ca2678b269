"""``@step``: a plain typed function becomes a reusable step; calling the step gives a configured instance.

Seed 000: ``adds(AddConfig(add_amount=3))`` is a *step instance*: the step's logic plus the parameters of one
run. Instances are bound to pipeline slots. The undecorated function stays reachable as ``Step.func`` for
unit tests. The generic parameters carry a step's interface for type checkers: ``_F`` is the function's type,
``_W`` the interface a pipeline slot compares (``Callable[[input types...], output type]``), ``_C`` the config
class. The overloads of ``step`` (generated in ``_shapes``) compute them from the function's shape for any
checker; the mypy plugin computes them exactly.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from typing import Generic, TypeVar

from zen_types import _messages
from zen_types._config import BaseStepConfig
from zen_types._signature import StepSignature, analyze_step
from zen_types._typing import AnyFunction, Permissive, deprecated
from zen_types.errors import BindingError, StepDefinitionError, WiringError, ZenError

__all__ = ["Step", "StepInstance"]

_F = TypeVar("_F", bound=AnyFunction)
_W_co = TypeVar("_W_co", covariant=True)
_C = TypeVar("_C", bound=BaseStepConfig | None)


class Step(Generic[_F, _W_co, _C]):
    """A function marked ``@step``. Call it (optionally with its config) to get a :class:`StepInstance`."""

    def __init__(
        self,
        func: _F,
        *,
        name: str | None = None,
        enable_cache: bool | None = None,
        materializers: Mapping[str, type] | None = None,
    ) -> None:
        # getattr: a partial or another non-function has no __name__, and analyze_step explains what it is instead.
        self.name: str = name or str(getattr(func, "__name__", type(func).__name__))
        self.signature: StepSignature = analyze_step(func, name=self.name)
        self.func: _F = func
        self.enable_cache = enable_cache
        self.materializers: dict[str, type] = self._checked_materializers(materializers, StepDefinitionError)
        """Chosen with ``@step(materializers=...)``: every instance starts from these."""
        functools.update_wrapper(self, func)

    def _checked_materializers(
        self, materializers: Mapping[str, type] | None, error: type[ZenError]
    ) -> dict[str, type]:
        """``materializers`` after checking that each key names an input or output of this step."""
        names = [p.name for p in self.signature.inputs] + [o.name for o in self.signature.outputs]
        for key in materializers or {}:
            if key not in names:
                raise error(_messages.unknown_materializer_target(self.name, key, ", ".join(sorted(names))))
        return dict(materializers or {})

    @property
    def source_name(self) -> str:
        """``module.qualname`` of the function: the unpinned source string of this step."""
        return f"{self.func.__module__}.{self.func.__qualname__}"

    def __call__(
        self,
        config: _C | None = None,
        *,
        enable_cache: bool | None = None,
        materializers: Mapping[str, type] | None = None,
    ) -> StepInstance[_W_co]:
        """A configured instance of this step, ready to be bound to a pipeline slot.

        ``materializers`` chooses the materializer of named outputs (or the reader of named inputs) explicitly,
        on top of those chosen with ``@step(materializers=...)``.
        """
        expected = self.signature.config
        if config is not None:
            if expected is None:
                raise BindingError(_messages.config_not_expected(self.name, type(config).__name__))
            if not isinstance(config, expected.cls):
                wanted, got = expected.cls.__name__, type(config).__name__
                if wanted == got:  # same name, different class (e.g. loaded from another commit): show where from
                    wanted, got = f"{expected.cls.__module__}.{wanted}", f"{type(config).__module__}.{got}"
                raise BindingError(_messages.config_class_mismatch(self.name, wanted, got))
        chosen = {**self.materializers, **self._checked_materializers(materializers, BindingError)}
        return StepInstance[_W_co](
            typing.cast("Step[AnyFunction, Permissive, Permissive]", self),
            config=config,
            enable_cache=self.enable_cache if enable_cache is None else enable_cache,
            materializers=chosen,
        )

    def __repr__(self) -> str:
        return f"<step {self.name} {self.signature.describe()}>"


class StepInstance(Generic[_W_co]):
    """A step with the parameters of one run: what a pipeline slot is bound to."""

    __slots__ = ("config", "enable_cache", "materializers", "step")

    def __init__(
        self,
        step: Step[AnyFunction, Permissive, Permissive],
        *,
        config: BaseStepConfig | None,
        enable_cache: bool | None,
        materializers: dict[str, type],
    ) -> None:
        self.step = step
        self.config = config
        self.enable_cache = enable_cache
        self.materializers = materializers

    @property
    def name(self) -> str:
        """The step's name (the function's name unless ``@step(name=...)`` said otherwise)."""
        return self.step.name

    def with_config(self, config: BaseStepConfig) -> StepInstance[_W_co]:
        """The same instance with another config (used when configs come from YAML or the CLI)."""
        return self.step(config, enable_cache=self.enable_cache, materializers=self.materializers)

    @property
    def __zen_sig__(self) -> _W_co:
        """The interface a slot compares (for type checkers only: pipeline slots are protocols with this member)."""
        raise WiringError(f'Step instance "{self.name}" has no run-time interface object; see its .step.signature.')

    @deprecated(
        "A step instance is bound to a pipeline slot, not called: inside a @pipeline body call the slot parameters.",
        category=None,  # the WiringError below explains it at run time; no warning on top
    )
    def __call__(self, *args: object, **kwargs: object) -> Permissive:
        """Wiring happens through a pipeline's slots; calling an instance directly is a mistake we explain."""
        raise WiringError(_messages.step_instance_called(self.name))

    def __repr__(self) -> str:
        config = f"({self.config!r})" if self.config is not None else "()"
        return f"{self.name}{config}"
