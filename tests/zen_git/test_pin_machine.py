"""A pin is a promise, checked by a state machine over a real git repository.

Random sequences of add / commit / modify / stage / ignore (and re-include with a negated rule) / untrack /
rename / move into a nested package / symlink (a module, or a folder giving modules a second name) / detached
HEAD / shallow clone / submodule, plus what `git status` does not show (assume-unchanged and skip-worktree
flags, CRLF files git normalises) and helpers imported inside a function; after each step every step module on disk is imported afresh and pinned. Each decision is checked
against git's own porcelain-free answers (``git hash-object --no-filters`` of the file against ``git rev-parse
HEAD:path``, ``git ls-files -s``, ``git check-ignore``): a pin only when the
bytes that ran are HEAD's, otherwise the right reason. Every pin is then loaded from a fresh process through
``zen_git.resolve`` (one subprocess per repository, for all its pins) and must give back the bytes that ran and
the value the code returned.
"""

from __future__ import annotations

import collections
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import zen_git
from zen_git import Pinned, SourceCache, Unpinned, UnpinnedReason

NAMES = ("m0", "m1", "m2")
STATES_EXPLORED = [0]
OUTCOMES: collections.Counter[str] = collections.Counter()

CHECK = textwrap.dedent(
    """
    import hashlib, json, linecache, sys
    job = json.load(sys.stdin)
    sys.path[:0] = job["paths"]
    import zen_git
    results = []
    for pin in job["pins"]:
        try:
            obj = zen_git.resolve(pin["source"], root=job["root"])
            text = "".join(linecache.getlines(obj.__code__.co_filename))
            results.append([pin["source"], hashlib.sha256(text.encode()).hexdigest(), obj(), ""])
        except Exception as exc:
            results.append([pin["source"], "", "", repr(exc)])
    print(json.dumps(results))
    """
)


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "protocol.file.allow=always", *args],
        cwd=root,
        check=check,
        capture_output=True,
        text=True,
    )


def expected(root: Path, relative: str) -> UnpinnedReason | None:
    """git's answer, asked command by command: why ``relative`` cannot be pinned (None: it can)."""
    path = root / relative
    if path.is_symlink():
        return UnpinnedReason.SYMLINK
    if git(root, "rev-parse", "-q", "--verify", "HEAD", check=False).returncode != 0:
        return UnpinnedReason.NO_COMMITS
    now = git(root, "hash-object", "--no-filters", "--", relative).stdout.strip()  # the bytes, as they run
    at_head = git(root, "rev-parse", "-q", "--verify", f"HEAD:{relative}", check=False).stdout.strip()
    if at_head == now:
        return None
    staged = git(root, "ls-files", "-s", "--", relative).stdout.split()
    if at_head == "":
        if staged:
            return UnpinnedReason.STAGED
        if git(root, "check-ignore", "-q", "--", relative, check=False).returncode == 0:
            return UnpinnedReason.IGNORED
        return UnpinnedReason.UNTRACKED
    if staged and staged[1] == now:
        return UnpinnedReason.STAGED
    return UnpinnedReason.MODIFIED


class PinMachine(RuleBasedStateMachine):
    """One repository (replaced by its shallow clone when that rule runs) with a package of step modules."""

    def __init__(self) -> None:
        super().__init__()
        self.base = Path(tempfile.mkdtemp(prefix="zen-pin-machine-")).resolve()
        self.pkg = f"pm_{uuid.uuid4().hex[:10]}"
        self.cache = SourceCache()
        self.pins: list[dict[str, str]] = []
        self.lib: str | None = None
        self._enter(self.base / "repo")
        self.root.mkdir()
        git(self.root, "init", "-q", "-b", "main")
        (self.root / ".gitignore").write_text("__pycache__/\n")
        self.counter = 0
        self._ensure_package()

    def _ensure_package(self) -> None:
        """The package and its helper (a shallow clone of a commit without them has neither)."""
        (self.root / self.pkg).mkdir(exist_ok=True)
        if not (self.root / self.pkg / "__init__.py").exists():
            (self.root / self.pkg / "__init__.py").write_text("")
        if not (self.root / self.pkg / "helper.py").exists():
            (self.root / self.pkg / "helper.py").write_text("def h() -> str:\n    return 'h0'\n")

    def _enter(self, root: Path) -> None:
        self.root = root
        self.paths = [str(root), str(root / "vendor" / "libs")]
        sys.path[:0] = self.paths

    def _leave(self) -> None:
        self.flush()
        for path in self.paths:
            if path in sys.path:
                sys.path.remove(path)
        self._purge()

    def _purge(self) -> None:
        for key in [k for k in sys.modules if k.split(".")[0] in (self.pkg, self.lib)]:
            del sys.modules[key]
        importlib.invalidate_caches()

    def _file(self, name: str) -> Path | None:
        for candidate in (self.root / self.pkg / f"{name}.py", self.root / self.pkg / "sub" / f"{name}.py"):
            if candidate.exists() or candidate.is_symlink():
                return candidate
        return None

    def _source(self, uses_helper: bool | str) -> str:
        """A step module; ``"lazy"`` imports the helper inside the function, so it is not imported when the
        module is pinned, but runs when the step does."""
        self.counter += 1
        token = f"{uuid.uuid4().hex[:6]}-{self.counter}"
        if uses_helper == "lazy":
            return f"TOKEN = {token!r}\n\n\ndef f() -> str:\n    from {self.pkg}.helper import h\n\n    return TOKEN + h()\n"
        if uses_helper:
            return (
                f"from {self.pkg}.helper import h\n\nTOKEN = {token!r}\n\n\ndef f() -> str:\n    return TOKEN + h()\n"
            )
        return f"TOKEN = {token!r}\n\n\ndef f() -> str:\n    return TOKEN\n"

    # -- rules ---------------------------------------------------------------------------------------------

    @initialize(commit_first=st.booleans())
    def start(self, commit_first: bool) -> None:
        """Two step modules (one importing the helper), committed or not yet."""
        (self.root / self.pkg / "m0.py").write_text(self._source(uses_helper=True))
        (self.root / self.pkg / "m1.py").write_text(self._source(uses_helper=False))
        if commit_first:
            git(self.root, "add", "-A")
            git(self.root, "commit", "-q", "-m", "start")

    @rule(name=st.sampled_from(NAMES), uses_helper=st.sampled_from([False, True, "lazy"]))
    def write(self, name: str, uses_helper: bool | str) -> None:
        """Create or modify a step module (replacing a symlink by a file)."""
        self._ensure_package()
        path = self._file(name) or self.root / self.pkg / f"{name}.py"
        if path.is_symlink():
            path.unlink()
        path.write_text(self._source(uses_helper))

    @rule()
    def edit_helper(self) -> None:
        """Modify the helper module some step modules import."""
        self._ensure_package()
        self.counter += 1
        (self.root / self.pkg / "helper.py").write_text(f"def h() -> str:\n    return 'h{self.counter}'\n")

    @rule(name=st.sampled_from((*NAMES, "helper")))
    def stage(self, name: str) -> None:
        """``git add`` one module."""
        path = self._file(name) if name != "helper" else self.root / self.pkg / "helper.py"
        if path is not None and (path.exists() or path.is_symlink()):  # a shallow clone may lack the helper
            # git refuses to add a skip-worktree path: the flag stays, and so does the index entry
            git(self.root, "add", "-f", "--", str(path.relative_to(self.root)), check=False)

    @rule()
    def add_all(self) -> None:
        """``git add -A`` (ignored files stay out)."""
        git(self.root, "add", "-A", check=False)

    @rule(name=st.sampled_from((*NAMES, "helper")), flag=st.sampled_from(["--assume-unchanged", "--skip-worktree"]))
    def hide(self, name: str, flag: str) -> None:
        """Mark a tracked module so `git status` stops showing its changes (``git update-index``)."""
        path = self._file(name) if name != "helper" else self.root / self.pkg / "helper.py"
        if path is not None:
            git(self.root, "update-index", flag, "--", str(path.relative_to(self.root)), check=False)

    @rule(name=st.sampled_from((*NAMES, "helper")))
    def crlf(self, name: str) -> None:
        """Rewrite a module with CRLF line endings; with ``*.py text`` in .gitattributes git commits it with LF,
        so the file differs from the commit while `git status` calls it clean."""
        path = self._file(name) if name != "helper" else self.root / self.pkg / "helper.py"
        if path is not None and path.exists() and not path.is_symlink():
            path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))

    @rule()
    def normalise_line_endings(self) -> None:
        """``*.py text`` in .gitattributes: git stores Python files with LF line endings."""
        (self.root / ".gitattributes").write_text("*.py text\n")

    @rule()
    def commit(self) -> None:
        """Commit what is staged."""
        git(self.root, "commit", "-q", "--allow-empty", "-m", f"c{self.counter}")

    @rule(name=st.sampled_from(NAMES))
    def ignore(self, name: str) -> None:
        """Add a rule to .gitignore that matches the module."""
        with (self.root / ".gitignore").open("a") as handle:
            handle.write(f"{name}.py\n")

    @rule(name=st.sampled_from(NAMES))
    def unignore(self, name: str) -> None:
        """Add a negated rule (``!m0.py``) that re-includes the module if an earlier rule ignored it."""
        with (self.root / ".gitignore").open("a") as handle:
            handle.write(f"!{name}.py\n")

    @rule(name=st.sampled_from(NAMES))
    def untrack(self, name: str) -> None:
        """``git rm --cached`` the module (the file stays)."""
        path = self._file(name)
        if path is not None:
            git(self.root, "rm", "-q", "-f", "--cached", "--ignore-unmatch", "--", str(path.relative_to(self.root)))

    @rule(name=st.sampled_from(NAMES), to=st.sampled_from(NAMES), with_git=st.booleans())
    def rename(self, name: str, to: str, with_git: bool) -> None:
        """Rename a module (``git mv`` when it is tracked, else a plain rename)."""
        path, target = self._file(name), self._file(to)
        if path is None or target is not None:
            return
        destination = path.with_name(f"{to}.py")
        tracked = git(self.root, "ls-files", "--", str(path.relative_to(self.root))).stdout.strip()
        moved = with_git and bool(tracked)
        if moved:
            relative = (str(path.relative_to(self.root)), str(destination.relative_to(self.root)))
            moved = git(self.root, "mv", "--", *relative, check=False).returncode == 0
        if not moved:
            path.rename(destination)

    @rule(name=st.sampled_from(NAMES))
    def move_nested(self, name: str) -> None:
        """Move a module into the nested package ``sub`` (created with its ``__init__.py`` when missing)."""
        path = self._file(name)
        sub = self.root / self.pkg / "sub"
        if path is None or path.parent == sub:
            return
        sub.mkdir(exist_ok=True)
        if not (sub / "__init__.py").exists():
            (sub / "__init__.py").write_text("")
        if path.is_symlink():  # a symlinked module's code moves with it
            code = path.parent / path.readlink()
            if code.exists():
                code.rename(sub / code.name)
        path.rename(sub / path.name)

    @rule(name=st.sampled_from(NAMES))
    def symlink(self, name: str) -> None:
        """Turn a module into a symbolic link to a copy of its code."""
        path = self._file(name)
        if path is None or path.is_symlink():
            return
        target = path.with_name(f"{name}_code.txt")
        target.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(target.name)

    @rule()
    def link_folder(self) -> None:
        """Add ``alias``, a symbolic link to the nested package ``sub``, so its modules have a second name."""
        alias = self.root / self.pkg / "alias"
        if (self.root / self.pkg / "sub").is_dir() and not alias.is_symlink():
            alias.symlink_to("sub")

    @precondition(lambda self: self._has_commits())
    @rule()
    def detach(self) -> None:
        """Detach HEAD at the current commit."""
        git(self.root, "checkout", "-q", "--detach")

    @precondition(lambda self: self._has_commits())
    @rule()
    def shallow_clone(self) -> None:
        """Carry on in a depth-1 clone of the repository (its committed state only)."""
        clone = self.base / f"clone{self.counter}"
        self.counter += 1
        self._leave()
        git(self.base, "clone", "-q", "--depth", "1", f"file://{self.root}", str(clone))
        self._enter(clone)
        # A commit may hold a step module without the helper it imports (staged alone): as its user would, write
        # the helper again, untracked, so the module imports - and cannot be pinned, for its import.
        self._ensure_package()

    @precondition(lambda self: self.lib is None)
    @rule()
    def submodule(self) -> None:
        """Add a library repository as a submodule; its modules pin to the submodule's own commits."""
        self.lib = f"lib_{uuid.uuid4().hex[:8]}"
        source = self.base / "lib_source"
        (source / self.lib).mkdir(parents=True)
        (source / self.lib / "__init__.py").write_text("")
        (source / self.lib / "libmod.py").write_text(self._source(uses_helper=False))
        git(source, "init", "-q", "-b", "main")
        git(source, "add", "-A")
        git(source, "commit", "-q", "-m", "lib")
        git(self.root, "submodule", "add", "-q", str(source), "vendor/libs")

    def _has_commits(self) -> bool:
        return git(self.root, "rev-parse", "-q", "--verify", "HEAD", check=False).returncode == 0

    # -- the promise ---------------------------------------------------------------------------------------

    @invariant()
    def every_decision_is_what_git_says(self) -> None:
        """Pin every step module on disk; each pin is HEAD where git agrees the bytes are HEAD's, else the
        reason git's own commands give."""
        STATES_EXPLORED[0] += 1
        self._purge()
        pinner = zen_git.Pinner(self.root, cache=self.cache)
        modules: list[tuple[str, Path, Path]] = []  # (module name, file, repository root)
        aliased = (self.root / self.pkg / "alias").is_symlink()
        for name in NAMES:
            path = self._file(name)
            if path is not None:
                dotted = f"{self.pkg}.sub.{name}" if path.parent.name == "sub" else f"{self.pkg}.{name}"
                modules.append((dotted, path, self.root))
                if aliased and path.parent.name == "sub":  # the same file, imported through the linked folder
                    modules.append((f"{self.pkg}.alias.{name}", path, self.root))
        lib_root = self.root / "vendor" / "libs"
        if self.lib is not None and (lib_root / self.lib / "libmod.py").exists():
            modules.append((f"{self.lib}.libmod", lib_root / self.lib / "libmod.py", lib_root))
        for dotted, path, repo_root in modules:
            func = importlib.import_module(dotted).f
            decision = pinner.decide(func)
            relative = path.relative_to(repo_root).as_posix()
            reason = expected(repo_root, relative)
            if reason is None and ".alias." in dotted:
                reason = UnpinnedReason.SYMLINK  # a commit stores the link: no name leads to the file there
            if reason is None:
                for dependency in self._dependencies(path, repo_root):
                    if expected(repo_root, dependency) is not None:
                        reason = UnpinnedReason.IMPORT
                        break
            if reason is None:
                head = git(repo_root, "rev-parse", "HEAD").stdout.strip()
                assert isinstance(decision, Pinned), (relative, decision)
                assert decision.ref.sha == head
                OUTCOMES["pinned"] += 1
                self.pins.append(
                    {
                        "source": str(decision.ref),
                        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                        "value": func(),
                    }
                )
            else:
                assert isinstance(decision, Unpinned), (relative, reason, decision)
                assert decision.reason is reason, (relative, decision.detail)
                OUTCOMES[reason.name] += 1

    def _dependencies(self, path: Path, repo_root: Path) -> list[str]:
        """The repository files loading the module runs too: its packages' ``__init__`` and the helper."""
        folders = [p for p in path.parents if p.is_relative_to(repo_root) and p != repo_root]
        found = [(p / "__init__.py").relative_to(repo_root).as_posix() for p in folders if (p / "__init__.py").exists()]
        if "helper import h" in path.read_text():
            found.append(f"{self.pkg}/helper.py")
        return found

    def flush(self) -> None:
        """Load every pin made in this repository from a fresh process: the bytes and the value must match."""
        if not self.pins:
            return
        pins, self.pins = self.pins, []
        done = subprocess.run(
            [sys.executable, "-c", CHECK],
            input=json.dumps({"paths": self.paths, "root": str(self.root), "pins": pins}),
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        by_source = {pin["source"]: pin for pin in pins}
        for source, digest, value, error in json.loads(done.stdout):
            assert not error, (source, error)
            assert digest == by_source[source]["sha256"], source
            assert value == by_source[source]["value"], source

    def teardown(self) -> None:
        try:
            self._leave()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def test_every_pin_resolves_to_the_bytes_that_ran(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No sequence of git operations yields a pin that does not load the code that ran, or a wrong reason."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    run_state_machine_as_test(
        PinMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            # Shrinking a sequence of git operations takes longer than the test timeout; a failure is reported
            # as found (up to 15 steps, each printed).
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )
    with capsys.disabled():
        print(f"\npin state machine: {STATES_EXPLORED[0]} states explored; decisions: {dict(OUTCOMES)}")


def test_a_shallow_clone_of_a_module_committed_without_its_helper_is_unpinned_for_its_import() -> None:
    """The sequence that once broke the model: ``m0`` (which imports the helper) committed alone, then a shallow
    clone, then ``git add`` of the helper the clone lacks; ``m0`` must be reported unpinned for its import, and
    nothing pinned before may fail to load."""
    machine = PinMachine()
    try:
        machine.start(commit_first=False)
        machine.stage("m0")
        machine.commit()
        machine.every_decision_is_what_git_says()
        machine.shallow_clone()
        machine.stage("helper")
        machine.every_decision_is_what_git_says()
        machine.flush()
    finally:
        machine.teardown()
    assert not (machine.base).exists()
