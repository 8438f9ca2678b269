"""What a store location names, told from its text alone (no back-end is imported to tell)."""

from __future__ import annotations

from typing import Final, TypeAlias

__all__ = ["StorageOption", "is_postgres_url"]

_SCHEMES: Final = ("postgresql://", "postgres://")

StorageOption: TypeAlias = str | bool | int | float
"""A value of an fsspec storage option (``endpoint_url``, ``anon``, ``profile``, ...)."""


def is_postgres_url(location: str) -> bool:
    """True when ``location`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return location.startswith(_SCHEMES)
