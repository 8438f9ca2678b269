"""`zen artifacts list`, names and versions in `zen runs show` / `zen artifacts show`, `zen runs delete` and
`zen gc --delete` freeing the space, and values in `zen runs compare`: the real CLI in subprocesses."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ZEN = [sys.executable, "-m", "zen_run"]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A project whose pipeline names its model and reports a metric."""
    (tmp_path / "flows.py").write_text(
        textwrap.dedent(
            """
            from typing import Annotated

            from zen_run import ArtifactName, BaseStepConfig, Slot, pipeline, step

            class FitConfig(BaseStepConfig):
                accuracy: float = 0.91

            @step
            def train(config: FitConfig) -> Annotated[list[float], ArtifactName("iris_model")]:
                return [config.accuracy] * 50_000

            @step
            def evaluate(model: list[float]) -> float:
                return model[0]

            @step
            def dozes(model: list[float]) -> float:
                import time
                time.sleep(120)
                return 0.0

            @pipeline
            def iris(trainer: Slot[[], list[float]], scorer: Slot[[list[float]], float]) -> None:
                scorer(trainer())

            first = iris(trainer=train(FitConfig(accuracy=0.91)), scorer=evaluate())
            second = iris(trainer=train(FitConfig(accuracy=0.94)), scorer=evaluate())
            sleepy = iris(trainer=train(FitConfig(accuracy=0.5)), scorer=dozes())
            """
        )
    )
    return tmp_path


def zen(workdir: Path, *args: str, expect: int = 0) -> str:
    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    done = subprocess.run(
        [*ZEN, *args],
        check=False,
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == expect, f"zen {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _run(workdir: Path, target: str) -> str:
    zen(workdir, "run", target, "-q")
    return str(json.loads(zen(workdir, "runs", "list", "--json", "--limit", "1"))[0]["run_id"])


def _artifact_bytes(workdir: Path) -> int:
    root = workdir / ".zen" / "artifacts"
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and ".zen-store" not in p.parts)


def test_names_and_versions_in_list_show_and_read(workdir: Path) -> None:
    """Each run stores the next version; `artifacts list --name`, `artifacts show NAME`, `artifacts read
    NAME:VERSION` and `runs show` all speak of names and versions."""
    first = _run(workdir, "flows:first")
    _run(workdir, "flows:second")
    listed = json.loads(zen(workdir, "artifacts", "list", "--name", "iris_model", "--json"))
    assert [(a["name"], a["version"]) for a in listed] == [("iris_model", 2), ("iris_model", 1)]
    table = zen(workdir, "artifacts", "list")
    assert "iris.scorer.output" in table and "iris_model" in table
    shown = zen(workdir, "artifacts", "show", "iris_model")
    assert "name           iris_model" in shown and "version        2" in shown
    assert json.loads(zen(workdir, "artifacts", "read", "iris.scorer.output:1", "--json")) == 0.91
    assert json.loads(zen(workdir, "artifacts", "read", listed[1]["artifact_id"], "--json"))[0] == 0.91
    assert "output=iris_model:1" in zen(workdir, "runs", "show", first)
    assert "no artifact 'nope': no id, name or NAME:VERSION matches" in zen(
        workdir, "artifacts", "show", "nope", expect=3
    )


def test_compare_shows_the_values_of_small_outputs(workdir: Path) -> None:
    """A metric differs as `0.91 -> 0.94`; the big model only by its hash."""
    a, b = _run(workdir, "flows:first"), _run(workdir, "flows:second")
    out = zen(workdir, "runs", "compare", a, b)
    assert "step scorer: outputs.output.value: 0.91 -> 0.94" in out
    assert "step trainer: outputs.output.value" not in out
    assert "step trainer: outputs.output.content_hash" in out


def test_delete_asks_then_gc_frees_the_space(workdir: Path) -> None:
    """Without a terminal `runs delete` needs --yes (nothing deleted); with it one sentence says what went; the
    run is gone; `gc --delete` then frees its outputs' space."""
    keep, doomed = _run(workdir, "flows:first"), _run(workdir, "flows:second")
    out = zen(workdir, "runs", "delete", doomed, expect=2)
    assert "needs --yes" in out and "Nothing was deleted" in out
    zen(workdir, "runs", "show", doomed)
    before = _artifact_bytes(workdir)
    out = zen(workdir, "runs", "delete", doomed[:16], "--yes")
    assert out.startswith(f"deleted 1 run(s) ({doomed}) with 2 step run(s) and 2 artifact record(s);")
    assert "no run with id" in zen(workdir, "runs", "show", doomed, expect=3)
    for entry in (workdir / ".zen" / "artifacts").iterdir():  # committed long ago: gc keeps what is seconds old
        if not entry.name.startswith("."):
            os.utime(entry, (time.time() - 3600, time.time() - 3600))
    assert "deleted 2 unreferenced artifact(s)" in zen(workdir, "gc", "--delete")
    assert _artifact_bytes(workdir) < before * 0.6
    assert json.loads(zen(workdir, "artifacts", "read", "iris_model", "--json"))[0] == 0.91  # keep's model, intact
    assert [r["run_id"] for r in json.loads(zen(workdir, "runs", "list", "--json"))] == [keep]
    assert "no run with id 'nope'" in zen(workdir, "runs", "delete", "nope", "--yes", expect=3)


def _in_terminal(workdir: Path, args: list[str], answer: bytes) -> str:
    """Run zen with a pseudo-terminal as stdin and stdout, answering its question with ``answer``."""
    main, side = pty.openpty()
    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    proc = subprocess.Popen([*ZEN, *args], cwd=workdir, env=env, stdin=side, stdout=side, stderr=side)
    os.close(side)
    seen = b""
    try:
        while b"?" not in seen:
            ready, _, _ = select.select([main], [], [], 60)
            assert ready, f"no question asked: {seen!r}"
            seen += os.read(main, 4096)
        os.write(main, answer)
        assert proc.wait(timeout=60) == 0
        while select.select([main], [], [], 0.5)[0]:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    return seen.decode(errors="replace")


def test_in_a_terminal_delete_asks_first(workdir: Path) -> None:
    """In a terminal `runs delete` names the runs and asks; "n" deletes nothing, "y" deletes."""
    run_id = _run(workdir, "flows:first")
    out = _in_terminal(workdir, ["runs", "delete", run_id], b"n\n")
    assert f"Delete 1 run(s): {run_id} (iris, completed)?" in out and "nothing was deleted" in out
    zen(workdir, "runs", "show", run_id)
    out = _in_terminal(workdir, ["runs", "delete", run_id], b"y\n")
    assert f"deleted 1 run(s) ({run_id})" in out
    zen(workdir, "runs", "show", run_id, expect=3)


def test_a_run_in_progress_cannot_be_deleted(workdir: Path) -> None:
    """While its step runs, deleting the run is refused with a sentence (exit 2) and the run stays."""
    from zen_store import SQLiteLineageStore

    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    proc = subprocess.Popen([*ZEN, "run", "flows:sleepy", "-q"], cwd=workdir, env=env, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        run_id = ""
        while not run_id and time.monotonic() < deadline:
            time.sleep(0.2)
            if (workdir / ".zen" / "lineage.db").exists():
                db = SQLiteLineageStore.open(workdir / ".zen" / "lineage.db")
                runs = db.runs()
                if runs and any(s.status == "running" for s in db.step_runs(runs[0].run_id)):
                    run_id = runs[0].run_id
                db.close()
        assert run_id, "the step never showed as running"
        out = zen(workdir, "runs", "delete", run_id, "--yes", expect=2)
        assert f"run {run_id} of pipeline 'iris' is still running, so it cannot be deleted" in out
        assert json.loads(zen(workdir, "runs", "show", run_id, "--json"))["run"]["status"] == "running"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert "deleted 1 run(s)" in zen(workdir, "runs", "delete", run_id, "--yes")  # crashed now: it may go
