"""A run's small outputs are durable through their lineage record instead of fsyncs, and come back after a power
loss: a run whose outputs are all small fsyncs no artifact, a large output still is, and a small artifact whose
file a power loss took back (deleted, truncated, zeroed, its folder emptied or gone) is restored from the lineage
store's copy - checked against its content hash - when it is read, reused from the cache, or verified."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.common.fsyncs import count_syncs
from zen_run import Client, Slot, pipeline, step
from zen_store import ArtifactIntegrityError

CALLS: dict[str, int] = {}


@step
def small() -> int:
    CALLS["small"] = CALLS.get("small", 0) + 1
    return 12345


@step
def doubles(x: int) -> int:
    CALLS["doubles"] = CALLS.get("doubles", 0) + 1
    return 2 * x


@step
def large(x: int) -> str:
    return "x" * (32 * 1024 + x % 2)


@pipeline
def pair(first: Slot[[], int], second: Slot[[int], int]) -> None:
    second(first())


@pipeline
def sized(first: Slot[[], int], second: Slot[[int], str]) -> None:
    second(first())


@pytest.fixture(autouse=True)
def _counted() -> None:
    CALLS.clear()


def _artifact_syncs(project: Path, syncs: list[str]) -> list[str]:
    """The synced paths that are artifacts (not the store's own records, such as the run's writer's lease)."""
    root = str((project / ".zen" / "artifacts").resolve())
    return [path for path in syncs if path.startswith(root) and "/.zen-store/" not in path]


def test_a_run_of_small_outputs_fsyncs_no_artifact(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every output is small: the barrier has nothing to sync, the lineage records hold the bytes."""
    pair(first=small(), second=doubles()).run()  # the stores exist before counting
    syncs = count_syncs(monkeypatch)
    run = pair(first=small(), second=doubles()).run(enable_cache=False)
    assert _artifact_syncs(project, syncs) == []
    assert run.steps["second"].outputs["output"].read() == 24690


def test_a_large_output_is_still_fsynced(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An output over the limit is fsynced before it is recorded (its file, its folder, the store's root)."""
    syncs = count_syncs(monkeypatch)
    run = sized(first=small(), second=large()).run()
    uri = run.steps["second"].outputs["output"].uri
    synced = _artifact_syncs(project, syncs)
    assert uri in synced and any(path.startswith(uri + "/") for path in synced)
    assert not any(path.startswith(run.steps["first"].outputs["output"].uri) for path in synced)


def _lose(folder: Path, how: str) -> None:
    """What a power loss can leave of an artifact folder whose file was never fsynced."""
    target = next(folder.iterdir())
    if how == "deleted":
        target.unlink()
    elif how == "truncated":
        target.write_bytes(target.read_bytes()[:3])
    elif how == "zeroed":
        target.write_bytes(b"\0" * target.stat().st_size)
    elif how == "emptied":
        target.unlink()
    else:
        assert how == "gone"
        target.unlink()
        folder.rmdir()


LOSSES = ["deleted", "truncated", "zeroed", "emptied", "gone"]


@pytest.mark.parametrize("how", LOSSES)
def test_a_lost_small_artifact_reads_back_from_its_lineage_copy(project: Path, how: str) -> None:
    """Reading it in another client puts the recorded bytes back where the record says, and returns the value."""
    run = pair(first=small(), second=doubles()).run()
    folder = Path(run.steps["first"].outputs["output"].uri)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    _lose(folder, how)
    assert Client().get_run(run.id).steps["first"].outputs["output"].read() == 12345
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.parametrize("how", LOSSES)
def test_a_lost_small_artifact_is_restored_and_still_a_cache_hit(project: Path, how: str) -> None:
    """A re-run with the cache on reuses both steps: the lost output is put back from its copy, hash-checked,
    and nothing is computed again."""
    run = pair(first=small(), second=doubles()).run()
    folder = Path(run.steps["first"].outputs["output"].uri)
    _lose(folder, how)
    again = pair(first=small(), second=doubles()).run()
    assert [again.steps[s].status for s in ("first", "second")] == ["cached", "cached"]
    assert CALLS == {"small": 1, "doubles": 1}
    assert again.steps["first"].outputs["output"].read() == 12345
    assert (folder / "value.json").is_file()


def test_a_step_input_lost_after_its_run_is_restored_when_the_next_run_loads_it(project: Path) -> None:
    """A downstream step computed again (cache off) loads an upstream output a power loss took back."""
    run = pair(first=small(), second=doubles()).run()
    _lose(Path(run.steps["first"].outputs["output"].uri), "zeroed")
    again = pair(first=small(), second=doubles()).run(enable_cache=False)
    assert again.steps["second"].outputs["output"].read() == 24690 and CALLS == {"small": 2, "doubles": 2}


def _damage_copy(project: Path) -> None:
    conn = sqlite3.connect(project / ".zen" / "lineage.db")
    conn.execute("UPDATE artifact_files SET data = CAST('99999' AS BLOB)")
    conn.commit()
    conn.close()


def test_a_damaged_lineage_copy_is_refused_and_the_step_computed_again(project: Path) -> None:
    """When the copy does not hold the recorded bytes either, reading says so in one sentence, and a re-run
    computes the step instead of reusing it."""
    run = pair(first=small(), second=doubles()).run()
    _lose(Path(run.steps["first"].outputs["output"].uri), "deleted")
    _damage_copy(project)
    with pytest.raises(ArtifactIntegrityError) as info:
        Client().get_run(run.id).steps["first"].outputs["output"].read()
    assert "the lineage store's copy of it is damaged too" in str(info.value)
    assert "\n" not in str(info.value)
    again = pair(first=small(), second=doubles()).run()
    assert again.steps["first"].status == "completed" and CALLS["small"] == 2
    assert again.steps["second"].outputs["output"].read() == 24690


def test_verify_restores_a_lost_small_artifact_and_says_so(project: Path) -> None:
    """``Client().verify()`` puts a lost small copy back and reports it restored, not damaged."""
    run = pair(first=small(), second=doubles()).run()
    folder = Path(run.steps["first"].outputs["output"].uri)
    _lose(folder, "truncated")
    report = Client().verify()
    assert report.ok and [r.uri for r in report.restored] == [str(folder)]
    assert "modified or corrupted" in report.restored[0].problem
    assert Client().verify().restored == ()
