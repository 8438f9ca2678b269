"""What an orchestrator implementation needs: the interface, the per-run driver and the per-step executor.

Users pick an orchestrator by name in a stack (``zen stack register NAME --orchestrator dask``); this module is
for those who write one. See :class:`Orchestrator` for the contract and an example.
"""

from __future__ import annotations

from zen_run._artifact_io import ArtifactIO
from zen_run._driver import RunDriver
from zen_run._orchestrator import Orchestrator
from zen_run._orchestrators import ENTRY_POINT_GROUP, OrchestratorRegistry, orchestrators
from zen_run._steps import Completed, Failed, FailureKind, StepExecutor, StepOutcome, StepTask

__all__ = [
    "ArtifactIO",
    "Completed",
    "ENTRY_POINT_GROUP",
    "Failed",
    "FailureKind",
    "Orchestrator",
    "OrchestratorRegistry",
    "RunDriver",
    "StepExecutor",
    "StepOutcome",
    "StepTask",
    "orchestrators",
]
