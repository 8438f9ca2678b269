"""Artifact stores on fsspec file systems: S3 (through s3fs) and any other fsspec URL.

The contract is the local store's. A writer fills a *local* staging directory (materializers only ever see local
files), zen hashes it, uploads each file under ``<url>/<name>/`` (``<name>`` is the content address,
``blake3-<hex>``) and then writes the manifest ``<name>/_zen_manifest.json`` - last, and write-once (on S3 a
conditional ``If-None-Match: *`` put). An artifact exists only once its manifest does, so a writer killed
mid-upload leaves no visible artifact: at most files without a manifest, or an unfinished multipart upload, which
``zen gc`` removes once older than a grace period. S3 never shows a partially written object, so a manifest is
either there whole or not at all. Identical bytes are uploaded once: when the manifest of that content address
exists already, the writer stamps ``<name>/_zen_reused`` (the commit time gc sees) and shares that copy.
A put is durable once acknowledged, so the durability barrier has nothing to do here.

Reads go through a local cache: the manifest must carry the recorded content hash, the files it lists (and no
others) are downloaded into a staging directory, hashed, and renamed into ``<cache>/<hash>``. Later reads on
this machine re-hash the cached copy instead of downloading again. Names, URIs and the manifest's file names are
confined: nothing a tampered manifest says can write outside the cache.

An artifact's commit time is its manifest's modification time, on the object store's clock; ``zen gc`` compares
it with a mark object written to the same store. The prefix ``<url>/.zen-store/`` holds the store's own records.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Final, Literal, Protocol, TypeAlias, cast

from zen_store._artifacts import (
    DELETING,
    META,
    STALE_AFTER_S,
    CommittedArtifact,
    StoredArtifact,
    content_hash,
    content_name,
    files_under,
    meta_key,
)
from zen_store._deleting import abandoned
from zen_store._location import StorageOption
from zen_store._staging import Staging, StagingArea
from zen_store.errors import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    DamagedCopyError,
    StoreError,
    UnsafePathError,
)
from zen_types import install_hint

__all__ = ["MANIFEST", "RemoteArtifactStore", "StorageOption", "default_cache"]

MANIFEST: Final = "_zen_manifest.json"
"""The object that commits an artifact; a step's own files may not use this name at the artifact's top level."""
REUSED: Final = "_zen_reused"
"""The object a writer stamps when it shares an artifact stored already (its modification time counts as a commit
time for gc); reserved like :data:`MANIFEST`."""

_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_MANIFEST_FORMAT: Final = 1
_BUCKETED: Final = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
"""Object stores whose first path component is a bucket (or container) that must exist already."""

_Info: TypeAlias = Mapping[str, object]


class _FileSystem(Protocol):
    """The part of ``fsspec.AbstractFileSystem`` this store uses (fsspec ships no type information)."""

    def find(self, path: str, *, detail: Literal[True]) -> Mapping[str, _Info]: ...
    def cat_file(self, path: str) -> bytes: ...
    def pipe_file(self, path: str, value: bytes, mode: str = ...) -> object: ...
    def put_file(self, lpath: str, rpath: str, mode: str = ...) -> object: ...
    def get_file(self, rpath: str, lpath: str) -> object: ...
    def rm(self, path: str | list[str], recursive: bool = ...) -> object: ...
    def mkdirs(self, path: str, exist_ok: bool = ...) -> object: ...
    def exists(self, path: str) -> bool: ...


class _MultipartFileSystem(Protocol):
    """What s3fs adds for multipart uploads (started by large puts; left dangling by killed writers)."""

    def list_multipart_uploads(self, bucket: str) -> list[_Info]: ...
    def abort_mpu(self, bucket: str, key: str, mpu: str) -> object: ...


def _open_filesystem(url: str, options: Mapping[str, StorageOption]) -> tuple[_FileSystem, str]:
    try:
        import fsspec.core  # optional dependency, only for remote stores
    except ImportError as exc:  # pragma: no cover - fsspec comes with the extra
        raise StoreError(
            f"artifact store {url!r} needs fsspec and s3fs: {install_hint('zen-store', extra='fsspec')}."
        ) from exc
    try:
        # Listings are not cached: other processes (Dask workers) write to the same store.
        fs, path = fsspec.core.url_to_fs(url, **{"use_listings_cache": False, **options})
    except ImportError as exc:
        raise StoreError(
            f"artifact store {url!r}: the file system for this URL is not installed ({exc}). For S3: "
            f"{install_hint('zen-store', extra='fsspec')}."
        ) from exc
    except (ValueError, TypeError) as exc:
        raise StoreError(f"artifact store {url!r} cannot be opened: {exc}") from exc
    return cast(_FileSystem, fs), str(path).rstrip("/")


def _modified(info: _Info) -> float | None:
    """When an object was last written, as a POSIX time (the key depends on the file system)."""
    for key in ("LastModified", "mtime", "created", "Initiated"):
        value = info.get(key)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
    return None


def _safe_relative(name: str) -> PurePosixPath:
    """A manifest's file name as a relative path that stays inside the artifact (else UnsafePathError)."""
    path = PurePosixPath(name)
    if (
        not name
        or "\0" in name
        or "\\" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
    ):
        raise UnsafePathError(f"{name!r} is not a safe file name inside an artifact.")
    return path


class RemoteArtifactStore:
    """Artifacts under an fsspec URL, staged and cached on local disk under ``cache``."""

    def __init__(
        self,
        url: str,
        *,
        cache: Path,
        options: Mapping[str, StorageOption] | None = None,
    ) -> None:
        if "://" not in url:
            raise StoreError(f"{url!r} is not a URL; use a local path for a local artifact store.")
        self.url = url.rstrip("/")
        self.protocol = self.url.split("://", 1)[0]
        self.fs, self.path = _open_filesystem(self.url, options or {})
        if not self.path:
            raise StoreError(f"artifact store {url!r} names no bucket or folder.")
        self.cache = cache
        self._staging = Staging(cache / ".staging")
        try:
            if self.protocol in _BUCKETED:
                bucket = self.path.split("/", 1)[0]
                if not self.fs.exists(bucket):
                    raise StoreError(
                        f"artifact store {self.url}: bucket {bucket!r} does not exist, or these credentials cannot "
                        f"see it. Create it first (zen does not create buckets, so a typo cannot make a new one)."
                    )
            else:
                self.fs.mkdirs(self.path, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"artifact store {self.url} is not reachable or not writable: {exc}. Check the URL, the "
                f"credentials (environment variables or a profile) and storage options such as endpoint_url."
            ) from exc

    @property
    def location(self) -> str:
        """The store's URL."""
        return self.url

    # -- names -------------------------------------------------------------------------------------------------

    def _name(self, uri: str) -> str:
        """The artifact name of a URI in this store (or of a bare name), refusing anything else."""
        name = uri
        if "://" in uri or "/" in uri:
            prefix = self.url + "/"
            if not uri.startswith(prefix):
                raise UnsafePathError(f"{uri!r} is outside the artifact store {self.url}.")
            name = uri[len(prefix) :]
        if not _NAME.fullmatch(name):
            raise UnsafePathError(f"{uri!r} is not an artifact of {self.url} (expected {self.url}/<name>).")
        return name

    def _key(self, name: str, relative: str = "") -> str:
        return f"{self.path}/{name}/{relative}" if relative else f"{self.path}/{name}"

    def _manifest(self, name: str) -> dict[str, object]:
        try:
            raw = self.fs.cat_file(self._key(name, MANIFEST))
        except FileNotFoundError as exc:
            raise ArtifactNotFoundError(
                f"artifact {self.url}/{name} is not in the store (deleted, never committed, or its upload was "
                f"interrupted)."
            ) from exc
        try:
            manifest = json.loads(raw)
        except ValueError as exc:
            raise ArtifactIntegrityError(f"artifact {self.url}/{name}: its manifest is not valid JSON.") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != _MANIFEST_FORMAT:
            raise ArtifactIntegrityError(
                f"artifact {self.url}/{name}: unknown manifest format (written by a newer zen?); upgrade zen."
            )
        return cast(dict[str, object], manifest)

    # -- writing -----------------------------------------------------------------------------------------------

    def stage(self) -> StagingArea:
        """A fresh, empty local staging directory."""
        return self._staging.new()

    def discard(self, staging: StagingArea) -> None:
        """Throw away a staging directory (a failed step's partial output)."""
        self._staging.discard(staging)

    def commit(self, staging: StagingArea, *, name: str | None = None, small_limit: int = 0) -> StoredArtifact:
        """Upload a filled staging directory under its content address (or ``name``) and commit it by writing its
        manifest last, write-once; identical bytes committed already are shared instead of uploaded again.

        ``small_limit`` is not used: a put is durable once acknowledged, so no artifact needs its bytes kept in the
        lineage store (they would only be a second copy)."""
        if staging.committed:
            raise StoreError(f"staging area {staging.path} was already committed.")
        for reserved in (MANIFEST, REUSED):
            if (staging.path / reserved).exists():
                raise StoreError(
                    f"a step wrote a file named {reserved} at the top of its output; that name is reserved by the "
                    f"artifact store. Rename the file."
                )
        digest, size = content_hash(staging.path)
        if name is not None:
            name = self._name(name)
            try:
                if self._committed(name):
                    raise FileExistsError(name)
                return self._upload(staging, name, digest, size)
            except FileExistsError as exc:
                self._staging.discard(staging)
                raise StoreError(f"artifact {self.url}/{name} already exists; artifacts are written once.") from exc
        name = content_name(digest)
        reused = self._reuse(name, digest)
        if reused is True:
            staging.committed = True
            self._adopt(staging.path, digest)
            return StoredArtifact(name=name, uri=f"{self.url}/{name}", content_hash=digest, size=size, reused=True)
        if reused is None:  # gc is deleting that copy right now: upload ours beside it
            name = f"{name}.{uuid.uuid4().hex[:12]}"
        try:
            return self._upload(staging, name, digest, size)
        except FileExistsError:  # another writer is uploading the same bytes: ours go beside them
            return self._upload(staging, f"{name}.{uuid.uuid4().hex[:12]}", digest, size)

    def _upload(self, staging: StagingArea, name: str, digest: str, size: int) -> StoredArtifact:
        files = [(path, path.relative_to(staging.path).as_posix()) for path in files_under(staging.path)]
        manifest = {
            "format": _MANIFEST_FORMAT,
            "content_hash": digest,
            "size": size,
            "files": {relative: path.stat().st_size for path, relative in files},
            "written_at": time.time(),
        }
        try:
            for path, relative in files:  # never over another writer's object (S3: a conditional put too)
                self.fs.put_file(str(path), self._key(name, relative), mode="create")
            self.fs.pipe_file(self._key(name, MANIFEST), json.dumps(manifest).encode(), mode="create")
        except FileExistsError:
            raise  # the caller decides: a second copy beside it, or a refusal
        except OSError as exc:
            self._staging.discard(staging)
            raise StoreError(
                f"uploading artifact {self.url}/{name} failed ({exc}); nothing was committed (the partial upload "
                f"is removed by `zen gc --delete`)."
            ) from exc
        staging.committed = True
        self._adopt(staging.path, digest)
        return StoredArtifact(name=name, uri=f"{self.url}/{name}", content_hash=digest, size=size)

    def _reuse(self, name: str, digest: str) -> bool | None:
        """True when artifact ``name`` holds ``digest``'s bytes and is now this writer's to share; None when gc is
        deleting it (or it is not what its name says); False when there is none."""
        try:
            self.fs.pipe_file(self._key(name, REUSED), b"")  # first: a commit time gc sees (see zen_store._gc)
        except OSError as exc:
            raise StoreError(f"artifact store {self.url} cannot be written: {exc}") from exc
        deleting = self.read_meta(f"{DELETING}/{name}")
        if deleting is not None and not abandoned(deleting):
            return None
        try:
            manifest = self._manifest(name)
        except ArtifactNotFoundError:
            return False
        except ArtifactIntegrityError:
            return None
        return None if manifest.get("content_hash") != digest else True

    def sync(self) -> None:
        """Nothing to do: an object store acknowledges a put once it is durable."""

    def restore(self, uri: str, expected_hash: str, files: Mapping[str, bytes]) -> Path:
        """Upload an artifact again from a lineage copy (``files``, checked against ``expected_hash`` first) in
        place of what is left of it; returns its local copy. This store records no lineage copies itself (see
        :meth:`commit`); a copy another store's writer recorded under this URI is put back all the same."""
        name = self._name(uri)
        with self._staging.new() as area:
            for relative, data in files.items():
                target = area.path.joinpath(*_safe_relative(relative).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            actual, size = content_hash(area.path, like=expected_hash)
            if actual != expected_hash:
                raise DamagedCopyError(f"{self.url}/{name}", actual, expected_hash)
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(self._key(name, MANIFEST))  # the damaged copy stops existing first, as in delete
            self._remove_prefix(name)
            self._upload(area, name, actual, size)
        return self.cache / actual.partition(":")[2]

    def _committed(self, name: str) -> bool:
        try:
            self.fs.cat_file(self._key(name, MANIFEST))
        except FileNotFoundError:
            return False
        return True

    def _adopt(self, directory: Path, digest: str) -> Path:
        """Move a verified local directory into the read cache (another process may have cached it first)."""
        target = self.cache / digest.partition(":")[2]
        try:
            directory.rename(target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(directory, ignore_errors=True)
        return target

    # -- reading -----------------------------------------------------------------------------------------------

    def verify(self, uri: str, expected_hash: str, *, full: bool = False) -> Path:
        """A local copy of the artifact after checking it against its content hash (raises ArtifactIntegrityError)."""
        name = self._name(uri)
        manifest = self._manifest(name)
        if manifest.get("content_hash") != expected_hash:
            raise ArtifactIntegrityError(
                f"artifact {self.url}/{name} was replaced or corrupted after it was written: its manifest's content "
                f"hash differs from the recorded {expected_hash[:19]}…. Re-run the step that produced it."
            )
        return self._local_copy(name, manifest, expected_hash)

    def path_of(self, uri: str) -> Path:
        """A local copy of the committed artifact (downloaded and verified against its manifest if needed)."""
        name = self._name(uri)
        manifest = self._manifest(name)
        return self._local_copy(name, manifest, str(manifest.get("content_hash")))

    def _local_copy(self, name: str, manifest: Mapping[str, object], digest: str) -> Path:
        cached = self.cache / digest.partition(":")[2]
        if cached.is_dir():
            if content_hash(cached, like=digest)[0] == digest:
                return cached
            shutil.rmtree(cached, ignore_errors=True)  # a damaged cache entry is only a cache miss
        files = manifest.get("files")
        if not isinstance(files, dict):
            raise ArtifactIntegrityError(f"artifact {self.url}/{name}: its manifest lists no files.")
        relatives = {name_: _safe_relative(str(name_)) for name_ in files}
        listed = set(self.fs.find(self._key(name), detail=True))
        expected = {self._key(name, str(rel)) for rel in relatives.values()} | {self._key(name, MANIFEST)}
        if listed - {self._key(name, REUSED)} != expected:
            raise ArtifactIntegrityError(
                f"artifact {self.url}/{name} was modified after it was written: files were added or removed "
                f"({len(listed)} objects, {len(expected)} expected). Re-run the step that produced it."
            )
        with self._staging.new() as area:
            for relative in relatives.values():
                target = area.path.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                self.fs.get_file(self._key(name, str(relative)), str(target))
            actual, _ = content_hash(area.path, like=digest)
            if actual != digest:
                raise ArtifactIntegrityError(
                    f"artifact {self.url}/{name} was modified or corrupted after it was written: content hash "
                    f"{actual[:19]}… differs from the recorded {digest[:19]}…. Re-run the step that produced it."
                )
            area.committed = True
        return self._adopt(area.path, digest)

    def exists(self, uri: str) -> bool:
        """True when the artifact is committed (its manifest is present)."""
        try:
            return self._committed(self._name(uri))
        except UnsafePathError:
            return False

    # -- maintenance -------------------------------------------------------------------------------------------

    def delete(self, uri: str) -> None:
        """Remove an artifact: its manifest first (it stops existing at once), then its files."""
        name = self._name(uri)
        if not self._committed(name):
            raise ArtifactNotFoundError(f"artifact {self.url}/{name} is not in the store.")
        self.fs.rm(self._key(name, MANIFEST))
        self._remove_prefix(name)

    def _remove_prefix(self, name: str) -> None:
        keys = list(self.fs.find(self._key(name), detail=True))
        if keys:
            self.fs.rm(keys)

    def _inventory(self) -> dict[str, dict[str, _Info]]:
        """Every object under the store, grouped by artifact name (one listing)."""
        grouped: dict[str, dict[str, _Info]] = {}
        prefix = self.path + "/"
        for key, info in self.fs.find(self.path, detail=True).items():
            if not key.startswith(prefix):
                continue
            name, _, relative = key[len(prefix) :].partition("/")
            if relative and name != META:
                grouped.setdefault(name, {})[relative] = info
        return grouped

    def names(self) -> list[str]:
        """Names of every committed artifact (those with a manifest)."""
        return sorted(name for name, objects in self._inventory().items() if MANIFEST in objects)

    def sizes(self) -> dict[str, int]:
        """Every committed artifact's name and size in bytes (one listing, no downloads)."""
        return {
            name: sum(_size(info) for relative, info in objects.items() if relative not in (MANIFEST, REUSED))
            for name, objects in sorted(self._inventory().items())
            if MANIFEST in objects
        }

    def committed(self) -> dict[str, CommittedArtifact]:
        """Every committed artifact's size and commit time (its manifest's modification time, or its last reuse)."""
        found: dict[str, CommittedArtifact] = {}
        for name, objects in sorted(self._inventory().items()):
            stamp = _commit_time(objects)
            if stamp is None:
                continue
            found[name] = CommittedArtifact(
                size=sum(_size(info) for relative, info in objects.items() if relative not in (MANIFEST, REUSED)),
                committed_at=stamp,
            )
        return found

    def committed_at(self, name: str) -> float | None:
        """When artifact ``name`` was last committed or reused (the object store's clock); None when it is gone."""
        prefix = self._key(self._name(name)) + "/"
        objects = {
            key[len(prefix) :]: info
            for key, info in self.fs.find(self._key(name), detail=True).items()
            if key.startswith(prefix)
        }
        return _commit_time(objects)

    # -- the store's own records ---------------------------------------------------------------------------------

    def write_meta(self, key: str, data: bytes, *, durable: bool = True) -> None:
        """Write (or replace) the record ``key`` under :data:`META` (one put: whole or not at all)."""
        self.fs.pipe_file(f"{self.path}/{META}/{meta_key(key)}", data)

    def read_meta(self, key: str) -> bytes | None:
        """The record ``key``, or None when there is none."""
        try:
            return self.fs.cat_file(f"{self.path}/{META}/{meta_key(key)}")
        except FileNotFoundError:
            return None

    def list_meta(self, kind: str) -> dict[str, float]:
        """The records of one kind with their modification times (the object store's clock)."""
        prefix = f"{self.path}/{META}/"
        found: dict[str, float] = {}
        for key, info in self.fs.find(f"{prefix}{kind}", detail=True).items():
            stamp = _modified(info)
            if key.startswith(prefix) and stamp is not None:
                found[key[len(prefix) :]] = stamp
        return found

    def delete_meta(self, key: str) -> None:
        """Remove the record ``key`` (nothing when it is gone already)."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(f"{self.path}/{META}/{meta_key(key)}")

    def stale_staging(self, *, older_than_s: float = STALE_AFTER_S) -> list[str]:
        """Unfinished writes whose writer is gone: local staging of dead processes, uploads without a manifest
        and dangling multipart uploads older than ``older_than_s``."""
        found = [str(path) for path in self._staging.stale(older_than_s=older_than_s)]
        found += [f"{self.url}/{name}/ (upload without manifest)" for name in self._partial(older_than_s)]
        found += [
            f"{self.protocol}://{bucket}/{key} (multipart upload)" for bucket, key, _ in self._multipart(older_than_s)
        ]
        return found

    def cleanup_stale(self, *, older_than_s: float = STALE_AFTER_S) -> list[str]:
        """Delete what :meth:`stale_staging` finds; returns what was removed."""
        removed = self.stale_staging(older_than_s=older_than_s)
        self._staging.cleanup(older_than_s=older_than_s)
        for name in self._partial(older_than_s):
            self._remove_prefix(name)
        multipart = cast(_MultipartFileSystem, self.fs)
        for bucket, key, upload_id in self._multipart(older_than_s):
            multipart.abort_mpu(bucket, key, upload_id)
        return removed

    def _partial(self, older_than_s: float) -> list[str]:
        cutoff = time.time() - older_than_s
        partial: list[str] = []
        for name, objects in sorted(self._inventory().items()):
            if MANIFEST in objects:
                continue
            times = [_modified(info) for info in objects.values()]
            if all(t is not None and t < cutoff for t in times):
                partial.append(name)
        return partial

    def _multipart(self, older_than_s: float) -> Sequence[tuple[str, str, str]]:
        if not hasattr(self.fs, "list_multipart_uploads"):
            return []
        bucket, _, prefix = self.path.partition("/")
        cutoff = time.time() - older_than_s
        found: list[tuple[str, str, str]] = []
        for upload in cast(_MultipartFileSystem, self.fs).list_multipart_uploads(bucket):
            key, upload_id, started = upload.get("Key"), upload.get("UploadId"), _modified(upload)
            if not isinstance(key, str) or not isinstance(upload_id, str):
                continue
            if (not prefix or key.startswith(prefix + "/")) and started is not None and started < cutoff:
                found.append((bucket, key, upload_id))
        return found


def _commit_time(objects: Mapping[str, _Info]) -> float | None:
    """An artifact's commit time from its objects: its manifest's or its last reuse's, whichever is later (an
    unknown time is never old enough to sweep); None when it has no manifest (not committed)."""
    manifest = objects.get(MANIFEST)
    if manifest is None:
        return None
    stamps = [_modified(manifest), *([_modified(objects[REUSED])] if REUSED in objects else [])]
    return float("inf") if any(t is None for t in stamps) else max(t for t in stamps if t is not None)


def _size(info: _Info) -> int:
    size = info.get("size", info.get("Size", 0))
    return size if isinstance(size, int) else 0


def default_cache(project_zen_dir: Path, url: str) -> Path:
    """The read cache of ``url`` under a project's ``.zen`` folder (one folder per store URL)."""
    return project_zen_dir / "cache" / hashlib.sha256(url.encode()).hexdigest()[:16]
