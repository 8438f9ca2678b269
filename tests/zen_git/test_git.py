"""Code pinning and pinned loading against real git repositories built in temporary directories."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
import textwrap
import time
import typing
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

import zen_git
from tests.common.git import git
from zen_git import Pinner, UnpinnedCodeWarning, UnpinnedReason, UpwardRelativeImportError
from zen_materialize import JsonMaterializer


class Repo:
    """A real repository with one package whose name is unique to the test (modules are cached per name)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pkg = f"pkg_{uuid.uuid4().hex[:8]}"
        (root / self.pkg).mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")

    def write(self, relative: str, text: str) -> Path:
        path = self.root / self.pkg / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def commit(self, message: str = "c") -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)
        return git(self.root, "rev-parse", "HEAD")

    def module(self, name: str) -> object:
        full = f"{self.pkg}.{name}"
        for key in [k for k in sys.modules if k == self.pkg or k.startswith(self.pkg + ".")]:
            del sys.modules[key]
        importlib.invalidate_caches()
        return importlib.import_module(full)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.syspath_prepend(str(tmp_path))
    made = Repo(tmp_path)
    made.write("__init__.py", "")
    made.write("helpers.py", "def offset() -> int:\n    return 1\n")
    made.write("steps.py", f"from {made.pkg}.helpers import offset\n\ndef value() -> int:\n    return 10 + offset()\n")
    return made


def _get(module: object, name: str) -> Callable[[], int]:
    found: Callable[[], int] = getattr(module, name)
    return found


def test_clean_folder_pins_to_head(repo: Repo) -> None:
    """When every file of the module's folder is committed, the source carries HEAD's sha."""
    sha = repo.commit()
    func = _get(repo.module("steps"), "value")
    ref = Pinner(repo.root).pin(func)
    assert str(ref) == f"{repo.pkg}.steps.value@{sha}"


@pytest.mark.parametrize(
    ("state", "reason", "message"),
    [
        ("modified", UnpinnedReason.MODIFIED, "changes that are not committed"),
        ("staged", UnpinnedReason.STAGED, "staged but not committed"),
        ("new-staged", UnpinnedReason.STAGED, "staged but not committed"),
        ("untracked", UnpinnedReason.UNTRACKED, "not tracked by git"),
        ("ignored", UnpinnedReason.IGNORED, r"ignored by git \(.gitignore:2:wip\*\)"),
    ],
)
def test_each_uncommitted_state_of_the_module_file_unpins_with_its_reason(
    repo: Repo, state: str, reason: UnpinnedReason, message: str
) -> None:
    """Modified, staged, new, untracked and ignored module files are unpinned, each with its own reason."""
    repo.write("../.gitignore", "*.log\nwip*\n")
    repo.commit()
    name = "steps"
    if state in ("modified", "staged"):
        repo.write("steps.py", "def value() -> int:\n    return 3\n")
    else:
        name = "wip_steps" if state == "ignored" else "new_steps"
        repo.write(f"{name}.py", "def value() -> int:\n    return 3\n")
    if state in ("staged", "new-staged"):
        git(repo.root, "add", "-A")
    func = _get(repo.module(name), "value")
    decision = Pinner(repo.root).decide(func)
    assert isinstance(decision, zen_git.Unpinned)
    assert decision.reason is reason
    with pytest.warns(UnpinnedCodeWarning, match=message):
        ref = Pinner(repo.root).pin(func)
    assert ref.sha is None
    assert str(ref) == f"{repo.pkg}.{name}.value"


def test_an_uncommitted_imported_module_unpins_the_module_that_imports_it(repo: Repo) -> None:
    """Loading the pin would run the committed helpers, not the edited ones that ran: so no pin, naming it."""
    repo.commit()
    repo.write("helpers.py", "def offset() -> int:\n    return 2\n")
    func = _get(repo.module("steps"), "value")
    with pytest.warns(UnpinnedCodeWarning, match=rf"it imports {repo.pkg}.helpers, and .*helpers.py has changes"):
        ref = Pinner(repo.root).pin(func)
    assert ref.sha is None
    decision = Pinner(repo.root).decide(func)
    assert isinstance(decision, zen_git.Unpinned) and decision.reason is UnpinnedReason.IMPORT


def test_uncommitted_files_the_module_does_not_import_do_not_unpin(repo: Repo) -> None:
    """A scratch module beside the step module, never imported by it, does not change what the pin loads."""
    sha = repo.commit()
    repo.write("notes.py", "x = 1\n")
    func = _get(repo.module("steps"), "value")
    assert Pinner(repo.root).pin(func).sha == sha


def test_changes_in_another_folder_do_not_unpin(repo: Repo) -> None:
    """Only the module's own folder matters."""
    (repo.root / "elsewhere").mkdir()
    sha = repo.commit()
    (repo.root / "elsewhere" / "scratch.txt").write_text("wip")
    func = _get(repo.module("steps"), "value")
    assert Pinner(repo.root).pin(func).sha == sha


def test_pinned_load_returns_old_behaviour_while_the_tree_has_the_new(repo: Repo) -> None:
    """A pin loads the module and its sibling modules as they were at that commit, in memory."""
    old = repo.commit("v1")
    repo.write("helpers.py", "def offset() -> int:\n    return 5\n")
    repo.commit("v2")
    live = _get(repo.module("steps"), "value")
    assert live() == 15
    pinned = zen_git.resolve(f"{repo.pkg}.steps.value@{old}")
    assert callable(pinned)
    assert pinned() == 11
    assert _get(repo.module("steps"), "value")() == 15  # the live module is untouched
    assert zen_git.resolve(f"{repo.pkg}.steps.value@{old}") is pinned  # loading twice gives the same object
    assert (repo.root / repo.pkg / "helpers.py").read_text().endswith("return 5\n")  # no checkout happened


def test_a_pin_loads_the_committed_code_even_while_the_tree_is_edited(repo: Repo) -> None:
    """Uncommitted edits in the working tree never leak into pinned code: every module comes from the commit."""
    sha = repo.commit()
    repo.write("helpers.py", "def offset() -> int:\n    return 9\n")
    repo.write("steps.py", "def value() -> int:\n    return 0\n")
    pinned = zen_git.resolve(f"{repo.pkg}.steps.value@{sha}")
    assert callable(pinned)
    assert pinned() == 11


def test_pinned_code_keeps_its_real_module_name_and_fingerprint(repo: Repo) -> None:
    """Code loaded from history has the names and fingerprint of the code when it ran, and pins back to its
    commit, so a re-run records the same source and hits the same cache entries."""
    sha = repo.commit("v1")
    live = _get(repo.module("steps"), "value")
    before = zen_git.code_fingerprint(live, root=repo.root)
    repo.write("helpers.py", "def offset() -> int:\n    return 5\n")
    repo.commit("v2")
    pinned = zen_git.resolve(f"{repo.pkg}.steps.value@{sha}")
    assert getattr(pinned, "__module__", None) == f"{repo.pkg}.steps"
    assert zen_git.code_fingerprint(pinned, root=repo.root) == before
    assert str(Pinner(repo.root).pin(pinned)) == f"{repo.pkg}.steps.value@{sha}"
    assert getattr(pinned, "__globals__", None) is not vars(sys.modules[f"{repo.pkg}.steps"])  # live one untouched


CLASSES = """
from __future__ import annotations

import typing

Number = int


class Pair(typing.NamedTuple):
    left: Number
    right: Number

    def total(self) -> Number:
        return self.left + self.right


def make() -> Pair:
    return Pair(1, 2)
"""


def test_classes_loaded_from_history_keep_their_fingerprint_and_resolvable_annotations(repo: Repo) -> None:
    """A class from history, while the working tree has another version and the module is not in sys.modules:
    its fingerprint is the one it had when it ran (its source is read from the commit, not the tree) and its
    string annotations resolve in its own module."""
    repo.write("shapes.py", CLASSES)
    sha = repo.commit("v1")
    live = repo.module("shapes")
    before = zen_git.code_fingerprint(_get(live, "make"), root=repo.root)
    assert f"{repo.pkg}.shapes.Pair" in before.parts
    repo.write("shapes.py", CLASSES.replace("left + self.right", "left * self.right"))
    repo.commit("v2")
    for key in [k for k in sys.modules if k == repo.pkg or k.startswith(repo.pkg + ".")]:
        del sys.modules[key]
    pinned = zen_git.resolve(f"{repo.pkg}.shapes.make@{sha}")
    assert zen_git.code_fingerprint(pinned, root=repo.root) == before
    pair = zen_git.resolve(f"{repo.pkg}.shapes.Pair@{sha}")
    assert typing.get_type_hints(pair) == {"left": int, "right": int}
    assert f"{repo.pkg}.shapes" not in sys.modules


def test_a_pin_loads_after_its_module_was_renamed_or_deleted(repo: Repo) -> None:
    """The module a pin names is found in the commit, even when the working tree no longer has it."""
    sha = repo.commit("v1")
    git(repo.root, "mv", f"{repo.pkg}/steps.py", f"{repo.pkg}/renamed.py")
    git(repo.root, "rm", "-q", f"{repo.pkg}/helpers.py")
    repo.commit("v2")
    for key in [k for k in sys.modules if k == repo.pkg or k.startswith(repo.pkg + ".")]:
        del sys.modules[key]
    pinned = zen_git.resolve(f"{repo.pkg}.steps.value@{sha}")
    assert callable(pinned)
    assert pinned() == 11


def test_upward_relative_import_is_refused_with_the_line(repo: Repo) -> None:
    """`from .. import x` in a module to pin is refused, naming the file and line."""
    repo.write("sub/__init__.py", "")
    repo.write("sub/deep.py", "import os\nfrom .. import helpers\n\ndef f() -> int:\n    return 1\n")
    repo.commit()
    func = _get(repo.module("sub.deep"), "f")
    with pytest.raises(UpwardRelativeImportError, match=r"deep.py:2"):
        Pinner(repo.root).pin(func)


def test_builtins_pin_to_the_zen_version(tmp_path: Path) -> None:
    """zen's own classes resolve to module.Name@zen_<version>."""
    ref = Pinner(tmp_path).pin(JsonMaterializer)
    assert str(ref) == "zen_materialize._builtins.JsonMaterializer@zen_0.1.0"
    assert zen_git.resolve(str(ref)) is JsonMaterializer


def test_no_repository_and_empty_repository_are_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a repository, or before the first commit, code is unpinned with the reason given."""
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"lonely_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text("def f() -> int:\n    return 1\n")
    func = _get(importlib.import_module(name), "f")
    with pytest.warns(UnpinnedCodeWarning, match="no git repository"):
        assert Pinner(tmp_path).pin(func).sha is None
    git(tmp_path, "init", "-q")
    with pytest.warns(UnpinnedCodeWarning, match="no commits"):
        assert Pinner(tmp_path).pin(func).sha is None


def test_detached_head_still_pins_and_state_reports_it(repo: Repo) -> None:
    """A detached HEAD pins to its commit; the recorded state has no branch."""
    sha = repo.commit()
    git(repo.root, "checkout", "-q", "--detach")
    func = _get(repo.module("steps"), "value")
    assert Pinner(repo.root).pin(func).sha == sha
    state = zen_git.repo_state(repo.root)
    assert state.branch is None and state.head_sha == sha and not state.dirty


def test_repo_state_digest_changes_with_the_uncommitted_diff(repo: Repo) -> None:
    """A dirty tree is flagged and its diff digest tells two dirty states apart."""
    repo.commit()
    repo.write("helpers.py", "def offset() -> int:\n    return 7\n")
    first = zen_git.repo_state(repo.root)
    repo.write("helpers.py", "def offset() -> int:\n    return 8\n")
    second = zen_git.repo_state(repo.root)
    assert first.dirty and second.dirty
    assert first.diff_digest != second.diff_digest


def test_fingerprint_ignores_formatting_and_sees_helper_edits(repo: Repo) -> None:
    """Comments, spacing and docstrings do not change the fingerprint; an edited helper in another module does."""
    repo.commit()
    before = zen_git.code_fingerprint(_get(repo.module("steps"), "value"), root=repo.root)
    repo.write(
        "steps.py",
        f'from {repo.pkg}.helpers import offset\n\n\ndef value() -> int:  # a comment\n    """Doc."""\n'
        "    return 10 + offset()\n",
    )
    same = zen_git.code_fingerprint(_get(repo.module("steps"), "value"), root=repo.root)
    assert same.digest == before.digest
    repo.write("helpers.py", "def offset() -> int:\n    return 2\n")
    changed = zen_git.code_fingerprint(_get(repo.module("steps"), "value"), root=repo.root)
    assert changed.digest != before.digest
    differing = {k for k in changed.parts if changed.parts[k] != before.parts.get(k)}
    assert differing == {f"{repo.pkg}.helpers.offset"}


def test_shallow_clone_pins_and_state_reports_it(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shallow clone still pins to its HEAD (that commit's blobs are present); the state says it is shallow."""
    repo.commit("v1")
    repo.write("helpers.py", "def offset() -> int:\n    return 3\n")
    sha = repo.commit("v2")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    monkeypatch.syspath_prepend(str(clone))
    for key in [k for k in sys.modules if k == repo.pkg or k.startswith(repo.pkg + ".")]:
        del sys.modules[key]
    func = _get(importlib.import_module(f"{repo.pkg}.steps"), "value")
    assert Path(str(getattr(sys.modules[f"{repo.pkg}.steps"], "__file__", ""))).is_relative_to(clone)
    assert Pinner(clone).pin(func).sha == sha
    state = zen_git.repo_state(clone)
    assert state.shallow and state.head_sha == sha


def test_module_outside_the_repository_is_unpinned_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code that lives outside the run's repository (and is not installed) is unpinned, saying why."""
    inside = tmp_path / "project"
    inside.mkdir()
    git(inside, "init", "-q")
    (inside / "x.txt").write_text("x")
    git(inside, "add", "-A")
    git(inside, "commit", "-q", "-m", "c")
    outside = tmp_path / "loose"
    outside.mkdir()
    monkeypatch.syspath_prepend(str(outside))
    name = f"loose_{uuid.uuid4().hex[:8]}"
    (outside / f"{name}.py").write_text("def f() -> int:\n    return 1\n")
    func = _get(importlib.import_module(name), "f")
    with pytest.warns(UnpinnedCodeWarning, match="outside the repository"):
        assert str(Pinner(inside).pin(func)) == f"{name}.f"


def test_main_objects_are_unpinned_with_an_explanation(tmp_path: Path) -> None:
    """Objects from __main__ cannot be imported again, so they are unpinned and the warning says to move them."""

    def step() -> int:
        return 1

    step.__module__ = "__main__"
    with pytest.warns(UnpinnedCodeWarning, match="__main__"):
        ref = Pinner(tmp_path).pin(step)
    assert ref.sha is None and ref.module == "__main__"


def test_third_party_objects_pin_to_their_distribution_version(tmp_path: Path) -> None:
    """Installed third-party code resolves to module.Name@<distribution>==<version>, and loads back."""
    import attr

    ref = Pinner(tmp_path).pin(attr.Factory)
    assert ref.builtin_version == f"attrs=={importlib.metadata.version('attrs')}"
    assert zen_git.resolve(str(ref)) is attr.Factory


def test_resolving_installed_code_of_another_version_is_refused() -> None:
    """A recorded distribution version that is not the installed one is refused, saying what to install."""
    installed = importlib.metadata.version("attrs")
    with pytest.raises(zen_git.InstalledVersionError, match=rf"attrs==0.0.1, but {installed} is installed") as info:
        zen_git.resolve("attr._make.Factory@attrs==0.0.1")
    assert (info.value.distribution, info.value.recorded, info.value.installed) == ("attrs", "0.0.1", installed)
    with pytest.raises(zen_git.InstalledVersionError, match="not installed"):
        zen_git.resolve("nowhere_pkg.mod.Thing@nowhere-pkg==1.0")


@pytest.mark.parametrize(
    "source",
    [
        "pkg.mod.Name",
        "pkg.mod.Name@" + "a" * 40,
        "zen_run._step.step@zen_0.1.0",
        "pkg.Outer.Inner@attrs==25.1.0",
        "pkg.Old@attrs_25.1.0",
    ],
)
def test_source_strings_round_trip_through_parse(source: str) -> None:
    """SourceRef.parse(str(ref)) gives the ref back, and str(parse(s)) gives s back."""
    ref = zen_git.SourceRef.parse(source)
    assert str(ref) == source
    assert zen_git.SourceRef.parse(str(ref)) == ref
    assert (ref.sha is not None) == ("@" in source and len(source.rpartition("@")[2]) == 40)


@pytest.mark.parametrize("bad", ["", "nodots", "pkg..x", "pkg.1x", "pkg.x@"])
def test_malformed_source_strings_are_refused(bad: str) -> None:
    """A string that is not module.Name[@pin] raises SourceResolutionError naming it."""
    with pytest.raises(zen_git.SourceResolutionError):
        zen_git.SourceRef.parse(bad)


def test_objects_defined_inside_a_function_are_unpinned_saying_why(repo: Repo) -> None:
    """A step defined in a function cannot be imported by name, so no pin can load it."""
    repo.commit()

    def local_step() -> int:
        return 1

    decision = Pinner(repo.root).decide(local_step)
    assert isinstance(decision, zen_git.Unpinned) and decision.reason is UnpinnedReason.LOCAL
    assert "inside a function" in decision.detail


def test_code_in_a_submodule_pins_to_its_commit_and_code_importing_it_is_unpinned(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A submodule's module pins to the submodule's HEAD; a module of the project importing it cannot be pinned
    by one sha, and says so."""
    library = tmp_path / "library_source"
    lib = f"lib_{uuid.uuid4().hex[:8]}"
    (library / lib).mkdir(parents=True)
    (library / lib / "__init__.py").write_text("")
    (library / lib / "tools.py").write_text("def three() -> int:\n    return 3\n")
    git(library, "init", "-q", "-b", "main")
    git(library, "add", "-A")
    git(library, "commit", "-q", "-m", "lib")
    lib_sha = git(library, "rev-parse", "HEAD")
    git(repo.root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "vendor")
    monkeypatch.syspath_prepend(str(repo.root / "vendor"))
    repo.write("uses_lib.py", f"from {lib}.tools import three\n\ndef value() -> int:\n    return three()\n")
    sha = repo.commit()
    three = _get(importlib.import_module(f"{lib}.tools"), "three")
    assert str(Pinner(repo.root).pin(three)) == f"{lib}.tools.three@{lib_sha}"
    decision = Pinner(repo.root).decide(_get(repo.module("uses_lib"), "value"))
    assert isinstance(decision, zen_git.Unpinned) and decision.reason is UnpinnedReason.OTHER_REPOSITORY
    assert Pinner(repo.root).pin(_get(repo.module("steps"), "value")).sha == sha


def test_module_facts_are_read_once_per_file_state(repo: Repo) -> None:
    """An unchanged module file is not read or parsed again (same facts object); a changed one is, and the
    next run's pinner sees the change through the same cache."""
    repo.commit()
    cache = zen_git.SourceCache()
    func = _get(repo.module("steps"), "value")
    first = Pinner(repo.root, cache=cache).pin_many({"v": func})
    helpers = str(repo.root / repo.pkg / "helpers.py")
    past = time.time() - 60  # files changed in the last seconds are read every time (coarse file times)
    os.utime(helpers, (past, past))
    facts = cache.facts(helpers)
    assert facts is not None and facts is cache.facts(helpers)
    assert Pinner(repo.root, cache=cache).pin_many({"v": func}) == first
    assert cache.facts(helpers) is facts
    repo.write("helpers.py", "def offset() -> int:\n    return 4\n")
    changed = cache.facts(helpers)
    assert changed is not None and changed.blob_id != facts.blob_id
    with pytest.warns(UnpinnedCodeWarning, match="helpers.py has changes"):
        Pinner(repo.root, cache=cache).pin_many({"v": func})


def test_a_module_changed_on_disk_after_it_was_imported_is_unpinned_as_stale(repo: Repo) -> None:
    """A notebook keeps the old module in memory while the file is edited and committed: the bytes at HEAD are
    not the code that runs, so runs sharing a SourceCache stop pinning it and say to reload."""
    repo.commit()
    cache = zen_git.SourceCache()
    func = _get(repo.module("steps"), "value")
    assert Pinner(repo.root, cache=cache).pin(func).sha is not None
    repo.write("helpers.py", "def offset() -> int:\n    return 6\n")
    with pytest.warns(UnpinnedCodeWarning, match="helpers.py has changes"):  # modified comes first
        Pinner(repo.root, cache=cache).pin(func)
    repo.commit("helpers edited, not reloaded")
    decision = Pinner(repo.root, cache=cache).decide(func)
    assert isinstance(decision, zen_git.Unpinned) and decision.reason is UnpinnedReason.STALE
    assert f"{repo.pkg}.helpers was imported before" in decision.detail
    fresh = _get(repo.module("steps"), "value")  # reloaded: pinned again
    assert Pinner(repo.root, cache=cache).pin(fresh).sha is not None
