"""The dashboard in a real headless Chromium against the real ``zen ui`` server (both started by the fixtures)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.zen_ui.conftest import ROOT, Demo, Server, wait_until
from tests.zen_ui.pipelines import XSS
from tools.chromium import Browser
from zen_run import Client


def _statuses(browser: Browser) -> dict[str, str]:
    nodes = browser.driver.find_elements(By.CSS_SELECTOR, "#dag svg g.node")
    found: dict[str, str] = {}
    for node in nodes:
        status = node.find_element(By.CSS_SELECTOR, ".pill text").text
        found[str(node.get_attribute("data-step"))] = status
    return found


def test_runs_page_lists_the_runs(browser: Browser, server: Server, recorded: Demo) -> None:
    browser.driver.get(server.url + "/")
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert [r.get_attribute("data-run") for r in rows] == [
        recorded.hostile,
        recorded.broken,
        recorded.analysis_more_rows,
        recorded.analysis,
    ]
    assert "failed" in rows[1].text and "broken" in rows[1].text


def test_runs_page_filters_by_tag_typed_or_clicked(browser: Browser, server: Server, recorded: Demo) -> None:
    driver = browser.driver
    driver.get(server.url + "/")
    box = driver.find_element(By.CSS_SELECTOR, 'form.filters input[name="tag"]')
    box.send_keys("nightly")
    box.submit()
    wait_until(lambda: "tag=nightly" in driver.current_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert [r.get_attribute("data-run") for r in rows] == [recorded.analysis_more_rows, recorded.analysis]
    assert driver.find_element(By.CSS_SELECTOR, 'form.filters input[name="tag"]').get_attribute("value") == "nightly"
    driver.find_element(By.CSS_SELECTOR, f'tr[data-run="{recorded.analysis}"] a.tag[href*="baseline"]').click()
    wait_until(lambda: "tag=baseline" in driver.current_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert [r.get_attribute("data-run") for r in rows] == [recorded.analysis]
    assert [t.text for t in rows[0].find_elements(By.CSS_SELECTOR, "a.tag")] == ["baseline", "nightly"]


def test_run_page_draws_every_step_with_its_status(browser: Browser, server: Server, recorded: Demo) -> None:
    browser.driver.get(f"{server.url}/runs/{recorded.broken}")
    assert _statuses(browser) == {"loader": "cached", "arrays": "cached", "boom": "failed"}
    edges = browser.driver.find_elements(By.CSS_SELECTOR, "#dag svg path.edge")
    assert len(edges) == 2


def test_clicking_the_failed_step_shows_the_users_exception(browser: Browser, server: Server, recorded: Demo) -> None:
    browser.driver.get(f"{server.url}/runs/{recorded.broken}?step=loader")
    panel = browser.driver.find_element(By.ID, "step-panel")
    assert "diverged" not in panel.text
    browser.driver.find_element(By.CSS_SELECTOR, '#dag svg g.node[data-step="boom"]').click()
    wait_until(lambda: "RuntimeError: the model diverged after 30 rows" in panel.text)
    assert "Traceback (most recent call last)" in panel.text
    logs = panel.find_element(By.CSS_SELECTOR, "pre.logs")
    assert logs.text == f"scoring 30 rows\na hostile line: {XSS}"  # what the step printed, as text
    assert browser.driver.execute_script("return window.zenPwned === undefined") is True


def test_dataframe_artifact_shows_its_table(browser: Browser, server: Server, recorded: Demo) -> None:
    frame = Client(recorded.root).get_run(recorded.analysis).steps["loader"].outputs["output"]
    browser.driver.get(f"{server.url}/artifacts/{frame.id}")
    table = browser.driver.find_element(By.CSS_SELECTOR, ".preview table.frame")
    headers = [h.text for h in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert any(h.startswith("x") for h in headers) and any(h.startswith("label") for h in headers)
    assert "row 1" in table.text
    assert "30 rows" in browser.driver.find_element(By.CSS_SELECTOR, ".preview").text


def test_markup_in_a_pipeline_name_and_a_cell_renders_as_text(browser: Browser, server: Server, recorded: Demo) -> None:
    browser.driver.get(server.url + "/")
    assert XSS in browser.driver.find_element(By.CSS_SELECTOR, "table.runs").text
    tag = browser.driver.find_element(By.CSS_SELECTOR, f'tr[data-run="{recorded.hostile}"] a.tag')
    assert tag.text == XSS
    browser.driver.get(f"{server.url}/runs/{recorded.hostile}")
    assert XSS in browser.driver.find_element(By.TAG_NAME, "h1").text
    frame = Client(recorded.root).get_run(recorded.hostile).steps["loader"].outputs["output"]
    browser.driver.get(f"{server.url}/artifacts/{frame.id}")
    assert XSS in browser.driver.find_element(By.CSS_SELECTOR, ".preview table.frame").text
    assert browser.driver.execute_script("return window.zenPwned === undefined") is True
    assert browser.driver.find_elements(By.CSS_SELECTOR, "main img[src='x']") == []


@contextlib.contextmanager
def _gated_run(recorded: Demo, gate: Path) -> Iterator[str]:
    """A run of the gated pipeline in another process, held running until ``gate`` exists; yields its id."""
    env = {**os.environ, "ZEN_ROOT": str(recorded.root), "ZEN_UI_GATE": str(gate)}
    code = "from tests.zen_ui.pipelines import gated_instance; gated_instance.run(enable_cache=False)"
    runner = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    try:
        client = Client(recorded.root)
        wait_until(lambda: bool(client.runs("gated", status="running")), timeout=60)
        yield client.runs("gated", status="running")[0].id
        assert runner.wait(timeout=60) == 0
    finally:
        gate.touch()
        if runner.poll() is None:
            runner.kill()
        runner.wait()


def test_a_running_runs_page_changes_status_without_a_reload(
    browser: Browser, server: Server, recorded: Demo, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    with _gated_run(recorded, gate) as run_id:
        browser.driver.get(f"{server.url}/runs/{run_id}")
        wait_until(lambda: _statuses(browser).get("waiter") == "running", timeout=30)
        browser.driver.execute_script("window.zenSamePage = true")
        browser.driver.find_element(By.CSS_SELECTOR, '#dag svg g.node[data-step="waiter"]').click()
        wait_until(  # what the running step printed appears while it runs
            lambda: "waiting for the gate" in browser.driver.find_element(By.ID, "step-panel").text, timeout=30
        )
        gate.touch()
        wait_until(lambda: _statuses(browser).get("waiter") == "completed", timeout=30)
        badge = browser.driver.find_element(By.CSS_SELECTOR, "#run-status .badge")
        wait_until(lambda: badge.text == "completed")
        assert browser.driver.execute_script("return window.zenSamePage") is True


def test_the_runs_list_follows_a_running_run_without_a_reload(
    browser: Browser, server: Server, recorded: Demo, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    with _gated_run(recorded, gate) as run_id:
        browser.driver.get(f"{server.url}/?pipeline=gated")

        def status() -> str:
            row = browser.driver.find_element(By.CSS_SELECTOR, f'table.runs tr[data-run="{run_id}"] .badge')
            return str(row.text)

        assert status() == "running"
        browser.driver.execute_script("window.zenSamePage = true")
        gate.touch()
        wait_until(lambda: status() == "completed", timeout=30)
        assert browser.driver.execute_script("return window.zenSamePage") is True
