"""What makes a run's repository state dirty: uncommitted changes to tracked files (as `git describe --dirty`
counts them), never untracked files lying in the tree, which are listed apart."""

from __future__ import annotations

import zen_git
from tests.common.git import git
from tests.zen_git.test_git import Repo
from tests.zen_git.test_git import repo as repo  # noqa: PLC0414 - the same real repository fixture


def test_untracked_files_do_not_make_the_tree_dirty_and_are_listed(repo: Repo) -> None:
    head = repo.commit()
    (repo.root / "notes.txt").write_text("to do\n")
    repo.write("scratch/data.csv", "a,b\n")
    state = zen_git.repo_state(repo.root)
    assert (state.head_sha, state.dirty, state.diff_digest) == (head, False, None)
    assert state.untracked == ("notes.txt", f"{repo.pkg}/scratch/data.csv")


def test_each_uncommitted_change_to_a_tracked_file_makes_the_tree_dirty(repo: Repo) -> None:
    """Modified, staged (a new file added), deleted: each is dirty, with its own digest; untracked files beside
    them do not change the digest."""
    repo.commit()
    clean = zen_git.repo_state(repo.root)
    digests = set()
    (repo.root / "notes.txt").write_text("to do\n")
    for change in ("modified", "staged", "deleted"):
        git(repo.root, "reset", "-q", "--hard")
        if change == "modified":
            repo.write("helpers.py", "def offset() -> int:\n    return 2\n")
        elif change == "staged":
            repo.write("new.py", "X = 1\n")
            git(repo.root, "add", f"{repo.pkg}/new.py")
        else:
            (repo.root / repo.pkg / "helpers.py").unlink()
        state = zen_git.repo_state(repo.root)
        assert state.dirty, change
        assert state.diff_digest is not None
        (repo.root / "notes.txt").write_text("other notes\n")
        assert zen_git.repo_state(repo.root).diff_digest == state.diff_digest, change
        digests.add(state.diff_digest)
    assert len(digests) == 3 and not clean.dirty


def test_a_pinner_that_lists_no_untracked_files_records_the_same_state_and_decisions(repo: Repo) -> None:
    """A run's pinner does not ask git for untracked files: HEAD, dirty and the digest are the same as a full
    read's, and a module in an untracked file is still unpinned as untracked."""
    repo.commit()
    (repo.root / "notes.txt").write_text("to do\n")
    repo.write("helpers.py", "def offset() -> int:\n    return 2\n")
    repo.write("loose.py", "def f() -> int:\n    return 1\n")
    full = zen_git.repo_state(repo.root)
    pinner = zen_git.Pinner(repo.root, untracked=False)
    state = pinner.state()
    assert (state.head_sha, state.dirty, state.diff_digest) == (full.head_sha, True, full.diff_digest)
    assert state.untracked == () and len(full.untracked) == 2
    decision = pinner.decide(vars(repo.module("loose"))["f"])
    assert isinstance(decision, zen_git.Unpinned) and decision.reason is zen_git.UnpinnedReason.UNTRACKED
