"""The runner's durability barrier, watched from outside: the fsyncs a run makes (``os.fsync`` and
``os.fdatasync``, counted and still made) and the statements of its lineage connection (SQLite's own trace) in
one timeline. Every large output is on disk - its files, its folder, the store's root - before the transaction
that records it commits, and a step's large outputs share one barrier: the store's root is synced once per step,
not once per output. Small outputs are not synced at all (their bytes are in their record)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from zen_run import RunContext, Slot, pipeline, step
from zen_store import SMALL_ARTIFACT_LIMIT, SQLiteLineageStore


class Pair(NamedTuple):
    left: str
    right: str


RUNS = [0]
"""Counts the runs, so each writes bytes no run stored before (identical bytes would be stored once)."""


@step
def two_large() -> Pair:
    RUNS[0] += 1
    return Pair(
        left=f"{RUNS[0]}" + "l" * (2 * SMALL_ARTIFACT_LIMIT), right=f"{RUNS[0]}" + "r" * (2 * SMALL_ARTIFACT_LIMIT)
    )


@step
def joined(left: str, right: str) -> str:
    return left[:2] + right[:2] + "j" * (2 * SMALL_ARTIFACT_LIMIT)


@step
def small(value: str) -> int:
    return len(value)


@pipeline
def durable(source: Slot[[], Pair], join: Slot[[str, str], str], measure: Slot[[str], int]) -> None:
    pair = source()
    measure(join(pair.left, pair.right))


def _timeline(monkeypatch: pytest.MonkeyPatch, lineage: SQLiteLineageStore) -> list[tuple[str, str]]:
    """("sync", path) for each fsync from now on, ("sql", statement) for each statement of zen's lineage
    connection, in the order they happen."""
    events: list[tuple[str, str]] = []

    def counting(real: Callable[[int], None]) -> Callable[[int], None]:
        def call(fd: int) -> None:
            events.append(("sync", str(Path(f"/proc/self/fd/{fd}").readlink())))
            real(fd)

        return call

    monkeypatch.setattr(os, "fsync", counting(os.fsync))
    monkeypatch.setattr(os, "fdatasync", counting(os.fdatasync))
    lineage.db.conn.set_trace_callback(lambda statement: events.append(("sql", statement)))
    return events


def test_large_outputs_are_on_disk_before_the_commit_that_records_them(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = durable(source=two_large(), join=joined(), measure=small())
    instance.run(progress=False, enable_cache=False)  # the stores exist before watching
    lineage = RunContext.shared().stores.lineage
    assert isinstance(lineage, SQLiteLineageStore)
    events = _timeline(monkeypatch, lineage)
    try:
        run = instance.run(progress=False, enable_cache=False)
    finally:
        lineage.db.conn.set_trace_callback(None)
    root = str((project / ".zen" / "artifacts").resolve())
    large = [run.steps["source"].outputs["left"].uri, run.steps["source"].outputs["right"].uri]
    large.append(run.steps["join"].outputs["output"].uri)
    for uri in large:
        name = Path(uri).name
        recorded = next(
            i
            for i, (kind, text) in enumerate(events)
            if kind == "sql" and "INSERT INTO artifacts" in text and name in text
        )
        committed = next(i for i, (kind, text) in enumerate(events) if i > recorded and text == "COMMIT")
        synced = [
            i for i, (kind, path) in enumerate(events) if kind == "sync" and (path == uri or path.startswith(uri + "/"))
        ]
        assert len(synced) >= 2 and max(synced) < committed, (uri, events)  # its file and its folder, before
        roots = [i for i, (kind, path) in enumerate(events) if kind == "sync" and path == root]
        assert any(min(synced) < i < committed for i in roots), (
            f"no root sync after {uri} was written, before its record"
        )
    root_syncs = [path for kind, path in events if kind == "sync" and path == root]
    assert len(root_syncs) == 2  # one barrier per step with large outputs (source: two of them; join: one)
    small_uri = run.steps["measure"].outputs["output"].uri
    assert not [path for kind, path in events if kind == "sync" and path.startswith(small_uri)]
