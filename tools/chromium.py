"""A real headless Chromium for the dashboard's browser tests and screenshots: Debian's ``chromium`` driven through
its matching ``chromedriver`` (WebDriver, via Selenium), never a browser download.

``ensure_installed()`` is what ``tools/check.py`` calls: when the browser or its driver is missing it installs
them with apt-get (running as root), or says exactly what to install. ``start()`` opens a fresh profile in a
temporary directory with networking features off (the machine has no network) and returns the driver; the
caller quits it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

__all__ = ["PACKAGES", "Browser", "ChromiumMissing", "ensure_installed", "find", "start"]

PACKAGES: Final = ("chromium", "chromium-driver")
_BROWSERS: Final = ("chromium", "chromium-browser")
_DRIVERS: Final = ("chromedriver",)
_FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


class ChromiumMissing(RuntimeError):
    """Chromium or chromedriver is not installed (and could not be installed here)."""

    def __init__(self) -> None:
        super().__init__(
            "the browser tests need Debian's chromium and chromium-driver: run "
            f"`apt-get update && apt-get install -y {' '.join(PACKAGES)}` (as root), or let `tools/check.py` do it."
        )


def find() -> tuple[str, str] | None:
    """Paths of (chromium, chromedriver), or ``None`` when either is missing."""
    browser = next((p for p in map(shutil.which, _BROWSERS) if p), None)
    driver = next((p for p in map(shutil.which, _DRIVERS) if p), None)
    return (browser, driver) if browser and driver else None


def ensure_installed() -> None:
    """Install chromium and chromium-driver with apt-get when missing and running as root; else explain."""
    if find() is not None:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ChromiumMissing
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"==> installing {' '.join(PACKAGES)} with apt-get (for the browser tests)", flush=True)
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES], check=True, env=env)
    if find() is None:
        raise ChromiumMissing


class Browser:
    """One headless Chromium with a fresh profile; ``close()`` quits it and removes the profile."""

    def __init__(self, *, width: int = 1360, height: int = 900) -> None:
        found = find()
        if found is None:
            raise ChromiumMissing
        browser, driver = found
        self.profile = Path(tempfile.mkdtemp(prefix="zen-chromium-"))
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in _FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={width},{height}")
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=driver))

    def close(self) -> None:
        """Quit the browser and delete its profile."""
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def start(*, width: int = 1360, height: int = 900) -> Browser:
    """A started headless Chromium (see ``Browser``)."""
    return Browser(width=width, height=height)


def main() -> None:
    """``python -m tools.chromium``: make sure the browser tests can run (exit 1 with what to install if not)."""
    try:
        ensure_installed()
    except (ChromiumMissing, subprocess.CalledProcessError) as exc:
        print(f"chromium: {exc}", flush=True)
        raise SystemExit(1) from exc
    found = find()
    print(f"chromium: {found[0] if found else '?'} with {found[1] if found else '?'}", flush=True)


if __name__ == "__main__":
    main()
