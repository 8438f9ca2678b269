"""The orchestrator registry: the names stacks give orchestrators, and what each name makes.

Built-in names are ``local`` and ``dask``; third parties register in code (``orchestrators.register``) or
through the ``zen.orchestrators`` entry-point group. The interface an orchestrator implements is
``zen_run.orchestration.Orchestrator``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Final, cast

from zen_run.errors import StackError

__all__ = ["ENTRY_POINT_GROUP", "OrchestratorRegistry", "orchestrators"]

ENTRY_POINT_GROUP: Final = "zen.orchestrators"
_NAME: Final = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_BUILT_IN: Final = {"local": "zen_run._local:LocalOrchestrator", "dask": "zen_run._dask:DaskOrchestrator"}
"""Imported when first used, so ``import zen_run`` never imports Dask."""


OrchestratorFactory = Callable[[], object]
"""An orchestrator class, or a function making one (an object with ``run_steps(driver, options)``)."""


class OrchestratorRegistry:
    """Orchestrators by name: the built-in ones, those registered in code, and the entry-point group's."""

    def __init__(self) -> None:
        self._factories: dict[str, OrchestratorFactory | str] = dict(_BUILT_IN)
        self._entry_points_loaded = False

    def register(self, name: object, factory: object, *, replace: bool = False) -> None:
        """Make ``factory()`` (an orchestrator class, or a function making one) the orchestrator stacks call
        ``name``; every argument is checked now, not when a run needs it."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise StackError(
                f"orchestrator name {name!r}: use 1-40 lowercase letters, digits, '-' and '_', starting with a letter."
            )
        if not callable(factory):
            raise StackError(f"orchestrator {name!r}: {factory!r} is not a class or function making an orchestrator.")
        if isinstance(factory, type) and not callable(getattr(factory, "run_steps", None)):
            raise StackError(f"orchestrator {name!r}: {factory.__qualname__} has no run_steps(driver, options) method.")
        self._load_entry_points()
        if name in self._factories and not replace:
            raise StackError(f"an orchestrator named {name!r} is registered already; pass replace=True to replace it.")
        self._factories[name] = cast(OrchestratorFactory, factory)

    def __contains__(self, name: object) -> bool:
        """True when ``name`` is registered (installed plugins are looked up only for a name not built in)."""
        if name not in self._factories:
            self._load_entry_points()
        return name in self._factories

    def names(self) -> list[str]:
        """Every registered orchestrator name, sorted."""
        self._load_entry_points()
        return sorted(self._factories)

    def get(self, name: str) -> object:
        """A new orchestrator of the kind registered as ``name`` (checked to have ``run_steps``)."""
        self._load_entry_points()
        factory = self._factories.get(name)
        if factory is None:
            raise StackError(f"unknown orchestrator {name!r} (known: {', '.join(self.names())}).")
        if isinstance(factory, str):
            module, _, attr = factory.partition(":")
            factory = getattr(importlib.import_module(module), attr)
            assert callable(factory)
        made = factory()
        if not callable(getattr(made, "run_steps", None)):
            raise StackError(f"orchestrator {name!r}: {made!r} has no run_steps(driver, options) method.")
        return made

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        from zen_types import installed_entry_points  # scanned once per process, for every zen group

        for point in installed_entry_points(ENTRY_POINT_GROUP):
            if point.name not in self._factories and _NAME.fullmatch(point.name):
                self._factories[point.name] = point.value


orchestrators: Final = OrchestratorRegistry()
"""The process's orchestrator registry (the one stacks consult): built-ins, entry points, and registrations."""
