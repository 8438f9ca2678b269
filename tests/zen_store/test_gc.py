"""Mark-and-sweep on local and S3 artifact stores: references from every registered lineage store, and leases of
writers in other processes, protect artifacts; only old, unreferenced ones are swept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from tests.zen_store.files import write_files
from zen_store import (
    GC_MARGIN_S,
    ArtifactRecord,
    ArtifactStorage,
    ArtifactStore,
    FinishedStep,
    GcRefusedError,
    NewRun,
    References,
    Referent,
    RunStatus,
    SQLiteLineageStore,
    StepStatus,
    StoreError,
    WriterLease,
    collect_garbage,
    forget_referent,
    new_id,
    referents,
)


@pytest.fixture
def lineage(tmp_path: Path) -> Iterator[SQLiteLineageStore]:
    db = SQLiteLineageStore.open(tmp_path / "a.db")
    yield db
    db.close()


def _read(referent: Referent) -> References:
    if not Path(referent.location).is_file():
        raise StoreError(f"{referent.location} does not exist")
    db = SQLiteLineageStore.open(referent.location)
    try:
        return References(store_id=db.store_id, uris=frozenset(db.artifact_uris()))
    finally:
        db.close()


def _age(store: ArtifactStorage, *uris: str) -> None:
    """Make committed artifacts older than the margin: backdated locally, waited for on S3."""
    if isinstance(store, ArtifactStore):
        for uri in uris:
            os.utime(uri, (time.time() - 3600, time.time() - 3600))
    else:
        time.sleep(GC_MARGIN_S + 1.5)


def _record(db: SQLiteLineageStore, store: ArtifactStorage, uri: str, digest: str) -> None:
    """A run of ``db`` that wrote ``uri``, recorded under a lease like the runner's."""
    run_id = db.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
    lease = WriterLease(store, run_id=run_id, referent=Referent(store_id=db.store_id, location=db.location))
    output = ArtifactRecord(
        artifact_id=new_id(),
        uri=uri,
        type_name="bytes",
        materializer=None,
        format="directory",
        format_version=1,
        kind="data",
        content_hash=digest,
        size=1,
        created_at=datetime.now(UTC),
    )
    db.record_step(
        FinishedStep(
            run_id=run_id,
            step_name="s",
            status=StepStatus.COMPLETED,
            source="m.s",
            started_at=time.time(),
            ended_at=time.time(),
            new_outputs={"output": output},
        )
    )
    lease.release()
    db.finish_run(run_id, status=RunStatus.COMPLETED)


def _gc(store: ArtifactStorage, db: SQLiteLineageStore, *, delete: bool = True) -> tuple[str, ...]:
    return collect_garbage(store, db, read_references=_read, delete=delete, older_than_s=3600).unreferenced


def test_gc_keeps_what_any_registered_lineage_store_references(
    store: ArtifactStorage, lineage: SQLiteLineageStore, tmp_path: Path
) -> None:
    """Two lineage stores write to one artifact store: gc from either keeps both's artifacts and sweeps an old
    orphan; with the other store's file gone it refuses, naming it, and deletes nothing."""
    other = SQLiteLineageStore.open(tmp_path / "b.db")
    mine = write_files(store, {"x": b"mine"})
    theirs = write_files(store, {"x": b"theirs"})
    orphan = write_files(store, {"x": b"orphan"})
    _record(lineage, store, mine.uri, mine.content_hash)
    _record(other, store, theirs.uri, theirs.content_hash)
    assert {r.store_id for r in referents(store)} == {lineage.store_id, other.store_id}
    _age(store, mine.uri, theirs.uri, orphan.uri)
    assert _gc(store, lineage, delete=False) == (orphan.name,)
    other.close()
    (tmp_path / "b.db").rename(tmp_path / "b.moved")
    with pytest.raises(GcRefusedError, match=r"b\.db.*cannot be opened.*zen gc --forget"):
        _gc(store, lineage)
    assert store.exists(orphan.uri) and store.exists(theirs.uri)
    (tmp_path / "b.moved").rename(tmp_path / "b.db")
    assert _gc(store, lineage) == (orphan.name,)
    assert not store.exists(orphan.uri)
    assert store.exists(mine.uri) and store.exists(theirs.uri)


def test_a_deleted_runs_copy_is_kept_while_another_lineage_store_references_it(
    store: ArtifactStorage, lineage: SQLiteLineageStore, tmp_path: Path
) -> None:
    """Two lineage stores record the same stored copy: deleting the run in one frees nothing while the other's
    record points at it; once its run is deleted too, gc frees the copy; the other store's own output stays."""
    other = SQLiteLineageStore.open(tmp_path / "b.db")
    shared = write_files(store, {"x": b"same bytes"})
    theirs = write_files(store, {"x": b"theirs only"})
    _record(lineage, store, shared.uri, shared.content_hash)
    _record(other, store, shared.uri, shared.content_hash)
    _record(other, store, theirs.uri, theirs.content_hash)
    _age(store, shared.uri, theirs.uri)
    assert len(lineage.delete_run(lineage.runs()[0].run_id).artifacts) == 1
    assert _gc(store, lineage) == ()
    assert store.exists(shared.uri)
    sharing = next(r for r in other.runs() if other.step_runs(r.run_id)[0].outputs["output"].uri == shared.uri)
    other.delete_run(sharing.run_id)
    assert _gc(store, lineage) == (shared.name,)
    assert not store.exists(shared.uri) and store.exists(theirs.uri)
    other.close()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from zen_store import Referent, WriterLease, open_artifact_store
    from tests.zen_store.files import write_files
    options = {"endpoint_url": sys.argv[3]} if sys.argv[3] else None
    store = open_artifact_store(sys.argv[1], zen_dir=Path(sys.argv[2]), options=options)
    lease = WriterLease(store, run_id="r", referent=Referent(store_id="holder", location="/nowhere"))
    print(write_files(store, {"x": b"not yet recorded"}).name, flush=True)
    time.sleep(120)
    """
)


def test_a_live_writers_lease_protects_what_it_committed_until_it_dies(
    store: ArtifactStorage, lineage: SQLiteLineageStore, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A writer in another process holds a lease and has committed an artifact it has not recorded yet: gc keeps
    it however old it looks; once the writer is killed its lease is dead and the artifact is swept."""
    endpoint = request.getfixturevalue("s3_endpoint") if not isinstance(store, ArtifactStore) else ""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, store.location, str(tmp_path / ".zen-holder"), endpoint],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert holder.stdout is not None
        name = holder.stdout.readline().decode().strip()
        assert name, "the writer did not commit"
        uri = f"{store.location}/{name}"
        time.sleep(GC_MARGIN_S + 1.5)  # really older than the margin: only the lease can keep it now
        # Its registry entry names a lineage store nobody can open: forget it, as a user would once it is gone.
        with pytest.raises(GcRefusedError, match=r"holder at /nowhere"):
            _gc(store, lineage)
        assert forget_referent(store, "holder")
        report = collect_garbage(store, lineage, read_references=_read, delete=True, older_than_s=3600)
        assert report.unreferenced == () and report.too_recent == 1 and report.live_writers == 1
        assert store.exists(uri)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    assert _gc(store, lineage) == (name,)
    assert not store.exists(uri)
    assert store.list_meta("leases") == {}


class DeleteAndCollect(RuleBasedStateMachine):
    """Runs write outputs (often the same bytes, so copies are shared) or reuse earlier ones as cached steps;
    runs are deleted; gc sweeps. However these interleave, every artifact a remaining run records is in the store
    and intact, and after a gc the store holds nothing that no run records."""

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.dir = Path(tempfile.mkdtemp(prefix="zen-delete-gc-"))
        self.store = ArtifactStore(self.dir / "artifacts")
        self.lineage = SQLiteLineageStore.open(self.dir / "lineage.db")
        self.runs: list[str] = []

    def _run(self, step: FinishedStep) -> None:
        self.lineage.record_step(step)
        self.lineage.finish_run(step.run_id, status=RunStatus.COMPLETED)
        self.runs.append(step.run_id)

    @rule(data=st.sampled_from([b"a", b"b", b"c"]))
    def write(self, data: bytes) -> None:
        run_id = self.lineage.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
        lease = WriterLease(
            self.store, run_id=run_id, referent=Referent(store_id=self.lineage.store_id, location=self.lineage.location)
        )
        stored = write_files(self.store, {"x": data})
        record = ArtifactRecord(
            artifact_id=new_id(),
            uri=stored.uri,
            type_name="bytes",
            materializer=None,
            format="directory",
            format_version=1,
            kind="data",
            content_hash=stored.content_hash,
            size=stored.size,
            created_at=datetime.now(UTC),
        )
        self._run(
            FinishedStep(
                run_id=run_id,
                step_name="s",
                status=StepStatus.COMPLETED,
                source="m.s",
                started_at=time.time(),
                ended_at=time.time(),
                cache_key=data.decode(),
                new_outputs={"output": record},
            )
        )
        lease.release()

    @rule(data=st.sampled_from(["a", "b", "c"]))
    def reuse(self, data: str) -> None:
        hit = self.lineage.find_cached(data)
        if hit is None:
            return
        run_id = self.lineage.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
        self._run(
            FinishedStep(
                run_id=run_id,
                step_name="s",
                status=StepStatus.CACHED,
                source="m.s",
                started_at=time.time(),
                ended_at=time.time(),
                cache_key=data,
                reused_outputs={"output": hit.outputs["output"].artifact_id},
                cached_from=hit.step_run_id,
            )
        )

    @precondition(lambda self: bool(self.runs))
    @rule(data=st.data())
    def delete_run(self, data: st.DataObject) -> None:
        run_id = data.draw(st.sampled_from(self.runs))
        self.lineage.delete_run(run_id)
        self.runs.remove(run_id)

    @rule()
    def collect(self) -> None:
        _age(self.store, *(str(self.dir / "artifacts" / name) for name in self.store.names()))
        collect_garbage(self.store, self.lineage, read_references=_read, delete=True, older_than_s=3600)
        assert set(self.store.names()) == {uri.rstrip("/").rsplit("/", 1)[-1] for uri in self.lineage.artifact_uris()}

    @invariant()
    def every_remaining_run_reads_its_outputs(self) -> None:
        for run_id in self.runs:
            [step] = self.lineage.step_runs(run_id)
            output = step.outputs["output"]
            self.store.verify(output.uri, output.content_hash)

    def teardown(self) -> None:
        import shutil

        self.lineage.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_deleting_runs_and_collecting_never_loses_what_a_remaining_run_records() -> None:
    """The state machine above: no remaining run ever loses an output, and gc leaves nothing unreferenced."""
    run_state_machine_as_test(
        DeleteAndCollect, settings=settings(max_examples=25, stateful_step_count=20, deadline=None)
    )
