"""Previews as the dashboard serves them: a batch of images is a grid of thumbnails inside the artifact page, drawn
by a real browser."""

from __future__ import annotations

import base64
from pathlib import Path

from selenium.webdriver.common.by import By
from starlette.testclient import TestClient

from tests.zen_ui import pipelines as demo
from tests.zen_ui.conftest import start_server, stop_server, wait_until
from tools.chromium import Browser
from zen_run import Client
from zen_ui import create_app


def test_an_image_batch_artifact_page_shows_the_grid_of_its_first_images(project: Path) -> None:
    run = demo.digits_instance.run()
    artifact = Client(project).get_run(run.id).steps["draw"].outputs["output"]
    with TestClient(create_app(project)) as http:
        page = http.get(f"/artifacts/{artifact.id}")
    assert page.status_code == 200
    assert "40 images of 28\u00d728 (uint8), the first 32 shown" in page.text
    grid = page.text.split('<img class="preview-grid"', 1)[1].split(">", 1)[0]
    data = base64.b64decode(grid.split("data:image/png;base64,", 1)[1].split('"', 1)[0])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "img-src 'self' data:" in page.headers["content-security-policy"]  # the page may show it


def test_the_grid_is_drawn_by_a_real_browser_under_the_pages_policy(project: Path, browser: Browser) -> None:
    run = demo.digits_instance.run()
    artifact = Client(project).get_run(run.id).steps["draw"].outputs["output"]
    server = start_server(project)
    try:
        browser.driver.get(f"{server.url}/artifacts/{artifact.id}")
        grid = browser.driver.find_element(By.CSS_SELECTOR, ".preview img.preview-grid")
        wait_until(lambda: browser.driver.execute_script("return arguments[0].naturalWidth", grid) > 0)
        width = browser.driver.execute_script("return arguments[0].naturalWidth", grid)
        assert width == 8 * 56 + 9 * 3  # eight 28x28 thumbnails enlarged twice, with their gaps
    finally:
        stop_server(server)
