"""Logging in to a PostgreSQL lineage store: a password given in a URL moves into the password file libpq reads
(the real server then accepts the URL without it), and each way a connection fails is one sentence with its fix."""

from __future__ import annotations

import stat
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.common.postgres import PASSWORD, PostgresServer, find_bindir
from zen_store import PostgresLineageStore, StoreError, remember_password
from zen_store._postgres_login import LoginParts, connect_failure

_SECRET = "s3cr:et\\pa@ss/w%rd"
"""A password holding every character a URL or a password file must escape."""


@pytest.fixture
def passfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A password file of this test's own (none yet), named by ``PGPASSFILE``; no ``PGPASSWORD``."""
    path = tmp_path / "home" / "pgpass"
    monkeypatch.setenv("PGPASSFILE", str(path))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return path


def _role(server: PostgresServer, password: str, *, own_schema: bool = True) -> str:
    """A new login role with ``password`` on the test server, with a schema of its own (first on its default
    search path) unless told otherwise; returns its name."""
    name = f"u{uuid.uuid4().hex[:12]}"
    literal = password.replace("'", "''")
    server.admin(f"CREATE ROLE {name} LOGIN PASSWORD '{literal}'")
    if own_schema:
        server.admin(f"CREATE SCHEMA {name} AUTHORIZATION {name}")
    return name


def test_a_password_given_in_the_url_moves_to_the_password_file_and_the_server_accepts_the_url_without_it(
    postgres_server: PostgresServer, passfile: Path
) -> None:
    """remember_password writes the password (colons and backslashes escaped) to a mode-0600 password file and
    returns the URL without it; the real server then logs that URL in, and no message shows the password."""
    user = _role(postgres_server, _SECRET)
    url = f"postgresql://{user}:{quote(_SECRET, safe='')}@127.0.0.1:{postgres_server.port}/postgres"
    saved = remember_password(url)
    assert saved.saved_in == passfile
    assert saved.url == f"postgresql://{user}@127.0.0.1:{postgres_server.port}/postgres"
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    assert _SECRET not in saved.url
    store = PostgresLineageStore.open(saved.url)
    assert _SECRET not in store.location
    store.close()


def test_the_password_parameter_form_moves_too_and_other_lines_of_the_file_are_kept(
    postgres_server: PostgresServer, passfile: Path
) -> None:
    """``?password=`` is moved like the user part's; a line for the same host, port, database and user is
    replaced, every other line is kept as it was."""
    user = _role(postgres_server, "first")
    passfile.parent.mkdir()
    passfile.write_text(f"db.example:5432:*:alice:keep\\:me\n127.0.0.1:{postgres_server.port}:postgres:{user}:old\n")
    passfile.chmod(0o600)
    postgres_server.admin(f"ALTER ROLE {user} PASSWORD 'second'")
    saved = remember_password(
        f"postgresql://{user}@127.0.0.1:{postgres_server.port}/postgres?password=second&application_name=zen"
    )
    assert saved.url == f"postgresql://{user}@127.0.0.1:{postgres_server.port}/postgres?application_name=zen"
    assert passfile.read_text().splitlines() == [
        "db.example:5432:*:alice:keep\\:me",
        f"127.0.0.1:{postgres_server.port}:postgres:{user}:second",
    ]
    PostgresLineageStore.open(saved.url).close()


def test_a_password_file_that_is_a_symbolic_link_is_written_through_the_link(tmp_path: Path, passfile: Path) -> None:
    """A ~/.pgpass kept elsewhere (a dotfiles folder) and linked stays a link; the file it names gets the line."""
    target = tmp_path / "dotfiles" / "pgpass"
    target.parent.mkdir()
    target.write_text("other:5432:*:bob:pw\n")
    passfile.parent.mkdir()
    passfile.symlink_to(target)
    remember_password("postgresql://alice:secret@db.example:5433/zen")
    assert passfile.is_symlink()
    assert target.read_text() == "other:5432:*:bob:pw\ndb.example:5433:zen:alice:secret\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_url_without_a_password_leaves_the_password_file_alone(passfile: Path) -> None:
    """Nothing to move: the URL comes back as given and no file is written."""
    url = "postgresql://alice@db.example:5432/zen"
    saved = remember_password(url)
    assert (saved.url, saved.saved_in) == (url, None)
    assert not passfile.exists()


@settings(max_examples=50)
@given(password=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\n\r\x00"), min_size=1))
def test_any_password_is_written_so_the_password_file_gives_it_back(password: str) -> None:
    """The line written for any password (escaped as libpq reads it) splits back into the key and the password."""
    from zen_store._postgres_login import line_fields

    login = LoginParts(host="h:1", port="5432", database="d\\b", user="u")
    line = ":".join([*login.pgpass_fields(), password.replace("\\", "\\\\").replace(":", "\\:")])
    fields = line_fields(line)
    assert fields[:4] == login.pgpass_fields()
    unescaped = ":".join(fields[4:]).replace("\\:", ":").replace("\\\\", "\\")
    assert unescaped == password


def test_login_parts_fill_in_libpqs_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL leaving out the port, database or user is matched by the password file line libpq would look up."""
    monkeypatch.delenv("PGPORT", raising=False)
    monkeypatch.delenv("PGDATABASE", raising=False)
    assert LoginParts.of("postgresql://alice@db.example/zen") == LoginParts(
        host="db.example", port="5432", database="zen", user="alice"
    )
    assert LoginParts.of("postgresql://alice@[::1]:6543") == LoginParts(
        host="::1", port="6543", database="alice", user="alice"
    )
    assert LoginParts.of("postgresql://alice@/zen?host=/run/postgresql").host == "localhost"


def test_a_wrong_password_a_missing_database_and_no_server_each_say_what_to_fix(
    postgres_server: PostgresServer, passfile: Path
) -> None:
    """Opening the store fails with one line naming the location (never the password), the cause and its fix."""
    port = postgres_server.port
    cases = {
        f"postgresql://zen:wrong-one@127.0.0.1:{port}/postgres": "the server refused the login of user 'zen'",
        f"postgresql://zen@127.0.0.1:{port}/no_such_db": "has no database 'no_such_db'. Create it (createdb",
        "postgresql://zen@127.0.0.1:1/zen": "no PostgreSQL server answers at 127.0.0.1:1",
    }
    remember_password(f"postgresql://zen:{PASSWORD}@127.0.0.1:{port}/no_such_db")
    for url, expected in cases.items():
        with pytest.raises(StoreError) as caught:
            PostgresLineageStore.open(url)
        message = str(caught.value)
        assert expected in message
        assert "wrong-one" not in message and PASSWORD not in message and "\n" not in message


def test_an_unrecognised_failure_still_names_the_store_and_where_passwords_come_from() -> None:
    """A cause zen has no advice for is shown as libpq gave it (on one line), with the general checks."""
    message = connect_failure("postgresql://a:hidden@h:1/d", "connection failed:\n\tsomething odd")
    assert message.startswith("cannot connect to the PostgreSQL lineage store postgresql://a@h:1/d: something odd.")
    assert "hidden" not in message


def test_a_user_who_may_not_create_tables_is_told_which_grant_it_needs(
    postgres_server: PostgresServer, passfile: Path
) -> None:
    """PostgreSQL 15 lets no ordinary user create tables in ``public``: opening the store there says so in one
    sentence naming the user and the grant (or database) it needs - never a psycopg traceback."""
    user = _role(postgres_server, "pw", own_schema=False)
    with pytest.raises(StoreError) as caught:
        PostgresLineageStore.open(f"postgresql://{user}:pw@127.0.0.1:{postgres_server.port}/postgres")
    message = str(caught.value)
    assert f"refused user {user!r}: permission denied for schema public" in message
    assert f"GRANT CREATE, USAGE ON SCHEMA public TO {user}" in message and "\n" not in message
    _until_no_session_of(postgres_server, user)  # the refused open closed its connection


def _until_no_session_of(server: PostgresServer, user: str) -> None:
    """Wait (up to 10 s) until ``user`` has no session on the server (a closed connection's backend exits soon)."""
    deadline = time.monotonic() + 10
    with psycopg.connect(server.url(), password=PASSWORD, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (user,)).fetchone()
            if row is not None and row[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"user {user} still has a session on the server")


def _until_refused(url: str, words: str) -> None:
    """Wait (up to 10 s) until the server refuses a new connection with ``words`` (a signal it handles soon)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            psycopg.connect(url, password=PASSWORD).close()
        except psycopg.OperationalError as exc:
            if words in str(exc):
                return
        time.sleep(0.05)
    raise AssertionError(f"the server never refused a connection with {words!r}")


def test_a_server_shutting_down_says_so_and_to_run_again_once_it_is_up(postgres_server: PostgresServer) -> None:
    """A server in a smart shutdown (waiting for its clients to leave) refuses new connections: opening the store
    then says the server is between states and to run again, not that the URL may be wrong."""
    bindir = find_bindir()
    assert bindir is not None  # postgres_server skipped (or failed) otherwise
    server = PostgresServer(bindir)
    try:
        server.start()
        url = server.create_schema()
        with psycopg.connect(server.url(), password=PASSWORD, autocommit=True):  # a client the shutdown waits for
            server.stop(mode="smart", wait=False)
            _until_refused(server.url(), "shutting down")
            with pytest.raises(StoreError) as caught:
                PostgresLineageStore.open(url)
        message = str(caught.value)
        assert f"the server at 127.0.0.1:{server.port} is starting up, shutting down or recovering" in message
        assert "Run again once it is up" in message
    finally:
        server.destroy()
