"""The PostgreSQL store shared by hosts whose clocks disagree and whose network may drop packets.

Clocks: each client runs in a process of its own whose ``time.time`` is shifted by an hour (a wrapper run before
the client's code; the store and the server are real), so a client's clock cannot decide whether another host's
run is alive. Network: the store's real connection carries TCP keepalives and a user timeout, read back from its
socket (found among this process's open files) and the server, unless the URL or libpq's environment sets its own.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.common.postgres import PostgresServer
from zen_store import HEARTBEAT_STALE_S, POSTGRES_CONNECTION_DEFAULTS, PostgresLineageStore, RunStatus, _postgres

_SHIFTED = textwrap.dedent(
    """
    import sys, time
    _shift = float(sys.argv[1])
    _time, _time_ns = time.time, time.time_ns
    time.time = lambda: _time() + _shift
    time.time_ns = lambda: _time_ns() + int(_shift * 1e9)
    """
)
"""What a client whose clock is ``argv[1]`` seconds off runs first: this process's clock only is shifted."""

_OWNER = _SHIFTED + textwrap.dedent(
    """
    from zen_store import NewRun, open_lineage_store
    db = open_lineage_store(sys.argv[2])
    run_id = db.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="team"))
    db.heartbeat(run_id)
    print(run_id, time.time(), flush=True)
    time.sleep(120)
    """
)
_JUDGE = _SHIFTED + textwrap.dedent(
    """
    from zen_store import open_lineage_store
    db = open_lineage_store(sys.argv[2])
    reaped = db.reap_crashed()
    print(reaped, db.get_run(sys.argv[3]).status.value, time.time())
    db.close()
    """
)
HOUR = 3600.0


@pytest.fixture
def owner(postgres_url: str, request: pytest.FixtureRequest) -> Iterator[tuple[str, float]]:
    """A live process on a clock ``request.param`` seconds off that started a run and beat once: the run's id
    and the owner's clock when it did."""
    shift = float(request.param)
    proc = subprocess.Popen([sys.executable, "-c", _OWNER, str(shift), postgres_url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        run_id, clock = proc.stdout.readline().split()
        assert abs(float(clock) - time.time() - shift) < 60  # the owner's clock really is shifted
        yield run_id, float(clock)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def _judge(url: str, run_id: str, shift: float) -> tuple[int, RunStatus]:
    """Reap crashed runs from a process whose clock is ``shift`` seconds off; how many it marked, and the run's
    status as it then reads it."""
    out = subprocess.run(
        [sys.executable, "-c", _JUDGE, str(shift), url, run_id], capture_output=True, text=True, check=True
    ).stdout
    reaped, status, clock = out.split()
    assert abs(float(clock) - time.time() - shift) < 60  # the judge's clock really is shifted
    return int(reaped), RunStatus(status)


@pytest.mark.parametrize("owner", [-HOUR, HOUR], indirect=True, ids=["owner-behind", "owner-ahead"])
def test_a_live_run_is_not_marked_crashed_by_clients_whose_clocks_are_an_hour_off(
    postgres_url: str, owner: tuple[str, float]
) -> None:
    """Its owner (an hour off) beat just now: judges an hour ahead, an hour behind and on time all see it
    running - the heartbeat and the judging both use the server's clock."""
    run_id, _ = owner
    for shift in (HOUR, -HOUR, 0.0):
        assert _judge(postgres_url, run_id, shift) == (0, RunStatus.RUNNING)
    store = PostgresLineageStore.open(postgres_url)
    try:
        assert store.reap_crashed() == 0
        assert store.get_run(run_id).status is RunStatus.RUNNING
    finally:
        store.close()


@pytest.mark.parametrize("owner", [HOUR], indirect=True, ids=["owner-ahead"])
def test_a_silent_run_is_marked_crashed_even_by_a_client_whose_clock_is_an_hour_behind(
    postgres_url: str, owner: tuple[str, float]
) -> None:
    """The owner (alive, an hour ahead) last beat longer ago than the limit on the server's clock - its beat is
    moved back that far, as if it had been silent since: a judge an hour behind marks it crashed, once, ending
    no earlier than it started (by its owner's clock)."""
    run_id, _ = owner
    assert _judge(postgres_url, run_id, -HOUR) == (0, RunStatus.RUNNING)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE runs SET heartbeat_at = heartbeat_at - %s WHERE run_id = %s", (HEARTBEAT_STALE_S + 1, run_id)
        )
    assert _judge(postgres_url, run_id, -HOUR) == (1, RunStatus.CRASHED)
    assert _judge(postgres_url, run_id, HOUR) == (0, RunStatus.CRASHED)
    store = PostgresLineageStore.open(postgres_url)
    try:
        run = store.get_run(run_id)
    finally:
        store.close()
    assert run.ended_at is not None and run.ended_at >= run.started_at  # its end is no earlier than its start


def _server_sockets(port: int) -> dict[int, dict[str, int]]:
    """This process's TCP sockets connected to the server on ``port``, by local port: the options the kernel
    applies to each."""
    found: dict[int, dict[str, int]] = {}
    for entry in Path("/proc/self/fd").iterdir():
        try:
            if not stat.S_ISSOCK(os.fstat(int(entry.name)).st_mode):
                continue
            with socket.socket(fileno=os.dup(int(entry.name))) as sock:
                if sock.family != socket.AF_INET or sock.type != socket.SOCK_STREAM or sock.getpeername()[1] != port:
                    continue
                found[sock.getsockname()[1]] = {
                    "keepalives": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                    "keepalives_idle": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                    "keepalives_interval": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                    "keepalives_count": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
                    "tcp_user_timeout": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
                }
        except OSError:
            continue  # closed meanwhile, or not connected
    return found


def _opened(server: PostgresServer, url: str) -> tuple[dict[str, int], str]:
    """A store's real connection to ``url`` (the one socket to the server its opening added): its socket's TCP
    options, and the application name the server shows for it."""
    before = _server_sockets(server.port)
    store = PostgresLineageStore.open(url)
    try:
        [(local_port, options)] = [item for item in _server_sockets(server.port).items() if item[0] not in before]
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT application_name FROM pg_stat_activity WHERE client_port = %s", (local_port,)
            ).fetchone()
        assert row is not None
        return options, str(row[0])
    finally:
        store.close()


_KERNEL_OPTIONS = ("keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout")


def test_a_store_connection_has_tcp_keepalives_and_a_user_timeout_by_default(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    """Without parameters of its own the URL gets the documented defaults, and the socket really has them."""
    options, application = _opened(postgres_server, postgres_url)
    assert options == {key: int(POSTGRES_CONNECTION_DEFAULTS[key]) for key in _KERNEL_OPTIONS}
    assert options["keepalives"] == 1 and options["tcp_user_timeout"] > 0
    assert application == "zen"
    assert conninfo_to_dict(_postgres.conninfo(postgres_url))["connect_timeout"] == "10"


def test_a_urls_own_connection_parameters_win_over_the_defaults(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    """Values the URL sets are kept; the defaults fill in only the rest."""
    url = f"{postgres_url}&keepalives_idle=7&keepalives_count=5&tcp_user_timeout=4000&application_name=nightly"
    options, application = _opened(postgres_server, url)
    assert options == {
        "keepalives": 1,
        "keepalives_idle": 7,
        "keepalives_interval": 10,
        "keepalives_count": 5,
        "tcp_user_timeout": 4000,
    }
    assert application == "nightly"
    assert conninfo_to_dict(_postgres.conninfo(f"{postgres_url}&connect_timeout=2"))["connect_timeout"] == "2"


def test_keepalives_switched_off_in_the_url_stay_off(postgres_server: PostgresServer, postgres_url: str) -> None:
    """``keepalives=0`` in the URL is the user's choice: the socket sends no probes."""
    options, _ = _opened(postgres_server, f"{postgres_url}&keepalives=0")
    assert options["keepalives"] == 0


def test_libpq_environment_settings_win_over_the_defaults(
    postgres_server: PostgresServer, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PGAPPNAME`` and ``PGCONNECT_TIMEOUT`` (libpq reads them) are not overridden by zen's own defaults."""
    monkeypatch.setenv("PGAPPNAME", "from-environment")
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "3")
    _, application = _opened(postgres_server, postgres_url)
    assert application == "from-environment"
    assert "connect_timeout" not in conninfo_to_dict(_postgres.conninfo(postgres_url))  # libpq takes the 3
