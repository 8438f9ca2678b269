"""The dashboard shows the class an artifact's value had (``Pipeline``), with the declared type
(``BaseEstimator``) beside it, on the artifact page, in its JSON and in the step panel's outputs."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from tests.zen_run import value_pipelines as vp
from zen_run import Client
from zen_ui import create_app


def test_the_dashboard_shows_a_pipeline_declared_as_an_estimator_as_a_pipeline(project: Path) -> None:
    run = vp.instance.run(progress=False)
    model = Client().get_run(run.id).steps["model"].outputs["output"].record
    with TestClient(create_app(project)) as http:
        shown = http.get(f"/api/artifacts/{model.artifact_id}").json()
        assert (shown["type"], shown["value_type"], shown["type_name"]) == ("Pipeline", "Pipeline", "BaseEstimator")
        page = http.get(f"/artifacts/{model.artifact_id}").text
        assert (
            '<span class="type big">Pipeline</span> <span class="muted declared">declared BaseEstimator</span>' in page
        )
        step = http.get(f"/api/runs/{run.id}/steps/model").json()
        assert step["outputs"]["output"]["type"] == "Pipeline"
