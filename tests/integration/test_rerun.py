"""Re-running a past run from its pinned sources after the working tree moved on, and cache misses caused by an
edited helper in another module, in a real git repository used as the project. Every command runs in the
project folder as a user runs it there: ``zen`` in a subprocess, without ``PYTHONPATH``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.common.cli import zen
from tests.common.git import git as _git

STEPS = """
from zen_run import BaseStepConfig, Slot, pipeline, step
from {pkg}.helpers import bonus

class AddConfig(BaseStepConfig):
    add_amount: int = 1

@step
def returns_one() -> int:
    return 1

@step
def adds(some_num: int, config: AddConfig) -> int:
    return some_num + config.add_amount + bonus()

@pipeline
def add_pipeline(first: Slot[[], int], second: Slot[[int], int]) -> None:
    second(first())

instance = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
"""


def _zen(root: Path, *args: str) -> str:
    return zen(root, *args).stdout


def test_rerun_uses_pinned_code_and_helper_edits_miss_the_cache(tmp_path: Path) -> None:
    """Run at v1; edit and commit a helper (v2): the next run misses with the helper named; `zen rerun` of
    the first run loads v1 from history and reproduces its output while the tree has v2."""
    pkg = "flows_pkg"
    (tmp_path / pkg).mkdir()
    (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / pkg / "helpers.py").write_text("def bonus() -> int:\n    return 0\n")
    (tmp_path / pkg / "steps.py").write_text(textwrap.dedent(STEPS.format(pkg=pkg)))
    (tmp_path / ".gitignore").write_text("__pycache__/\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "v1")
    _zen(tmp_path, "init")
    first = json.loads(_zen(tmp_path, "run", f"{pkg}.steps:instance", "--json", "-q"))
    first_id = first["run"]["run_id"]
    assert first["steps"]["second"]["source"].endswith(
        "@"
        + subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    assert not first["run"]["repo"]["dirty"]

    (tmp_path / pkg / "helpers.py").write_text("def bonus() -> int:\n    return 100\n")
    _git(tmp_path, "commit", "-q", "-am", "v2")
    second = json.loads(_zen(tmp_path, "run", f"{pkg}.steps:instance", "--json", "-q"))
    second_id = second["run"]["run_id"]
    assert second["steps"]["first"]["status"] == "cached"
    assert second["steps"]["second"]["status"] == "completed"
    explained = _zen(tmp_path, "cache", "explain", second_id, "second")
    assert f"code changed ({pkg}.helpers.bonus)" in explained

    rerun = json.loads(_zen(tmp_path, "rerun", first_id, "--no-cache", "--json", "-q"))
    rerun_id = rerun["run"]["run_id"]

    def read(run_id: str) -> str:
        shown = json.loads(_zen(tmp_path, "runs", "show", run_id, "--json"))
        return _zen(tmp_path, "artifacts", "read", shown["steps"]["second"]["outputs"]["output"]["artifact_id"]).strip()

    assert read(first_id) == "4"
    assert read(second_id) == "104"
    assert read(rerun_id) == "4"  # pinned v1 code, loaded from history
    compared = _zen(tmp_path, "runs", "compare", first_id, rerun_id)
    assert "outputs.output.content_hash" not in compared


def _project(root: Path, pkg: str) -> None:
    (root / pkg).mkdir()
    (root / pkg / "__init__.py").write_text("")
    (root / pkg / "helpers.py").write_text("def bonus() -> int:\n    return 0\n")
    (root / pkg / "steps.py").write_text(textwrap.dedent(STEPS.format(pkg=pkg)))
    (root / ".gitignore").write_text("__pycache__/\nscratch/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "v1")
    _zen(root, "init")


def test_rerun_after_edits_deletes_and_renames_runs_the_pinned_code_from_the_cache(tmp_path: Path) -> None:
    """The tree moves on (helper edited, step module renamed, a module deleted, all committed, plus uncommitted
    scratch): `zen rerun` of the first run records the same pinned sources under the real module names, and
    since the pinned code is the code that ran, every step is a cache hit with the first run's outputs."""
    pkg = "moved_pkg"
    _project(tmp_path, pkg)
    first = json.loads(_zen(tmp_path, "run", f"{pkg}.steps:instance", "--json", "-q"))
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert first["steps"]["second"]["source"] == f"{pkg}.steps.adds@{head}"

    (tmp_path / pkg / "helpers.py").write_text("def bonus() -> int:\n    return 100\n")
    _git(tmp_path, "mv", f"{pkg}/steps.py", f"{pkg}/flows.py")
    (tmp_path / pkg / "extra.py").write_text("x = 1\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "v2: edit, rename")
    _git(tmp_path, "rm", "-q", f"{pkg}/extra.py")
    _git(tmp_path, "commit", "-q", "-m", "v3: delete")
    (tmp_path / pkg / "helpers.py").write_text("def bonus() -> int:\n    return -1\n")  # uncommitted on top

    rerun = json.loads(_zen(tmp_path, "rerun", first["run"]["run_id"], "--json", "-q"))
    for name in ("first", "second"):
        assert rerun["steps"][name]["status"] == "cached", rerun["steps"][name]
        assert rerun["steps"][name]["source"] == first["steps"][name]["source"]
    assert "zen_pinned" not in json.dumps(rerun)
    uncached = json.loads(_zen(tmp_path, "rerun", first["run"]["run_id"], "--no-cache", "--json", "-q"))
    shown = json.loads(_zen(tmp_path, "runs", "show", uncached["run"]["run_id"], "--json"))
    output = shown["steps"]["second"]["outputs"]["output"]["artifact_id"]
    assert _zen(tmp_path, "artifacts", "read", output).strip() == "4"  # 1 + 3 + bonus() of v1


def test_a_step_module_git_ignores_is_recorded_unpinned(tmp_path: Path) -> None:
    """A module under an ignored folder is not in HEAD, so it is recorded unpinned (never pinned to HEAD)."""
    pkg = "ignored_pkg"
    _project(tmp_path, pkg)
    scratch = tmp_path / pkg / "scratch"
    scratch.mkdir()
    (scratch / "__init__.py").write_text("")
    (scratch / "steps.py").write_text(textwrap.dedent(STEPS.format(pkg=pkg)))
    run = json.loads(_zen(tmp_path, "run", f"{pkg}.scratch.steps:instance", "--json", "-q"))
    assert run["steps"]["second"]["source"] == f"{pkg}.scratch.steps.adds"


def test_rerun_of_a_run_with_unpinned_code_warns_that_it_loads_that_code_as_it_is_now(tmp_path: Path) -> None:
    """A run made with uncommitted edits recorded its code unpinned; `zen rerun` of it runs the code as it is now
    and says so in one warning naming that code, instead of passing for a re-run from pinned sources."""
    pkg = "dirty_pkg"
    _project(tmp_path, pkg)
    with (tmp_path / pkg / "steps.py").open("a") as steps:
        steps.write("# an edit not committed\n")
    run = json.loads(_zen(tmp_path, "run", f"{pkg}.steps:instance", "--json", "-q"))["run"]
    done = zen(tmp_path, "rerun", run["run_id"], "-q")
    assert (
        f"zen: warning: run {run['run_id']} recorded code that was not pinned to a commit ({pkg}.steps.AddConfig, "
        f"{pkg}.steps.adds, {pkg}.steps.returns_one), so this re-run loads it as it is now, which may not be the "
        f"code that run ran." in done.stderr.splitlines()
    ), done.stderr


TUTORIAL = Path(__file__).resolve().parents[2] / "examples" / "sklearn_pipeline.py"


def _head(root: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_rerun_of_the_tutorial_pipeline_on_the_same_commit_is_fully_cached(tmp_path: Path) -> None:
    """The tutorial's pipeline (NamedTuple outputs and configs under ``from __future__ import annotations``)
    in a user's own git repository: `zen rerun` loads it from the commit under its real module name, its
    annotations resolve, its fingerprints equal the first run's, so every step is cached."""
    (tmp_path / "training.py").write_text(TUTORIAL.read_text())
    (tmp_path / ".gitignore").write_text("__pycache__/\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "tutorial")
    first = json.loads(_zen(tmp_path, "run", "training:instance", "--json", "-q"))
    assert first["steps"]["trainer"]["source"] == f"training.train_logistic@{_head(tmp_path)}"
    rerun = json.loads(_zen(tmp_path, "rerun", first["run"]["run_id"], "--json", "-q"))
    assert {name: step["status"] for name, step in rerun["steps"].items()} == dict.fromkeys(first["steps"], "cached")
    assert {name: step["source"] for name, step in rerun["steps"].items()} == {
        name: step["source"] for name, step in first["steps"].items()
    }
    assert not rerun["run"]["repo"]["dirty"]


ENUM_STEPS = """
import enum
import os

from zen_run import Slot, pipeline, step


class Colour(enum.Enum):
    RED = "red"


@step
def pick() -> Colour:
    return Colour.RED


@step
def name_of(colour: Colour) -> str:
    if os.environ.get("ZEN_TEST_FAIL"):
        raise RuntimeError("asked to fail")
    return colour.value


@pipeline
def colours(first: Slot[[], Colour], second: Slot[[Colour], str]) -> None:
    second(first())


instance = colours(first=pick(), second=name_of())
"""


def test_every_command_imports_the_projects_modules_from_its_folder(tmp_path: Path) -> None:
    """`zen artifacts read` (a value of the project's own class), `zen resume` (the steps as they are now) and
    `zen rerun` (from history) all find the project's package from a subfolder, without ``PYTHONPATH``."""
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "__init__.py").write_text("")
    (tmp_path / "flows" / "colours.py").write_text(textwrap.dedent(ENUM_STEPS))
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README").write_text("commands run from here too\n")
    (tmp_path / ".gitignore").write_text("__pycache__/\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "v1")
    zen(tmp_path, "run", "flows.colours:instance", "--json", "-q", code=1, env={"ZEN_TEST_FAIL": "1"})
    run_id = json.loads(_zen(tmp_path, "runs", "list", "--json"))[0]["run_id"]
    shown = json.loads(_zen(tmp_path / "notes", "runs", "show", run_id, "--json"))
    colour = shown["steps"]["first"]["outputs"]["output"]["artifact_id"]
    assert _zen(tmp_path / "notes", "artifacts", "read", colour).strip() == "<Colour.RED: 'red'>"
    resumed = json.loads(_zen(tmp_path / "notes", "resume", run_id, "--json", "-q"))
    assert [resumed["steps"][n]["status"] for n in ("first", "second")] == ["cached", "completed"]
    rerun = json.loads(_zen(tmp_path / "notes", "rerun", run_id, "--json", "-q"))
    assert [rerun["steps"][n]["status"] for n in ("first", "second")] == ["cached", "cached"]


def test_a_pipeline_file_run_by_path_pins_under_its_name_from_the_project_root(tmp_path: Path) -> None:
    """`zen run scripts/flows.py:instance` imports the file as ``scripts.flows`` (its name from the project
    root), so its steps pin and `zen rerun` loads them by that name after the file moved; a file no name leads
    to (a folder named ``my-scripts``) is run too, and recorded unpinned saying why, never with a pin that
    cannot load."""
    pkg = "path_pkg"
    _project(tmp_path, pkg)
    for folder in ("scripts", "my-scripts"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "flows.py").write_text(textwrap.dedent(STEPS.format(pkg=pkg)))
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "v1")
    head = _head(tmp_path)
    first = json.loads(_zen(tmp_path, "run", "scripts/flows.py:instance", "--json", "-q"))
    assert first["steps"]["second"]["source"] == f"scripts.flows.adds@{head}"
    _git(tmp_path, "mv", "scripts/flows.py", "scripts/renamed.py")
    _git(tmp_path, "commit", "-q", "-m", "v2: renamed")
    rerun = json.loads(_zen(tmp_path / "scripts", "rerun", first["run"]["run_id"], "--json", "-q"))
    assert {name: step["status"] for name, step in rerun["steps"].items()} == {"first": "cached", "second": "cached"}
    assert rerun["steps"]["second"]["source"] == first["steps"]["second"]["source"]

    env = {k: v for k, v in os.environ.items() if k not in ("ZEN_ROOT", "PYTHONPATH")}
    loose = subprocess.run(
        [sys.executable, "-m", "zen_run", "run", "my-scripts/flows.py:instance", "--json", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert json.loads(loose.stdout)["steps"]["second"]["source"] == "flows.adds"
    assert "my-scripts/flows.py is not where the name flows leads from a folder on sys.path" in loose.stderr


LIBRARY_FLOWS = """
from {lib} import lib_one
from zen_run import Slot, pipeline, step


@step
def plus(x: int) -> int:
    return x + 1


@pipeline
def with_library(a: Slot[[], int], b: Slot[[int], int]) -> None:
    b(a())


instance = with_library(a=lib_one(), b=plus())
"""


def _install(site: Path, lib: str, version: str) -> None:
    """Install ``lib`` into ``site`` (a site-packages folder) as pip lays a distribution out."""
    for old in site.glob(f"{lib}-*.dist-info"):
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    info = site / f"{lib}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {lib.replace('_', '-')}\nVersion: {version}\n")
    (info / "top_level.txt").write_text(f"{lib}\n")
    (info / "RECORD").write_text(f"{lib}/__init__.py,,\n{info.name}/METADATA,,\n")


def test_a_step_from_an_installed_distribution_pins_its_version_and_rerun_refuses_another(tmp_path: Path) -> None:
    """A step imported from an installed distribution records ``module.Name@<dist>==<version>``; `zen rerun`
    runs it while that version is installed (cached), and once another version is installed refuses with one
    sentence naming both versions and the install command, exit 2, no traceback."""
    lib = "steplib_x"
    site = tmp_path / "env" / "site-packages"
    (site / lib).mkdir(parents=True)
    (site / lib / "__init__.py").write_text(
        "from zen_run import step\n\n\n@step\ndef lib_one() -> int:\n    return 1\n"
    )
    _install(site, lib, "1.0")
    project = tmp_path / "project"
    project.mkdir()
    (project / "flows.py").write_text(textwrap.dedent(LIBRARY_FLOWS.format(lib=lib)))
    (project / ".gitignore").write_text("__pycache__/\n")
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "v1")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return zen(project, *args, code=None, env={"PYTHONPATH": str(site)})

    first = json.loads(cli("run", "flows:instance", "--json", "-q").stdout)
    assert first["steps"]["a"]["source"] == f"{lib}.lib_one@steplib-x==1.0"
    assert first["steps"]["b"]["source"] == f"flows.plus@{_head(project)}"
    rerun = json.loads(cli("rerun", first["run"]["run_id"], "--json", "-q").stdout)
    assert {name: step["status"] for name, step in rerun["steps"].items()} == {"a": "cached", "b": "cached"}

    _install(site, lib, "2.0")
    refused = cli("rerun", first["run"]["run_id"], "-q")
    assert refused.returncode == 2, refused.stderr
    assert "recorded with steplib-x==1.0, but 2.0 is installed" in refused.stderr
    assert "pip install steplib-x==1.0" in refused.stderr
    assert "Traceback" not in refused.stderr
