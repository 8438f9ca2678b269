"""The README's quickstart and every example, run as a user would: separate processes, fresh projects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _python(code_or_file: str, project: Path, *, file: bool = False) -> str:
    argv = [sys.executable, code_or_file] if file else [sys.executable, "-c", code_or_file]
    env = {**os.environ, "ZEN_ROOT": str(project), "PYTHONWARNINGS": "ignore::UserWarning"}
    done = subprocess.run(argv, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_quickstart_prints_4_and_a_fresh_process_reads_it_back(tmp_path: Path) -> None:
    """Command (1) of the README: the run, its steps and the value 4; later, another process reads the same."""
    out = _python(str(ROOT / "examples" / "quickstart.py"), tmp_path, file=True)
    assert "completed" in out
    assert "second.output read back from the store: 4" in out
    later = _python(
        "from zen_run import Client\n"
        "run = Client().last_run('add_pipeline')\n"
        "print(run.status, run.steps['second'].outputs['output'].read())",
        tmp_path,
    )
    assert later.split() == ["completed", "4"]


def test_sklearn_example_runs_twice_and_compares(tmp_path: Path) -> None:
    """The scikit-learn pipeline runs with two configs; the comparison names the trainer's config."""
    out = _python(str(ROOT / "examples" / "sklearn_pipeline.py"), tmp_path, file=True)
    assert out.count(": accuracy ") == 2
    assert "step trainer: config" in out


def test_swap_trainers_example_binds_two_trainers_to_one_slot(tmp_path: Path) -> None:
    """One pipeline, a logistic regression and a random forest in the same slot."""
    out = _python(str(ROOT / "examples" / "swap_trainers.py"), tmp_path, file=True)
    assert "logistic regression" in out and "random forest" in out


def test_seed001_example_with_custom_materializer(tmp_path: Path) -> None:
    """Seed 001 style: Output/Input handles and a custom materializer usable outside steps too."""
    out = _python(str(ROOT / "examples" / "seed001.py"), tmp_path, file=True)
    assert "model read back outside a step" in out


def test_torch_example_trains_through_the_dataloader_view_and_predicts_the_same_in_a_new_process(
    tmp_path: Path,
) -> None:
    """A torch model trained on a DataFrame read as a Dataset; a fresh process rebuilds it from the artifact
    (weights + pinned class, no pickle) and gets identical predictions."""
    out = _python(str(ROOT / "examples" / "torch_classifier.py"), tmp_path, file=True)
    assert "accuracy" in out
    assert "model read back in a new process predicts the same: True" in out


@pytest.mark.parametrize(
    "name", ["quickstart.py", "sklearn_pipeline.py", "swap_trainers.py", "seed001.py", "torch_classifier.py"]
)
def test_every_example_is_covered(name: str) -> None:
    """The examples this suite runs exist (a renamed example fails here instead of silently untested)."""
    assert (ROOT / "examples" / name).exists()
    listed = {p.name for p in (ROOT / "examples").glob("*.py")} - {"__init__.py", "seed000.py"}
    assert listed == {"quickstart.py", "sklearn_pipeline.py", "swap_trainers.py", "seed001.py", "torch_classifier.py"}
