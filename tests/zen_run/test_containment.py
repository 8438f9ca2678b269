"""A lineage record whose URI was altered to point outside the project's artifact stores is refused before any
file system call: nothing is read there and no folder is created."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.zen_run import pipelines as p
from zen_run import Client, RunContext
from zen_run._cli import EXIT_USAGE, main
from zen_run._store_finder import StoreFinder
from zen_store import ArtifactNotFoundError, ArtifactStore, UnsafePathError, remember_location


def _tamper(project: Path, artifact_id: str, uri: str) -> None:
    RunContext.forget()
    conn = sqlite3.connect(project / ".zen" / "lineage.db")
    conn.execute("UPDATE artifacts SET uri = ? WHERE artifact_id = ?", (uri, artifact_id))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("where", ["outside", "dotdot", "sibling-of-store"])
def test_an_altered_uri_is_refused_and_nothing_is_created(
    project: Path, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside the store, through '..', or a folder beside the store: refused with one sentence, exit 2 from the
    CLI, and the named folder (with its missing parents) is not created."""
    ran = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3))).run(progress=False)
    artifact = Client().get_run(ran.id).steps["second"].outputs["output"]
    store = Path(RunContext.open().stores.artifacts.location)
    name = Path(artifact.uri).name
    target = {
        "outside": tmp_path / "elsewhere" / "deeper" / name,
        "dotdot": Path(f"{store}/../escape/{name}"),
        "sibling-of-store": store.parent / "not-a-store" / name,
    }[where]
    _tamper(project, artifact.id, str(target))
    with pytest.raises(UnsafePathError, match="refusing to read it"):
        Client().artifact(artifact.id).read()
    assert main(["artifacts", "read", artifact.id]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "refusing to read it" in err and err.count("\n") == 1
    assert not (tmp_path / "elsewhere").exists()
    assert not (store.parent / "escape").exists() and not (store.parent / "not-a-store").exists()


def test_gc_follows_no_symbolic_link_in_the_store_folder(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Links planted in the artifact store's folder and in its staging folder, old enough to sweep, pointing at
    files outside: `zen gc --delete` completes (it once stopped on the first link, so gc was blocked for good),
    removes the staging link itself and leaves the others, and nothing outside the store is touched."""
    import os
    import time

    p.add_pipeline(first=p.returns_one(), second=p.adds()).run(progress=False)
    store = Path(RunContext.open().stores.artifacts.location)
    outside = tmp_path / "precious"
    (outside / "inner").mkdir(parents=True)
    (outside / "inner" / "data").write_text("keep me")
    planted = [store / "blake3-0123", store / "stray", store / ".staging" / "99999999-gone"]
    for link, target in zip(planted, [outside, outside / "inner", outside], strict=True):
        link.symlink_to(target)
        old = time.time() - 3 * 3600
        os.utime(link, (old, old), follow_symlinks=False)
    assert main(["gc", "--delete", "--older-than", "0"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "blake3-0123" not in out and "stray" not in out
    assert (outside / "inner" / "data").read_text() == "keep me"
    assert planted[0].is_symlink() and planted[1].is_symlink() and not planted[2].is_symlink()
    assert Client().runs()[0].steps["second"].outputs["output"].read() == 2


_NAMES = st.text(st.characters(codec="utf-8", exclude_characters="\0"), min_size=1, max_size=40)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(name="://", folder="former")  # a local path holding "://" is no remote URL
@example(name="../://", folder="former")
@given(name=_NAMES, folder=st.sampled_from(["former", "never"]))
def test_a_recorded_uri_is_re_anchored_only_from_a_former_folder_and_only_into_the_store(
    tmp_path: Path, name: str, folder: str
) -> None:
    """Whatever name a record ends in: under a folder the store was opened from before, the URI is found in the
    store where it is now and nowhere else (or refused); under a folder it never was in, it is refused."""
    store = ArtifactStore(tmp_path / "now" / "artifacts")
    remember_location(store, str(tmp_path / "then" / "artifacts"))
    parent = tmp_path / ("then" if folder == "former" else "elsewhere") / "artifacts"
    finder = StoreFinder(store, zen_dir=tmp_path, known_options={})
    plain = name.rstrip("/")
    anchored = folder == "former" and plain not in ("", "..") and "/" not in plain
    try:
        found = finder.locate(f"{parent}/{name}")
    except UnsafePathError:
        assert not anchored
        return
    assert anchored and found.store is store and found.uri == f"{store.root}/{plain}"
    try:
        path = store.path_of(found.uri)
    except (UnsafePathError, ArtifactNotFoundError):
        return
    assert store.root in path.resolve().parents
