"""PostgreSQL write transactions under real serialization conflicts: another connection commits a change to the row
a write is about to change, after the write's snapshot was taken - the server aborts the write (SQLSTATE 40001),
and the store runs it again from the start, a bounded number of times."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

import zen_store._postgres
from zen_store import NewRun, PostgresLineageStore, StoreError


def _conflicting_write(store: PostgresLineageStore, run_id: str, *, conflicts: int) -> list[int]:
    """Rename the run in a write transaction whose first ``conflicts`` attempts lose to a concurrent update;
    returns one entry per attempt."""
    attempts: list[int] = []

    def rename(conn: psycopg.Connection[tuple[object, ...]]) -> None:
        attempts.append(len(attempts) + 1)
        conn.execute("SELECT run_name FROM runs WHERE run_id = %s", (run_id,)).fetchone()  # the snapshot
        if len(attempts) <= conflicts:
            with psycopg.connect(store.url, autocommit=True) as other:
                other.execute("UPDATE runs SET heartbeat_at = heartbeat_at + 1 WHERE run_id = %s", (run_id,))
        conn.execute("UPDATE runs SET run_name = %s WHERE run_id = %s", (f"attempt-{len(attempts)}", run_id))

    store._transaction(rename)  # the write path every public write takes
    return attempts


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresLineageStore]:
    opened = PostgresLineageStore.open(postgres_url)
    yield opened
    opened.close()


def test_a_write_losing_serialization_conflicts_is_run_again_until_it_commits_once(
    store: PostgresLineageStore,
) -> None:
    """Three lost conflicts, then a commit: the fourth attempt's write is the one recorded, and the concurrent
    updates all stand."""
    run_id = store.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="team"))
    beat = "SELECT heartbeat_at FROM runs WHERE run_id = %s"  # the concurrent writer's column, in no record
    before = float(str(store._read(beat, [run_id])[0][0]))
    assert _conflicting_write(store, run_id, conflicts=3) == [1, 2, 3, 4]
    assert store.get_run(run_id).run_name == "attempt-4"
    assert float(str(store._read(beat, [run_id])[0][0])) == before + 3


def test_a_write_that_keeps_losing_conflicts_gives_up_after_the_bound_with_nothing_recorded(
    store: PostgresLineageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that loses every attempt is tried MAX_ATTEMPTS times, then fails with one sentence naming the
    store and the cause; none of its attempts is recorded."""
    monkeypatch.setattr(zen_store._postgres, "MAX_ATTEMPTS", 4)
    run_id = store.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="team"))
    with pytest.raises(StoreError, match=r"aborted a write 4 times for conflicting concurrent writers \(40001\)"):
        _conflicting_write(store, run_id, conflicts=100)
    assert store.get_run(run_id).run_name is None
