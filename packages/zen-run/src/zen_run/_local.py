"""The reference orchestrator: every step in this process, one at a time, in topological order."""

from __future__ import annotations

from collections.abc import Mapping

from zen_run.orchestration import RunDriver

__all__ = ["LocalOrchestrator"]


class LocalOrchestrator:
    """Runs each ready step in turn in this process; values pass to downstream steps in memory."""

    def run_steps(self, driver: RunDriver, options: Mapping[str, str]) -> None:
        """Execute every step of the run, in order."""
        executor = driver.executor()
        while tasks := driver.ready(limit=1):
            driver.finish(tasks[0], executor.execute(tasks[0]))
