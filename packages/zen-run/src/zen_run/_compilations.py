"""Compiled pipelines kept for the next run of the same pipeline instance in the same context.

Compiling resolves configs and materializers and checks the wiring for every step (most of a fully cached re-run's
fixed cost after pinning). None of that changes between two runs of one instance unless something compilation
reads changed, so a run of an instance compiled before reuses that compilation when all of these are as they were:

- the instance's bound steps, each step's function, config (by value), cache flag and chosen materializers, and the
  pipeline's cache flag (a bound step instance can be changed in place);
- the run's cache flags;
- the materializer registry (its :attr:`~zen_materialize.MaterializerRegistry.generation`: any registration);
- the code: every run pins it again (the repository's state is read, unpinned code is warned about), and any
  source string or code digest that differs means a new compilation.

Anything else compiles afresh. Kept per instance in a weak mapping: an instance nobody holds is forgotten with its
compilation; :meth:`Compilations.clear` forgets all.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # compiling imports the materializers: a context that only queries records never does
    from zen_materialize import MaterializerRegistry
    from zen_run._compile import CompiledPipeline
    from zen_run._pinning import Pinner
    from zen_types import PipelineInstance

__all__ = ["Compilations"]

_Shape = tuple[object, ...]


class Compilations:
    """The last compilation of each pipeline instance run in one context (see the module docstring)."""

    def __init__(self) -> None:
        self._last: weakref.WeakKeyDictionary[PipelineInstance, tuple[_Shape, CompiledPipeline]] = (
            weakref.WeakKeyDictionary()
        )

    def compile(
        self,
        instance: PipelineInstance,
        *,
        registry: MaterializerRegistry,
        pinner: Pinner,
        enable_cache: bool | None,
        step_cache: Mapping[str, bool | None],
    ) -> CompiledPipeline:
        """``instance`` compiled for a run: its last compilation when nothing it was made from changed, else a new
        one (which raises CompileError/ConfigError as compiling does)."""
        from zen_run._compile import compile_pipeline, recompile

        last = self._last.get(instance)
        with pinner.one_run():  # pinned twice when the code changed: the repository is still read once
            if last is not None and last[0] == _shape(instance, registry, enable_cache, step_cache):
                again = recompile(last[1], pinner=pinner)
                if again is not None:
                    return again
            compiled = compile_pipeline(
                instance, registry=registry, pinner=pinner, enable_cache=enable_cache, step_cache=step_cache
            )
        # Taken after compiling: materializers a look-up loaded on demand (registering them) are part of it.
        self._last[instance] = (_shape(instance, registry, enable_cache, step_cache), compiled)
        return compiled

    def clear(self) -> None:
        """Forget every compilation."""
        self._last.clear()


def _shape(
    instance: PipelineInstance,
    registry: MaterializerRegistry,
    enable_cache: bool | None,
    step_cache: Mapping[str, bool | None],
) -> _Shape:
    """What a compilation of ``instance`` is made of besides the code (compared with ``==``: step instances, steps
    and classes by identity, configs by value)."""
    steps = tuple(
        (slot, bound, bound.step, bound.config, bound.enable_cache, tuple(bound.materializers.items()))
        for slot, bound in instance.bound.items()
    )
    flags = (enable_cache, tuple(sorted(step_cache.items())), instance.pipeline.enable_cache)
    return (registry, registry.generation, flags, steps)
