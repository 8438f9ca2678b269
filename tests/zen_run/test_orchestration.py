"""The orchestrator interface: a third-party orchestrator written against ``zen_run.orchestration`` alone runs
a pipeline exactly as the reference runner does; the registry checks what it is given."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pytest

from tests.zen_run import pipelines as p
from zen_run import Project, Stack, StackError, StackRegistry, StepFailedError, StepStatus
from zen_run.orchestration import Orchestrator, OrchestratorRegistry, RunDriver, orchestrators


class Reversed:
    """Takes every ready step at once and executes them last-first: the driver keeps lineage and order right."""

    taken: ClassVar[list[str]] = []

    def run_steps(self, driver: RunDriver, options: Mapping[str, str]) -> None:
        executor = driver.executor()
        while tasks := driver.ready():
            for task in reversed(tasks):
                Reversed.taken.append(task.slot)
                driver.finish(task, executor.execute(task))


@pytest.fixture
def reversed_stack(project: Path) -> str:
    orchestrators.register("reversed-test", Reversed, replace=True)
    StackRegistry(Project(project)).register(Stack(name="rev", orchestrator="reversed-test"))
    return "rev"


def test_a_registered_orchestrator_runs_a_pipeline_like_the_reference_runner(reversed_stack: str) -> None:
    """Same outputs, statuses and cache behaviour as `local`; the orchestrator only chose the order."""
    instance = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3)))
    Reversed.taken.clear()
    run = instance.run(stack=reversed_stack)
    assert Reversed.taken == ["first", "second"]
    assert run.steps["second"].outputs["output"].read() == 4
    assert [s.status for s in run.steps.values()] == [StepStatus.COMPLETED, StepStatus.COMPLETED]
    again = instance.run(stack=reversed_stack)
    assert [s.status for s in again.steps.values()] == [StepStatus.CACHED, StepStatus.CACHED]


def test_a_failing_step_fails_the_same_way_under_any_orchestrator(reversed_stack: str) -> None:
    """StepFailedError names the step and chains the user's exception, whoever executed it."""
    p.FAIL["middle"] = True
    try:
        with pytest.raises(StepFailedError, match='Step "second"') as caught:
            p.three(first=p.returns_one(), second=p.middle(), third=p.adds()).run(stack=reversed_stack)
    finally:
        p.FAIL["middle"] = False
    assert isinstance(caught.value.__cause__, ValueError)
    assert caught.value.step_name == "second"


@pytest.mark.parametrize("module", ["_local", "_dask"])
def test_the_built_in_orchestrators_are_written_against_the_public_interface(module: str) -> None:
    """`local` and `dask` import nothing private of zen (only `zen_run.orchestration` and other public modules),
    so what they do, a third party can do."""
    source = Path(__file__).resolve().parents[2] / "packages" / "zen-run" / "src" / "zen_run" / f"{module}.py"
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    private = [name for name in imported if name and name.startswith("zen_") and "._" in name]
    assert "zen_run.orchestration" in imported
    assert private == []


def test_the_built_in_orchestrators_satisfy_the_interface() -> None:
    """`local` and `dask` are found by name (Dask imported only when asked for)."""
    assert {"local", "dask"} <= set(orchestrators.names())
    assert isinstance(orchestrators.get("local"), Orchestrator)


@pytest.mark.parametrize(
    ("name", "factory", "message"),
    [
        ("Bad Name", Reversed, "lowercase letters"),
        ("ok", "not callable", "is not a class or function"),
        ("ok", int, "has no run_steps"),
        ("local", Reversed, "registered already"),
    ],
)
def test_registration_is_checked_when_registering(name: str, factory: object, message: str) -> None:
    """A bad name, a non-orchestrator or a clash is refused at once, with what to do."""
    with pytest.raises(StackError, match=message):
        OrchestratorRegistry().register(name, factory)


def test_a_stack_naming_an_unknown_orchestrator_lists_the_known_ones() -> None:
    """The stack is refused when defined, not when a run needs it."""
    with pytest.raises(StackError, match=r"unknown orchestrator 'nope' \(known: .*dask.*local"):
        Stack(name="s", orchestrator="nope")


_INSTALLED = textwrap.dedent(
    """
    class Serial:
        executed = []

        def run_steps(self, driver, options):
            executor = driver.executor()
            while tasks := driver.ready(limit=1):
                Serial.executed.append(tasks[0].slot)
                driver.finish(tasks[0], executor.execute(tasks[0]))
    """
)
_USER = textwrap.dedent(
    """
    import sys
    import warnings
    from pathlib import Path

    warnings.simplefilter("ignore")  # this throw-away module is not committed to git
    import serial_orchestrator
    from zen_run import Project, Stack, StackRegistry, pipeline, step


    @step
    def one() -> int:
        return 1


    @step
    def plus(x: int) -> int:
        return x + 1


    @pipeline
    def pipe(a, b):
        b(a())


    StackRegistry(Project(Path(sys.argv[1]))).register(Stack(name="installed", orchestrator="serial"))
    run = pipe(a=one(), b=plus()).run(stack="installed", progress=False)
    print(run.steps["b"].outputs["output"].read(), serial_orchestrator.Serial.executed)
    """
)


def test_an_installed_orchestrator_is_found_through_its_entry_point(project: Path, tmp_path: Path) -> None:
    """A distribution declaring a ``zen.orchestrators`` entry point is used by a stack naming it, in a fresh
    process, with nothing registered in code and nothing in zen changed."""
    site = tmp_path / "site"
    dist = site / "serial_orchestrator-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: serial-orchestrator\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[zen.orchestrators]\nserial = serial_orchestrator:Serial\n")
    (site / "serial_orchestrator.py").write_text(_INSTALLED)
    script = tmp_path / "user_pipeline.py"
    script.write_text(_USER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    done = subprocess.run(
        [sys.executable, str(script), str(project)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2 ['a', 'b']"
