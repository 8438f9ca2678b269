"""Logging in to a PostgreSQL lineage store: where its password is kept, and what a failed login says.

The password never goes where zen keeps a store's location (a project's ``.zen/config.json``, an artifact store's
registry of referents): libpq finds it in ``PGPASSWORD`` or the password file (``$PGPASSFILE``, else
``~/.pgpass``). A URL given *with* a password is split: :func:`remember_password` moves the password into the
password file - one line per host, port, database and user, replaced in place, the file kept at mode 0600 as
libpq requires - and returns the URL without it.

A connection that cannot be made is one sentence naming the location (never the password), the cause as the
server or libpq gave it, and the fix for that cause: a refused login, a missing database, a server starting or
stopping, no server answering.
"""

from __future__ import annotations

import getpass
import os
import re
import tempfile
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import attrs

__all__ = [
    "LoginParts",
    "SavedPassword",
    "connect_failure",
    "describe_location",
    "password_file",
    "privilege_failure",
    "remember_password",
]

_SERVER_PREFIX: Final = re.compile(r"^connection to server (at|on) .*? failed: ")
"""libpq's preamble naming the server, which the sentence names itself."""
_REFUSED_LOGIN: Final = ("password authentication failed", "no password supplied", "authentication failed")
_PASSING: Final = ("is starting up", "is shutting down", "in recovery mode", "not yet accepting connections")
"""A server between states (a restart, a fail-over): it answers, but takes no connection yet."""
_NO_SERVER: Final = (
    "connection refused",
    "timeout expired",
    "could not translate host name",
    "failed to resolve host",
    "no route to host",
    "network is unreachable",
    "no such file or directory",  # a unix socket with no server behind it
)


@attrs.frozen(kw_only=True)
class LoginParts:
    """Whom a URL logs in as, where: the fields of a password file line (libpq's defaults filled in)."""

    host: str
    port: str
    database: str
    user: str

    @classmethod
    def of(cls, url: str) -> LoginParts:
        """The parts of ``url``, with libpq's defaults for those it leaves out (a unix socket folder is matched as
        ``localhost``, as libpq does)."""
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        user = unquote(parts.username or "") or query.get("user") or os.environ.get("PGUSER") or getpass.getuser()
        hostport = parts.netloc.rpartition("@")[2]
        if hostport.startswith("["):  # an IPv6 address
            host, _, rest = hostport[1:].partition("]")
            port = rest.removeprefix(":")
        else:
            host, _, port = hostport.partition(":")
        host = unquote(host) or query.get("host") or os.environ.get("PGHOST", "localhost")
        port = port or query.get("port") or os.environ.get("PGPORT", "5432")
        database = unquote(parts.path.lstrip("/")) or query.get("dbname") or os.environ.get("PGDATABASE") or user
        return cls(host="localhost" if host.startswith("/") else host, port=port, database=database, user=user)

    def pgpass_fields(self) -> list[str]:
        """The first four fields of its password file line, escaped as libpq reads them."""
        return [_escape(v) for v in (self.host, self.port, self.database, self.user)]


@attrs.frozen(kw_only=True)
class SavedPassword:
    """The outcome of :func:`remember_password`: the URL to keep, and where its password went (if it had one)."""

    url: str
    """The URL without its password."""
    saved_in: Path | None
    """The password file the password was written to; None when the URL held none."""


def describe_location(url: str) -> str:
    """The URL without its password (in the user part or a ``password`` parameter): what messages show and what
    other processes may be told, since libpq finds the password itself."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _password(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.password is not None:
        return unquote(parts.password)
    given = [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k == "password"]
    return given[-1] if given else None


def password_file() -> Path:
    """The password file libpq reads: ``$PGPASSFILE``, else ``~/.pgpass``."""
    return Path(os.environ.get("PGPASSFILE") or Path.home() / ".pgpass")


def _escape(field: str) -> str:
    return field.replace("\\", "\\\\").replace(":", "\\:")


def line_fields(line: str) -> list[str]:
    """A password file line's fields, escapes kept (as written), split on unescaped colons."""
    fields, current, escaped = [], "", False
    for char in line:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            current, escaped = current + char, True
        elif char == ":":
            fields.append(current)
            current = ""
        else:
            current += char
    return [*fields, current]


def remember_password(url: str) -> SavedPassword:
    """Move the password of ``url`` (if any) into the password file and return the URL without it.

    The file's line for the same host, port, database and user is replaced (others are kept, in order); the file
    (the one a symbolic link names) is replaced atomically and left at mode 0600, or libpq would ignore it.
    """
    password = _password(url)
    if password is None:
        return SavedPassword(url=url, saved_in=None)
    if "\n" in password or "\r" in password:
        raise ValueError("a password file cannot hold a password with a line break: give it through PGPASSWORD.")
    keyed = LoginParts.of(url).pgpass_fields()
    path = password_file().resolve()  # a symbolic link (a dotfiles folder) keeps pointing at the file it names
    kept = path.read_text().splitlines() if path.exists() else []
    lines = [line for line in kept if line_fields(line)[:4] != keyed]
    lines.append(":".join([*keyed, _escape(password)]))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return SavedPassword(url=describe_location(url), saved_in=path)


def connect_failure(url: str, detail: str) -> str:
    """One sentence for a connection to ``url`` that failed with libpq's ``detail``: what happened, the fix."""
    where = f"cannot connect to the PostgreSQL lineage store {describe_location(url)}"
    cause = _SERVER_PREFIX.sub("", " ".join(detail.split()).removeprefix("connection failed: "))
    login = LoginParts.of(url)
    server = f"{login.host}:{login.port}"
    lowered = cause.lower()
    if any(words in lowered for words in _REFUSED_LOGIN):
        return (
            f"{where}: the server refused the login of user {login.user!r} ({cause}). Give the right password "
            f"through PGPASSWORD or the password file {password_file()} (a line "
            f"{':'.join(login.pgpass_fields())}:PASSWORD, mode 0600); .zen/config.json never holds it."
        )
    if "does not exist" in lowered and "database" in lowered:
        return (
            f"{where}: the server at {server} has no database {login.database!r}. Create it (createdb -h "
            f"{login.host} -p {login.port} -U {login.user} {login.database}) or fix the database in the URL."
        )
    if any(words in lowered for words in _PASSING):
        return (
            f"{where}: the server at {server} is starting up, shutting down or recovering ({cause}). Run again once "
            f"it is up (a restart takes seconds)."
        )
    if any(words in lowered for words in _NO_SERVER):
        return (
            f"{where}: no PostgreSQL server answers at {server} ({cause}). Start the server, or fix the host and "
            f"port in the URL (`zen stack register NAME --replace --lineage-store URL`)."
        )
    return (
        f"{where}: {cause}. Check that the server runs and the URL is right; a password comes from PGPASSWORD or "
        f"the password file {password_file()}, never from .zen/config.json."
    )


def privilege_failure(url: str, detail: str) -> str:
    """One sentence for a statement the server refused to ``url``'s user for want of a privilege."""
    login = LoginParts.of(url)
    return (
        f"the PostgreSQL lineage store {describe_location(url)} refused user {login.user!r}: {detail}. zen needs a "
        f"database (or schema) whose tables it may create and write: createdb -O {login.user} {login.database}, or "
        f"GRANT CREATE, USAGE ON SCHEMA public TO {login.user}."
    )
