"""Run every check zen promises: lint, format, ``mypy --strict`` over packages/tests/tools, and the test suite.

This is the README's second set-up command and what ``.ci/run`` calls. It stops at the first failing stage and
exits with that stage's code, so CI fails loudly and locally you see the first thing to fix.

The tests start their own PostgreSQL server, so the server binaries must be installed: as root this installs
Debian's ``postgresql`` package when they are missing; otherwise it says what to install (the PostgreSQL tests
then skip, except under ``CI=true`` where they fail).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _stage(name: str, argv: list[str]) -> None:
    print(f"==> {name}: {' '.join(argv)}", flush=True)
    started = time.perf_counter()
    code = subprocess.call(argv, cwd=ROOT)
    print(f"<== {name}: exit {code} in {time.perf_counter() - started:.1f}s", flush=True)
    if code != 0:
        sys.exit(code)


def _postgres_installed() -> bool:
    explicit = os.environ.get("ZEN_PG_BIN")
    if explicit:
        return (Path(explicit) / "initdb").exists()
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or shutil.which("initdb") is not None


def _ensure_postgres() -> None:
    """Install the PostgreSQL server the tests start (Debian's package) when missing and we may; else say how."""
    if _postgres_installed():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "postgresql"]):
            print(f"==> PostgreSQL server for the tests: {' '.join(argv)}", flush=True)
            subprocess.call(argv, env=env, stdin=subprocess.DEVNULL)
        if _postgres_installed():
            return
    print(
        "==> PostgreSQL server binaries not found: install Debian's `postgresql` package "
        "(sudo apt-get install postgresql), or set ZEN_PG_BIN to a folder holding initdb and pg_ctl. "
        "The PostgreSQL lineage-store tests skip without them (and fail when CI=true).",
        flush=True,
    )


def _ensure_node() -> None:
    """pyright (the typing suite) runs on the machine's Node.js: install Debian's when missing and root."""
    if shutil.which("node") is not None:
        return
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get") is not None:
        _stage("install nodejs", ["sh", "-c", "apt-get update -qq && apt-get install -y -qq nodejs"])
        return
    sys.exit("The typing suite runs pyright, which needs Node.js: install it (e.g. apt-get install nodejs).")


def main(argv: list[str]) -> None:
    """Run the stages; extra arguments go to pytest (e.g. ``-k store``)."""
    py = sys.executable
    _ensure_node()
    _stage("ruff lint", [py, "-m", "ruff", "check", "."])
    _stage("ruff format", [py, "-m", "ruff", "format", "--check", "."])
    _stage("mypy --strict", [py, "-m", "mypy", "--config-file", "mypy.ini", "packages", "tests", "tools", "examples"])
    _ensure_postgres()
    _stage("chromium (browser tests)", [py, "-m", "tools.chromium"])
    workers = os.environ.get("ZEN_TEST_WORKERS", "2")
    _stage("pytest", [py, "-m", "pytest", "-n", workers, *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
