"""An artifact shows the class its value had (a ``Pipeline``) when its declared type said less
(``BaseEstimator``), with the declared type kept beside it: in the record, ``zen artifacts show/list`` and the
notebook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from tests.zen_run import value_pipelines as vp
from zen_run import Client
from zen_run._notebook import artifact_html
from zen_run._returns import concrete_type

ZEN = [sys.executable, "-W", "ignore", "-m", "zen_run"]  # no unpinned-code warnings: the folder is no git repository


def test_the_class_is_kept_only_when_it_says_more_than_the_declared_type() -> None:
    assert concrete_type(BaseEstimator, Pipeline([("only", BaseEstimator())])) == "Pipeline"
    assert concrete_type(int | str, 3) == "int"
    assert concrete_type(object, 2.5) == "float"
    assert concrete_type(int, 3) is None
    assert concrete_type(list[int], [1]) is None
    assert concrete_type(Annotated[int, "meta"], 3) is None
    assert concrete_type(int | None, None) is None


def test_a_pipeline_declared_as_an_estimator_is_recorded_as_a_pipeline(project: Path) -> None:
    run = vp.instance.run(progress=False)
    model = Client().get_run(run.id).steps["model"].outputs["output"].record
    assert (model.value_type, model.type_name) == ("Pipeline", "BaseEstimator")
    assert isinstance(Client().artifact(model.artifact_id).read(), Pipeline)
    number = Client().get_run(run.id).steps["number"].outputs["output"].record
    assert (number.value_type, number.type_name) == ("int", "int | str")
    numbers = Client().get_run(run.id).steps["numbers"].outputs["output"].record
    assert (numbers.value_type, numbers.type_name) == ("list[int]", "list[int]")
    assert "value_type" not in numbers.metadata
    assert "Pipeline" in artifact_html(model, None) and "BaseEstimator" not in artifact_html(model, None)


def test_zen_artifacts_show_and_list_name_the_values_class_and_the_declared_type(tmp_path: Path) -> None:
    shutil.copy(Path(vp.__file__), tmp_path / "flows.py")
    env = {**os.environ, "ZEN_ROOT": str(tmp_path)}

    def zen(*args: str) -> str:
        done = subprocess.run(
            [*ZEN, *args], check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    zen("run", "flows:instance", "-q")
    shown = zen("artifacts", "show", "precise.model.output").splitlines()
    assert any(line.split() == ["type", "Pipeline"] for line in shown), shown
    assert any(line.split() == ["declared", "type", "BaseEstimator"] for line in shown), shown
    numbers = zen("artifacts", "show", "precise.numbers.output")
    assert "declared type" not in numbers
    listed = zen("artifacts", "list")
    assert "Pipeline" in listed and "BaseEstimator" not in listed
