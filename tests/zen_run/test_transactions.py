"""What a run asks of its SQLite lineage store, read from SQLite's own statement trace on zen's connection: one
write transaction per step that runs (its record, its outputs and the start of the next step together), a fixed
few per run, the hits of a cached run recorded together, and no count of rows anywhere on the way. On PostgreSQL,
read from the transaction id each row carries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.zen_run import pipelines as p
from zen_run import Project, RunContext, Stack, StackRegistry, StepStatus
from zen_store import SQLiteLineageStore

PER_RUN = 3
"""Write transactions every run takes besides its steps': the run's record, the first step's start, its end."""


@pytest.fixture
def traced(project: Path) -> Iterator[list[str]]:
    """Every statement zen's lineage connection executes from now on (the stores are opened by a first run)."""
    p.single(only=p.returns_one()).run(progress=False, enable_cache=False)
    lineage = RunContext.shared().stores.lineage
    assert isinstance(lineage, SQLiteLineageStore)
    statements: list[str] = []
    connection = lineage.db.conn
    connection.set_trace_callback(statements.append)
    yield statements
    connection.set_trace_callback(None)


def _write_transactions(statements: list[str]) -> list[list[str]]:
    """The statements of each write transaction, in order (a heartbeat's, which a slow run may take, left out)."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for statement in statements:
        if statement.startswith("BEGIN"):
            current = []
        elif statement == "COMMIT":
            assert current is not None, "a COMMIT without its BEGIN"
            if not all(s.startswith("UPDATE runs SET heartbeat_at") for s in current):
                found.append(current)
            current = None
        elif current is not None and not statement.startswith("--"):  # "--": what a trigger runs
            current.append(statement)
    assert current is None, "a transaction was left open"
    return found


@pytest.mark.parametrize("steps", [2, 3])
def test_each_step_a_run_executes_takes_one_write_transaction(traced: list[str], steps: int) -> None:
    instance = (
        p.add_pipeline(first=p.returns_one(), second=p.adds())
        if steps == 2
        else p.three(first=p.returns_one(), second=p.middle(), third=p.adds())
    )
    instance.run(progress=False, enable_cache=False)
    transactions = _write_transactions(traced)
    assert len(transactions) == steps + PER_RUN, transactions
    completing = [t for t in transactions if any(s.startswith("UPDATE step_runs SET status = 'completed'") for s in t)]
    assert len(completing) == steps  # each step's end (record, artifacts, events) is one transaction of its own
    for transaction in completing:
        assert sum(s.startswith("UPDATE step_runs SET status = 'completed'") for s in transaction) == 1


def test_a_fully_cached_run_records_its_hits_in_one_transaction(traced: list[str]) -> None:
    instance = p.three(first=p.returns_one(), second=p.middle(), third=p.adds())
    instance.run(progress=False)
    traced.clear()
    again = instance.run(progress=False)
    assert {s.status for s in again.steps.values()} == {StepStatus.CACHED}
    transactions = _write_transactions(traced)
    recording_steps = [t for t in transactions if any(s.startswith("INSERT INTO step_runs") for s in t)]
    assert len(recording_steps) == 1, transactions


def test_no_statement_of_a_run_counts_rows(traced: list[str]) -> None:
    """A count grows with the history: a step's cost must not (its position is one index probe instead)."""
    p.three(first=p.returns_one(), second=p.middle(), third=p.adds()).run(progress=False, enable_cache=False)
    p.three(first=p.returns_one(), second=p.middle(), third=p.adds()).run(progress=False)
    assert traced, "the trace saw nothing; the test would prove nothing"
    counting = [s for s in traced if "count(" in s.lower()]
    assert counting == []


def test_on_postgresql_each_step_is_recorded_by_a_transaction_of_its_own(project: Path, postgres_url: str) -> None:
    """PostgreSQL stamps each row with the transaction that wrote it last (``xmin``): a step's record, its
    artifacts and its events carry one transaction id, and no two steps share one."""
    StackRegistry(Project(project)).register(Stack(name="team", lineage_store=postgres_url))
    run = p.three(first=p.returns_one(), second=p.middle(), third=p.adds()).run(
        stack="team", progress=False, enable_cache=False
    )
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(
            "SELECT s.xmin::text, "
            "(SELECT array_agg(DISTINCT a.xmin::text) FROM artifacts a WHERE a.producer_step_run_id = s.step_run_id), "
            "(SELECT array_agg(DISTINCT e.xmin::text) FROM events e WHERE e.step_run_id = s.step_run_id) "
            "FROM step_runs s WHERE s.run_id = %s",
            (run.id,),
        ).fetchall()
    assert len(rows) == 3
    for step_transaction, artifact_transactions, event_transactions in rows:
        assert artifact_transactions == [step_transaction] and event_transactions == [step_transaction]
    assert len({row[0] for row in rows}) == 3
