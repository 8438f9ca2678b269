"""Fixtures of the dashboard tests: a project with recorded runs, the real ``zen ui`` server on a free loopback
port (started and stopped here), and a real headless Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from tests.zen_ui import pipelines as demo
from tools import chromium
from zen_run import RunContext, StepFailedError

ROOT = Path(__file__).resolve().parents[2]


@attrs.frozen(kw_only=True)
class Demo:
    """A project root and the ids of the runs recorded in it."""

    root: Path
    analysis: str
    analysis_more_rows: str
    broken: str
    hostile: str


def record_runs(root: Path) -> Demo:
    """Run the demo pipelines into the project at ``root`` (``ZEN_ROOT`` must point there)."""
    RunContext.forget()
    first = demo.analysis_instance.run(tags=("baseline", "nightly")).id
    second = demo.analysis_more_rows.run(tags=("nightly",)).id
    with pytest.raises(StepFailedError):
        demo.broken_instance.run()
    from zen_run import Client

    broken = Client(root).last_run("broken").id
    hostile = demo.hostile_instance.run(tags=(demo.XSS,)).id
    return Demo(root=root, analysis=first, analysis_more_rows=second, broken=broken, hostile=hostile)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A project (module-wide) with two analysis runs (both tagged ``nightly``, the first also ``baseline``), a
    failed run and a run of a pipeline named with markup (tagged with markup too)."""
    root = tmp_path_factory.mktemp("ui") / "project"
    root.mkdir()
    saved = os.environ.get("ZEN_ROOT")
    os.environ["ZEN_ROOT"] = str(root)
    try:
        yield record_runs(root)
    finally:
        RunContext.forget()
        if saved is None:
            os.environ.pop("ZEN_ROOT", None)
        else:
            os.environ["ZEN_ROOT"] = saved


@attrs.frozen(kw_only=True)
class Server:
    """A running ``zen ui`` process and its base URL."""

    url: str
    process: subprocess.Popen[str]


def start_server(root: Path) -> Server:
    """``zen ui --port 0`` over ``root`` in a child process; returns once it printed its URL."""
    env = {**os.environ, "ZEN_ROOT": str(root), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "zen_run", "ui", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "http://" not in line:
        process.kill()
        rest = process.communicate(timeout=10)[0]
        raise AssertionError(f"zen ui did not start: {line}{rest}")
    url = line.split("http://", 1)[1].split("/", 1)[0]
    return Server(url=f"http://{url}", process=process)


def stop_server(server: Server) -> None:
    """Interrupt the server and wait for it."""
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:  # pragma: no cover - uvicorn exits on SIGTERM
        server.process.kill()
        server.process.wait()
    if server.process.stdout is not None:
        server.process.stdout.close()


@pytest.fixture(scope="module")
def server(recorded: Demo) -> Iterator[Server]:
    """The real ``zen ui`` over the recorded project, on a free loopback port."""
    started = start_server(recorded.root)
    try:
        yield started
    finally:
        stop_server(started)


@pytest.fixture(scope="module")
def browser() -> Iterator[chromium.Browser]:
    """A real headless Chromium with a fresh profile (installed by tools/check.py)."""
    if chromium.find() is None:
        pytest.fail(str(chromium.ChromiumMissing()))
    opened = chromium.start()
    try:
        yield opened
    finally:
        opened.close()


def wait_until(predicate: object, timeout: float = 10.0) -> None:
    """Poll ``predicate()`` until true, or fail after ``timeout`` seconds.

    Live pages replace their rows in place while a run runs, so an element found by the predicate can go stale
    before its text is read: that counts as "not yet", and the next poll looks the element up again.
    """
    from selenium.common.exceptions import StaleElementReferenceException

    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except StaleElementReferenceException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout} s")
