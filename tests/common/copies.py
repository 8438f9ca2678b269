"""Lineage copies of small artifacts, as tests take them away."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["forget_lineage_copies"]


def forget_lineage_copies(lineage_db: Path) -> None:
    """Delete every small artifact's lineage copy from a SQLite lineage file, as in a store recorded before copies
    were kept: an artifact lost or altered on disk then has nothing to be put back from."""
    conn = sqlite3.connect(lineage_db)
    try:
        conn.execute("DELETE FROM artifact_files")
        conn.commit()
    finally:
        conn.close()
