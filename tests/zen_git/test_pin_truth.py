"""Pins that git's own view would get wrong: files that differ from the commit while `git status` shows them
clean, modules reached through symbolic links or loaded by path, modules edited between import and the first
run, linked worktrees, editable installs. Each case runs against a real repository; every pin made is loaded
back from a fresh process."""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import zen_git
from tests.common.git import git
from zen_git import Pinned, Pinner, SourceCache, Unpinned, UnpinnedReason

F1 = "def f() -> int:\n    return 1\n"


class Project:
    """A committed repository on ``sys.path`` with one package whose name is unique to the test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pkg = f"truth_{uuid.uuid4().hex[:8]}"
        (root / self.pkg).mkdir(parents=True)
        (root / self.pkg / "__init__.py").write_text("")
        (root / ".gitignore").write_text("__pycache__/\n")
        git(root, "init", "-q", "-b", "main")

    def write(self, relative: str, data: str | bytes) -> Path:
        path = self.root / self.pkg / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        path.write_bytes(data)
        return path

    def commit(self) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", "c")
        return git(self.root, "rev-parse", "HEAD")

    def load(self, name: str) -> Callable[[], int]:
        for key in [k for k in sys.modules if k.split(".")[0] == self.pkg]:
            del sys.modules[key]
        importlib.invalidate_caches()
        func: Callable[[], int] = importlib.import_module(f"{self.pkg}.{name}").f
        return func

    def decide(self, func: object) -> Pinned | Unpinned:
        return Pinner(self.root).decide(func)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.syspath_prepend(str(tmp_path / "repo"))
    yield Project(tmp_path / "repo")


def resolve_fresh(root: Path, source: str, paths: list[str]) -> tuple[int, str]:
    """Load ``source`` in a new interpreter: the value its function returns and the sha256 of its module's text."""
    script = textwrap.dedent(
        """
        import hashlib, json, linecache, sys
        sys.path[:0] = json.loads(sys.argv[2])
        import zen_git
        found = zen_git.resolve(sys.argv[1])
        text = "".join(linecache.getlines(found.__code__.co_filename))
        print(json.dumps([found(), hashlib.sha256(text.encode()).hexdigest()]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, source, json.dumps(paths)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    value, digest = json.loads(done.stdout)
    return int(value), str(digest)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- bytes that differ from the commit while `git status` shows the file clean ----------------------------------


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_an_edit_git_status_hides_behind_an_index_flag_is_unpinned_naming_the_flag(project: Project, flag: str) -> None:
    """``git update-index --assume-unchanged``/``--skip-worktree`` make `git status` list nothing for an edited
    file; the pin compares bytes, so the edited module is MODIFIED and the warning names the flag."""
    project.write("steps.py", F1)
    project.commit()
    git(project.root, "update-index", flag, f"{project.pkg}/steps.py")
    project.write("steps.py", "def f() -> int:\n    return 2\n")
    assert git(project.root, "status", "--porcelain") == ""
    decision = project.decide(project.load("steps"))
    assert isinstance(decision, Unpinned) and decision.reason is UnpinnedReason.MODIFIED
    assert flag.removeprefix("--") in decision.detail and "git status shows it unchanged" in decision.detail


@pytest.mark.parametrize(
    ("config", "attributes", "working_bytes", "named"),
    [
        (("core.autocrlf", "true"), "", b"def f() -> int:\r\n    return 1\r\n", "core.autocrlf=true"),
        (None, "*.py text eol=crlf\n", b"def f() -> int:\r\n    return 1\r\n", "eol=crlf"),
        (None, "*.py filter=swap\n", b"def f() -> int:\n    return 2\n", "filter=swap"),
    ],
    ids=["autocrlf", "eol-attribute", "clean-smudge-filter"],
)
def test_a_file_git_converts_on_checkout_is_unpinned_naming_the_conversion(
    project: Project, config: tuple[str, str] | None, attributes: str, working_bytes: bytes, named: str
) -> None:
    """Line-ending conversion and clean/smudge filters make the working file's bytes differ from the committed
    blob while `git status` shows it clean: the code that ran is not the commit's, so it is not pinned."""
    git(project.root, "config", "filter.swap.clean", "sed s/return\\ 2/return\\ 1/")
    git(project.root, "config", "filter.swap.smudge", "sed s/return\\ 1/return\\ 2/")
    if config is not None:
        git(project.root, "config", *config)
    (project.root / ".gitattributes").write_text(attributes)
    project.write("steps.py", working_bytes)
    head = project.commit()
    assert git(project.root, "status", "--porcelain") == ""
    assert git(project.root, "cat-file", "blob", f"{head}:{project.pkg}/steps.py") == "def f() -> int:\n    return 1"
    decision = project.decide(project.load("steps"))
    assert isinstance(decision, Unpinned) and decision.reason is UnpinnedReason.MODIFIED, decision
    assert named in decision.detail and "converts" in decision.detail


def test_a_file_committed_with_its_own_line_endings_pins_and_loads_those_bytes(project: Project) -> None:
    """Without a conversion, CRLF bytes are committed as they are: the module pins, and a fresh process loads
    exactly those bytes."""
    path = project.write("steps.py", b"def f() -> int:\r\n    return 1\r\n")
    head = project.commit()
    decision = project.decide(project.load("steps"))
    assert isinstance(decision, Pinned) and decision.ref.sha == head
    assert resolve_fresh(project.root, str(decision.ref), [str(project.root)]) == (1, _sha256(path))


@pytest.mark.parametrize(
    ("ignore", "exclude", "reason", "rule"),
    [
        ("*.py\n!__init__.py\n!kept.py\n", "", UnpinnedReason.UNTRACKED, None),
        ("*.py\n!__init__.py\n", "", UnpinnedReason.IGNORED, ".gitignore:2:*.py"),
        ("", "kept.py\n", UnpinnedReason.IGNORED, ".git/info/exclude:1:kept.py"),
    ],
    ids=["re-included-by-a-negation", "ignored-by-a-pattern", "ignored-by-info-exclude"],
)
def test_an_uncommitted_module_is_ignored_only_when_git_ignores_it_and_the_rule_is_named(
    project: Project, ignore: str, exclude: str, reason: UnpinnedReason, rule: str | None
) -> None:
    """A negation (``!kept.py``) re-includes a file: new and not added, it is UNTRACKED, not IGNORED by the
    negated rule; a file ignored by a pattern or by ``.git/info/exclude`` is IGNORED naming that rule."""
    (project.root / ".gitignore").write_text("__pycache__/\n" + ignore)
    project.commit()
    (project.root / ".git" / "info" / "exclude").write_text(exclude)
    project.write("kept.py", F1)
    decision = project.decide(project.load("kept"))
    assert isinstance(decision, Unpinned) and decision.reason is reason, decision
    if rule is not None:
        assert f"({rule})" in decision.detail


# -- modules found by a path their name does not lead to ---------------------------------------------------------


def test_a_module_imported_through_a_symlinked_folder_is_unpinned(project: Project) -> None:
    """``pkg/alias -> real``: the module is ``pkg.alias.steps`` but the commit stores ``alias`` as a link, so
    no process could load it by name from the commit; it is unpinned (and so is a module importing it)."""
    project.write("real/__init__.py", "")
    project.write("real/steps.py", F1)
    (project.root / project.pkg / "alias").symlink_to("real")
    project.write("user.py", f"from {project.pkg}.alias.steps import f as g\n\n\ndef f() -> int:\n    return g()\n")
    project.commit()
    decision = project.decide(project.load("alias.steps"))
    assert isinstance(decision, Unpinned) and decision.reason is UnpinnedReason.SYMLINK, decision
    assert "alias" in decision.detail
    user = project.decide(project.load("user"))
    assert isinstance(user, Unpinned) and user.reason is UnpinnedReason.IMPORT, user
    real = project.decide(project.load("real.steps"))
    assert isinstance(real, Pinned)
    assert resolve_fresh(project.root, str(real.ref), [str(project.root)])[0] == 1


def test_a_module_loaded_from_a_file_path_outside_sys_path_is_unpinned(project: Project) -> None:
    """A file loaded by path under a name that does not lead to it from ``sys.path`` (``flows`` for
    ``scripts/flows.py``) is unpinned: a pin of it could not be loaded by name."""
    (project.root / "scripts").mkdir()
    path = project.root / "scripts" / "flows.py"
    path.write_text(F1)
    project.commit()
    name = f"flows_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        decision = Pinner(project.root).decide(module.f)
    finally:
        del sys.modules[name]
    assert isinstance(decision, Unpinned) and decision.reason is UnpinnedReason.NOT_IMPORTABLE, decision
    assert "scripts/flows.py" in decision.detail


# -- modules edited between import and the first run -------------------------------------------------------------


def test_a_module_edited_and_committed_after_import_is_stale_until_reloaded(project: Project) -> None:
    """Imported at v1, then edited and committed (v2) before zen ever looked at it: HEAD holds v2, the code
    in memory is v1, so the first pin must not be HEAD; after a reload it is."""
    project.write("steps.py", F1)
    project.commit()
    func = project.load("steps")
    project.write("steps.py", "def f() -> int:\n    return 2\n")
    head = project.commit()
    assert func() == 1
    decision = project.decide(func)
    assert isinstance(decision, Unpinned) and decision.reason is UnpinnedReason.STALE, decision
    fresh = project.load("steps")
    reloaded = Pinner(project.root, cache=SourceCache()).decide(fresh)
    assert isinstance(reloaded, Pinned) and reloaded.ref.sha == head


def test_a_helper_edited_and_committed_after_import_makes_its_importer_stale(project: Project) -> None:
    """The same for a module the step module imports."""
    project.write("helper.py", "def h() -> int:\n    return 1\n")
    project.write("steps.py", f"from {project.pkg}.helper import h\n\n\ndef f() -> int:\n    return h()\n")
    project.commit()
    func = project.load("steps")
    project.write("helper.py", "def h() -> int:\n    return 2\n")
    project.commit()
    decision = project.decide(func)
    assert isinstance(decision, Unpinned) and decision.reason is UnpinnedReason.STALE, decision
    assert "helper" in decision.detail


def test_a_module_level_value_edited_and_committed_after_import_is_stale(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A literal module-level value in memory that is not the file's (the file was edited and committed after
    the import, or the value was set from outside) is STALE, naming it; once the values agree it pins."""
    project.write("steps.py", "RATE = 1\n\n\ndef f() -> int:\n    return RATE\n")
    project.commit()
    func = project.load("steps")
    module = sys.modules[f"{project.pkg}.steps"]
    project.write("steps.py", "RATE = 2\n\n\ndef f() -> int:\n    return RATE\n")
    head = project.commit()
    decision = project.decide(func)
    assert isinstance(decision, Unpinned) and decision.reason is UnpinnedReason.STALE, decision
    assert f"{project.pkg}.steps.RATE" in decision.detail
    monkeypatch.setattr(module, "RATE", 2)
    decision = project.decide(func)
    assert isinstance(decision, Pinned) and decision.ref.sha == head, decision


def test_a_function_kept_from_before_a_reload_is_stale(project: Project) -> None:
    """``importlib.reload`` after an edit and a commit updates the module, not a function object taken from it
    before (a pipeline built earlier holds that one): the old function is STALE, the new one pins."""
    project.write("steps.py", F1)
    project.commit()
    old = project.load("steps")
    module = sys.modules[f"{project.pkg}.steps"]
    project.write("steps.py", "def f() -> int:\n    return 2\n")
    head = project.commit()
    importlib.reload(module)
    cache = SourceCache()
    stale = Pinner(project.root, cache=cache).decide(old)
    assert isinstance(stale, Unpinned) and stale.reason is UnpinnedReason.STALE, stale
    fresh = Pinner(project.root, cache=cache).decide(module.f)
    assert isinstance(fresh, Pinned) and fresh.ref.sha == head, fresh


@pytest.mark.parametrize("statement", ["from {pkg}.helper import h", "from . import helper\n    h = helper.h"])
def test_a_helper_imported_inside_the_step_is_checked_before_it_is_imported(project: Project, statement: str) -> None:
    """A module the step imports inside its body is not imported yet when the run pins its code, but it runs:
    an uncommitted edit of it unpins the step; once committed, the pin loads it from a fresh process."""
    project.write("helper.py", "def h() -> int:\n    return 1\n")
    body = statement.format(pkg=project.pkg)
    path = project.write("steps.py", f"def f() -> int:\n    {body}\n    return h() + 10\n")
    project.commit()
    project.write("helper.py", "def h() -> int:\n    return 2\n")
    func = project.load("steps")
    assert f"{project.pkg}.helper" not in sys.modules
    decision = project.decide(func)
    assert isinstance(decision, Unpinned) and decision.reason is UnpinnedReason.IMPORT, decision
    assert "helper.py has changes that are not committed" in decision.detail
    head = project.commit()
    func = project.load("steps")
    decision = project.decide(func)
    assert isinstance(decision, Pinned) and decision.ref.sha == head, decision
    assert resolve_fresh(project.root, str(decision.ref), [str(project.root)]) == (12, _sha256(path))


UNCHANGED_MODULE = """
from __future__ import annotations

import dataclasses
import functools
import sys
from typing import TYPE_CHECKING

import attrs


def deco(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


@deco
def wrapped() -> int:
    return 1


cached = functools.lru_cache(maxsize=None)(lambda: 2)
partial = functools.partial(int, "3")


@dataclasses.dataclass
class Data:
    x: int = 1

    @property
    def double(self) -> int:
        return self.x * 2

    @classmethod
    def make(cls) -> Data:
        return cls()

    @staticmethod
    def three() -> int:
        return 3


@attrs.frozen
class Frozen:
    y: int = 2


if TYPE_CHECKING or sys.version_info >= (9, 0):
    def never_defined() -> int:
        return 0


COUNTER = 0
REGISTRY: list[int] = []
TWICE = 1
TWICE = 2


def bump() -> int:
    global COUNTER
    COUNTER += 1
    REGISTRY.append(COUNTER)
    return COUNTER


def f() -> int:
    bump()
    return wrapped() + Data.make().double + Frozen().y + Data.three()
"""


def test_an_unchanged_module_with_decorators_and_generated_code_is_not_called_stale(project: Project) -> None:
    """The in-memory check compares only code the module's own file defines: wrappers, generated dataclass and
    attrs methods, descriptors, functions the file defines only on some Pythons, and module-level values the
    code changes (``global``, a list it appends to, a name bound twice) leave a module pinned."""
    project.write("steps.py", UNCHANGED_MODULE)
    head = project.commit()
    func = project.load("steps")
    assert func() == 8
    assert func() == 8
    decision = project.decide(func)
    assert isinstance(decision, Pinned) and decision.ref.sha == head, decision


# -- other places code runs from ----------------------------------------------------------------------------------


def test_a_project_package_named_like_zen_is_pinned_to_its_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only zen's own packages are versioned with zen: a project's ``zen_experiments`` package pins to the
    commit like any other (it was once recorded bare, without a pin or a warning)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = f"zen_mine_{uuid.uuid4().hex[:8]}"
    (tmp_path / pkg).mkdir()
    (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / pkg / "steps.py").write_text(F1)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "c")
    func = importlib.import_module(f"{pkg}.steps").f
    decision = Pinner(tmp_path).decide(func)
    assert isinstance(decision, Pinned) and decision.ref.sha == git(tmp_path, "rev-parse", "HEAD"), decision


def test_a_module_of_a_linked_worktree_pins_to_that_worktrees_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a ``git worktree add`` checkout (its ``.git`` is a file), a module pins to the worktree's own HEAD,
    not the main checkout's, and loads from a fresh process started there."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    main = Project(tmp_path / "main")
    main.write("steps.py", F1)
    main.commit()
    linked = tmp_path / "linked"
    git(main.root, "worktree", "add", "-q", "-b", "other", str(linked))
    path = linked / main.pkg / "steps.py"
    path.write_text("def f() -> int:\n    return 5\n")
    git(linked, "commit", "-q", "-am", "other")
    monkeypatch.syspath_prepend(str(linked))
    importlib.invalidate_caches()
    func = importlib.import_module(f"{main.pkg}.steps").f
    decision = Pinner(linked).decide(func)
    assert isinstance(decision, Pinned) and decision.ref.sha == git(linked, "rev-parse", "HEAD")
    assert decision.ref.sha != git(main.root, "rev-parse", "HEAD")
    assert resolve_fresh(linked, str(decision.ref), [str(linked)]) == (5, _sha256(path))


def test_a_module_of_a_sha256_repository_pins_to_its_64_hex_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a ``git init --object-format=sha256`` repository, blob ids are SHA-256: committed bytes pin to the
    64-hex HEAD, which loads from a fresh process; an edit is MODIFIED, not a conversion."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = f"sha256_{uuid.uuid4().hex[:8]}"
    (tmp_path / pkg).mkdir()
    (tmp_path / pkg / "__init__.py").write_text("")
    path = tmp_path / pkg / "steps.py"
    path.write_text(F1)
    git(tmp_path, "init", "-q", "--object-format=sha256", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "c")
    head = git(tmp_path, "rev-parse", "HEAD")
    assert len(head) == 64
    func = importlib.import_module(f"{pkg}.steps").f
    decision = Pinner(tmp_path).decide(func)
    assert isinstance(decision, Pinned) and str(decision.ref) == f"{pkg}.steps.f@{head}", decision
    assert zen_git.SourceRef.parse(str(decision.ref)).sha == head
    assert resolve_fresh(tmp_path, str(decision.ref), [str(tmp_path)]) == (1, _sha256(path))
    path.write_text("def f() -> int:\n    return 2\n")
    edited = Pinner(tmp_path).decide(func)
    assert isinstance(edited, Unpinned) and edited.reason is UnpinnedReason.MODIFIED
    assert edited.detail.endswith("has changes that are not committed"), edited.detail


def test_an_editable_install_outside_the_repository_is_unpinned_saying_its_version_names_no_code(
    tmp_path: Path,
) -> None:
    """An editable install (a ``.pth`` pointing at a source folder, with its ``.dist-info``) is not code of the
    distribution's version: it is recorded unpinned as outside the repository, naming the install."""
    project = Project(tmp_path / "repo")
    project.write("steps.py", F1)
    project.commit()
    lib = f"edlib_{uuid.uuid4().hex[:8]}"
    source = tmp_path / "lib_src"
    (source / lib).mkdir(parents=True)
    (source / lib / "__init__.py").write_text(F1)
    site = tmp_path / "site"
    info = site / f"{lib}-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {lib}\nVersion: 1.2.3\n")
    (info / "top_level.txt").write_text(f"{lib}\n")
    (info / "RECORD").write_text(f"{lib}.pth,,\n")
    (info / "direct_url.json").write_text(json.dumps({"url": source.as_uri(), "dir_info": {"editable": True}}))
    (site / f"{lib}.pth").write_text(f"{source}\n")
    script = textwrap.dedent(
        f"""
        import json, site, sys, warnings
        site.addsitedir({str(site)!r})
        import zen_git
        from {lib} import f
        decision = zen_git.Pinner({str(project.root)!r}).decide(f)
        print(json.dumps([str(decision.ref), decision.reason.name, decision.detail]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    ref, reason, detail = json.loads(done.stdout)
    assert (ref, reason) == (f"{lib}.f", "OUTSIDE")
    assert f"editable install of {lib}==1.2.3" in detail


def test_installed_code_edited_in_place_is_unpinned_as_modified(tmp_path: Path) -> None:
    """An installed file whose bytes no longer match the hash its distribution's RECORD lists is not that
    distribution's code: recorded unpinned (MODIFIED), saying how to reinstall; unedited, it pins its version."""
    lib = f"instlib_{uuid.uuid4().hex[:8]}"
    site = tmp_path / "site-packages"
    (site / lib).mkdir(parents=True)
    source = (site / lib / "__init__.py").resolve()
    source.write_text(F1)
    digest = hashlib.sha256(source.read_bytes()).digest()
    encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    info = site / f"{lib}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {lib}\nVersion: 1.0\n")
    (info / "top_level.txt").write_text(f"{lib}\n")
    (info / "RECORD").write_text(f"{lib}/__init__.py,sha256={encoded},{len(F1)}\n")
    script = textwrap.dedent(
        f"""
        import json, pathlib, sys
        sys.path.insert(0, {str(site)!r})
        import zen_git
        from {lib} import f
        before = zen_git.Pinner({str(tmp_path)!r}).decide(f)
        pathlib.Path({str(source)!r}).write_text("def f() -> int:\\n    return 2\\n")
        after = zen_git.Pinner({str(tmp_path)!r}).decide(f)
        print(json.dumps([str(before.ref), type(before).__name__, after.reason.name, after.detail]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, kind, reason, detail = json.loads(done.stdout)
    assert (before, kind) == (f"{lib}.f@{lib}==1.0", "Pinned")
    assert reason == "MODIFIED"
    assert "RECORD hash differs" in detail and f"pip install --force-reinstall {lib}==1.0" in detail


def test_installed_code_pins_to_its_distribution_and_resolve_refuses_another_version() -> None:
    """A real installed distribution (attrs, in site-packages) pins as ``@attrs==<version>``, loads from a
    fresh process, and a pin of another version is refused naming both versions and the fix."""
    import attr

    installed = importlib.metadata.version("attrs")
    ref = Pinner(Path.cwd()).pin(attr.Factory)
    assert str(ref) == f"attr._make.Factory@attrs=={installed}"
    script = "import sys, zen_git; print(zen_git.resolve(sys.argv[1]).__name__)"
    done = subprocess.run([sys.executable, "-c", script, str(ref)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "Factory"
    with pytest.raises(
        zen_git.InstalledVersionError, match=rf"attrs==0\.1, but {installed} is installed.*pip install attrs==0\.1"
    ):
        zen_git.resolve("attr._make.Factory@attrs==0.1")
