"""How ``PipelineInstance.run()`` reaches a runner without zen-types importing one.

zen-types sits below the runner, so it finds it through the ``zen.runner`` entry-point group (zen-run
registers its reference runner there). The run it returns is described by small read-only protocols, which
zen-run's post-execution objects satisfy. This module knows nothing of pipelines: the runner receives the
``PipelineInstance`` it is handed (typed ``object`` here so ``_pipeline`` can import this module without
this module importing it back).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from zen_types._install import install_hint
from zen_types._json import JSONValue
from zen_types.errors import RunnerNotFoundError

__all__ = ["ArtifactView", "RunView", "StepRunView", "run_pipeline"]


class ArtifactView(Protocol):
    """A stored artifact: its id, name and version, where it is and how to read its value back."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def version(self) -> int | None: ...

    @property
    def uri(self) -> str: ...

    @property
    def metadata(self) -> Mapping[str, JSONValue]: ...

    def read(self) -> object: ...


class StepRunView(Protocol):
    """One step of a run: its status and outputs by name."""

    @property
    def status(self) -> str: ...

    @property
    def outputs(self) -> Mapping[str, ArtifactView]: ...


class RunView(Protocol):
    """A pipeline run: its id, status, and steps by slot name."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def steps(self) -> Mapping[str, StepRunView]: ...


_Runner = Callable[[object, Mapping[str, object]], RunView]
_RUNNER: list[_Runner] = []


def run_pipeline(instance: object, options: Mapping[str, object]) -> RunView:
    """Run ``instance`` (a ``PipelineInstance``) with the installed runner (found once, then remembered)."""
    if not _RUNNER:
        from zen_types._plugins import installed_entry_points  # one scan of the installed plug-ins per process

        found = sorted(installed_entry_points("zen.runner"), key=lambda ep: ep.name != "default")
        if not found:
            raise RunnerNotFoundError(
                f"No zen runner is installed, so pipelines cannot run. Install zen-run ({install_hint('zen-run')}) "
                "and import your names from zen_run."
            )
        runner: _Runner = found[0].load()
        _RUNNER.append(runner)
    return _RUNNER[0](instance, options)
