"""The opened parts of a stack a run or the client works with: stores, materializer registry, code pinner.

A :class:`RunContext` owns open connections (the lineage store's): whoever opens one closes it, or uses it as a
context manager. ``PipelineInstance.run()`` and the ``zen`` command use :meth:`RunContext.shared`, the one
process cache, so consecutive runs in a process do not reopen (and re-check) their stores each time;
:meth:`RunContext.forget` closes and clears it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar

import attrs

from zen_run._compilations import Compilations
from zen_run._pinning import Pinner
from zen_run._project import Project
from zen_run._stack import Stack, StackRegistry
from zen_run._stores import Stores

if TYPE_CHECKING:
    from zen_materialize import MaterializerRegistry

__all__ = ["RunContext"]


@attrs.frozen(kw_only=True)
class RunContext:
    """A project with one of its stacks opened."""

    project: Project
    stack: Stack
    stores: Stores
    pinner: Pinner
    """Made with the context; zen-git is imported only when it first pins code."""
    compilations: Compilations = attrs.field(factory=Compilations)
    """Each pipeline instance's last compilation, for its next run here."""

    _shared: ClassVar[dict[tuple[Path, str, str, str], RunContext]] = {}
    """Contexts opened by :meth:`shared`, by project root, stack and store locations; cleared by :meth:`forget`."""

    @classmethod
    def open(cls, *, project: Project | None = None, stack: str | None = None) -> RunContext:
        """Open the project's stores for ``stack`` (a registered stack name; the active one by default)."""
        project = project or Project.find()
        stacks = StackRegistry(project)
        chosen = stacks.get(stack) if stack else stacks.active()
        project.ensure()
        return cls(
            project=project,
            stack=chosen,
            stores=Stores.open(
                artifacts=chosen.artifact_location(project),
                lineage=chosen.lineage_location(project),
                zen_dir=project.zen_dir,
                options=chosen.storage_options(),
                known_options={s.artifact_location(project): s.storage_options() for s in stacks.list()},
            ),
            pinner=Pinner(project.root),
        )

    @functools.cached_property
    def registry(self) -> MaterializerRegistry:
        """The materializer registry (zen's built-ins, installed plug-ins), built when a value is first written or
        read: a process that only queries records (a ``Client``, ``zen runs list``) imports no materializer."""
        from zen_run._registry import default_registry

        return default_registry()

    @classmethod
    def shared(cls, *, project: Project | None = None, stack: str | None = None) -> RunContext:
        """The process's context for this project and stack, opened on first use (not to be closed by callers)."""
        project = project or Project.find()
        stacks = StackRegistry(project)
        chosen = stacks.get(stack) if stack else stacks.active()
        key = (project.root, chosen.name, chosen.artifact_store, chosen.lineage_store)
        context = cls._shared.get(key)
        if context is None:
            context = cls._shared[key] = cls.open(project=project, stack=chosen.name)
        return context

    @classmethod
    def forget(cls) -> None:
        """Close and drop every shared context (tests, and long-lived processes switching projects)."""
        for context in cls._shared.values():
            context.close()
        cls._shared.clear()

    def close(self) -> None:
        """Close the stores' connections."""
        self.stores.close()

    def __enter__(self) -> RunContext:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
