"""Where a project lives: the nearest marker (``.zen/`` or a git work tree) from the current folder upwards."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

from zen_run import Project, find_project_root
from zen_run.errors import SharedProjectRootWarning


@pytest.fixture
def no_zen_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEN_ROOT", raising=False)


@pytest.mark.usefixtures("no_zen_root")
def test_a_git_repository_inside_a_folder_holding_zen_is_its_own_project(tmp_path: Path) -> None:
    """A stray ``.zen/`` in a parent (a home folder, /tmp) does not capture a user's repository below it."""
    (tmp_path / ".zen").mkdir()
    repo = tmp_path / "mine"
    (repo / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    assert find_project_root(repo / "src") == repo.resolve()
    assert find_project_root(tmp_path / "elsewhere") == tmp_path.resolve()


@pytest.mark.usefixtures("no_zen_root")
def test_a_zen_folder_inside_a_repository_marks_a_project_below_its_root(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "sub" / ".zen").mkdir(parents=True)
    assert find_project_root(tmp_path / "sub") == (tmp_path / "sub").resolve()
    assert find_project_root(tmp_path) == tmp_path.resolve()


@pytest.mark.usefixtures("no_zen_root")
def test_a_stray_zen_folder_in_the_home_or_temporary_folder_warns_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``.zen/`` in the home folder or the temporary folder (not a git repository) would silently become the
    project of every folder below it: finding it warns, naming both folders and the fix."""
    home, temp = tmp_path / "home", tmp_path / "temp"
    for shared in (home, temp):
        (shared / ".zen").mkdir(parents=True)
        (shared / "work" / "sub").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    for shared in (home, temp):
        with pytest.warns(SharedProjectRootWarning) as caught:
            assert find_project_root(shared / "work" / "sub") == shared.resolve()
        said = str(caught[0].message)
        assert str(shared.resolve()) in said and str((shared / "work" / "sub").resolve()) in said
        assert "ZEN_ROOT" in said and "zen init" in said


@pytest.mark.usefixtures("no_zen_root")
def test_a_project_below_the_home_folder_or_a_home_repository_does_not_warn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "proj" / ".zen").mkdir(parents=True)
    (home / "proj" / "sub").mkdir()
    monkeypatch.setenv("HOME", str(home))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert find_project_root(home / "proj" / "sub") == (home / "proj").resolve()
        subprocess.run(["git", "init", "-q"], cwd=home, check=True)  # a home folder that is a repository
        (home / "notes").mkdir()
        assert find_project_root(home / "notes") == home.resolve()


def test_zen_root_overrides_the_markers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEN_ROOT", str(tmp_path / "there"))
    (tmp_path / ".zen").mkdir()
    assert find_project_root(tmp_path) == (tmp_path / "there").resolve()


def test_make_importable_puts_the_root_first_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    Project(tmp_path).make_importable()
    Project(tmp_path).make_importable()
    assert sys.path[0] == str(tmp_path)
    assert sys.path.count(str(tmp_path)) == 1


def _init(folder: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ZEN_ROOT"}
    done = subprocess.run(
        [sys.executable, "-m", "zen_run", "init"], cwd=folder, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.usefixtures("no_zen_root")
def test_zen_init_says_where_the_project_is_and_how_to_pin_its_code(tmp_path: Path) -> None:
    """`zen init` outside git says runs cannot be pinned until `git init`; inside a repository it says nothing of
    the kind, and its project is the repository's root."""
    loose = tmp_path / "loose"
    loose.mkdir()
    said = _init(loose)
    root = find_project_root(loose)  # loose itself, unless a folder above holds a .zen/ (as /tmp may)
    assert f"zen project at {root}" in said and "`git init`" in said
    assert (root / ".zen").is_dir()
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    said = _init(repo / "src")
    assert f"zen project at {repo.resolve()}" in said and "git init" not in said


def test_zen_init_makes_the_root_folder_but_never_the_folders_above_it(tmp_path: Path) -> None:
    """`ZEN_ROOT` naming a new folder in an existing one is created, like `mkdir`; one whose parent is missing (a
    typo) or that is a file is refused in one sentence, exit 3, creating nothing; `zen run` refuses the same way
    before running anything."""
    fresh = tmp_path / "fresh"
    done = subprocess.run(
        [sys.executable, "-m", "zen_run", "init"],
        env={**os.environ, "ZEN_ROOT": str(fresh)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and (fresh / ".zen").is_dir(), done.stderr
    (tmp_path / "a-file").write_text("")
    (tmp_path / "flows.py").write_text(
        "from pathlib import Path\nfrom zen_run import Slot, pipeline, step\n\n"
        "@step\ndef touches() -> int:\n    Path(__file__).with_name('ran').write_text('')\n    return 1\n\n"
        "@pipeline\ndef once(only: Slot[[], int]) -> None:\n    only()\n\ninstance = once(only=touches())\n"
    )
    for root, problem in (
        (tmp_path / "typo" / "proj", f"the folder it goes in, {tmp_path / 'typo'}, does not exist"),
        (tmp_path / "a-file", "it is a file, not a folder"),
    ):
        for args in (["init"], ["run", "flows:instance"]):
            done = subprocess.run(
                [sys.executable, "-m", "zen_run", *args],
                cwd=tmp_path,
                env={**os.environ, "ZEN_ROOT": str(root)},
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 3, done.stderr
            assert done.stderr == (
                f"zen: cannot make a zen project in {root}: {problem}"
                f"{' (zen never creates the folders above it)' if 'typo' in str(root) else ''}. Set ZEN_ROOT to your "
                f"project's folder, or create the folder first; nothing was created.\n"
            )
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == ["a-file", "flows.py", "fresh"]
