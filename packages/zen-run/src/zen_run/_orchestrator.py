"""The orchestrator interface: what runs a run's steps, and how a stack names one.

An orchestrator decides where and when steps execute; everything else about a run is shared and lives in the
:class:`~zen_run.orchestration.RunDriver` it is handed (lineage, cache, order, errors) and in
:class:`~zen_run.orchestration.StepExecutor` (loading inputs, calling the step, checking and writing outputs).
The reference runner is ``local`` (in process, in topological order); ``dask`` submits steps to a cluster.

A third-party orchestrator is a class with ``run_steps``, registered under a name, either in code::

    from zen_run.orchestration import orchestrators

    class Serial:
        def run_steps(self, driver, options):
            executor = driver.executor()
            while tasks := driver.ready():
                for task in tasks:
                    driver.finish(task, executor.execute(task))

    orchestrators.register("serial", Serial)

or by its distribution, through the ``zen.orchestrators`` entry-point group
(``serial = "my_package.orchestrator:Serial"``); then ``zen stack register s --orchestrator serial``. The registry
itself is in ``_orchestrators.py`` (stacks consult it without importing the driver).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from zen_run._driver import RunDriver

__all__ = ["Orchestrator"]


@runtime_checkable
class Orchestrator(Protocol):
    """Executes the steps of one run.

    ``run_steps`` calls ``driver.ready()`` for the steps whose inputs exist (already recorded as running), has
    each executed - in this process with ``driver.executor()``, or anywhere else with
    ``StepExecutor(ArtifactIO(store))`` over the same artifact store (tasks pickle; no lineage store is needed
    there; ``_dask.py`` does this with nothing but public names) - and reports
    every outcome with ``driver.finish(task, outcome)`` on the calling thread, in any order, until
    ``driver.done``. ``finish`` raises for a failed step: let it
    propagate after cancelling what still runs (the driver records the run as failed). When the orchestrator
    itself cannot run a step (a worker died), raise ``driver.lost(task, exc, where=...)`` from ``exc``.
    ``options`` are the stack's orchestrator options (``--option KEY=VALUE``).
    """

    def run_steps(self, driver: RunDriver, options: Mapping[str, str]) -> None:
        """Execute every step of ``driver``'s run."""
        ...
