"""The Dask orchestrator on a real LocalCluster (2 worker processes): same outputs and lineage as the reference
runner, on local storage and on S3 (moto's server on 127.0.0.1, the stack registered through the CLI); caching
on the driver, failing steps and dying workers named, retried steps leaving one output, steps in parallel."""

from __future__ import annotations

import importlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import dask
import pytest
from distributed import LocalCluster

from tests.common.dask_cluster import local_cluster, with_all_workers
from tests.zen_run import dask_pipelines as dp
from tests.zen_run import pipelines as p
from zen_run import Client, OutputTypeError, PipelineInstance, Run, RunConfigError, RunContext, StepFailedError
from zen_run._cli import main
from zen_run._gc import garbage_collect
from zen_run._project import Project
from zen_run._stack import Stack, StackRegistry
from zen_store import RemoteArtifactStore

ROOT = str(Path(__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def cluster(s3_endpoint: str) -> Iterator[LocalCluster]:
    """One cluster for the whole module (starting one costs seconds); its workers see the S3 credentials."""
    with local_cluster() as started:
        yield started


@pytest.fixture
def dask_stack(project: Path, cluster: LocalCluster) -> str:
    """A stack on the project's local stores whose orchestrator is the module's cluster."""
    StackRegistry(Project(project)).register(
        Stack(name="dask", orchestrator="dask", options={"address": str(cluster.scheduler_address)})
    )
    return "dask"


@pytest.fixture
def s3_dask_stack(project: Path, cluster: LocalCluster, s3_url: str, s3_endpoint: str) -> str:
    """Dask on the module's cluster with artifacts on S3, registered the way a user does: with ``zen``."""
    code = main(
        [
            "stack",
            "register",
            "s3dask",
            "--orchestrator",
            "dask",
            "--option",
            f"address={cluster.scheduler_address}",
            "--artifact-store",
            s3_url,
            "--artifact-option",
            f"endpoint_url={s3_endpoint}",
        ]
    )
    assert code == 0
    return "s3dask"


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


def test_small_outputs_written_by_workers_are_recorded_with_their_bytes_by_the_driver(dask_stack: str) -> None:
    """Workers write outputs and the driver records them: a small output's bytes travel with its record and are
    recorded as its lineage copy, so a file lost from the shared store reads back and is still a cache hit."""
    run = dp.fan_out_instance().run(stack=dask_stack)
    gathered = Client().get_run(run.id).steps["gather"].outputs["output"]
    lineage = RunContext.open().stores.lineage
    assert lineage.lineage_copy(lineage.artifact(gathered.id)) is not None
    shutil.rmtree(gathered.uri)
    assert Client().get_run(run.id).steps["gather"].outputs["output"].read() == 60.0
    shutil.rmtree(gathered.uri)
    again = dp.fan_out_instance().run(stack=dask_stack)
    assert again.steps["gather"].status == "cached" and again.steps["gather"].outputs["output"].read() == 60.0


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
    assert isinstance(caught.value.__cause__, ValueError), "chained to the user's exception, as in process"
    run = Client().last_run("fan_out")
    assert run.status == "failed"
    assert run.steps["three"].status == "failed"
    assert "gather" not in run.steps or run.steps["gather"].status != "completed"


def test_output_type_check_matches_the_reference_runner(dask_stack: str) -> None:
    """A returned value of the wrong type is refused on the worker, before writing, with the reference runner's
    error class and text."""
    with pytest.raises(OutputTypeError) as in_process:
        p.single(only=p.wrong_type()).run()
    with pytest.raises(OutputTypeError) as on_dask:
        p.single(only=p.wrong_type()).run(stack=dask_stack)
    assert "declared as int" in str(on_dask.value)
    assert str(on_dask.value) == str(in_process.value)
    run = Client().last_run("single")
    assert run.status == "failed"
    assert run.steps["only"].outputs == {}


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


def test_fan_out_on_s3_matches_the_reference_runner(s3_dask_stack: str, s3_url: str, project: Path) -> None:
    """Dask workers writing to S3: the same content hashes and lineage as in process on local disk; every
    artifact lives in the bucket and reads back in a new client with an empty local cache."""
    reference, on_s3 = _both(dp.fan_out_instance(), s3_dask_stack)
    assert _shape(on_s3) == _shape(reference)
    uris = [a.uri for step in on_s3.steps.values() for a in step.outputs.values()]
    assert uris and all(uri.startswith(s3_url + "/") for uri in uris)
    RunContext.forget()
    shutil.rmtree(project / ".zen" / "cache")
    assert Client(stack=s3_dask_stack).get_run(on_s3.id).steps["gather"].outputs["output"].read() == 60.0


def test_sklearn_example_on_s3_matches_the_reference_runner(s3_dask_stack: str) -> None:
    """The scikit-learn example on 2 Dask workers with artifacts on S3 equals the in-process run on local disk."""
    instance = cast(PipelineInstance, importlib.import_module("examples.sklearn_pipeline").instance)
    reference, on_s3 = _both(instance, s3_dask_stack)
    assert _shape(on_s3) == _shape(reference)
    assert (
        on_s3.steps["evaluator"].outputs["accuracy"].read() == reference.steps["evaluator"].outputs["accuracy"].read()
    )


def test_cache_hits_on_s3_and_gc_through_the_cli(s3_dask_stack: str, s3_url: str, s3_endpoint: str) -> None:
    """Cache hits come only from the stack's own store (a local artifact is no use to workers reading S3); a
    second run on the S3 stack is fully cached; `zen gc` there removes an abandoned upload and nothing else."""
    dp.fan_out_instance().run()
    first = Client(stack=s3_dask_stack).get_run(dp.fan_out_instance().run(stack=s3_dask_stack).id)
    assert {s.status for s in first.steps.values()} == {"completed"}
    second = Client(stack=s3_dask_stack).get_run(dp.fan_out_instance().run(stack=s3_dask_stack).id)
    assert {s.status for s in second.steps.values()} == {"cached"}
    store = cast(RemoteArtifactStore, RunContext.open(stack=s3_dask_stack).stores.artifacts)
    abandoned = f"{store.path}/{uuid.uuid4().hex}/part.bin"
    store.fs.pipe_file(abandoned, b"half an upload")
    assert main(["gc", "--stack", s3_dask_stack, "--delete", "--older-than", "0"]) == 0
    assert not store.exists(abandoned.rsplit("/", 1)[0])
    assert store.fs.find(abandoned.rsplit("/", 1)[0], detail=True) == {}
    assert Client(stack=s3_dask_stack).get_run(first.id).steps["gather"].outputs["output"].read() == 60.0


@pytest.fixture(scope="module")
def fragile_cluster(s3_endpoint: str) -> Iterator[LocalCluster]:
    """A cluster that retries a task twice after its worker died (Dask's default is three times): one retry for
    the deliberate kill, one spare for a worker lost to a busy machine's missed heartbeats."""
    with local_cluster(**{"allowed-failures": 2}) as started:
        yield started


@pytest.fixture
def fragile_stack(project: Path, fragile_cluster: LocalCluster) -> str:
    """A stack on the fragile cluster once the workers an earlier test killed are back. A cluster left without
    workers fails the run after 120 s naming the cause, well before pytest's timeout would cut it short."""
    address = str(with_all_workers(fragile_cluster).scheduler_address)
    StackRegistry(Project(project)).register(
        Stack(name="fragile", orchestrator="dask", options={"address": address, "no_workers_timeout": "120"})
    )
    return "fragile"


def test_worker_death_is_a_failure_naming_the_step(fragile_stack: str, tmp_path: Path) -> None:
    """A step that kills its worker every time fails the run once Dask gives up, with the step named; nothing
    half-written is recorded."""
    with pytest.raises(StepFailedError, match=r'"risky".*failed on the Dask cluster') as caught:
        dp.fragile_instance(tmp_path / "marker", always=True).run(stack=fragile_stack, enable_cache=False)
    assert caught.value.step_name == "risky"
    run = Client().last_run("fragile")
    assert run.status == "failed"
    assert run.steps["risky"].status == "failed"
    assert run.steps["risky"].outputs == {}


def test_a_retried_step_leaves_one_committed_output(fragile_stack: str, tmp_path: Path, project: Path) -> None:
    """The first attempt kills its worker, Dask retries on another: the run completes, the step has one output,
    and the store holds no artifact that lineage does not reference."""
    run = dp.fragile_instance(tmp_path / "marker", always=False).run(stack=fragile_stack, enable_cache=False)
    assert (tmp_path / "marker").exists(), "the first attempt did not run; the test would prove nothing"
    loaded = Client().get_run(run.id)
    assert loaded.status == "completed"
    assert loaded.steps["risky"].outputs["output"].read() == 6
    stores = RunContext.open().stores
    assert garbage_collect(stores, delete=False).unreferenced == ()


def test_what_a_step_prints_on_a_worker_is_stored_by_the_driver(dask_stack: str) -> None:
    """A step on a Dask worker: its stdout, stderr, records and its thread's output travel back with its outcome
    and are stored by the driver, as with the reference runner; a failed step's too, with its traceback."""
    from tests.zen_run import log_pipelines as lp

    run = lp.chatty_instance.run(stack=dask_stack, enable_cache=False, progress=False)
    assert Client().logs(run.id, "only").text == (
        "to stdout\nto stderr\nWARNING:tests.chatty:a warning record\nfrom a thread the step started\n"
    )
    with pytest.raises(StepFailedError) as raised:
        lp.failing_instance.run(stack=dask_stack, enable_cache=False, progress=False)
    failed = Client().step(raised.value.run_id, "second")
    assert failed.logs.text == "about to fail with 1\n"
    assert failed.error is not None and "ValueError: failed on purpose after printing" in failed.error
    assert failed.error.splitlines()[1].endswith("in loud_failure") and "src/zen_run" not in failed.error


PINNED_STEPS = """
from zen_run import Slot, pipeline, step
from {pkg}.helpers import bonus


@step
def returns_one() -> int:
    return 1


@step
def adds(some_num: int) -> int:
    return some_num + {amount} + bonus()


@pipeline
def add_pipeline(first: Slot[[], int], second: Slot[[int], int]) -> None:
    second(first())


instance = add_pipeline(first=returns_one(), second=adds())
"""


def _zen_in(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("ZEN_ROOT", "PYTHONPATH")}
    done = subprocess.run(
        [sys.executable, "-m", "zen_run", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_pinned_rerun_runs_the_pinned_code_on_the_workers(tmp_path: Path, cluster: LocalCluster) -> None:
    """`zen rerun` on a Dask stack after the step module and its helper changed on disk (and in a new commit):
    the workers compute the pinned code's result, not the code now on disk."""
    pkg = f"pinned_{uuid.uuid4().hex[:8]}"  # never imported by the module's workers before
    (tmp_path / pkg).mkdir()
    (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / pkg / "helpers.py").write_text("def bonus() -> int:\n    return 0\n")
    (tmp_path / pkg / "steps.py").write_text(PINNED_STEPS.format(pkg=pkg, amount=10))
    (tmp_path / ".gitignore").write_text("__pycache__/\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "v1"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=tmp_path, check=True)
    _zen_in(tmp_path, "init")
    first = json.loads(_zen_in(tmp_path, "run", f"{pkg}.steps:instance", "--json", "-q"))
    assert "@" in first["steps"]["second"]["source"], "the first run must be pinned for the test to prove anything"
    (tmp_path / pkg / "steps.py").write_text(PINNED_STEPS.format(pkg=pkg, amount=1000))
    (tmp_path / pkg / "helpers.py").write_text("def bonus() -> int:\n    return 100000\n")
    _zen_in(
        tmp_path, "stack", "register", "d", "--orchestrator", "dask", "--option", f"address={cluster.scheduler_address}"
    )
    _zen_in(tmp_path, "stack", "set", "d")
    rerun = json.loads(_zen_in(tmp_path, "rerun", first["run"]["run_id"], "--no-cache", "--json", "-q"))
    assert rerun["run"]["stack"] == "d"
    shown = json.loads(_zen_in(tmp_path, "runs", "show", rerun["run"]["run_id"], "--json"))
    output = shown["steps"]["second"]["outputs"]["output"]["artifact_id"]
    assert _zen_in(tmp_path, "artifacts", "read", output).strip() == "11"


def test_a_cluster_without_workers_fails_the_run_naming_the_step_after_the_bound(project: Path) -> None:
    """A cluster that has no worker (all lost, none started) does not keep the run waiting forever: after the
    stack's ``no_workers_timeout`` the run fails naming a pending step and the fix, recorded as failed."""
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=0, processes=True, threads_per_worker=1, dashboard_address=":0"
    ) as empty:
        StackRegistry(Project(project)).register(
            Stack(
                name="empty",
                orchestrator="dask",
                options={"address": str(empty.scheduler_address), "no_workers_timeout": "2"},
            )
        )
        with pytest.raises(StepFailedError, match=r"no worker for 2 s; start workers.*no_workers_timeout") as caught:
            dp.fan_out_instance().run(stack="empty", enable_cache=False)
    assert caught.value.step_name in Client().last_run("fan_out").steps
    assert Client().last_run("fan_out").status == "failed"


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_a_bad_no_workers_timeout_is_refused_in_one_sentence(project: Path, value: str) -> None:
    StackRegistry(Project(project)).register(
        Stack(name="odd", orchestrator="dask", options={"address": "tcp://127.0.0.1:9", "no_workers_timeout": value})
    )
    with pytest.raises(RunConfigError, match=rf"no_workers_timeout='{value}' is not a positive number of seconds"):
        dp.fan_out_instance().run(stack="odd", enable_cache=False)


SLOW_RESTART = """
import time
from pathlib import Path


def dask_setup(worker):
    if Path({marker!r}).exists():  # a replacement for the worker the step killed: slower than Dask's 15 s
        time.sleep(20)
"""


def test_a_run_s_own_cluster_keeps_a_worker_whose_restart_is_slow(project: Path, tmp_path: Path) -> None:
    """On the one-worker LocalCluster a run starts itself, the step kills its worker and the replacement takes 20 s
    to start (as on a busy machine): the cluster waits for it and the retry completes the run - Dask's default
    closes such a worker for good after 15 s, leaving the run without one."""
    marker = tmp_path / "marker"
    preload = tmp_path / "slow_restart.py"
    preload.write_text(SLOW_RESTART.format(marker=str(marker)))
    added = ROOT not in sys.path
    if added:
        sys.path.insert(0, ROOT)  # for the worker to import the test steps (see tests/common/dask_cluster.py)
    StackRegistry(Project(project)).register(
        Stack(name="own", orchestrator="dask", options={"n_workers": "1", "no_workers_timeout": "60"})
    )
    try:
        with dask.config.set({"distributed.worker.preload": [str(preload)]}):
            run = dp.fragile_instance(marker, always=False).run(stack="own", enable_cache=False)
    finally:
        if added:
            sys.path.remove(ROOT)
    assert marker.exists(), "the first attempt did not run; the test would prove nothing"
    assert Client().get_run(run.id).steps["risky"].outputs["output"].read() == 6


def test_workers_read_inputs_recorded_before_the_project_folder_moved(
    dask_stack: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the project folder moved, steps that run again on the workers read their cached upstream input from
    the store where it is now (its record names the old folder), and a repeat of the first run is fully cached."""
    first = dp.fan_out_instance().run(stack=dask_stack)
    RunContext.forget()
    moved = project.rename(project.with_name("moved"))
    monkeypatch.setenv("ZEN_ROOT", str(moved))
    slower = dp.fan_out_instance(sleep_s=0.01).run(stack=dask_stack)
    assert slower.steps["source"].status == "cached" and slower.steps["one"].status == "completed"
    assert slower.steps["gather"].outputs["output"].read() == 60.0
    again = dp.fan_out_instance().run(stack=dask_stack)
    assert {step.status for step in again.steps.values()} == {"cached"}
    assert Client().get_run(first.id).steps["gather"].outputs["output"].read() == 60.0
