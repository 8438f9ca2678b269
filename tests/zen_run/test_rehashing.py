"""A large artifact is hashed when it is written, and again only when its files change: a cache hit and a
read trust files unchanged (name, size, modification time, inode) since this process verified
them, and ``full=True`` hashes every byte. The damage that keeps all of those - bytes changed in place with the
modification time put back, as a bit rotting on disk does - is what proves which of them hashed."""

from __future__ import annotations

import os
from pathlib import Path

from zen_run import Client, Slot, StepStatus, pipeline, step
from zen_store import SMALL_ARTIFACT_LIMIT


@step
def large() -> str:
    return "a" * (4 * SMALL_ARTIFACT_LIMIT)  # no copy in the lineage store could put a damaged file back


@pipeline
def one_large(only: Slot[[], str]) -> None:
    only()


def _rot_in_place(folder: Path) -> None:
    """Change one byte of the artifact's largest file in place, keeping its size, inode and modification time."""
    path = max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    before = path.stat()
    with path.open("r+b") as file:
        file.seek(before.st_size // 2)
        file.write(b"b")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == (before.st_size, before.st_ino, before.st_mtime_ns)


def _age(folder: Path) -> int:
    """Move every file's modification time a minute back (a file written long ago: a verification of it is
    remembered, where one written in the last seconds is hashed each time); their total size."""
    total = 0
    for path in (p for p in folder.rglob("*") if p.is_file()):
        aged = path.stat().st_mtime_ns - 60 * 10**9
        os.utime(path, ns=(aged, aged))
        total += path.stat().st_size
    return total


def test_a_cache_hit_does_not_hash_an_unchanged_large_artifact_again_and_a_full_verify_does(project: Path) -> None:
    instance = one_large(only=large())
    folder = Path(instance.run(progress=False).steps["only"].outputs["output"].uri)
    assert _age(folder) > SMALL_ARTIFACT_LIMIT
    assert instance.run(progress=False).steps["only"].status == StepStatus.CACHED  # verified (hashed) here
    _rot_in_place(folder)
    again = instance.run(progress=False)
    assert again.steps["only"].status == StepStatus.CACHED  # trusted: not hashed again
    value = again.steps["only"].outputs["output"].read()
    assert isinstance(value, str) and value.count("b") == 1  # nor when read: the rotted byte comes back
    report = Client().verify(full=True)
    assert [damage.uri for damage in report.damaged] == [str(folder)]


def test_a_clients_second_read_of_an_unchanged_large_artifact_does_not_hash_it_again(project: Path) -> None:
    folder = Path(one_large(only=large()).run(progress=False).steps["only"].outputs["output"].uri)
    _age(folder)
    with Client() as client:
        artifact = client.last_run("one_large").steps["only"].outputs["output"]
        assert artifact.read() == "a" * (4 * SMALL_ARTIFACT_LIMIT)  # verified (hashed) here
        _rot_in_place(folder)
        again = artifact.read()
        assert isinstance(again, str) and again.count("b") == 1  # trusted: not hashed again
        assert not client.verify(full=True).ok
