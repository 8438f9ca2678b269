"""A real PostgreSQL server for tests: Debian's (or any) server binaries, a throw-away cluster on a free loopback
port, started and stopped by the tests themselves.

The cluster lives in a fresh temporary folder; its unix socket too. PostgreSQL refuses to run as root, so when
the tests run as root the server runs as the ``postgres`` account (created by Debian's package), which owns that
folder. Connections over TCP need a password (scram-sha-256); the tests find it the way users do, through a
password file named by ``PGPASSFILE`` (libpq's ``~/.pgpass``), never in a stored URL.

Where the binaries are: ``$ZEN_PG_BIN``, else the newest ``/usr/lib/postgresql/<version>/bin``, else ``initdb`` on
``PATH``. When none is found the PostgreSQL tests skip with what to install, except under ``CI=true``, where they
fail: CI (``tools/check.py``) installs the server, so a missing one there is a bug, not a reason to skip.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Final

__all__ = ["INSTALL_HINT", "PostgresServer", "find_bindir", "server_user"]

INSTALL_HINT: Final = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install Debian's `postgresql` package "
    "(`sudo apt-get install postgresql`; `python tools/check.py` does it when run as root), or set ZEN_PG_BIN to "
    "a folder holding initdb and pg_ctl."
)
USER: Final = "zen"
PASSWORD: Final = "zen-test-password"
"""The test cluster's superuser and its password (a throw-away cluster on loopback)."""


def find_bindir() -> Path | None:
    """The folder of ``initdb``/``pg_ctl``/``postgres``, or None when no server is installed."""
    explicit = os.environ.get("ZEN_PG_BIN")
    if explicit:
        return Path(explicit) if (Path(explicit) / "initdb").exists() else None
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: (
            int(p.parent.parent.name) if p.parent.parent.name.isascii() and p.parent.parent.name.isdigit() else 0
        ),
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def server_user() -> str | None:
    """The account the server runs as: ``postgres`` when we are root (the server refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return "postgres"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One throw-away PostgreSQL cluster on 127.0.0.1; ``start()``, ``restart()``, ``stop()``, and fresh databases."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = server_user()
        if os.geteuid() == 0 and self.user is None:
            raise RuntimeError(
                "the tests run as root, and PostgreSQL refuses to run as root: create a `postgres` account "
                "(Debian's postgresql package does) so the test server can run as it."
            )
        self.dir = Path(tempfile.mkdtemp(prefix="zen-pg-"))
        self.data = self.dir / "data"
        self.sockets = self.dir / "sockets"
        self.passfile = self.dir / "pgpass"
        self.port = 0
        self._watchdog: subprocess.Popen[bytes] | None = None
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self._as_server(["mkdir", str(self.sockets)])
        pwfile = self.dir / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        pwfile.chmod(0o644)
        self._as_server(
            [
                str(self.bindir / "initdb"),
                "--pgdata",
                str(self.data),
                "--username",
                USER,
                "--pwfile",
                str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        pwfile.unlink()
        self.passfile.write_text(f"127.0.0.1:*:*:{USER}:{PASSWORD}\n")
        self.passfile.chmod(0o600)

    def _as_server(self, argv: list[str]) -> str:
        """Run a command as the server's account (``runuser`` when we are root)."""
        full = ["runuser", "-u", self.user, "--", *argv] if self.user is not None else argv
        done = subprocess.run(full, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
        return done.stdout

    def start(self) -> None:
        """Start the server on a free loopback port (retrying on another port if that one was taken meanwhile)."""
        for attempt in range(5):
            self.port = _free_port()
            settings = {
                "listen_addresses": "'127.0.0.1'",
                "port": str(self.port),
                "unix_socket_directories": f"'{self.sockets}'",
                "fsync": "off",  # a throw-away cluster: crash safety of the test data does not matter
                "synchronous_commit": "off",
                "full_page_writes": "off",
                "shared_buffers": "'16MB'",
                "max_connections": "200",
                "dynamic_shared_memory_type": "mmap",
            }
            # Appended to postgresql.conf (later lines win), so a restart keeps the port.
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            try:
                self._launch()
            except RuntimeError:
                if attempt == 4:
                    raise RuntimeError(f"PostgreSQL did not start: {self.log_tail()}") from None
                continue
            return

    def stop(self, *, mode: str = "fast", wait: bool = True) -> None:
        """Stop the server (``fast``: disconnect clients; ``immediate``: as if it crashed; ``smart``: once its
        clients leave). ``wait=False`` returns once the shutdown began (the server may still be up)."""
        waiting = "--wait" if wait else "--no-wait"
        with contextlib.suppress(RuntimeError):
            self._as_server([str(self.bindir / "pg_ctl"), "stop", waiting, "--mode", mode, "--pgdata", str(self.data)])
        if not wait:
            return  # the watchdog stays until the server is gone
        if self._watchdog is not None:  # it sees the server gone within a second and exits
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._watchdog.wait(timeout=10)
            self._watchdog = None

    def restart(self) -> None:
        """Stop (dropping every client connection) and start again on the same port."""
        self.stop()
        self._launch()

    def _launch(self) -> None:
        log = str(self.dir / "server.log")
        self._as_server([str(self.bindir / "pg_ctl"), "start", "--wait", "--pgdata", str(self.data), "--log", log])
        self._watch()

    def _watch(self) -> None:
        """A watchdog that stops the server and deletes its folder once this process is gone, so a test run that
        is killed (a timeout, kill -9) leaves no server behind. It exits by itself when the server stops."""
        script = (
            f"while kill -0 {os.getpid()} 2>/dev/null && [ -f '{self.data}/postmaster.pid' ]; do sleep 1; done; "
            f"if [ -f '{self.data}/postmaster.pid' ]; then "
            f"runuser -u {self.user} -- '{self.bindir}/pg_ctl' stop --mode immediate --pgdata '{self.data}' "
            f">/dev/null 2>&1; rm -rf '{self.dir}'; fi"
            if self.user is not None
            else f"while kill -0 {os.getpid()} 2>/dev/null && [ -f '{self.data}/postmaster.pid' ]; do sleep 1; done; "
            f"if [ -f '{self.data}/postmaster.pid' ]; then '{self.bindir}/pg_ctl' stop --mode immediate "
            f"--pgdata '{self.data}' >/dev/null 2>&1; rm -rf '{self.dir}'; fi"
        )
        self._watchdog = subprocess.Popen(
            ["sh", "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def destroy(self) -> None:
        """Stop the server and delete its folder."""
        self.stop(mode="immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self) -> str:
        """The end of the server log (for failure messages)."""
        try:
            return (self.dir / "server.log").read_text()[-2000:]
        except OSError:
            return "(no server log)"

    def url(self, database: str = "postgres") -> str:
        """A URL without a password (libpq finds it in the password file)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        """Run one administrative statement (``CREATE DATABASE``...) as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(self.url(database), password=PASSWORD, autocommit=True) as conn:
            conn.execute(sql.encode())

    def create_database(self) -> str:
        """A fresh empty database; returns its URL."""
        name = f"zen_{uuid.uuid4().hex[:16]}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def create_schema(self) -> str:
        """The URL of a fresh, empty schema (first on the ``search_path``): a new database in effect, made in
        microseconds instead of copying a template database of megabytes."""
        name = f"zen_{uuid.uuid4().hex[:16]}"
        self.admin(f"CREATE SCHEMA {name}")
        return f"{self.url()}?options=-csearch_path%3D{name}"
