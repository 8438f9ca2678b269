"""The fsspec artifact store, on a real S3-compatible server (moto's, on 127.0.0.1) and on fsspec's memory file
system: the local store's guarantees - write-once atomic commits, content hashes verified on read, confined
names - plus what object storage adds: no artifact before its manifest, cleanup of abandoned uploads."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Protocol, cast

import pytest
import s3fs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.zen_store.files import write_files
from zen_store import (
    MANIFEST,
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ArtifactStorage,
    RemoteArtifactStore,
    StoreError,
    UnsafePathError,
    content_hash,
    open_artifact_store,
)


def _write(store: ArtifactStorage, files: dict[str, bytes]) -> tuple[str, str]:
    stored = write_files(store, files)
    return stored.uri, stored.content_hash


@pytest.fixture
def s3_store(s3_url: str, s3_endpoint: str, tmp_path: Path) -> RemoteArtifactStore:
    store = open_artifact_store(s3_url, zen_dir=tmp_path / ".zen", options={"endpoint_url": s3_endpoint})
    return cast(RemoteArtifactStore, store)


class _Raw(Protocol):
    def cat_file(self, path: str) -> bytes: ...
    def pipe_file(self, path: str, value: bytes) -> object: ...
    def find(self, path: str) -> list[str]: ...
    def call_s3(self, method: str, **kwargs: str) -> dict[str, str]: ...
    def list_multipart_uploads(self, bucket: str) -> list[dict[str, str]]: ...


def _raw(s3_endpoint: str) -> _Raw:
    """A plain S3 client, to play the part of someone else touching the bucket."""
    return cast(_Raw, s3fs.S3FileSystem(endpoint_url=s3_endpoint, use_listings_cache=False, skip_instance_cache=True))


def _fresh_cache(store: RemoteArtifactStore, tmp_path: Path, s3_endpoint: str) -> RemoteArtifactStore:
    """The same store seen from another machine: an empty read cache."""
    cache = tmp_path / f"other-{uuid.uuid4().hex[:8]}"
    return RemoteArtifactStore(store.url, cache=cache, options={"endpoint_url": s3_endpoint})


_FILES = st.dictionaries(
    st.from_regex(r"[a-h]{1,4}(/[a-h]{1,4})?", fullmatch=True), st.binary(max_size=300), min_size=1, max_size=4
).filter(lambda files: not any(other.startswith(name + "/") for name in files for other in files))


@given(files=_FILES)
def test_memory_store_round_trips_any_files(tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]) -> None:
    """Any fsspec URL works: whatever files a writer leaves, a reader elsewhere gets exactly them, verified."""
    zen_dir = tmp_path_factory.mktemp("zen")
    store = open_artifact_store(f"memory://zen-{uuid.uuid4().hex}", zen_dir=zen_dir)
    uri, digest = _write(store, files)
    other = open_artifact_store(store.location, zen_dir=tmp_path_factory.mktemp("elsewhere"))
    path = other.verify(uri, digest)
    assert {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()} == files
    assert content_hash(path)[0] == digest


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])  # one bucket is fine
@given(files=_FILES)
def test_s3_store_round_trips_any_files(
    s3_url: str, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]
) -> None:
    """On S3 the same: the writer's hash is what a reader with an empty cache downloads and verifies."""
    options = {"endpoint_url": s3_endpoint}
    store = open_artifact_store(s3_url, zen_dir=tmp_path_factory.mktemp("writer"), options=options)
    uri, digest = _write(store, files)
    assert uri.startswith(s3_url + "/")
    reader = open_artifact_store(s3_url, zen_dir=tmp_path_factory.mktemp("reader"), options=options)
    path = reader.verify(uri, digest)
    assert {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()} == files


def test_commit_writes_the_manifest_last_and_once(s3_store: RemoteArtifactStore, s3_endpoint: str) -> None:
    """The manifest names every file with its size and the content hash; committing the same name again is
    refused by the server (a conditional put), so nothing is overwritten."""
    uri, digest = _write(s3_store, {"a.txt": b"hello", "sub/b.bin": b"\x00" * 10})
    raw = _raw(s3_endpoint)
    key = uri.removeprefix("s3://")
    manifest = json.loads(raw.cat_file(f"{key}/{MANIFEST}"))
    assert manifest["content_hash"] == digest
    assert manifest["files"] == {"a.txt": 5, "sub/b.bin": 10}
    name = uri.rsplit("/", 1)[1]
    again = s3_store.stage()
    (Path(again.uri) / "a.txt").write_bytes(b"other")
    with pytest.raises(StoreError, match="written once"):
        s3_store.commit(again, name=name)
    assert raw.cat_file(f"{key}/a.txt") == b"hello"


def test_conditional_put_refuses_a_racing_writer(s3_store: RemoteArtifactStore, s3_endpoint: str) -> None:
    """Two writers committing one name at once: the second manifest put fails on the server, not by a check
    that could race."""
    uri, _ = _write(s3_store, {"x": b"1"})
    key = uri.removeprefix("s3://")
    with pytest.raises(FileExistsError):
        s3_store.fs.pipe_file(f"{key}/{MANIFEST}", b"{}", mode="create")


def test_a_writer_never_overwrites_another_writers_upload(s3_store: RemoteArtifactStore, s3_endpoint: str) -> None:
    """Files of an upload in progress (no manifest yet) under the same name are not overwritten: each data object
    is a conditional put too, and the refused writer's staging is thrown away."""
    raw = _raw(s3_endpoint)
    name = uuid.uuid4().hex
    raw.pipe_file(f"{s3_store.path}/{name}/a.txt", b"theirs")
    staging = s3_store.stage()
    (Path(staging.uri) / "a.txt").write_bytes(b"mine")
    with pytest.raises(StoreError, match="written once"):
        s3_store.commit(staging, name=name)
    assert raw.cat_file(f"{s3_store.path}/{name}/a.txt") == b"theirs"
    assert not staging.path.exists()


def test_no_manifest_no_artifact(s3_store: RemoteArtifactStore, s3_endpoint: str) -> None:
    """Files uploaded without their manifest (a writer killed mid-upload) are not an artifact to anyone."""
    raw = _raw(s3_endpoint)
    key = f"{s3_store.path}/{uuid.uuid4().hex}"
    raw.pipe_file(f"{key}/data.bin", b"partial")
    uri = f"{s3_store.url}/{key.rsplit('/', 1)[1]}"
    assert not s3_store.exists(uri)
    assert s3_store.names() == []
    with pytest.raises(ArtifactNotFoundError, match="interrupted"):
        s3_store.path_of(uri)


def test_tampering_on_the_server_is_detected(s3_store: RemoteArtifactStore, s3_endpoint: str, tmp_path: Path) -> None:
    """A changed byte, an added file or a swapped manifest each fail the read with ArtifactIntegrityError."""
    raw = _raw(s3_endpoint)
    for damage in ("flip", "add", "manifest"):
        uri, digest = _write(s3_store, {"data.bin": bytes(range(200)), "meta.json": b"{}"})
        key = uri.removeprefix("s3://")
        if damage == "flip":
            raw.pipe_file(f"{key}/data.bin", bytes(range(1, 201)))
        elif damage == "add":
            raw.pipe_file(f"{key}/extra.txt", b"sneaky")
        else:
            manifest = json.loads(raw.cat_file(f"{key}/{MANIFEST}"))
            raw.pipe_file(f"{key}/{MANIFEST}", json.dumps({**manifest, "content_hash": "sha256:" + "0" * 64}).encode())
        with pytest.raises(ArtifactIntegrityError):
            _fresh_cache(s3_store, tmp_path, s3_endpoint).verify(uri, digest)


def test_a_manifest_cannot_write_outside_the_cache(
    s3_store: RemoteArtifactStore, s3_endpoint: str, tmp_path: Path
) -> None:
    """File names in a manifest are confined: '..', absolute paths and backslashes are refused before download."""
    raw = _raw(s3_endpoint)
    for bad in ("../escape", "/etc/passwd", "a/../../b", "a\\b", ""):
        uri, digest = _write(s3_store, {"ok": b"1"})
        key = uri.removeprefix("s3://")
        manifest = json.loads(raw.cat_file(f"{key}/{MANIFEST}"))
        raw.pipe_file(f"{key}/{MANIFEST}", json.dumps({**manifest, "files": {bad: 1}}).encode())
        with pytest.raises(UnsafePathError):
            _fresh_cache(s3_store, tmp_path, s3_endpoint).verify(uri, digest)
    assert not (tmp_path / "escape").exists()


@pytest.mark.parametrize(
    "uri",
    ["s3://another-bucket/artifacts/abc", "s3://x/artifacts/../y", "../abc", "abc/def", ".hidden", "", "a\0b"],
)
def test_uris_outside_the_store_are_refused(s3_store: RemoteArtifactStore, uri: str) -> None:
    with pytest.raises(UnsafePathError):
        s3_store.path_of(uri)
    assert not s3_store.exists(uri)


def test_damaged_cache_is_a_miss_not_a_failure(s3_store: RemoteArtifactStore) -> None:
    """A local cached copy that no longer matches its hash is thrown away and downloaded again."""
    uri, digest = _write(s3_store, {"data.bin": b"payload"})
    cached = s3_store.verify(uri, digest)
    (cached / "data.bin").write_bytes(b"garbage")
    again = s3_store.verify(uri, digest)
    assert (again / "data.bin").read_bytes() == b"payload"


def test_reserved_manifest_name_is_refused(s3_store: RemoteArtifactStore) -> None:
    staging = s3_store.stage()
    (Path(staging.uri) / MANIFEST).write_text("{}")
    with pytest.raises(StoreError, match="reserved"):
        s3_store.commit(staging)


def test_missing_bucket_is_a_clear_error(s3_endpoint: str, tmp_path: Path) -> None:
    """zen never creates buckets (a typo would make a new one); it says what to do instead."""
    with pytest.raises(StoreError, match="does not exist"):
        open_artifact_store(
            f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/x", zen_dir=tmp_path, options={"endpoint_url": s3_endpoint}
        )


def test_unknown_protocol_and_local_options_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot be opened: Protocol not known"):
        open_artifact_store("nosuchfs://bucket/x", zen_dir=tmp_path)
    with pytest.raises(StoreError, match="local folder"):
        open_artifact_store(str(tmp_path / "a"), zen_dir=tmp_path, options={"endpoint_url": "http://x"})


def test_delete_removes_the_manifest_and_every_file(s3_store: RemoteArtifactStore, s3_endpoint: str) -> None:
    uri, _ = _write(s3_store, {"a": b"1", "b/c": b"2"})
    name = uri.rsplit("/", 1)[1]
    assert s3_store.sizes() == {name: 2}
    s3_store.delete(uri)
    assert not s3_store.exists(uri)
    assert _raw(s3_endpoint).find(uri.removeprefix("s3://")) == []
    with pytest.raises(ArtifactNotFoundError):
        s3_store.delete(uri)


def test_gc_aborts_dangling_multipart_uploads_and_removes_partial_uploads(
    s3_store: RemoteArtifactStore, s3_endpoint: str
) -> None:
    """A multipart upload never completed and files without a manifest are reported, then removed; a committed
    artifact and uploads under other prefixes are left alone."""
    raw = _raw(s3_endpoint)
    bucket, _, prefix = s3_store.path.partition("/")
    uri, digest = _write(s3_store, {"kept": b"1"})
    mine = raw.call_s3("create_multipart_upload", Bucket=bucket, Key=f"{prefix}/{uuid.uuid4().hex}/big.bin")
    theirs = raw.call_s3("create_multipart_upload", Bucket=bucket, Key="elsewhere/big.bin")
    partial = f"{s3_store.path}/{uuid.uuid4().hex}"
    raw.pipe_file(f"{partial}/half.bin", b"half")

    assert len(s3_store.stale_staging(older_than_s=3600)) == 1  # the multipart upload (moto dates it in 2010)
    found = s3_store.stale_staging(older_than_s=0)
    assert any("multipart upload" in item for item in found)
    assert any("without manifest" in item for item in found)
    s3_store.cleanup_stale(older_than_s=0)

    uploads = {u["UploadId"] for u in raw.list_multipart_uploads(bucket)}
    assert mine["UploadId"] not in uploads
    assert theirs["UploadId"] in uploads
    assert raw.find(partial) == []
    assert s3_store.verify(uri, digest).is_dir()
    assert s3_store.stale_staging(older_than_s=0) == []


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from zen_store import open_artifact_store
    store = open_artifact_store(sys.argv[1], zen_dir=Path(sys.argv[2]), options={"endpoint_url": sys.argv[3]})
    print("ready", flush=True)
    while True:
        staging = store.stage()
        for i in range(12):
            (Path(staging.uri) / f"part-{i:02d}.bin").write_bytes(bytes([i]) * 20_000)
        store.commit(staging)
    """
)


@pytest.mark.slow
def test_kill_minus_nine_never_leaves_a_torn_visible_artifact_on_s3(
    s3_url: str, s3_endpoint: str, tmp_path: Path
) -> None:
    """12 kills of a writer uploading to S3 at random moments: every visible artifact is complete and verifies
    from an empty cache, and gc removes everything the killed uploads left."""
    env = {**os.environ}
    rng = random.Random(11)
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, s3_url, str(tmp_path / "writer"), s3_endpoint],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.2 + rng.random() * 0.4)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    store = cast(
        RemoteArtifactStore,
        open_artifact_store(s3_url, zen_dir=tmp_path / "reader", options={"endpoint_url": s3_endpoint}),
    )
    names = store.names()
    assert names, "the writer committed nothing; the test would prove nothing"
    for name in names:
        path = store.path_of(name)
        assert sorted(p.name for p in path.iterdir()) == [f"part-{i:02d}.bin" for i in range(12)]
    leftovers = store.stale_staging(older_than_s=0)
    store.cleanup_stale(older_than_s=0)
    assert store.stale_staging(older_than_s=0) == []
    assert store.names() == names, f"cleanup removed a committed artifact (left over: {leftovers})"
