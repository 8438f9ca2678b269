"""Shared test configuration: hypothesis profiles (fast locally, thorough in CI), a temporary zen project, a
real S3-compatible server (moto's, on 127.0.0.1) for the remote artifact store, and a real PostgreSQL server (on
127.0.0.1) for the lineage store, with every lineage-store test run on both back-ends."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.common.postgres import INSTALL_HINT, PostgresServer, find_bindir

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _own_zen_root(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets a project root of its own (created only if used), unless it sets or removes ``ZEN_ROOT``
    itself: nothing a test runs finds a project by walking up from its folder into the developer's repository,
    ``/tmp`` or the home folder."""
    monkeypatch.setenv("ZEN_ROOT", str(tmp_path_factory.getbasetemp() / f"zen-root-{uuid.uuid4().hex[:12]}"))
    yield
    runner = sys.modules.get("zen_run")
    if runner is not None:  # close the stores opened for that root
        runner.RunContext.forget()


def _watched_zen_folders(rootdir: Path) -> dict[Path, tuple[tuple[str, int], ...] | None]:
    """The ``.zen/`` folders a test could write to by walking up (above the checkout, the temporary folder and
    the home folder), each with the modification times of what it holds (None: absent)."""
    folders = {*Path(tempfile.gettempdir()).resolve().parents, Path(tempfile.gettempdir()).resolve()}
    folders |= {rootdir, *rootdir.parents, Path.home().resolve()}
    watched: dict[Path, tuple[tuple[str, int], ...] | None] = {}
    for folder in sorted(folders):
        zen = folder / ".zen"
        watched[zen] = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in zen.iterdir())) if zen.is_dir() else None
    return watched


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_ZEN_FOLDERS] = _watched_zen_folders(session.config.rootpath)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session when a test wrote to a ``.zen/`` outside its own temporary folders (a stray project that
    would then capture every run below it)."""
    before = session.config.stash.get(_ZEN_FOLDERS, None)
    if before is None or hasattr(session.config, "workerinput"):  # checked once, by the controlling process
        return
    after = _watched_zen_folders(session.config.rootpath)
    touched = sorted(str(zen) for zen, state in after.items() if state is not None and state != before.get(zen))
    if touched:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"tests wrote to a zen project outside their temporary folders: {', '.join(touched)}"
        if reporter is not None:
            reporter.write_line(f"ERROR: {message}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_ZEN_FOLDERS = pytest.StashKey[dict[Path, tuple[tuple[str, int], ...] | None]]()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh zen project root (``ZEN_ROOT``) with real stores under ``.zen/``; closed afterwards."""
    from zen_run import RunContext

    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setenv("ZEN_ROOT", str(root))
    monkeypatch.delenv("ZEN_STACK", raising=False)
    RunContext.forget()
    yield root
    RunContext.forget()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible HTTP server on 127.0.0.1 for the session (moto's server, in a thread), with dummy
    credentials in the environment so that s3fs, here and in Dask worker processes started later, finds them."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    saved = {key: os.environ.get(key) for key in _AWS_ENV}
    os.environ.update(_AWS_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "zen-test",
    "AWS_SECRET_ACCESS_KEY": "zen-test",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def s3_url(s3_endpoint: str) -> str:
    """A fresh, empty bucket on the test server, as the URL of an artifact store in it."""
    import s3fs

    bucket = f"zen-{uuid.uuid4().hex[:16]}"
    s3fs.S3FileSystem(endpoint_url=s3_endpoint).mkdir(bucket)
    return f"s3://{bucket}/artifacts"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own on 127.0.0.1 for the session (one per pytest-xdist worker), its password in
    a password file named by ``PGPASSFILE`` (libpq's ``~/.pgpass``), so URLs and subprocesses carry none.

    Without server binaries the PostgreSQL tests skip saying what to install - and fail under ``CI=true``.
    """
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    server = PostgresServer(bindir)
    saved = os.environ.get("PGPASSFILE")
    try:
        server.start()
        os.environ["PGPASSFILE"] = str(server.passfile)
        yield server
    finally:
        server.destroy()
        if saved is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = saved


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL (no password) of a fresh, empty lineage database on the test server (a schema of its own)."""
    return postgres_server.create_schema()


LINEAGE_BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session", params=LINEAGE_BACKENDS)
def lineage_factory(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], str]:
    """Each lineage-store test runs on both back-ends: this gives a fresh, empty lineage store location per call -
    a SQLite file path, or the URL of a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return lambda: str(tmp_path_factory.mktemp("lineage") / "lineage.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_schema


@pytest.fixture
def lineage_location(lineage_factory: Callable[[], str]) -> str:
    """A fresh, empty lineage store location on each back-end (see ``lineage_factory``)."""
    return lineage_factory()
