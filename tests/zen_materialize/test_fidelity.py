"""Every tricky value reads back as itself, as the type its step declares, or is refused when written.

Each case of ``tests/zen_materialize/cases.py`` goes through the registry (writer chosen by the declared type,
reader chosen by it too) and through a real pipeline run, fresh and then with the producing step cached and the
reading step re-run. Values also cross processes: written in one, read (and rewritten byte for byte) in another.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.zen_materialize import case_pipelines
from tests.zen_materialize.cases import CASES, ROUNDTRIP, Case, equal
from zen_materialize import (
    ArtifactReadError,
    ArtifactWriteError,
    Location,
    UnstorableValueError,
    default_registry,
    write_artifact,
)
from zen_materialize._numpy import padding
from zen_run import Client, StepFailedError
from zen_store import content_hash

ROUND_TRIPS = [c for c in CASES if c.outcome == ROUNDTRIP]
REFUSALS = [c for c in CASES if c.outcome != ROUNDTRIP]


def _write(case: Case, folder: Path) -> tuple[str, str]:
    """Write the case's value with the writer of its declared type; the format and materializer name."""
    writer = default_registry().writer_for(case.declared)
    write_artifact(writer, case.make(), Location(str(folder)), artifact=case.name)
    return type(writer).FORMAT, type(writer).ref().name


@pytest.mark.parametrize("case", ROUND_TRIPS, ids=lambda c: c.id)
def test_value_reads_back_exactly_as_declared_and_as_written(case: Case, tmp_path: Path) -> None:
    """Read as the declared type, and by the materializer that wrote it: the same value, of the same class."""
    fmt, name = _write(case, tmp_path)
    registry = default_registry()
    value = case.make()
    assert equal(value, registry.read(Location(str(tmp_path)), format=fmt, as_type=case.declared))
    assert equal(value, registry.read(Location(str(tmp_path)), format=fmt, materializer=name))


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_value_is_refused_at_write_naming_the_spot(case: Case, tmp_path: Path) -> None:
    """A value that would not read back as itself is refused by a zen error that names the spot and the fix."""
    with pytest.raises(ArtifactWriteError, match="Nothing was stored") as caught:
        _write(case, tmp_path)
    assert case.outcome in str(caught.value)
    assert isinstance(caught.value.__cause__, UnstorableValueError)
    assert caught.value.__cause__.fix


@pytest.mark.parametrize("case", ROUND_TRIPS, ids=lambda c: c.id)
def test_value_round_trips_through_a_run_fresh_and_cached(case: Case, project: Path) -> None:
    """The reading step gets the exact value in a fresh run and again when the producing step is cached."""
    case_pipelines.VALUE["value"] = case.make()
    case_pipelines.EQUAL["equal"] = equal
    fresh = case_pipelines.case_pipeline(case.declared, nonce=0).run()
    assert fresh.steps["reader"].outputs["output"].read() is True
    again = case_pipelines.case_pipeline(case.declared, nonce=1).run()
    assert again.steps["source"].status == "cached"
    assert again.steps["reader"].status == "completed"
    assert again.steps["reader"].outputs["output"].read() is True
    stored = Client().get_run(again.id).steps["source"].outputs["output"].read()
    assert equal(case.make(), stored)


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_refused_value_fails_its_step_in_a_run(case: Case, project: Path) -> None:
    """Inside a run a refused write is a StepFailedError naming the step and the spot; the run is failed."""
    case_pipelines.VALUE["value"] = case.make()
    with pytest.raises(StepFailedError, match=r'Step "source"') as caught:
        case_pipelines.case_pipeline(case.declared, nonce=0).run()
    assert case.outcome in str(caught.value)
    assert isinstance(caught.value.__cause__, ArtifactWriteError)
    assert Client().last_run("fidelity").status == "failed"


def test_a_refused_write_through_an_output_handle_fails_its_step(project: Path) -> None:
    """Output[T].write() refuses the value inside the step: the step fails with the refusal as its cause."""
    with pytest.raises(StepFailedError, match="masked array") as caught:
        case_pipelines.masked_instance.run()
    assert isinstance(caught.value.__cause__, ArtifactWriteError)
    assert "artifact 'array' of step 'source'" in str(caught.value.__cause__)


def test_a_library_error_while_reading_an_input_fails_its_step(project: Path) -> None:
    """A reader's own exception while a step loads its input is a StepFailedError naming the step, chained to an
    ArtifactReadError naming the artifact, its type and the materializer, never the library's exception raw."""
    with pytest.raises(StepFailedError, match=r'Step "reader" \(unpacks\)') as caught:
        case_pipelines.crates_instance.run()
    cause = caught.value.__cause__
    assert isinstance(cause, ArtifactReadError)
    assert "(Crate) as Crate with" in str(cause)
    assert "CrateMaterializer: LookupError('the crate library lost its schema')" in str(cause)
    assert isinstance(cause.__cause__, LookupError)
    assert Client().last_run("crates").status == "failed"


_SCRIPT_WITH_ITS_OWN_RECORD = """
import dataclasses
import warnings

from zen_run import StepFailedError, pipeline, step

warnings.simplefilter("ignore")


@dataclasses.dataclass
class Reading:
    celsius: float


@step
def measure() -> Reading:
    return Reading(21.5)


@pipeline
def weather(sensor) -> None:
    sensor()


try:
    weather(sensor=measure()).run()
except StepFailedError as failed:
    print(failed)
"""


def test_a_record_defined_in_a_script_run_directly_is_refused_when_written(project: Path) -> None:
    """A class in ``__main__`` cannot be imported by any other process (zen's CLI, the dashboard, a later script),
    so a value of it would be unreadable there: the step storing it fails, saying where to define the class."""
    script = project / "weather.py"
    script.write_text(_SCRIPT_WITH_ITS_OWN_RECORD)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, cwd=project)
    assert 'Step "sensor" (measure)' in done.stdout
    assert "record class Reading is defined in __main__" in done.stdout
    assert "Define Reading in an importable module" in done.stdout


_WRITE_IN_CHILD = """
import sys
from pathlib import Path
from tests.zen_materialize.cases import CASES, ROUNDTRIP
from zen_materialize import Location, default_registry, write_artifact
for index, case in enumerate(c for c in CASES if c.outcome == ROUNDTRIP):
    folder = Path(sys.argv[1], str(index))
    folder.mkdir()
    write_artifact(default_registry().writer_for(case.declared), case.make(), Location(str(folder)), artifact="x")
"""


def test_values_cross_processes_with_the_same_bytes(tmp_path: Path) -> None:
    """Written by another process (another hash seed, so another set order): reads back exactly here, and this
    process writes the very same bytes (content hashes, and so cache keys, agree across processes)."""
    child = tmp_path / "child"
    child.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", _WRITE_IN_CHILD, str(child)], check=True, env=env, cwd=Path.cwd())
    registry = default_registry()
    for index, case in enumerate(ROUND_TRIPS):
        theirs = child / str(index)
        writer = registry.writer_for(case.declared)
        back = registry.read(Location(str(theirs)), format=type(writer).FORMAT, as_type=case.declared)
        assert equal(case.make(), back), case.id
        mine = tmp_path / f"mine-{index}"
        mine.mkdir()
        write_artifact(writer, case.make(), Location(str(mine)), artifact="x")
        assert content_hash(mine)[0] == content_hash(theirs)[0], case.id


def test_sets_are_written_sorted_whatever_their_iteration_order(tmp_path: Path) -> None:
    """Two sets equal in value but built in different orders give the same bytes."""
    registry = default_registry()
    first, second = {"b", "a", "c", 3, 1}, {1, 3, "c", "a", "b"}
    hashes = []
    for index, value in enumerate([first, second]):
        folder = tmp_path / str(index)
        folder.mkdir()
        write_artifact(registry.writer_for(set[object]), value, Location(str(folder)), artifact="x")
        hashes.append(content_hash(folder)[0])
        stored = json.loads((folder / "value.json").read_text())["value"]["$set"]
        assert stored == sorted(stored, key=lambda e: json.dumps(e, sort_keys=True, separators=(",", ":")))
    assert hashes[0] == hashes[1]


def test_array_layouts_give_the_same_bytes(tmp_path: Path) -> None:
    """C order, Fortran order and a strided view of one array are one value: one set of bytes, read back C."""
    base = np.arange(24.0).reshape(4, 6)
    wide = np.zeros((4, 12))
    wide[:, ::2] = base
    layouts = {"c": base.copy(order="C"), "f": base.copy(order="F"), "view": wide[:, ::2]}
    hashes = set()
    for name, array in layouts.items():
        folder = tmp_path / name
        folder.mkdir()
        write_artifact(default_registry().writer_for(np.ndarray), array, Location(str(folder)), artifact=name)
        hashes.add(content_hash(folder)[0])
    assert len(hashes) == 1
    back = default_registry().read(Location(str(tmp_path / "f")), format="npy", as_type=np.ndarray)
    assert isinstance(back, np.ndarray) and back.flags.c_contiguous


@pytest.mark.skipif(not padding(np.dtype(np.longdouble)), reason="np.longdouble has no padding bytes here")
def test_extended_precision_floats_have_one_set_of_bytes(tmp_path: Path) -> None:
    """np.longdouble keeps 10 bytes of its 16 on x86; the other 6 are whatever memory held. Equal values whose
    padding differs give the same bytes as an array, a scalar output and inside a zen-json value."""
    clean = np.array([1.1, -2.5], dtype=np.longdouble)
    dirty = clean.copy()
    dirty.view(np.uint8).reshape(2, -1)[:, 10:] = 0xAB
    assert np.array_equal(clean, dirty) and clean.tobytes() != dirty.tobytes()
    registry = default_registry()
    pairs: list[tuple[object, object, object]] = [
        (np.ndarray, clean, dirty),
        (np.longdouble, clean[0], dirty[0]),
        (dict[str, object], {"x": clean[1]}, {"x": dirty[1]}),
    ]
    for index, (declared, *values) in enumerate(pairs):
        hashes = []
        for name, value in zip(["clean", "dirty"], values, strict=True):
            folder = tmp_path / f"{index}-{name}"
            folder.mkdir()
            write_artifact(registry.writer_for(declared), value, Location(str(folder)), artifact=name)
            hashes.append(content_hash(folder)[0])
        assert hashes[0] == hashes[1], declared


def test_dict_insertion_order_is_kept_and_is_part_of_the_bytes(tmp_path: Path) -> None:
    """{'a': 1, 'b': 2} and {'b': 2, 'a': 1} are equal in Python but iterate differently: both orders are kept."""
    hashes = []
    for index, value in enumerate([{"a": 1, "b": 2}, {"b": 2, "a": 1}]):
        folder = tmp_path / str(index)
        folder.mkdir()
        write_artifact(default_registry().writer_for(dict[str, int]), value, Location(str(folder)), artifact="x")
        back = default_registry().read(Location(str(folder)), format="zen-json", as_type=dict[str, int])
        assert isinstance(back, dict) and list(back) == list(value)
        hashes.append(content_hash(folder)[0])
    assert hashes[0] != hashes[1]


def test_reading_as_a_subclass_the_value_was_not_written_from_is_refused(tmp_path: Path) -> None:
    """A stored datetime.date is not a datetime: asking for one names both classes instead of guessing."""
    import datetime as dt

    from zen_materialize import MaterializerNotFoundError

    write_artifact(default_registry().writer_for(dt.date), dt.date(2024, 1, 1), Location(str(tmp_path)), artifact="d")
    with pytest.raises(MaterializerNotFoundError, match=r"holds a datetime\.date, not a datetime"):
        default_registry().read(Location(str(tmp_path)), format="zen-json", as_type=dt.datetime)


def test_the_docs_table_of_counts_is_what_the_cases_do() -> None:
    """``python -m tools.fidelity_counts --check``: docs/materializers.md holds the counts the cases give now, and
    no case went wrong (neither read back exactly nor refused when written)."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tools.fidelity_counts", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    counts = done.stdout.strip().split("\n\n", 1)[0].splitlines()[2:]
    assert counts and all(row.replace("*", "").rstrip(" |").endswith("| 0") for row in counts), done.stdout
    assert "| wrong |" not in done.stdout
