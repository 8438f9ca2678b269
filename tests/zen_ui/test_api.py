"""The JSON API and the pages, in process (Starlette's test client over the real app and a real project)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.zen_ui.conftest import Demo, Server
from tests.zen_ui.pipelines import XSS
from zen_ui import create_app


@pytest.fixture(scope="module")
def http(recorded: Demo) -> Iterator[TestClient]:
    with TestClient(create_app(recorded.root)) as client:
        yield client


def test_runs_lists_every_run_newest_first_with_status(http: TestClient, recorded: Demo) -> None:
    data = http.get("/api/runs").json()
    ids = [r["run_id"] for r in data["runs"]]
    assert ids == [recorded.hostile, recorded.broken, recorded.analysis_more_rows, recorded.analysis]
    statuses = {r["run_id"]: r["status"] for r in data["runs"]}
    assert statuses[recorded.broken] == "failed"
    assert statuses[recorded.analysis] == "completed"
    assert data["next_after"] is None
    assert sorted(data["pipelines"]) == sorted(["analysis", "broken", XSS])


def test_runs_filter_by_pipeline_and_status_and_page_with_the_cursor(http: TestClient, recorded: Demo) -> None:
    only = http.get("/api/runs", params={"pipeline": "analysis"}).json()["runs"]
    assert [r["run_id"] for r in only] == [recorded.analysis_more_rows, recorded.analysis]
    failed = http.get("/api/runs", params={"status": "failed"}).json()["runs"]
    assert [r["run_id"] for r in failed] == [recorded.broken]
    first = http.get("/api/runs", params={"limit": 3}).json()
    assert len(first["runs"]) == 3 and first["next_after"] == recorded.analysis_more_rows
    rest = http.get("/api/runs", params={"limit": 3, "after": first["next_after"]}).json()
    assert [r["run_id"] for r in rest["runs"]] == [recorded.analysis]
    assert rest["next_after"] is None


def test_runs_filter_by_tag_and_list_each_runs_tags(http: TestClient, recorded: Demo) -> None:
    nightly = http.get("/api/runs", params={"tag": "nightly"}).json()["runs"]
    assert [r["run_id"] for r in nightly] == [recorded.analysis_more_rows, recorded.analysis]
    assert [r["tags"] for r in nightly] == [["nightly"], ["baseline", "nightly"]]
    baseline = http.get("/api/runs", params={"tag": "baseline", "pipeline": "analysis"}).json()["runs"]
    assert [r["run_id"] for r in baseline] == [recorded.analysis]
    assert http.get("/api/runs", params={"tag": "night"}).json()["runs"] == []  # whole tags, not substrings
    assert [r["run_id"] for r in http.get("/api/runs", params={"tag": XSS}).json()["runs"]] == [recorded.hostile]
    first = http.get("/api/runs", params={"tag": "nightly", "limit": 1}).json()
    assert first["next_after"] == recorded.analysis_more_rows
    rest = http.get("/api/runs", params={"tag": "nightly", "limit": 1, "after": first["next_after"]}).json()
    assert [r["run_id"] for r in rest["runs"]] == [recorded.analysis] and rest["next_after"] is None


def test_bad_filters_are_one_sentence_not_a_traceback(http: TestClient) -> None:
    response = http.get("/api/runs", params={"since": "yesterday"})
    assert response.status_code == 400
    assert response.json() == {"error": "since='yesterday' is not a date; use YYYY-MM-DD or an ISO time."}
    assert http.get("/api/runs", params={"limit": "0"}).status_code == 400


def test_run_has_every_step_in_order_with_status_timings_and_artifacts(http: TestClient, recorded: Demo) -> None:
    data = http.get(f"/api/runs/{recorded.analysis}").json()
    assert [s["name"] for s in data["steps"]] == ["loader", "arrays", "scorer"]
    assert {s["status"] for s in data["steps"]} == {"completed"}
    loader = data["steps"][0]
    assert loader["config"] == {"rows": 30}
    assert loader["output_types"] == {"output": "DataFrame"}
    assert loader["outputs"]["output"]["metadata"]["rows"] == 30
    assert loader["duration_s"] is not None and loader["duration_s"] >= 0
    arrays = data["steps"][1]
    assert arrays["inputs"]["frame"]["artifact_id"] == loader["outputs"]["output"]["artifact_id"]
    assert arrays["output_types"] == {"output": "ndarray[float64]"}
    assert {(e["source_step"], e["target_step"]) for e in data["edges"]} == {("loader", "arrays"), ("arrays", "scorer")}


def test_failed_step_carries_the_users_exception_and_traceback(http: TestClient, recorded: Demo) -> None:
    step = http.get(f"/api/runs/{recorded.broken}/steps/boom").json()
    assert step["status"] == "failed"
    assert "RuntimeError: the model diverged after 30 rows" in step["error"]
    assert "Traceback (most recent call last)" in step["error"]
    assert step["logs"] == {
        "text": f"scoring 30 rows\na hostile line: {XSS}\n",
        "cut": 0,
        "from_run_id": recorded.broken,
        "from_step": "boom",
    }
    page = http.get(f"/runs/{recorded.broken}/steps/boom").text
    assert "a hostile line: &lt;script&gt;" in page and XSS not in page  # printed markup is text


def test_unknown_ids_are_404_with_a_sentence(http: TestClient, recorded: Demo) -> None:
    response = http.get("/api/runs/nope")
    assert response.status_code == 404
    assert "no run with id 'nope'" in response.json()["error"]
    assert http.get(f"/api/runs/{recorded.analysis}/steps/nope").status_code == 404
    assert http.get("/api/artifacts/nope").status_code == 404
    page = http.get("/runs/nope")
    assert page.status_code == 404 and "no run with id" in page.text


def test_artifact_and_its_lineage_both_ways(http: TestClient, recorded: Demo) -> None:
    run = http.get(f"/api/runs/{recorded.analysis}").json()
    array_id = run["steps"][1]["outputs"]["output"]["artifact_id"]
    frame_id = run["steps"][0]["outputs"]["output"]["artifact_id"]
    artifact = http.get(f"/api/artifacts/{array_id}").json()
    assert artifact["type"] == "ndarray[float64]" and artifact["metadata"]["shape"] == [30]
    assert (artifact["name"], artifact["version"]) == ("analysis.arrays.output", 1)
    page = http.get(f"/artifacts/{array_id}").text
    assert "analysis.arrays.output:1" in page and "<dt>Version</dt><dd>1</dd>" in page
    up = http.get(f"/api/artifacts/{array_id}/lineage").json()
    assert frame_id in up["artifacts"]
    down = http.get(f"/api/artifacts/{array_id}/lineage", params={"downstream": "1"}).json()
    # the failed run reused (cached) the same array, so its failing step read it too
    assert {s["step_name"] for s in down["step_runs"].values()} == {"scorer", "boom"}


def test_compare_lists_config_and_output_differences(http: TestClient, recorded: Demo) -> None:
    data = http.get("/api/compare", params={"a": recorded.analysis, "b": recorded.analysis_more_rows}).json()
    fields = {(d["step_name"], d["field"]) for d in data["differences"]}
    assert ("loader", "config") in fields
    assert [row["name"] for row in data["steps"]] == ["loader", "arrays", "scorer"]
    assert data["same"] is False
    assert http.get("/api/compare").status_code == 400


def test_the_app_is_read_only(http: TestClient, recorded: Demo) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert http.request(method, f"/api/runs/{recorded.analysis}").status_code == 405


def test_pages_escape_hostile_names_and_send_a_script_policy(http: TestClient, recorded: Demo) -> None:
    page = http.get("/")
    assert XSS not in page.text
    assert "&lt;script&gt;window.zenPwned=1&lt;/script&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    run_page = http.get(f"/runs/{recorded.hostile}")
    assert XSS not in run_page.text and "<svg" in run_page.text


def test_pages_render_for_every_kind_of_page(http: TestClient, recorded: Demo) -> None:
    run = http.get(f"/api/runs/{recorded.analysis}").json()
    frame_id = run["steps"][0]["outputs"]["output"]["artifact_id"]
    for path in (
        "/",
        "/?pipeline=analysis&status=completed&since=2000-01-01",
        f"/runs/{recorded.broken}",
        f"/runs/{recorded.broken}/steps/boom",
        f"/artifacts/{frame_id}",
        "/compare",
        f"/compare?a={recorded.analysis}&b={recorded.analysis_more_rows}",
        "/static/zen.css",
        "/static/zen.js",
    ):
        assert http.get(path).status_code == 200, path


def test_importing_zen_run_or_zen_ui_does_not_import_the_web_stack() -> None:
    code = (
        "import sys, zen_run, zen_ui; print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_zen_ui_on_a_taken_port_is_one_sentence_and_exit_code_2(
    recorded: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    from zen_run._cli import main
    from zen_ui._server import bind

    taken = bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        assert main(["ui", "--port", str(port)]) == 2
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and f"zen ui --port {port + 1}" in err
    assert "Traceback" not in err


def test_zen_ui_listens_on_loopback_by_default(server: Server) -> None:
    assert server.url.startswith("http://127.0.0.1:")


def test_compare_shows_small_output_values_themselves(http: TestClient, recorded: Demo) -> None:
    data = http.get("/api/compare", params={"a": recorded.analysis, "b": recorded.analysis_more_rows}).json()
    scorer = data["steps"][2]
    assert scorer["a"]["outputs"]["output"]["value"] == "{'mean': 14.5, 'max': 29.0}"
    assert scorer["b"]["outputs"]["output"]["value"] == "{'mean': 24.5, 'max': 49.0}"
    assert "'mean': 24.5" in http.get(f"/compare?a={recorded.analysis}&b={recorded.analysis_more_rows}").text.replace(
        "&#39;", "'"
    )


def test_lineage_picture_leaves_out_cached_step_runs(http: TestClient, recorded: Demo) -> None:
    run = http.get(f"/api/runs/{recorded.analysis}").json()
    array_id = run["steps"][1]["outputs"]["output"]["artifact_id"]
    page = http.get(f"/artifacts/{array_id}").text
    # produced by the first run's loader and arrays; read by its scorer and by the failed run's boom. The failed
    # run's loader and arrays were cached (they ran nothing) and are not drawn.
    assert page.count("<title>step run ") == 4
    assert page.count("<title>artifact ") == 3  # the frame, the array, and the scores read from it


def test_paths_outside_the_store_and_the_package_are_refused(http: TestClient) -> None:
    for path in ("/artifacts/..%2F..%2Fetc%2Fpasswd", "/api/artifacts/%2Fetc%2Fpasswd", "/runs/..%2F..%2F"):
        response = http.get(path)
        assert response.status_code == 404, path
        assert "root:" not in response.text
    assert http.get("/static/../_app.py").status_code == 404
    assert http.get("/static/%2e%2e/_app.py").status_code == 404


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["pipeline", "status", "since", "limit", "after"]),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12),
    )
)
@example({"limit": "\u00b9"})  # a superscript digit: str.isdigit() says yes, int() says no
@example({"limit": "\u0663"})  # an Arabic-Indic digit: int() would accept it silently
def test_any_runs_query_is_a_page_or_one_sentence(http: TestClient, query: dict[str, str]) -> None:
    response = http.get("/api/runs", params=query)
    assert response.status_code in (200, 400, 404), response.text
    if response.status_code != 200:
        message = response.json()["error"]
        assert message.endswith(".") and "Traceback" not in message


def test_zen_ui_with_a_port_in_non_ascii_digits_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from zen_run._cli import main

    assert main(["ui", "--port", "\u0663\u0663"]) == 2
    err = capsys.readouterr().err
    assert "is not a port number" in err and "Traceback" not in err


def test_a_cached_step_shows_what_the_step_run_it_reused_printed_and_links_its_run(
    http: TestClient, recorded: Demo
) -> None:
    """The failed run's loader was a cache hit: its logs are those of the first analysis run's loader, which made
    the frame it reused, and the page says so with a link to that run's step."""
    step = http.get(f"/api/runs/{recorded.broken}/steps/loader").json()
    assert step["status"] == "cached"
    assert step["logs"] == {"text": "", "cut": 0, "from_run_id": recorded.analysis, "from_step": "loader"}
    page = http.get(f"/runs/{recorded.broken}/steps/loader").text
    assert f'href="/runs/{recorded.analysis}?step=loader"' in page
    assert "which made the outputs reused here" in page


def test_a_moved_project_shows_its_artifacts_where_they_are_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard over a project folder that was moved after its run: the artifact's uri is in the new folder,
    and its page shows the value read from there."""
    from tests.zen_run import pipelines as p
    from zen_run import RunContext

    before = tmp_path / "before"
    monkeypatch.setenv("ZEN_ROOT", str(before))
    run = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3))).run(progress=False)
    artifact_id = run.steps["second"].outputs["output"].id
    RunContext.forget()
    after = before.rename(tmp_path / "after")
    monkeypatch.setenv("ZEN_ROOT", str(after))
    with TestClient(create_app(after)) as client:
        shown = client.get(f"/api/artifacts/{artifact_id}").json()
        assert Path(shown["uri"]).parent == after / ".zen" / "artifacts"
        page = client.get(f"/artifacts/{artifact_id}")
        assert page.status_code == 200 and '<p class="scalar"><code>4</code></p>' in page.text
