"""The opened parts of a stack a run or the client works with: stores, materializer registry, code pinner."""

from __future__ import annotations

from pathlib import Path

import attrs

from zen_run import _adapters as ad
from zen_run._project import Project
from zen_run._stack import Stack, StackRegistry

__all__ = ["RunContext"]

_OPEN: dict[tuple[Path, str, str, str], RunContext] = {}


@attrs.frozen(kw_only=True)
class RunContext:
    """A project with its active stack opened."""

    project: Project
    stack: Stack
    stores: ad.Stores
    registry: ad.Registry
    pinner: ad.Pinner

    @classmethod
    def open(cls, *, project: Project | None = None, stack: str | None = None) -> RunContext:
        """Open (once per process and stack) the project's stores; ``stack`` names a registered stack."""
        project = project or Project.find()
        stacks = StackRegistry(project)
        chosen = stacks.get(stack) if stack else stacks.active()
        key = (project.root, chosen.name, chosen.artifact_store, chosen.lineage_store)
        context = _OPEN.get(key)
        if context is None:
            project.ensure()
            context = cls(
                project=project,
                stack=chosen,
                stores=ad.Stores.open(
                    artifacts=chosen.artifact_location(project),
                    lineage=chosen.lineage_location(project),
                    zen_dir=project.zen_dir,
                    options=chosen.storage_options(),
                    known_options={s.artifact_location(project): s.storage_options() for s in stacks.list()},
                ),
                registry=ad.default_registry(),
                pinner=ad.Pinner(project.root),
            )
            _OPEN[key] = context
        return context

    @classmethod
    def forget(cls) -> None:
        """Close every opened context (tests and long-lived processes switching projects)."""
        for context in _OPEN.values():
            context.stores.close()
        _OPEN.clear()
