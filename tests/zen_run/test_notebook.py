"""Steps defined in a notebook: code in ``__main__``, as a Jupyter kernel runs a cell. No kernel is installed in
the test environment, so the cells run as ``python -c`` does, in a real git repository used as the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.common.git import git as _git

CELLS = """
import json
import warnings

from zen_git import UnpinnedCodeWarning
from zen_run import BaseStepConfig, Slot, pipeline, step


class Scale(BaseStepConfig):
    factor: int = 2


@step
def make() -> list[int]:
    return list(range(1000))


@step
def scale(values: list[int], config: Scale) -> list[int]:
    return [v * config.factor for v in values]


@pipeline
def notebook_pipeline(first: Slot[[], list[int]], second: Slot[[list[int]], list[int]]) -> None:
    second(first())


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    run = notebook_pipeline(first=make(), second=scale(Scale())).run()
    again = notebook_pipeline(first=make(), second=scale(Scale(factor=3))).run()
step_run = again.steps["second"]
artifact = step_run.outputs["output"]
print(json.dumps({
    "run_id": again.id,
    "warnings": [(str(w.message), w.filename, w.category.__name__) for w in caught],
    "reprs": [repr(again), repr(step_run), repr(artifact)],
    "html": [again._repr_html_()[:5], step_run._repr_html_()[:5], artifact._repr_html_()[:5]],
    "value": artifact.read()[:3],
}))
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("ZEN_ROOT", "PYTHONPATH")}


def _project(root: Path) -> None:
    (root / ".gitignore").write_text("__pycache__/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "empty project")


def test_notebook_runs_give_one_notice_short_reprs_and_a_clear_rerun_refusal(tmp_path: Path) -> None:
    """Two runs from one "cell": one notice that notebook code is not pinned, pointing at the cell rather than
    at zen; a run, a step run and an artifact print as one short line each (no record dump) and render as
    HTML; `zen rerun` of such a run says why it cannot before loading anything."""
    _project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", CELLS],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert len(shown["warnings"]) == 1, shown["warnings"]
    message, filename, category = shown["warnings"][0]
    assert category == "UnpinnedCodeWarning"
    assert filename == "<string>"  # the user's cell, not zen's file
    assert "notebook" in message and "__main__: " in message and "scale" in message
    run_repr, step_repr, artifact_repr = shown["reprs"]
    assert run_repr.startswith(f"Run(id='{shown['run_id']}', pipeline='notebook_pipeline'")
    assert step_repr == "StepRun(name='second', status='completed', source='__main__.scale', outputs=['output'])"
    assert artifact_repr.startswith("Artifact(id=") and "type='list[int]'" in artifact_repr
    assert all(len(text) < 200 and "metadata" not in text and "record" not in text for text in shown["reprs"])
    assert shown["html"] == ["<div>"] * 3
    assert shown["value"] == [0, 3, 6]

    refused = subprocess.run(
        [sys.executable, "-m", "zen_run", "rerun", shown["run_id"]],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith(f"zen: run {shown['run_id']} cannot be re-run: its code was defined in a notebook")
    assert "__main__.Scale, __main__.make, __main__.scale" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_script_run_directly_is_told_how_to_run_its_pipeline_pinned(tmp_path: Path) -> None:
    """`python flows.py` whose steps run under `if __name__ == "__main__"`: the notice names that script and the
    command that pins its code (`zen run flows.py:OBJECT` imports it by its module name), not a notebook."""
    (tmp_path / "flows.py").write_text(
        "from zen_run import Slot, pipeline, step\n\n\n@step\ndef make() -> int:\n    return 1\n\n\n"
        "@pipeline\ndef p(only: Slot[[], int]) -> None:\n    only()\n\n\ninstance = p(only=make())\n\n"
        "if __name__ == '__main__':\n    print(instance.run(progress=False).status.value)\n"
    )
    _project(tmp_path)
    done = subprocess.run(
        [sys.executable, "flows.py"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0 and done.stdout == "completed\n", done.stderr
    assert (
        "UnpinnedCodeWarning: code defined in the script flows.py, run directly (__main__: make) is not pinned to a "
        "commit: its runs are recorded and cached, but `zen rerun` cannot load that code again. To pin it, run the "
        "pipeline with `zen run flows.py:OBJECT`, which imports the file by its module name (or import the steps "
        "from a module), and commit the code. (Said once per session.)"
    ) in done.stderr
