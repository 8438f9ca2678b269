"""Screenshots of the dashboard for the README and docs: ``python -m tools.docs_screenshots``.

It records a few runs of ``examples/sklearn_pipeline.py`` (copied into a fresh, committed project, so the code
is pinned) with several configs, one of which fails, serves them with ``zen ui`` on a free loopback port, and
saves the runs page, a failed run's page, an artifact's page and a comparison as PNG files under ``docs/img/``
(taken by a real headless Chromium; see ``tools/chromium.py``). The server and the browser are stopped before
it returns.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import chromium

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"

_RECORD = """
from examples.sklearn_pipeline import SplitConfig, TrainConfig, evaluate, load, split, train_logistic, training
from zen_run import StepFailedError

def build(c: float) -> object:
    return training(
        loader=load(), splitter=split(SplitConfig()), trainer=train_logistic(TrainConfig(c=c)), evaluator=evaluate()
    )

first = build(1.0).run(run_name="c=1.0", tags=("baseline",))
for c in (0.3, 3.0, 10.0):
    build(c).run(run_name=f"c={c}", tags=("sweep",))
second = build(0.01).run(run_name="c=0.01", tags=("sweep", "candidate"))
try:
    build(-1.0).run(run_name="c=-1", tags=("sweep",))
except StepFailedError:
    pass
print(first.id, second.id)
"""


def _record(project: Path) -> tuple[str, str]:
    env = {**os.environ, "ZEN_ROOT": str(project), "PYTHONPATH": str(project)}
    done = subprocess.run(
        [sys.executable, "-c", _RECORD], cwd=project, env=env, capture_output=True, text=True, check=True
    )
    first, second = done.stdout.split()[-2:]
    return first, second


def _git_init(project: Path) -> None:
    """A project with the example committed in it, so runs and steps show the commit their code is pinned to."""
    (project / "examples").mkdir()
    for name in ("__init__.py", "sklearn_pipeline.py"):
        shutil.copyfile(ROOT / "examples" / name, project / "examples" / name)
    for argv in (
        ["git", "init", "-q"],
        ["git", "add", "."],
        [
            "git",
            "-c",
            "user.name=zen",
            "-c",
            "user.email=zen@example.invalid",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "demo",
        ],
    ):
        subprocess.run(argv, cwd=project, check=True)


def _shoot(browser: chromium.Browser, url: str, target: Path, *, width: int = 1360) -> None:
    driver = browser.driver
    driver.set_window_size(width, 900)
    driver.get(url)
    time.sleep(0.5)
    height = min(int(driver.execute_script("return document.documentElement.scrollHeight")), 2400)
    driver.set_window_size(width, height)
    chrome = height - int(driver.execute_script("return window.innerHeight"))  # the window's own bars, if any
    driver.set_window_size(width, height + chrome)
    time.sleep(0.3)
    driver.save_screenshot(str(target))
    print(f"wrote {target.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> None:
    """Record the demo runs, start ``zen ui`` and the browser, take the screenshots, stop both."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files (default docs/img)")
    args = parser.parse_args(argv)
    chromium.ensure_installed()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zen-screens-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        _git_init(project)
        first, second = _record(project)
        env = {**os.environ, "ZEN_ROOT": str(project), "PYTHONUNBUFFERED": "1"}
        server = subprocess.Popen(
            [sys.executable, "-m", "zen_run", "ui", "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        browser: chromium.Browser | None = None
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            base = "http://" + line.split("http://", 1)[1].split("/", 1)[0]
            from zen_run import Client, RunContext

            os.environ["ZEN_ROOT"] = str(project)
            client = Client(project)
            failed = client.runs(status="failed")[0].id
            model = client.get_run(second).steps["trainer"].outputs["output"].id
            RunContext.forget()
            browser = chromium.start()
            _shoot(browser, base + "/", args.out / "runs.png")
            _shoot(browser, f"{base}/runs/{failed}?step=trainer", args.out / "run.png")
            _shoot(browser, f"{base}/artifacts/{model}", args.out / "artifact.png")
            _shoot(browser, f"{base}/compare?a={first}&b={second}", args.out / "compare.png")
        finally:
            if browser is not None:
                browser.close()
            server.terminate()
            server.wait(timeout=15)
            if server.stdout is not None:
                server.stdout.close()


if __name__ == "__main__":
    main()
