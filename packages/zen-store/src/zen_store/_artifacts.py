"""The local artifact store: atomic, content-addressed artifact directories under one root.

A write happens in a staging directory (``<root>/.staging/<pid>-<random>-<host>``): the writer fills it, zen hashes
it (blake3 over the sorted relative file names, sizes and bytes; older records: sha256) and renames the directory
into place under its content address, ``<root>/blake3-<hex>``. Identical bytes are stored once: when that
directory exists already, the staged copy is thrown away and the existing one is reused (after checking it still
holds those bytes; a damaged copy is replaced). Every output keeps its own lineage record; the records share the
URI. A process killed at any point leaves at most a staging directory, never a visible partial artifact; staging
left by dead processes is removed by :meth:`ArtifactStore.cleanup_stale`. The content hash is recorded by the
lineage store and verified on every read. Stores written before content addressing hold directories named by a
random id; they stay readable, and gc treats both kinds alike.

Durability is per step, not per file, and small artifacts need no fsync at all: a commit only renames, and
:meth:`ArtifactStore.sync` (the barrier a step calls once before its lineage is recorded) fsyncs every file and
directory committed or reused since the last barrier, then the root once. A writer that asks for it
(``commit(..., small_limit=...)``: zen's steps do, with :data:`SMALL_ARTIFACT_LIMIT`) gets the bytes of an
artifact no larger than that back with its commit (:attr:`StoredArtifact.files`), records them in the lineage
store in the same transaction as the artifact's record, and the barrier leaves that artifact out. A record
therefore never points at bytes a power loss could take back: either the bytes were fsynced before the record
was written, or the record holds them. After a power loss a small artifact's folder may be missing, empty,
truncated or gone; :meth:`ArtifactStore.restore` puts the lineage copy back (checked against the content hash,
staged and renamed into place), which is what reading it does instead of failing (see ``zen_run._artifact_io``).
Names and URIs are confined to the root: no ``..``, no absolute paths, no NUL, no symlinks leading out.

A commit stamps the directory's modification time with the file system's own clock just before the rename, and a
reuse stamps it again; ``zen gc`` compares those times with a mark taken on the same clock (see
:mod:`zen_store._gc`). The folder ``<root>/.zen-store`` holds the store's own records (the lineage stores that
write here, writers' leases, gc's deletions in progress); it is not an artifact.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import attrs
import blake3

from zen_store._deleting import abandoned
from zen_store._staging import Staging, StagingArea
from zen_store.errors import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    DamagedCopyError,
    StoreError,
    UnsafePathError,
)

__all__ = [
    "DELETING",
    "META",
    "SMALL_ARTIFACT_LIMIT",
    "STALE_AFTER_S",
    "ArtifactStore",
    "CommittedArtifact",
    "StoredArtifact",
    "content_hash",
    "content_name",
    "files_under",
    "small_files",
]

_STAGING: Final = ".staging"
META: Final = ".zen-store"
"""The folder (local) or prefix (remote) under a store's root that holds the store's own records."""
_META_KEY: Final = re.compile(r"[a-z]+/[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
STALE_AFTER_S: Final = 3600.0
"""How old an unfinished write from another host must be before ``zen gc`` treats its writer as gone."""
DELETING: Final = "deleting"
"""The kind of record ``zen gc`` writes (``deleting/<name>``) while it deletes an artifact; a writer about to
reuse that artifact sees it and stores its own copy instead (see :mod:`zen_store._gc`)."""


SMALL_ARTIFACT_LIMIT: Final = 16 * 1024
"""Bytes (all files of an artifact together) up to which zen's steps keep an artifact's bytes in the lineage store
instead of fsyncing its files. An fdatasync plus two directory fsyncs cost ~0.45 ms here on an idle disk (tens of ms
on a busy one), while appending 16 KiB to SQLite's write-ahead log costs a few microseconds and no sync of its own
(it is in the step's transaction); SQLite keeps a value under ~4 KiB in the row's own page and spills a larger one
into four or fewer overflow pages, PostgreSQL moves one over ~2 KiB into its TOAST table, compressed. The limit
holds numbers, strings, metrics dictionaries and small arrays (2,000 float64s), and bounds what the copies add to a
lineage database: at most 16 KiB per artifact, usually well under 100 bytes (an int's file is 61)."""


_PLAIN_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""One path component that is neither ``.`` nor ``..`` nor one of the store's own dot-folders."""


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if directory else 0)
    fd = os.open(path, flags)
    try:
        if directory:
            os.fsync(fd)
        else:
            os.fdatasync(fd)  # the data and what reading it back needs (its size), not its timestamps
    finally:
        os.close(fd)


def _confined(relative: str) -> str:
    """``relative`` when it names a file inside an artifact's folder (plain components, no ``..``), else
    UnsafePathError: a lineage copy's file names are checked before anything is written."""
    parts = relative.split("/")
    if not relative or "\0" in relative or any(part in ("", ".", "..") for part in parts):
        raise UnsafePathError(f"{relative!r} is not a file name inside an artifact.")
    return relative


def content_name(digest: str) -> str:
    """The name an artifact with content hash ``digest`` is stored under: ``blake3-<hex>``."""
    algorithm, _, hexdigest = digest.partition(":")
    return f"{algorithm}-{hexdigest}"


def files_under(root: Path) -> list[Path]:
    """Every file below ``root`` (symbolic links not followed), in a stable sorted order: what a content hash
    and a size are taken over."""
    return [Path(entry.path) for _, entry in _files(os.fspath(root))]


def _files(root: str) -> list[tuple[str, os.DirEntry[str]]]:
    """(relative name, entry) of every file below ``root``: a folder's files in name order, then each of its
    folders in name order. A symbolic link to a file is listed (as itself); a link to a folder is neither entered
    nor listed, and an unreadable or vanished folder lists nothing (as ``os.walk`` treats both)."""
    found: list[tuple[str, os.DirEntry[str]]] = []
    _collect(root, "", found)
    return found


def _collect(folder: str, prefix: str, found: list[tuple[str, os.DirEntry[str]]]) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    folders: list[os.DirEntry[str]] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()  # follows a link, as os.walk sorts entries
        except OSError:
            is_dir = False
        if not is_dir:
            found.append((prefix + entry.name, entry))
        elif not entry.is_symlink():
            folders.append(entry)
    for entry in folders:
        _collect(entry.path, f"{prefix}{entry.name}/", found)


_Signature = tuple[tuple[str, int, int, int], ...]
_SETTLED_NS: Final = 100_000_000
"""A file last modified this long before a verification cannot change within the same timestamp tick (0.1 s)."""


def _signature(directory: Path) -> _Signature:
    """Each file's relative name, size, modification time (ns) and inode: what a rewrite changes (a symbolic link
    is listed as itself, never followed)."""
    found: list[tuple[str, int, int, int]] = []
    _scan(os.fspath(directory), "", found)
    return tuple(found)


def _scan(folder: str, prefix: str, found: list[tuple[str, int, int, int]]) -> None:
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _scan(entry.path, f"{prefix}{entry.name}/", found)
        else:
            stat = entry.stat(follow_symlinks=False)
            found.append((prefix + entry.name, stat.st_size, stat.st_mtime_ns, stat.st_ino))


def _settled(signature: _Signature, now_ns: int) -> bool:
    return all(mtime < now_ns - _SETTLED_NS for _, _, mtime, _ in signature)


_FolderId = tuple[int, int, int]


def _folder_id(folder: os.stat_result) -> _FolderId:
    """What adding, removing, renaming or swapping an entry of a folder changes: its inode, modification and
    change times (``utime`` can put the modification time back, never the change time)."""
    return folder.st_ino, folder.st_mtime_ns, folder.st_ctime_ns


HASH_ALGORITHM: Final = "blake3"
"""How new artifacts are hashed. blake3 is a cryptographic hash (what a record of content must be) that runs
2-3x faster than sha256 on one core here and uses more cores for large files; artifacts recorded with
``sha256:`` hashes stay verifiable (the algorithm is read from the recorded hash's prefix)."""


def content_hash(directory: Path, *, like: str | None = None) -> tuple[str, int]:
    """``<algorithm>:<hex>`` over the files of ``directory`` (relative names, sizes, per-file digests) and their
    total size; the algorithm is the one of the hash ``like`` when given (to verify it), else blake3."""
    algorithm = like.partition(":")[0] if like is not None and like.startswith("sha256:") else HASH_ALGORITHM
    digest = hashlib.sha256() if algorithm == "sha256" else blake3.blake3()
    total = 0
    for relative, path, info in _regular_files(directory):
        size = info.st_size
        total += size
        digest.update(f"{relative}\0{size}\0".encode())
        digest.update(_file_digest(path, size, algorithm))
    return f"{algorithm}:{digest.hexdigest()}", total


def _regular_files(directory: Path) -> list[tuple[str, str, os.stat_result]]:
    """(relative name, path, status) of every file under ``directory`` in :func:`files_under`'s order, refusing
    symbolic links and what is not a regular file."""
    found: list[tuple[str, str, os.stat_result]] = []
    for relative, entry in _files(os.fspath(directory)):
        if entry.is_symlink():
            raise UnsafePathError(f"{entry.path}: artifacts may not contain symbolic links.")
        info = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block whoever opens it to sync or read the artifact
            raise UnsafePathError(
                f"{entry.path}: artifacts may hold only regular files and folders, not a named pipe, socket or device."
            )
        found.append((relative, entry.path, info))
    return found


def small_files(directory: Path, limit: int) -> dict[str, bytes] | None:
    """The bytes of every file under ``directory`` by relative path (in :func:`files_under`'s order), when they
    total at most ``limit`` bytes; else None (nothing is read)."""
    found = _regular_files(directory)
    if sum(info.st_size for _, _, info in found) > limit:
        return None
    return {relative: _read(path) for relative, path, _ in found}


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:  # noqa: PTH123 - the path is a string already: no Path object per file
        return handle.read()


def _files_hash(files: Mapping[str, bytes]) -> str:
    """What :func:`content_hash` gives a directory holding exactly ``files`` (in :func:`files_under`'s order)."""
    digest = blake3.blake3()
    for relative, data in files.items():
        digest.update(f"{relative}\0{len(data)}\0".encode())
        digest.update(blake3.blake3(data).digest())
    return f"{HASH_ALGORITHM}:{digest.hexdigest()}"


_MAPPED_FROM: Final = 1 << 20
"""Files this large are hashed through a memory map, on several threads; smaller ones are read whole (mapping a
small file costs more than reading it)."""


def _file_digest(path: str, size: int, algorithm: str) -> bytes:
    if algorithm == "sha256":
        with Path(path).open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").digest()
    if size < _MAPPED_FROM:  # an empty file cannot be mapped either
        hasher = blake3.blake3()
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            while chunk := os.read(fd, _MAPPED_FROM):
                hasher.update(chunk)
        finally:
            os.close(fd)
        return hasher.digest()
    hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
    try:
        hasher.update_mmap(path)
    except OSError as exc:  # blake3's Rust error names no file and no errno ("... (os error 13)")
        found = re.search(r"os error (\d+)", str(exc))
        code = exc.errno or (int(found.group(1)) if found else None)
        raise type(exc)(code, os.strerror(code) if code else str(exc), path) from exc
    return hasher.digest()


@attrs.frozen
class StoredArtifact:
    """A committed artifact: its name in the store, its absolute URI, content hash and size in bytes."""

    name: str
    uri: str
    content_hash: str
    size: int
    reused: bool = False
    """True when identical bytes were stored already and that copy is shared instead of storing another."""
    files: Mapping[str, bytes] | None = attrs.field(default=None, eq=False, repr=False)
    """A small artifact's bytes, by relative path, when the writer asked for them (``small_limit``): the writer
    records them with the artifact's lineage, and the durability barrier leaves the artifact out."""


@attrs.frozen
class CommittedArtifact:
    """What ``zen gc`` needs to know of a committed artifact: its size and when it was committed (storage clock)."""

    size: int
    committed_at: float


def meta_key(key: str) -> str:
    """``key`` if it is a valid record name under :data:`META` (``<kind>/<name>``), else UnsafePathError."""
    if not _META_KEY.fullmatch(key):
        raise UnsafePathError(f"{key!r} is not a valid store record name.")
    return key


class ArtifactStore:
    """Artifact directories under ``root`` (created if missing)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._prefix = str(self.root).rstrip(os.sep) + os.sep
        """The root as a string ending in the separator: what a URI of an artifact under it starts with."""
        self._staging = Staging(self.root / _STAGING)
        self._verified: dict[str, tuple[str, _Signature]] = {}
        """Artifacts verified by this store object: path -> (content hash, the files' identity then)."""
        self._unchanged: dict[str, tuple[str, _FolderId, _Signature]] = {}
        """Verified artifacts of one folder without subfolders, with that folder's identity once it had settled:
        path -> (content hash, folder identity, the files' identity). While the folder keeps its identity, its
        entries are the same names, so a ``stat`` of each known file replaces listing the folder."""
        self._unsynced: list[Path] = []
        """Artifacts committed or reused since the last :meth:`sync`."""
        self._synced: set[Path] = set()
        """Artifacts this store object made durable (a reuse of one needs no barrier of its own)."""

    @property
    def location(self) -> str:
        """Where the store is: what :func:`~zen_store.open_artifact_store` opens it again from."""
        return str(self.root)

    # -- paths ---------------------------------------------------------------------------------------------------

    def _inside(self, name: str) -> Path:
        """The path of artifact ``name`` (or of a URI under the root), refusing anything that leaves the root."""
        if not name or "\0" in name:
            raise UnsafePathError(f"{name!r} is not a valid artifact name.")
        plain = name.removeprefix(self._prefix)
        if _PLAIN_NAME.fullmatch(plain):  # one ordinary component (what artifact URIs are)
            path = self.root / plain
            if not path.is_symlink():
                return path  # nothing leads out
        candidate = Path(name)
        if candidate.is_absolute():
            try:
                candidate = candidate.relative_to(self.root)
            except ValueError as exc:
                raise UnsafePathError(f"{name!r} is outside the artifact store {self.root}.") from exc
        if any(part in ("..", "") for part in candidate.parts) or not candidate.parts:
            raise UnsafePathError(f"{name!r} escapes the artifact store (no '..' allowed).")
        if candidate.parts[0] in (_STAGING, META):
            raise UnsafePathError(f"{name!r} names the store's own records, not an artifact.")
        path = self.root / candidate
        # Only a symbolic link can lead out once '..' and absolute paths are gone; lstat each component (one for
        # the usual single-component artifact name) instead of resolving the whole path on every access.
        probe = self.root
        for part in candidate.parts:
            probe = probe / part
            if probe.is_symlink():
                resolved = path.resolve()
                if resolved != self.root and self.root not in resolved.parents:
                    raise UnsafePathError(f"{name!r} leads outside the artifact store through a symbolic link.")
                break
        return path

    def path_of(self, uri: str) -> Path:
        """The local directory of a committed artifact (raises if it is missing)."""
        path = self._inside(uri)
        if not path.is_dir():
            raise self._missing(uri)
        return path

    def _missing(self, uri: str) -> ArtifactNotFoundError:
        return ArtifactNotFoundError(f"artifact {uri} is not in the store {self.root} (deleted or never committed).")

    # -- writing -----------------------------------------------------------------------------------------------

    def stage(self) -> StagingArea:
        """A fresh, empty staging directory."""
        return self._staging.new()

    def commit(self, staging: StagingArea, *, name: str | None = None, small_limit: int = 0) -> StoredArtifact:
        """Hash a filled staging directory and rename it into place under its content address, or reuse the copy
        of identical bytes stored there already. ``name`` stores it under that name instead (write-once).

        Nothing is fsynced here: :meth:`sync` makes every commit since the last barrier durable at once. An
        artifact of at most ``small_limit`` bytes is returned with its bytes (:attr:`StoredArtifact.files`) and
        left out of the barrier: the caller promises to record those bytes in the transaction that records the
        artifact, which makes it durable (see the module docstring)."""
        if staging.committed:
            raise StoreError(f"staging area {staging.path} was already committed.")
        # An empty artifact keeps its barrier: a lineage copy of no files could not be told from no copy.
        files = (small_files(staging.path, small_limit) if small_limit > 0 else None) or None
        if files is not None:
            digest, size = _files_hash(files), sum(len(data) for data in files.values())
        else:
            digest, size = content_hash(staging.path)
        barrier = files is None
        if name is not None:
            target = self._inside(name)
            if target.exists():
                raise StoreError(f"artifact {name} already exists; artifacts are written once.")
            self._place(staging, target, barrier=barrier)
            return StoredArtifact(name=name, uri=str(target), content_hash=digest, size=size, files=files)
        name = content_name(digest)
        target = self._inside(name)
        for _ in range(8):  # each round either ends, or lost a race with a writer or gc that then made progress
            reused = self._reuse(target, digest, barrier=barrier)
            if reused is True:
                self._staging.discard(staging)
                staging.committed = True
                return StoredArtifact(
                    name=name, uri=str(target), content_hash=digest, size=size, reused=True, files=files
                )
            if reused is None:  # gc is deleting that copy right now: keep ours beside it
                name = f"{name}.{uuid.uuid4().hex[:12]}"
                target = self._inside(name)
            try:
                self._place(staging, target, barrier=barrier)
            except OSError:
                if not target.is_dir():
                    raise
                continue  # another writer placed the same bytes first: reuse theirs
            return StoredArtifact(name=name, uri=str(target), content_hash=digest, size=size, files=files)
        raise StoreError(f"artifact {name} kept changing while it was committed; try again.")  # pragma: no cover

    def _place(self, staging: StagingArea, target: Path, *, barrier: bool = True) -> None:
        os.utime(staging.path)  # the commit time, on the file system's clock (NFS: the server's), for gc
        os.rename(staging.path, target)  # noqa: PTH104 - Path.rename would build a Path of the target again
        staging.committed = True
        if barrier:
            self._unsynced.append(target)

    def _reuse(self, target: Path, digest: str, *, barrier: bool = True) -> bool | None:
        """True when ``target`` holds ``digest``'s bytes and is now this writer's to share; None when gc is deleting
        it; False when there is none (a damaged copy is moved out of the way first)."""
        try:
            os.utime(target)  # a commit time gc sees: this copy is in use again (see zen_store._gc)
        except FileNotFoundError:
            return False
        deleting = self.read_meta(f"{DELETING}/{target.name}")
        if deleting is not None and not abandoned(deleting):
            return None
        try:
            self.verify(str(target), digest)
        except ArtifactNotFoundError:
            return False
        except ArtifactIntegrityError:
            self._set_aside(target)
            return False
        if barrier and target not in self._synced:
            self._unsynced.append(target)
        return True

    def _set_aside(self, target: Path) -> None:
        """Move a damaged copy out of the way (it is swept with this process's staging)."""
        aside = self._staging.new().path
        with contextlib.suppress(FileNotFoundError):
            target.rename(aside / "damaged")
        shutil.rmtree(aside, ignore_errors=True)

    def restore(self, uri: str, expected_hash: str, files: Mapping[str, bytes]) -> Path:
        """Put back an artifact the lineage store holds a copy of (``files``: its bytes by relative path), after its
        folder was lost, emptied or damaged (a power loss takes back what was never fsynced): the copy is staged,
        checked against ``expected_hash`` and renamed into place, replacing whatever is there. Returns the folder.

        Raises ArtifactIntegrityError when the copy does not hold the recorded bytes. Like a small commit, nothing
        is fsynced: the lineage copy stays what makes the artifact durable."""
        target = self._inside(uri)
        staging = self._staging.new()
        try:
            for relative, data in files.items():
                path = staging.path / _confined(relative)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            actual, _ = content_hash(staging.path, like=expected_hash)
            if actual != expected_hash:
                raise DamagedCopyError(uri, actual, expected_hash)
            for _ in range(8):  # each round moves a damaged copy aside or finds one a concurrent reader restored
                try:
                    self._place(staging, target, barrier=False)
                    return target
                except OSError:
                    if not target.exists():
                        raise
                try:
                    return self.verify(uri, expected_hash)  # restored by someone else meanwhile
                except (ArtifactNotFoundError, ArtifactIntegrityError):
                    self._set_aside(target)
            raise StoreError(f"artifact {uri} kept changing while it was restored; try again.")  # pragma: no cover
        finally:
            self._staging.discard(staging)  # nothing once it was placed

    def sync(self) -> None:
        """The durability barrier: fsync every file and directory committed or reused since the last call, then
        the root (once). Called before the lineage commit that records those artifacts."""
        pending, self._unsynced = list(dict.fromkeys(self._unsynced)), []
        if not pending:
            return
        for path in pending:
            for file in files_under(path):
                _fsync_path(file)
        for path in pending:
            _fsync_path(path, directory=True)
        _fsync_path(self.root, directory=True)
        self._synced.update(pending)

    def discard(self, staging: StagingArea) -> None:
        """Throw away a staging directory (a failed step's partial output)."""
        self._staging.discard(staging)

    # -- reading -----------------------------------------------------------------------------------------------

    def verify(self, uri: str, expected_hash: str, *, full: bool = False) -> Path:
        """The artifact's directory after checking its content hash (raises ArtifactIntegrityError).

        An artifact this store object verified before is not hashed again while every file keeps the name, size,
        modification time and inode it had then (``full=True`` always hashes). A verification is remembered only
        when every file was last modified well before it (racy-git's rule): a change within the file system's
        timestamp granularity of the last write would otherwise go unseen. What this cannot see is a change that
        restores the modification time (or a bit rotting on disk): ``full=True`` is for those. An artifact of one
        folder without subfolders is not even listed again while that folder keeps its inode, modification and
        change times (a ``stat`` of it and of each file it held; a cached step checks its outputs this way).
        """
        if not full:
            unchanged = self._still_verified(uri, expected_hash)
            if unchanged is not None:
                return unchanged
        path = self._inside(uri)
        key = str(path)
        try:
            folder = os.lstat(key)
            before = _signature(path)  # also what tells a missing artifact
        except (FileNotFoundError, NotADirectoryError):
            raise self._missing(uri) from None
        if not full and self._verified.get(key) == (expected_hash, before):
            self._remember_folder(key, expected_hash, folder, before)
            return path
        actual, _ = content_hash(path, like=expected_hash)
        if actual == expected_hash and _signature(path) == before and _settled(before, time.time_ns()):
            self._verified[key] = (actual, before)
            self._remember_folder(key, actual, folder, before)
        if actual != expected_hash:
            raise ArtifactIntegrityError(
                f"artifact {uri} was modified or corrupted after it was written: content hash {actual[:19]}… "
                f"differs from the recorded {expected_hash[:19]}…. Re-run the step that produced it (its cache "
                f"entry is no longer used)."
            )
        return path

    def _still_verified(self, uri: str, expected_hash: str) -> Path | None:
        """The artifact's directory when it is one this store verified (see ``_unchanged``) and a ``stat`` of the
        folder and of each of its files finds them as they were; None sends the caller the whole way (listing,
        and hashing if anything differs)."""
        plain = uri.removeprefix(self._prefix)
        if not _PLAIN_NAME.fullmatch(plain):
            return None
        key = self._prefix + plain
        known = self._unchanged.get(key)
        if known is None or known[0] != expected_hash:
            return None
        try:
            folder = os.lstat(key)  # a symbolic link in the folder's place is not a folder (the whole way refuses it)
            if not stat.S_ISDIR(folder.st_mode) or _folder_id(folder) != known[1]:
                return None
            for name, size, mtime, inode in known[2]:
                found = os.lstat(f"{key}{os.sep}{name}")
                if (found.st_size, found.st_mtime_ns, found.st_ino) != (size, mtime, inode):
                    return None
        except OSError:
            return None
        return self.root / plain

    def _remember_folder(self, key: str, content_hash: str, folder: os.stat_result, files: _Signature) -> None:
        """After a verification: remember a folder without subfolders for :meth:`_still_verified` when it is still
        the folder ``folder`` was read from and it settled before the verification began (an entry changed within
        the file system's timestamp tick of the last change would not change its times)."""
        if any("/" in name for name, _, _, _ in files):
            return
        try:
            now = os.lstat(key)
        except OSError:
            return
        settled = time.time_ns() - _SETTLED_NS
        if _folder_id(now) == _folder_id(folder) and max(folder.st_mtime_ns, folder.st_ctime_ns) < settled:
            self._unchanged[key] = (content_hash, _folder_id(folder), files)

    def exists(self, uri: str) -> bool:
        """True when the artifact directory is present."""
        try:
            return self._inside(uri).is_dir()
        except UnsafePathError:
            return False

    def delete(self, uri: str) -> None:
        """Remove an artifact's directory."""
        shutil.rmtree(self.path_of(uri))

    def names(self) -> Iterator[str]:
        """Names of every committed artifact directory. A symbolic link in the store's folder is none (zen never
        makes one): gc neither lists nor follows it."""
        for entry in sorted(self.root.iterdir()):
            if not entry.is_symlink() and entry.is_dir() and entry.name not in (_STAGING, META):
                yield entry.name

    def committed(self) -> dict[str, CommittedArtifact]:
        """Every committed artifact's size and commit time."""
        found: dict[str, CommittedArtifact] = {}
        for name in self.names():
            path = self.root / name
            try:
                stamp = path.lstat().st_mtime
                size = sum(p.lstat().st_size for p in files_under(path) if not p.is_symlink())
            except FileNotFoundError:  # deleted while listing
                continue
            found[name] = CommittedArtifact(size=size, committed_at=stamp)
        return found

    def committed_at(self, name: str) -> float | None:
        """When artifact ``name`` was last committed or reused (storage clock); None when it is gone."""
        try:
            return self._inside(name).lstat().st_mtime
        except FileNotFoundError:
            return None

    # -- the store's own records ---------------------------------------------------------------------------------

    def write_meta(self, key: str, data: bytes, *, durable: bool = True) -> None:
        """Write (or replace, atomically) the record ``key`` under :data:`META`; ``durable`` fsyncs it first."""
        path = self.root / META / meta_key(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        with temporary.open("wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        temporary.replace(path)

    def read_meta(self, key: str) -> bytes | None:
        """The record ``key``, or None when there is none."""
        try:
            return (self.root / META / meta_key(key)).read_bytes()
        except FileNotFoundError:
            return None

    def list_meta(self, kind: str) -> dict[str, float]:
        """The records of one kind (``referents``, ``leases``, ...) with their modification times (storage clock)."""
        folder = self.root / META / kind
        found: dict[str, float] = {}
        if not folder.is_dir():
            return found
        for entry in folder.iterdir():
            if entry.name.startswith("."):
                continue  # a write in progress
            try:
                found[f"{kind}/{entry.name}"] = entry.lstat().st_mtime
            except FileNotFoundError:
                continue
        return found

    def delete_meta(self, key: str) -> None:
        """Remove the record ``key`` (nothing when it is gone already)."""
        (self.root / META / meta_key(key)).unlink(missing_ok=True)

    def sizes(self) -> dict[str, int]:
        """Every committed artifact's name and size in bytes."""
        return {
            name: sum(path.stat().st_size for path in files_under(self.root / name) if not path.is_symlink())
            for name in self.names()
        }

    def stale_staging(self, *, older_than_s: float = STALE_AFTER_S) -> list[str]:
        """Staging directories whose writer is gone (killed writes)."""
        return [str(path) for path in self._staging.stale(older_than_s=older_than_s)]

    def cleanup_stale(self, *, older_than_s: float = STALE_AFTER_S) -> list[str]:
        """Delete staging directories of writers that are gone; returns what was removed."""
        return [str(path) for path in self._staging.cleanup(older_than_s=older_than_s)]
