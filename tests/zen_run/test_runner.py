"""The reference runner against real stores in a temporary project: results, caching, failures, resume."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.common.copies import forget_lineage_copies
from tests.zen_run import pipelines as p
from zen_materialize import PickleMaterializer, UnsafeMaterializerWarning
from zen_run import Client, CompileError, OutputTypeError, RunContext, RunOptions, StepFailedError, execute, resume
from zen_run._explain import explain
from zen_run.errors import NoProjectError


@pytest.fixture(autouse=True)
def _reset_counters() -> Iterator[None]:
    p.CALLS.clear()
    p.FAIL["middle"] = False
    yield
    p.FAIL["middle"] = False


def test_seed_pipeline_runs_and_output_reads_back(project: Path) -> None:
    """The seed 000 example: the stored output of `second` reads back as 4, also through a new client."""
    run = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3))).run()
    assert run.status == "completed"
    assert run.steps["second"].outputs["output"].read() == 4
    RunContext.forget()
    again = Client().last_run("add_pipeline")
    assert again.id == run.id
    assert again.steps["second"].outputs["output"].read() == 4
    assert again.steps["second"].config == {"add_amount": 3}


def test_a_client_in_a_folder_with_no_project_refuses_and_creates_nothing(project: Path) -> None:
    """Reading never creates a project (as the read-only ``zen`` commands): ``Client()`` says how to make one, and
    the folder stays empty until a pipeline runs there, which does create the project."""
    for root in (None, project):
        with Client(root) as client:
            reads: list[Callable[[], object]] = [client.runs, client.pipelines, client.artifacts]
            reads += [lambda: client.get_run("abc"), lambda: client.last_run("add_pipeline")]
            for read in reads:
                with pytest.raises(NoProjectError, match=r"^there is no zen project in .*; run `zen init` to create"):
                    read()
    assert list(project.iterdir()) == []
    client = Client()  # opened before the project exists: its first read comes after the run, which makes it
    run = p.add_pipeline(first=p.returns_one(), second=p.adds()).run()
    assert (project / ".zen").is_dir()
    with client:
        assert [r.id for r in client.runs()] == [run.id]


def test_unchanged_rerun_is_cached_and_steps_do_not_execute(project: Path) -> None:
    """A second identical run reuses every step: nothing executes, steps are recorded as cached."""
    instance = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3)))
    first = instance.run()
    calls = dict(p.CALLS)
    second = instance.run()
    assert calls == p.CALLS
    assert [s.status for s in second.steps.values()] == ["cached", "cached"]
    assert second.steps["second"].outputs["output"].read() == 4
    stored_first, stored_second = Client().get_run(first.id), Client().get_run(second.id)
    assert stored_second.steps["second"].record.cached_from == stored_first.steps["second"].record.step_run_id
    lines = explain(Client(), second, "second")["lines"]
    assert "cached" in str(lines)


def test_config_change_misses_and_explain_names_the_config(project: Path) -> None:
    """Changing a config re-runs that step; `cache explain` names the config as the reason."""
    p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3))).run()
    run = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=5))).run()
    assert run.steps["first"].status == "cached"
    assert run.steps["second"].status == "completed"
    assert run.steps["second"].outputs["output"].read() == 6
    explanation = explain(Client(), run, "second")
    assert "config changed" in str(explanation["reasons"])


def test_cache_can_be_turned_off_per_run_and_per_step(project: Path) -> None:
    """enable_cache=False on the run, or on one step instance, forces execution."""
    instance = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3)))
    instance.run()
    instance.run(enable_cache=False)
    assert p.CALLS == {"returns_one": 2, "adds": 2}
    p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3), enable_cache=False)).run()
    assert p.CALLS == {"returns_one": 2, "adds": 3}


def test_corrupt_cached_artifact_is_a_miss_not_a_failure(project: Path) -> None:
    """When a cached output's files were damaged and the lineage store holds no copy to put back (an artifact
    recorded before copies were kept, or too large for one), the step runs again instead of failing the run."""
    instance = p.single(only=p.returns_one())
    run = instance.run()
    path = Path(run.steps["only"].outputs["output"].uri) / "value.json"
    path.write_text(path.read_text().replace("1", "2"))
    forget_lineage_copies(project / ".zen" / "lineage.db")
    again = instance.run()
    assert again.steps["only"].status == "completed"
    assert again.steps["only"].outputs["output"].read() == 1


def test_failing_step_marks_run_failed_keeps_completed_outputs(project: Path) -> None:
    """A step that raises: StepFailedError names it, chains the user's exception; completed steps are kept."""
    p.FAIL["middle"] = True
    instance = p.three(first=p.returns_one(), second=p.middle(), third=p.adds())
    with pytest.raises(StepFailedError, match='Step "second"') as info:
        instance.run()
    assert isinstance(info.value.__cause__, ValueError)
    run = Client().get_run(info.value.run_id)
    assert run.status == "failed"
    assert run.steps["first"].status == "completed"
    assert run.steps["first"].outputs["output"].read() == 1
    assert run.steps["second"].status == "failed"
    assert "middle failed on purpose" in (run.steps["second"].record.error or "")
    assert "third" not in run.steps


def test_resume_runs_only_the_remaining_steps(project: Path) -> None:
    """After a fix, resume reuses the completed step and runs the rest."""
    p.FAIL["middle"] = True
    instance = p.three(first=p.returns_one(), second=p.middle(), third=p.adds())
    with pytest.raises(StepFailedError) as info:
        instance.run()
    p.FAIL["middle"] = False
    calls_before = p.CALLS.get("returns_one", 0)
    resumed = resume(RunContext.open(), info.value.run_id)
    assert resumed.status == "completed"
    assert p.CALLS["returns_one"] == calls_before
    assert resumed.steps["first"].status == "cached"
    assert resumed.steps["third"].outputs["output"].read() == 11


def test_output_type_mismatch_fails_before_writing(project: Path) -> None:
    """A returned value that does not match the declared type fails the step; nothing is stored for it."""
    with pytest.raises(OutputTypeError, match="declared as int"):
        p.single(only=p.wrong_type()).run()
    run = Client().last_run("single")
    assert run.status == "failed"
    assert run.steps["only"].outputs == {}


def test_input_output_handles_and_named_outputs(project: Path) -> None:
    """Seed 001 style: Input/Output handles, a NamedTuple of outputs, metadata written by the step."""
    run = p.handles(source=p.numbers(), splitter=p.split(), summer=p.total()).run()
    assert run.steps["splitter"].outputs["low"].read() == [1, 3]
    assert run.steps["splitter"].outputs["high"].read() == [5, 9]
    result = run.steps["summer"].outputs["result"]
    assert result.read() == 14
    assert result.metadata["note"] == "summed"


def test_type_without_materializer_fails_at_compile_time(project: Path) -> None:
    """An output type nothing can write fails before any step runs, naming the step and output."""
    from zen_run import pipeline, step

    @step
    def make() -> p.Unstorable:
        raise AssertionError("must not run")

    @pipeline
    def pipe(only):  # type: ignore[no-untyped-def]  # an unannotated slot
        only()

    with pytest.raises(CompileError, match='Output "output" of step "only"'):
        pipe(only=make()).run()
    assert Client().runs() == []


def test_explicit_pickle_is_opt_in_and_warns(project: Path) -> None:
    """Pickle is used only when named for an output, and warns that loading executes code."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = p.single(only=p.returns_one(materializers={"output": PickleMaterializer})).run()
        assert run.steps["only"].outputs["output"].read() == 1
    assert any(issubclass(w.category, UnsafeMaterializerWarning) for w in caught)


def test_run_config_yaml_sets_step_configs(project: Path, tmp_path: Path) -> None:
    """A YAML run config sets a step's config and the run name."""
    config = tmp_path / "run.yaml"
    config.write_text("run_name: from-yaml\nsteps:\n  second:\n    config:\n      add_amount: 7\n")
    instance = p.add_pipeline(first=p.returns_one(), second=p.adds())
    run = execute(instance, RunContext.open(), RunOptions(config_file=config))
    assert run.name == "from-yaml"
    assert run.steps["second"].outputs["output"].read() == 8


def test_compare_reports_config_and_output_differences(project: Path) -> None:
    """Two runs with different configs differ in that config and in the output's content hash."""
    a = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=1))).run()
    b = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=2))).run()
    comparison = Client().compare(a, b)
    fields = {(d.step_name, d.field) for d in comparison.differences}
    assert ("second", "config") in fields
    assert ("second", "outputs.output.content_hash") in fields
    assert ("first", "config") not in fields


def test_ctrl_c_marks_the_run_stopped_not_running(project: Path) -> None:
    """KeyboardInterrupt inside a step propagates, and the run and the step are recorded as stopped."""
    with pytest.raises(KeyboardInterrupt):
        p.add_pipeline(first=p.returns_one(), second=p.interrupted()).run()
    run = Client().last_run("add_pipeline")
    assert run.status == "stopped"
    assert run.steps["first"].status == "completed"
    assert run.steps["second"].status == "stopped"
    assert run.steps["second"].record.error == "stopped by the user"


def test_cache_can_be_turned_off_per_pipeline(project: Path) -> None:
    """@pipeline(enable_cache=False) runs every step every time."""
    instance = p.uncached(first=p.returns_one(), second=p.adds())
    instance.run()
    run = instance.run()
    assert [s.status for s in run.steps.values()] == ["completed", "completed"]
    assert p.CALLS == {"returns_one": 2, "adds": 2}
