"""The Dask orchestrator on a real LocalCluster (2 worker processes): same outputs and lineage as the reference
runner, caching on the driver, failing steps named, independent steps in parallel."""

from __future__ import annotations

import importlib
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from distributed import LocalCluster

from tests.zen_run import dask_pipelines as dp
from zen_run import Client, PipelineInstance, Run, StepFailedError
from zen_run._project import Project
from zen_run._stack import Stack, StackRegistry

ROOT = str(Path(__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """One cluster for the whole module (starting one costs seconds).

    The orchestrator gives workers the driver's import path; pytest imports ``tests`` without putting the
    repository root on it, so this module does, for the workers to import the test steps.
    """
    added = ROOT not in sys.path
    if added:
        sys.path.insert(0, ROOT)
    try:
        with LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as started:
            yield started
    finally:
        if added:
            sys.path.remove(ROOT)


@pytest.fixture
def dask_stack(project: Path, cluster: LocalCluster) -> str:
    """A stack on the project's local stores whose orchestrator is the module's cluster."""
    StackRegistry(Project(project)).register(
        Stack(name="dask", orchestrator="dask", options={"address": str(cluster.scheduler_address)})
    )
    return "dask"


def _shape(run: Run) -> dict[str, tuple[str, dict[str, str], dict[str, str]]]:
    """Per step: status, input content hashes, output content hashes."""
    return {
        name: (
            step.status,
            {k: a.content_hash for k, a in step.inputs.items()},
            {k: a.content_hash for k, a in step.outputs.items()},
        )
        for name, step in run.steps.items()
    }


def _both(instance: PipelineInstance, stack: str) -> tuple[Run, Run]:
    reference = instance.run(enable_cache=False)
    on_dask = instance.run(enable_cache=False, stack=stack)
    return Client().get_run(reference.id), Client().get_run(on_dask.id)


def test_fan_out_matches_the_reference_runner(dask_stack: str) -> None:
    """Outputs (content hashes) and lineage (steps, statuses, input edges) equal the reference runner's."""
    reference, on_dask = _both(dp.fan_out_instance(), dask_stack)
    assert on_dask.status == "completed"
    assert _shape(on_dask) == _shape(reference)
    assert on_dask.steps["gather"].outputs["output"].read() == 60.0
    assert Client().get_run(on_dask.id).steps.keys() == reference.steps.keys()


def test_sklearn_example_matches_the_reference_runner(dask_stack: str) -> None:
    """The scikit-learn example gives the same artifacts on 2 Dask workers as in process."""
    # imported by name: mypy does not check the examples (they need scikit-learn's missing stubs)
    instance = cast(PipelineInstance, importlib.import_module("examples.sklearn_pipeline").instance)
    reference, on_dask = _both(instance, dask_stack)
    assert _shape(on_dask) == _shape(reference)  # the model too: its skops file is canonical
    assert (
        on_dask.steps["evaluator"].outputs["accuracy"].read() == reference.steps["evaluator"].outputs["accuracy"].read()
    )


def test_cache_is_looked_up_on_the_driver(dask_stack: str) -> None:
    """A second identical Dask run reuses every step, as with the reference runner."""
    instance = dp.fan_out_instance()
    first = Client().get_run(instance.run(stack=dask_stack).id)
    second = Client().get_run(instance.run(stack=dask_stack).id)
    assert {s.status for s in first.steps.values()} == {"completed"}
    assert {s.status for s in second.steps.values()} == {"cached"}
    assert second.steps["gather"].outputs["output"].content_hash == first.steps["gather"].outputs["output"].content_hash


def test_failing_step_is_named_and_recorded(dask_stack: str) -> None:
    """A step's exception on a worker surfaces as StepFailedError naming it; the run and step are marked failed."""
    with pytest.raises(StepFailedError, match='"three"') as caught:
        dp.fan_out_instance(fail_three=True).run(stack=dask_stack, enable_cache=False)
    assert caught.value.step_name == "three"
    assert "branch failed on purpose" in str(caught.value)
    run = Client().last_run("fan_out")
    assert run.status == "failed"
    assert run.steps["three"].status == "failed"
    assert "gather" not in run.steps or run.steps["gather"].status != "completed"


def test_independent_steps_overlap(dask_stack: str) -> None:
    """Four 0.5 s branches on two workers: the recorded step times show two branches running at once."""
    run = Client().get_run(dp.fan_out_instance(sleep_s=0.5).run(stack=dask_stack, enable_cache=False).id)
    assert run.status == "completed"
    spans = sorted(
        (step.record.started_at, step.record.ended_at)
        for name, step in run.steps.items()
        if name in ("one", "two", "three", "four")
    )
    assert any(
        later_start < earlier_end
        for (_, earlier_end), (later_start, _) in itertools.pairwise(spans)
        if earlier_end is not None
    ), f"no two branches overlapped: {spans}"
