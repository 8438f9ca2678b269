"""Artifact names and versions, deleting runs (and gc freeing their space), and small values in comparisons,
through real runs on real stores."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.common.copies import forget_lineage_copies
from tests.zen_run import catalog_pipelines as cp
from zen_run import Client, CompileError, Project, RunStatus, StepStatus
from zen_run._gc import garbage_collect
from zen_store import ArtifactNotFoundError, RecordNotFoundError, RunInProgressError


def _age_artifacts(project: Path, seconds: float = 3600.0) -> None:
    """Make every committed artifact look committed ``seconds`` ago (gc never sweeps what is a few seconds old)."""
    root = project / ".zen" / "artifacts"
    then = time.time() - seconds
    for entry in root.iterdir():
        if not entry.name.startswith("."):
            os.utime(entry, (then, then))


def _store_size(project: Path) -> int:
    root = project / ".zen" / "artifacts"
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and ".zen-store" not in p.parts)


def test_outputs_are_named_and_each_run_stores_the_next_version(project: Path) -> None:
    """Named outputs (return, NamedTuple field, Output parameter) keep their names, the others are named
    <pipeline>.<slot>.<output>; the second run stores version 2 of each; the client finds latest, given versions
    and ids."""
    first = cp.training(accuracy=0.91).run()
    second = cp.training(accuracy=0.94).run()
    outputs = {name: step.outputs for name, step in second.steps.items()}
    assert outputs["loader"]["rows"].name == "iris_rows"
    assert outputs["trainer"]["output"].name == "iris_model"
    assert outputs["scorer"]["accuracy"].name == "iris_accuracy"
    assert outputs["scorer"]["report"].name == "iris.scorer.report"
    assert {a.version for step in outputs.values() for a in step.values()} == {2}
    client = Client()
    assert client.artifact("iris_model").id == second.steps["trainer"].outputs["output"].id
    assert client.artifact("iris_model").read() == [0.94 * r for r in range(10)]
    old = client.artifact("iris_model", version=1)
    assert old.id == first.steps["trainer"].outputs["output"].id and old.version == 1
    assert client.artifact("iris_model:1").id == old.id
    assert client.artifact(old.id).name == "iris_model"
    assert [a.version for a in client.artifacts("iris_accuracy")] == [2, 1]
    with pytest.raises(ArtifactNotFoundError, match="has no version 7"):
        client.artifact("iris_model", version=7)


def test_a_cached_step_reuses_its_artifact_without_a_new_version(project: Path) -> None:
    """The same settings twice: the second run's steps are cached and their outputs stay version 1."""
    cp.training().run()
    again = cp.training().run()
    assert {s.status for s in again.steps.values()} == {StepStatus.CACHED}
    assert [a.version for a in Client().artifacts("iris_model")] == [1]


def test_two_outputs_of_one_pipeline_cannot_take_the_same_name(project: Path) -> None:
    """Refused when the run compiles, naming both outputs and the name."""
    with pytest.raises(CompileError, match="are both named 'iris_model'"):
        cp.clash(first=cp.also_iris_model(), second=cp.also_iris_model()).run()


def test_a_deleted_run_is_gone_and_gc_frees_the_space_only_of_what_no_run_uses(project: Path) -> None:
    """Deleting a run removes it; outputs a later run reused stay (records and files), and so does a stored copy
    another run's identical output shares; once no run uses them, gc --delete frees their space. A run afterwards
    computes again instead of hitting a deleted cache entry."""
    first = cp.training(size=20_000).run()
    reused = cp.training(size=20_000).run()  # every step cached from the first run
    changed = cp.training(size=20_000, accuracy=0.5).run()  # four new records; its rows are the first run's bytes
    rows = changed.steps["loader"].outputs["rows"]
    assert rows.uri == first.steps["loader"].outputs["rows"].uri != ""  # one stored copy, two records
    client = Client()
    deletion = client.delete_run(first.id)
    assert deletion.run_id == first.id and deletion.step_runs == 3 and deletion.artifacts == ()
    with pytest.raises(RecordNotFoundError):
        client.get_run(first.id)
    _age_artifacts(project)
    assert garbage_collect(client.context.stores, delete=True).unreferenced == ()  # the reusing run holds them
    assert client.artifact(reused.steps["trainer"].outputs["output"].id).read() == [0.91 * r for r in range(20_000)]
    size = _store_size(project)
    assert len(client.delete_run(reused).artifacts) == 4  # the last run using the first run's outputs
    _age_artifacts(project)
    report = garbage_collect(client.context.stores, delete=True)
    assert len(report.unreferenced) == 3  # model, accuracy, report; the rows copy is still the changed run's
    assert client.artifact(rows.id).read() == list(range(20_000))
    assert client.delete_run(changed).step_runs == 3
    _age_artifacts(project)
    assert len(garbage_collect(client.context.stores, delete=True).unreferenced) == 4
    assert _store_size(project) < size / 10
    assert client.runs() == [] and client.artifacts() == []
    again = cp.training(size=20_000).run()
    assert {s.status for s in again.steps.values()} == {StepStatus.COMPLETED}
    assert again.steps["trainer"].outputs["output"].version == 3  # numbers are not given out twice


def test_a_run_in_progress_is_not_deleted(project: Path) -> None:
    """A running run (this process owns it) is refused with a sentence; a finished one then goes."""
    from zen_store import NewRun

    client = Client(Project(project).ensure().root)  # `zen init`: a client never creates the project
    lineage = client.context.stores.lineage
    run_id = lineage.create_run(NewRun(pipeline_name="iris", spec_json="{}", stack="default"))
    with pytest.raises(RunInProgressError, match="is still running, so it cannot be deleted"):
        client.delete_run(run_id)
    lineage.finish_run(run_id, status=RunStatus.STOPPED)
    assert client.delete_run(run_id).run_id == run_id


def test_compare_shows_small_values_themselves(project: Path) -> None:
    """A changed metric shows as its two values, a small dict of metrics too; a big output only by hash."""
    a = cp.training(accuracy=0.91, size=20).run()
    b = cp.training(accuracy=0.94, size=20).run()
    comparison = Client().compare(a, b)
    values = {(d.step_name, d.field): (d.a, d.b) for d in comparison.differences if d.field.endswith(".value")}
    assert values[("scorer", "outputs.accuracy.value")] == (0.91, 0.94)
    assert values[("scorer", "outputs.report.value")] == (
        {"accuracy": 0.91, "loss": 0.09},
        {"accuracy": 0.94, "loss": 0.06},
    )
    assert ("trainer", "outputs.output.value") not in values  # twenty floats: only their hashes
    fields = [d.field for d in comparison.differences if d.step_name == "scorer"]
    assert fields.index("outputs.accuracy.value") + 1 == fields.index("outputs.accuracy.content_hash")


def test_small_values_are_read_safely(project: Path) -> None:
    """Only small plain zen-json values are shown: not an enum (that would import its class), not a big list,
    not an artifact whose bytes were altered (unless the lineage store's copy of them puts them back)."""
    client = Client()
    run = client.get_run(cp.training(size=2).run().id)
    small = run.steps["trainer"].outputs["output"].small_value()
    assert small is not None and small.value == [0.0, 0.91] and small.text == "[0.0, 0.91]"
    big = client.get_run(cp.training(size=500).run().id)
    assert big.steps["trainer"].outputs["output"].small_value() is None
    enum_run = client.get_run(cp.colours(only=cp.colour()).run().id)
    assert enum_run.steps["only"].outputs["output"].small_value() is None
    accuracy = run.steps["scorer"].outputs["accuracy"]
    assert accuracy.small_value() is not None
    stored = Path(accuracy.uri) / "value.json"
    original = stored.read_bytes()
    stored.write_text('{"format":"zen-json","version":2,"value":0.5}')
    restored = accuracy.small_value()  # the recorded bytes are put back from the lineage store's copy
    assert restored is not None and restored.value == 0.91 and stored.read_bytes() == original
    forget_lineage_copies(project / ".zen" / "lineage.db")
    stored.write_text('{"format":"zen-json","version":2,"value":0.5}')
    assert Client().get_run(run.id).steps["scorer"].outputs["accuracy"].small_value() is None  # hash mismatch
