"""The artifact store: atomic commits, content hashes verified on read, paths confined to the root."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.zen_store.files import write_files
from zen_store import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ArtifactStore,
    SQLiteLineageStore,
    UnsafePathError,
    content_hash,
)


def _write(store: ArtifactStore, files: dict[str, bytes]) -> tuple[str, str]:
    stored = write_files(store, files)
    return stored.name, stored.content_hash


@given(
    st.dictionaries(
        st.text(alphabet="abcdefgh", min_size=1, max_size=6), st.binary(max_size=200), min_size=1, max_size=5
    )
)
def test_commit_then_verify_round_trips_any_files(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]
) -> None:
    """Whatever files a writer leaves, the committed artifact holds exactly them and verifies."""
    store = ArtifactStore(tmp_path_factory.mktemp("store"))
    name, digest = _write(store, files)
    path = store.verify(name, digest)
    assert {p.name: p.read_bytes() for p in path.iterdir()} == files
    assert content_hash(path)[0] == digest


def test_flipped_bit_and_truncation_are_detected(tmp_path: Path) -> None:
    """Any change to an artifact's bytes after commit fails verification with a clear error."""
    store = ArtifactStore(tmp_path)
    name, digest = _write(store, {"data.bin": bytes(range(256))})
    file = store.path_of(name) / "data.bin"
    data = bytearray(file.read_bytes())
    data[100] ^= 0x01
    file.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match="modified or corrupted"):
        store.verify(name, digest)
    file.write_bytes(bytes(range(256))[:128])
    with pytest.raises(ArtifactIntegrityError):
        store.verify(name, digest)


TRAVERSAL = ["../x", "a/../../x", "/etc/passwd", "..", "", "a\0b", ".staging/x", "./../x", "a/./../../b"]


@pytest.mark.parametrize("name", TRAVERSAL)
def test_path_traversal_corpus_never_leaves_the_root(tmp_path: Path, name: str) -> None:
    """Names that would escape the store are refused, and nothing is written outside the root."""
    root = tmp_path / "store"
    store = ArtifactStore(root)
    before = set(tmp_path.rglob("*"))
    with pytest.raises(UnsafePathError):
        store.commit(store.stage(), name=name)
    with pytest.raises((UnsafePathError, ArtifactNotFoundError)):
        store.path_of(name)
    outside = {p for p in set(tmp_path.rglob("*")) - before if root not in p.parents and p != root}
    assert outside == set()


def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    """A symbolic link inside the store that points outside cannot be used to read or write there."""
    root = tmp_path / "store"
    store = ArtifactStore(root)
    (tmp_path / "secret").mkdir()
    (root / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(UnsafePathError, match="symbolic link"):
        store.path_of("link")


def test_missing_artifact_is_a_clear_not_found(tmp_path: Path) -> None:
    """Reading an artifact that is not there names it."""
    with pytest.raises(ArtifactNotFoundError, match="not in the store"):
        ArtifactStore(tmp_path).path_of("nothing-here")


def test_staging_as_context_manager_discards_partial_output_on_error(tmp_path: Path) -> None:
    """``with store.stage() as staging`` throws a failing writer's files away and commits nothing."""
    store = ArtifactStore(tmp_path)
    with pytest.raises(RuntimeError), store.stage() as staging:
        (Path(staging.uri) / "half").write_bytes(b"x")
        raise RuntimeError("materializer failed")
    assert not Path(staging.uri).exists()
    assert list(store.names()) == []
    with store.stage() as staging:
        (Path(staging.uri) / "whole").write_bytes(b"y")
    stored = store.commit(staging)
    assert (store.verify(stored.name, stored.content_hash) / "whole").read_bytes() == b"y"


_WRITER = textwrap.dedent(
    """
    import sys, uuid
    from datetime import UTC, datetime
    from pathlib import Path
    from zen_store import ArtifactRecord, ArtifactStore, FinishedStep, NewRun, SQLiteLineageStore, StepStatus
    store = ArtifactStore(sys.argv[1])
    lineage = SQLiteLineageStore.open(sys.argv[2])
    run_id = lineage.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
    print("ready", flush=True)
    while True:
        staging = store.stage()
        for i in range(20):
            (Path(staging.uri) / f"part{i}").write_bytes(b"x" * 50_000)
        stored = store.commit(staging)
        art = ArtifactRecord(artifact_id=uuid.uuid4().hex, uri=stored.name, type_name="bytes", materializer="m",
            format="raw", format_version=1, kind="data", content_hash=stored.content_hash, size=stored.size,
            metadata={}, created_at=datetime.now(UTC))
        lineage.record_step(FinishedStep(run_id=run_id, step_name="s", status=StepStatus.COMPLETED, source="x",
            started_at=0.0, ended_at=1.0, new_outputs={"output": art}))
    """
)


@pytest.mark.slow
def test_kill_minus_nine_never_leaves_a_torn_visible_artifact(tmp_path: Path) -> None:
    """22 kills of a writer (artifact commit, then its lineage row) at random moments: every visible artifact is
    complete, every recorded artifact row points at a file that verifies, and staging is cleaned up."""
    root = tmp_path / "store"
    db_path = tmp_path / "lineage.db"
    ArtifactStore(root)
    SQLiteLineageStore.open(db_path).close()
    rng = random.Random(7)
    for _ in range(22):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(root), str(db_path)], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.random() * 0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    store = ArtifactStore(root)
    names = list(store.names())
    assert names, "the writer committed nothing; the test would prove nothing"
    for name in names:
        files = sorted(p.name for p in store.path_of(name).iterdir())
        assert len(files) == 20, f"artifact {name} is torn: {files}"
        assert all((store.path_of(name) / f).stat().st_size == 50_000 for f in files)
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT uri, content_hash FROM artifacts").fetchall()
    conn.close()
    assert rows, "no artifact row was recorded; the test would prove nothing"
    for uri, digest in rows:
        store.verify(uri, digest)  # raises if a row points at a missing or bad artifact
    store.cleanup_stale()
    assert list((root / ".staging").iterdir()) == []


def test_staging_from_another_host_is_stale_only_once_old(tmp_path: Path) -> None:
    """On a folder shared between machines a pid means nothing elsewhere: another host's staging is judged by age,
    this host's by whether its process is alive."""
    store = ArtifactStore(tmp_path)
    staging = tmp_path / ".staging"
    theirs = staging / "4242-0123abcd-some-other-host.example"
    theirs.mkdir()
    mine_alive = store.stage().path
    assert store.stale_staging(older_than_s=3600) == []
    old = time.time() - 7200
    os.utime(theirs, (old, old))
    assert store.stale_staging(older_than_s=3600) == [str(theirs)]
    assert store.cleanup_stale(older_than_s=3600) == [str(theirs)]
    assert mine_alive.is_dir()


def test_a_verified_unchanged_artifact_is_trusted_until_its_files_change(tmp_path: Path) -> None:
    """A store does not hash an artifact again while its files keep name, size, modification time and inode since
    it verified them; ``full=True`` always hashes; a rewrite (a new modification time) is always seen."""
    store = ArtifactStore(tmp_path)
    staging = store.stage()
    (Path(staging.uri) / "d").write_bytes(b"a" * 1000)
    stored = store.commit(staging)
    data = store.path_of(stored.name) / "d"
    settled = time.time_ns() - 10_000_000_000
    os.utime(data, ns=(settled, settled))  # written long ago: a verification now is remembered
    store.verify(stored.name, stored.content_hash)
    data.write_bytes(b"b" * 1000)
    os.utime(data, ns=(settled, settled))  # tampered, and the modification time put back
    store.verify(stored.name, stored.content_hash)  # trusted: what full=True is for
    with pytest.raises(ArtifactIntegrityError):
        store.verify(stored.name, stored.content_hash, full=True)
    with pytest.raises(ArtifactIntegrityError):
        ArtifactStore(tmp_path).verify(stored.name, stored.content_hash)  # another store object remembers nothing
    data.write_bytes(b"a" * 1000)
    data.write_bytes(b"c" * 1000)  # a rewrite right now: a new modification time
    with pytest.raises(ArtifactIntegrityError):
        store.verify(stored.name, stored.content_hash)


def test_a_remembered_verification_is_dropped_when_any_file_is_added_removed_or_swapped(tmp_path: Path) -> None:
    """The files' identity covers every file at any depth: adding one, removing one, or swapping one for a
    symbolic link to the same bytes (modification times put back) makes the next verification hash again."""
    store = ArtifactStore(tmp_path / "store")
    staging = store.stage()
    (Path(staging.uri) / "sub").mkdir()
    (Path(staging.uri) / "sub" / "d").write_bytes(b"a" * 100)
    (Path(staging.uri) / "e").write_bytes(b"e")
    stored = store.commit(staging)
    folder = store.path_of(stored.uri)
    settled = time.time_ns() - 10_000_000_000

    def settle() -> None:
        for path in (folder / "sub" / "d", folder / "e"):
            if path.exists() and not path.is_symlink():
                os.utime(path, ns=(settled, settled))
        store.verify(stored.uri, stored.content_hash)  # remembered: every file was written long ago

    settle()
    (folder / "sub" / "extra").write_bytes(b"")
    os.utime(folder / "sub" / "extra", ns=(settled, settled))
    with pytest.raises(ArtifactIntegrityError):
        store.verify(stored.uri, stored.content_hash)
    (folder / "sub" / "extra").unlink()
    settle()
    (folder / "e").unlink()
    with pytest.raises(ArtifactIntegrityError):
        store.verify(stored.uri, stored.content_hash)
    (folder / "e").write_bytes(b"e")
    settle()
    (tmp_path / "outside").write_bytes(b"a" * 100)
    (folder / "sub" / "d").unlink()
    (folder / "sub" / "d").symlink_to(tmp_path / "outside")
    with pytest.raises(UnsafePathError, match="symbolic links"):
        store.verify(stored.uri, stored.content_hash)


def test_an_artifact_folder_swapped_for_a_link_out_of_the_store_is_refused_after_it_was_verified(
    tmp_path: Path,
) -> None:
    """An artifact verified (and remembered) whose folder is then replaced by a symbolic link to an identical copy
    outside the store is refused by its URI and by its name."""
    store = ArtifactStore(tmp_path / "store")
    staging = store.stage()
    (Path(staging.uri) / "d").write_bytes(b"a" * 100)
    stored = store.commit(staging)
    folder = store.path_of(stored.uri)
    settled = time.time_ns() - 10_000_000_000
    os.utime(folder / "d", ns=(settled, settled))
    store.verify(stored.uri, stored.content_hash)
    folder.rename(tmp_path / "copy")
    folder.symlink_to(tmp_path / "copy")
    for key in (stored.uri, stored.name):
        with pytest.raises(UnsafePathError, match="symbolic link"):
            store.verify(key, stored.content_hash)


def _settled_artifact(store: ArtifactStore, files: dict[str, bytes]) -> tuple[str, str, Path]:
    """A committed flat artifact whose files and folder were last changed long ago, verified and remembered
    (its URI, content hash and folder)."""
    staging = store.stage()
    for name, data in files.items():
        (Path(staging.uri) / name).write_bytes(data)
    stored = store.commit(staging)
    folder = store.path_of(stored.uri)
    settled = time.time_ns() - 10_000_000_000
    for name in files:
        os.utime(folder / name, ns=(settled, settled))
    os.utime(folder, ns=(settled, settled))
    time.sleep(0.15)  # the folder's change time (set by the commit's rename and the utime) settles
    store.verify(stored.uri, stored.content_hash)
    store.verify(stored.uri, stored.content_hash)
    return stored.uri, stored.content_hash, folder


def _put_back(path: Path, stamp: os.stat_result) -> None:
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def test_a_remembered_folder_with_a_file_added_and_its_times_put_back_is_hashed_again(tmp_path: Path) -> None:
    """A verification remembered with its folder's identity is not trusted once an entry was added, even with
    the folder's modification time put back (its change time moved): the next verification lists and hashes."""
    store = ArtifactStore(tmp_path)
    uri, digest, folder = _settled_artifact(store, {"d": b"a" * 100})
    stamp = folder.stat()
    (folder / "extra").write_bytes(b"")
    os.utime(folder / "extra", ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    _put_back(folder, stamp)
    with pytest.raises(ArtifactIntegrityError):
        store.verify(uri, digest)


def test_a_remembered_folder_whose_file_changed_size_is_hashed_again(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    uri, digest, folder = _settled_artifact(store, {"d": b"a" * 100, "e": b"e"})
    stamp = (folder / "e").stat()
    with (folder / "e").open("ab") as handle:  # in place: the folder's entries and times stay as they were
        handle.write(b"!")
    _put_back(folder / "e", stamp)
    with pytest.raises(ArtifactIntegrityError):
        store.verify(uri, digest)


def test_a_remembered_folder_replaced_by_another_with_the_same_names_and_times_is_hashed_again(
    tmp_path: Path,
) -> None:
    """Another folder renamed into the artifact's place (other bytes, same file names, sizes and times) has
    another inode: the next verification hashes it."""
    store = ArtifactStore(tmp_path / "store")
    uri, digest, folder = _settled_artifact(store, {"d": b"a" * 100})
    other = tmp_path / "other"
    other.mkdir()
    (other / "d").write_bytes(b"b" * 100)
    stamp = (folder / "d").stat()
    _put_back(other / "d", stamp)
    shutil.rmtree(folder)
    other.rename(folder)
    with pytest.raises(ArtifactIntegrityError):
        store.verify(uri, digest)


def test_a_remembered_folder_swapped_for_a_link_out_of_the_store_is_refused(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "store")
    uri, digest, folder = _settled_artifact(store, {"d": b"a" * 100})
    folder.rename(tmp_path / "copy")
    folder.symlink_to(tmp_path / "copy")
    with pytest.raises(UnsafePathError, match="symbolic link"):
        store.verify(uri, digest)


def test_a_remembered_folder_that_is_gone_is_missing(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    uri, digest, folder = _settled_artifact(store, {"d": b"a" * 100})
    shutil.rmtree(folder)
    with pytest.raises(ArtifactNotFoundError):
        store.verify(uri, digest)


def test_a_freshly_written_artifact_is_never_trusted_without_hashing(tmp_path: Path) -> None:
    """Files modified within the last moments are hashed on every verification (a change in the same timestamp
    tick would keep the modification time): a bit flipped right after a commit is always detected."""
    store = ArtifactStore(tmp_path)
    staging = store.stage()
    (Path(staging.uri) / "d").write_bytes(b"x" * 100)
    stored = store.commit(staging)
    store.verify(stored.name, stored.content_hash)
    data = store.path_of(stored.name) / "d"
    stamp = data.stat().st_mtime_ns
    data.write_bytes(b"y" + b"x" * 99)
    os.utime(data, ns=(stamp, stamp))
    with pytest.raises(ArtifactIntegrityError):
        store.verify(stored.name, stored.content_hash)


def test_new_artifacts_hash_with_blake3_and_sha256_records_still_verify(tmp_path: Path) -> None:
    """Commits record ``blake3:`` hashes; an artifact recorded with the older ``sha256:`` hash verifies with it,
    and a changed byte fails either way."""
    import hashlib

    store = ArtifactStore(tmp_path)
    staging = store.stage()
    (Path(staging.uri) / "d").write_bytes(b"payload")
    stored = store.commit(staging)
    assert stored.content_hash.startswith("blake3:")
    outer = hashlib.sha256(b"d\x007\x00" + hashlib.sha256(b"payload").digest()).hexdigest()
    store.verify(stored.name, f"sha256:{outer}", full=True)
    with pytest.raises(ArtifactIntegrityError):
        store.verify(stored.name, f"sha256:{'0' * 64}", full=True)
    (store.path_of(stored.name) / "d").write_bytes(b"paylaod")
    with pytest.raises(ArtifactIntegrityError):
        store.verify(stored.name, stored.content_hash, full=True)


def test_a_staging_folder_named_with_a_non_ascii_digit_is_stale_not_a_crash(tmp_path: Path) -> None:
    """``"¹".isdigit()`` is true but ``int("¹")`` fails: a foreign folder in ``.staging`` is swept, never fatal."""
    store = ArtifactStore(tmp_path)
    odd = tmp_path / ".staging" / "\u00b9-0123abcd"
    odd.mkdir(parents=True)
    assert store.stale_staging() == [str(odd)]
