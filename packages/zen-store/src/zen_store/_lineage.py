"""Opening the lineage store a location names: a SQLite file, or a PostgreSQL database by URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zen_store._location import is_postgres_url
from zen_store._sqlite import SQLiteLineageStore

if TYPE_CHECKING:
    from zen_store._postgres import PostgresLineageStore

__all__ = ["open_lineage_store"]


def open_lineage_store(location: str | Path) -> SQLiteLineageStore | PostgresLineageStore:
    """The lineage store at ``location``: ``postgresql://user@host:port/dbname`` (or ``postgres://``) opens the
    PostgreSQL store (psycopg, the ``postgres`` extra), anything else is the path of a SQLite file."""
    if isinstance(location, str) and is_postgres_url(location):
        from zen_store._postgres import PostgresLineageStore  # imported only by processes that use PostgreSQL

        return PostgresLineageStore.open(location)
    return SQLiteLineageStore.open(Path(location))
