"""A run's `git status` is read again only when something it answers from changed: each test lets the repository
settle, reads the status, changes one thing and checks the next read is git's answer now (and that an unchanged,
settled repository is answered from the cache)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.common.git import git
from tests.zen_git.test_git import Repo
from tests.zen_git.test_git import repo as repo  # noqa: PLC0414 - the same real repository fixture
from zen_git import SourceCache
from zen_git._git import GitRepo, Status


def _settle() -> None:
    time.sleep(2.2)  # every file and folder changed more than the settling time before the next read


@pytest.fixture
def opened(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    for name in [n for n in os.environ if n.startswith("GIT_")]:
        monkeypatch.delenv(name)  # none of them here points git elsewhere, but keep the test's git plain
    repo.commit()
    found = GitRepo.open(repo.root)
    assert found is not None
    return found


def _read(cache: SourceCache, opened: GitRepo) -> Status:
    return cache.tracked_status(opened)


def test_a_settled_unchanged_repository_is_answered_from_the_cache(opened: GitRepo) -> None:
    cache = SourceCache()
    _settle()
    first = _read(cache, opened)
    assert _read(cache, opened) is first
    assert first == opened.status(untracked=False)


def test_a_repository_changed_moments_ago_is_asked_every_time(repo: Repo, opened: GitRepo) -> None:
    """Within the file system's timestamp tick of a change, a second change could keep every identity: a
    repository whose last change is that recent is never answered from the cache."""
    cache = SourceCache()
    repo.write("helpers.py", "def offset() -> int:\n    return 5\n")
    first = _read(cache, opened)
    assert _read(cache, opened) is not first


def _nothing(repo: Repo) -> None:
    """No preparation."""


def _modify(repo: Repo) -> None:
    path = repo.root / repo.pkg / "helpers.py"
    stamp = path.stat()
    path.write_text(path.read_text().replace("1", "2"))  # the same size
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # and the same modification time


def _edit(repo: Repo) -> None:
    repo.write("helpers.py", "def offset() -> int:\n    return 3\n")


def _stage(repo: Repo) -> None:
    git(repo.root, "add", "-A")  # the index alone changes


def _commit(repo: Repo) -> None:
    git(repo.root, "commit", "-q", "--allow-empty", "-m", "empty")  # the branch's ref alone changes


def _detach(repo: Repo) -> None:
    git(repo.root, "checkout", "-q", "--detach", "HEAD")  # HEAD alone changes


def _delete(repo: Repo) -> None:
    (repo.root / repo.pkg / "helpers.py").unlink()


def _pack(repo: Repo) -> None:
    git(repo.root, "pack-refs", "--all")


def _move_packed(repo: Repo) -> None:
    """The branch moved by rewriting packed-refs alone."""
    first = git(repo.root, "rev-list", "--max-parents=0", "HEAD")
    packed = repo.root / ".git" / "packed-refs"
    packed.write_text(packed.read_text().replace(git(repo.root, "rev-parse", "HEAD"), first))


@pytest.mark.parametrize(
    ("prepare", "change"),
    [
        (_nothing, _modify),
        (_edit, _stage),
        (_nothing, _commit),
        (_nothing, _detach),
        (_nothing, _delete),
        (_pack, _move_packed),
    ],
    ids=["modified-in-place", "staged", "committed", "detached", "deleted", "packed-refs"],
)
def test_each_change_git_would_see_is_seen(
    repo: Repo, opened: GitRepo, prepare: Callable[[Repo], None], change: Callable[[Repo], None]
) -> None:
    repo.write("other.py", "Y = 1\n")
    repo.commit()  # a second commit
    prepare(repo)
    cache = SourceCache()
    _settle()
    before = _read(cache, opened)
    assert _read(cache, opened) is before
    change(repo)
    after = _read(cache, opened)
    assert after == opened.status(untracked=False)
    assert after != before


def test_a_submodule_repository_is_always_asked(
    repo: Repo, opened: GitRepo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    inner = tmp_path_factory.mktemp("inner")
    git(inner, "init", "-q", "-b", "main")
    (inner / "x.txt").write_text("x\n")
    git(inner, "add", "-A")
    git(inner, "commit", "-q", "-m", "i")
    git(repo.root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "sub")
    repo.commit()
    cache = SourceCache()
    _settle()
    first = _read(cache, opened)
    assert _read(cache, opened) is not first


def test_a_file_added_beside_tracked_files_asks_git_again(repo: Repo, opened: GitRepo) -> None:
    """A new file in a folder of tracked files (a ``.gitattributes`` there changes how they compare) changes the
    folder: git is asked again."""
    cache = SourceCache()
    _settle()
    before = _read(cache, opened)
    repo.write(".gitattributes", "*.py text eol=crlf\n")
    after = _read(cache, opened)
    assert after is not before and after == opened.status(untracked=False)


def test_a_repository_whose_configuration_runs_filters_is_always_asked(repo: Repo, opened: GitRepo) -> None:
    git(repo.root, "config", "filter.upper.clean", "cat")
    cache = SourceCache()
    _settle()
    first = _read(cache, opened)
    assert _read(cache, opened) is not first


@pytest.mark.parametrize(
    ("variable", "config"), [("HOME", ".gitconfig"), ("XDG_CONFIG_HOME", "git/config")], ids=["home", "xdg"]
)
def test_a_user_configuration_that_runs_filters_is_followed_when_the_environment_names_another(
    opened: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, config: str
) -> None:
    """The user's configuration files are where ``HOME`` and ``XDG_CONFIG_HOME`` say at each read, not where they
    were when the cache first looked: one that runs filters, named after a cached answer, makes git answer again."""
    user = tmp_path / "user"
    (user / config).parent.mkdir(parents=True, exist_ok=True)
    (user / config).write_text('[filter "upper"]\n\tclean = cat\n')
    cache = SourceCache()
    _settle()
    first = _read(cache, opened)
    assert _read(cache, opened) is first
    monkeypatch.setenv(variable, str(user))
    again = _read(cache, opened)
    assert again is not first
    assert _read(cache, opened) is not again
