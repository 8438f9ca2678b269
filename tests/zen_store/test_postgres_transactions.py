"""PostgreSQL write transactions the server aborts as serialization failures (SQLSTATE 40001) are run again from
the start, a bounded number of times. The failures come from the real server: a trigger on ``runs`` aborts the
first N updates the way a concurrent writer's conflict does (a sequence counts them, outside any transaction)."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterator

import psycopg
import pytest

from zen_store import NewRun, PostgresLineageStore, RunStatus, StoreError, _postgres


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresLineageStore]:
    opened = PostgresLineageStore.open(postgres_url)
    yield opened
    opened.close()


def _conflicts(url: str, count: int) -> Callable[[], int]:
    """Make the server abort the next ``count`` updates of a run as serialization failures; returns how many
    updates it has seen since."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SEQUENCE updates")
        conn.execute(
            f"""CREATE FUNCTION conflict() RETURNS trigger AS $$ BEGIN
                IF nextval('updates') <= {int(count)} THEN
                    RAISE EXCEPTION 'could not serialize access due to concurrent update'
                    USING ERRCODE = 'serialization_failure';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql"""
        )
        conn.execute("CREATE TRIGGER conflict BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION conflict()")

    def seen() -> int:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT last_value FROM updates").fetchone()
        return int(str(row[0])) if row is not None else 0

    return seen


def test_a_write_losing_serialization_conflicts_is_run_again_until_it_commits_once(
    store: PostgresLineageStore,
) -> None:
    """Three aborted attempts, then a commit: the run is finished once, as the fourth attempt wrote it."""
    run_id = store.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="team"))
    seen = _conflicts(store.url, 3)
    store.finish_run(run_id, status=RunStatus.COMPLETED)
    assert seen() == 4
    assert store.get_run(run_id).status == "completed"


def test_a_write_that_keeps_losing_conflicts_gives_up_after_the_bound_with_nothing_recorded(
    store: PostgresLineageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write aborted on every attempt is tried MAX_ATTEMPTS times, then fails with one sentence naming the store
    and the cause; nothing of it is recorded."""
    monkeypatch.setattr(_postgres, "MAX_ATTEMPTS", 4)
    run_id = store.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="team"))
    seen = _conflicts(store.url, 1000)
    with pytest.raises(StoreError, match=r"aborted a write 4 times for conflicting concurrent writers \(40001\)"):
        store.finish_run(run_id, status=RunStatus.COMPLETED)
    assert seen() == 4
    assert store.get_run(run_id).status == "running"


def test_stores_dropped_in_reference_cycles_close_their_connections_without_a_warning(postgres_url: str) -> None:
    """A store kept only by a reference cycle (a store in the traceback of an exception that was kept) is collected
    by the garbage collector, which finalizes the objects of a cycle in any order: its connection is closed with
    it, and psycopg never warns that a connection was deleted while open (pytest makes that warning an error)."""
    for _ in range(20):
        store = PostgresLineageStore.open(postgres_url)
        try:
            store.get_run("no-such-run")
        except LookupError as exc:
            exc.store = store  # type: ignore[attr-defined]  # the cycle: store -> ... -> exc -> store
            store.kept = exc  # type: ignore[attr-defined]  # as above
        del store
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
