"""The typing suite: every case of ``cases.test`` gives exactly its expected output in each checker.

Four runs per session cover all cases: mypy with the plugin, cold cache and warm cache (must be identical: the
plugin keeps its results in types, which mypy's cache carries); mypy alone; pyright (one invocation for every
case). Each case is also imported with zen's runtime checks, whose refusal is part of the expected output.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from tests.typing import table
from tests.typing.harness import ROOT, Case, load_cases, run_mypy, run_pyright, run_runtime
from zen_types.mypy import (
    FUNCTION_HOOKS,
    FUNCTION_SIGNATURE_HOOKS,
    METHOD_HOOKS,
    METHOD_SIGNATURE_HOOKS,
    PLUGIN_VERSION,
    ZenPlugin,
    _names,
    plugin,
)

CASES = load_cases()
CORRECT = [case for case in CASES if table.is_correct(case)]
IDS = [case.name for case in CASES]


@attrs.frozen
class Runs:
    """Each checker's output per case name."""

    cold: dict[str, list[str]]
    warm: dict[str, list[str]]
    plain: dict[str, list[str]]
    pyright: dict[str, list[str]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    tmp = tmp_path_factory.mktemp("typing")
    sources = {case.name: case.source for case in CASES}
    cold = run_mypy(sources, workdir=tmp / "src", cache_dir=tmp / "cache")
    warm = run_mypy(sources, workdir=tmp / "src", cache_dir=tmp / "cache", write=False)
    plain = run_mypy(sources, workdir=tmp / "plain", cache_dir=tmp / "plain-cache", plugin=False)
    return Runs(cold, warm, plain, run_pyright(sources, workdir=tmp / "pyright"))


def test_suite_is_large_enough() -> None:
    """Mistakes and correct modules both: a checker that reports everything, or nothing, fails here."""
    assert len(CASES) >= 80
    assert len(CORRECT) >= 22


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_mypy_with_plugin(case: Case, runs: Runs) -> None:
    """mypy with the plugin reports exactly the expected lines (``cases.test`` line given for context)."""
    assert runs.cold[case.name] == list(case.expected), f"cases.test:{case.line}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_mypy_alone(case: Case, runs: Runs) -> None:
    """mypy without the plugin reports exactly the expected lines: zen's own annotations at work."""
    assert runs.plain[case.name] == list(case.plain), f"cases.test:{case.line}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pyright(case: Case, runs: Runs) -> None:
    """pyright (strict) reports exactly the expected lines: zen's own annotations at work."""
    assert runs.pyright[case.name] == list(case.pyright), f"cases.test:{case.line}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_runtime(case: Case) -> None:
    """Importing the module raises exactly the expected zen error (nothing for a correct module)."""
    assert run_runtime(case) == list(case.runtime), f"cases.test:{case.line}"


@pytest.mark.parametrize("case", CORRECT, ids=[case.name for case in CORRECT])
def test_correct_modules_are_flagged_by_no_checker(case: Case) -> None:
    """A correct module gets no error from any checker, nor from the runtime (``reveal_type`` notes aside)."""
    assert case.runtime == ()
    for line in (*case.expected, *case.plain, *case.pyright):
        assert ": error:" not in line, f"cases.test:{case.line}: {line}"


def test_warm_cache_gives_the_same_output(runs: Runs) -> None:
    """A second run over mypy's cache reports the same errors: no plugin state is lost between runs."""
    assert runs.warm == runs.cold


def test_generated_step_shapes_are_up_to_date() -> None:
    """``zen_types/_shapes.pyi`` is what ``tools/gen_step_shapes.py`` writes today."""
    completed = subprocess.run(
        [sys.executable, "tools/gen_step_shapes.py", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_step_stub_agrees_with_the_module_that_runs(tmp_path: Path) -> None:
    """Checkers read ``_shapes.pyi`` and never ``_shapes.py``: mypy's stubtest holds the two to the same names
    and signatures. One difference is allowed, and stubtest fails if it goes away: the overloads have no
    ``step(None)``, while at run time ``func`` defaults to None so that ``@step(name=...)`` works."""
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text("zen_types._shapes.step\n", encoding="utf-8")
    command = [sys.executable, "-m", "mypy.stubtest", "zen_types._shapes", "--mypy-config-file", "mypy.ini"]
    completed = subprocess.run(
        [*command, "--allowlist", str(allowlist)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("fullname", _names.ALL_NAMES)
def test_hooked_names_still_name_the_runtime_objects(fullname: str) -> None:
    """mypy matches hooks by defining name: moving ``step`` or ``Slot`` must fail here, not silently."""
    module_name, _, rest = fullname.partition(".")
    while True:
        head, _, tail = rest.partition(".")
        try:
            importlib.import_module(f"{module_name}.{head}")
        except ImportError:
            break
        module_name, rest = f"{module_name}.{head}", tail
    obj: object = importlib.import_module(module_name)
    for part in rest.split("."):
        obj = getattr(obj, part)
    assert f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}" == fullname


def test_every_hook_name_is_in_the_checked_table() -> None:
    """Each hook the plugin registers is one of the names the test above verifies."""
    registered = {*FUNCTION_HOOKS, *FUNCTION_SIGNATURE_HOOKS, *METHOD_HOOKS, *METHOD_SIGNATURE_HOOKS}
    assert registered <= set(_names.ALL_NAMES)


def test_entry_point_and_version() -> None:
    """``plugins = zen_types.mypy`` finds ``plugin``; the version string feeds mypy's cache invalidation."""
    assert plugin("2.4.1") is ZenPlugin
    assert PLUGIN_VERSION


def test_cases_file_lines_point_at_cases() -> None:
    """The line numbers in failure messages point at the ``[case ...]`` headers of ``cases.test``."""
    lines = Path(__file__).with_name("cases.test").read_text(encoding="utf-8").splitlines()
    for case in CASES:
        assert lines[case.line - 1] == f"[case {case.name}]"


def test_a_failing_hook_falls_back_to_mypys_default() -> None:
    """A bug in a hook must not crash the user's mypy run: the guard returns mypy's default type."""
    from mypy.plugin import FunctionContext
    from mypy.types import AnyType, Type, TypeOfAny

    from zen_types.mypy._guards import guard_function

    def broken(ctx: FunctionContext) -> Type:
        raise AssertionError("a plugin bug")

    default = AnyType(TypeOfAny.special_form)
    ctx = FunctionContext._make([[], [], [], [], default, [], None, None])  # only the default is read
    assert guard_function(broken)(ctx) is default


def test_plugin_sees_the_installed_package(tmp_path: Path) -> None:
    """Without ``mypy_path``, mypy finds zen_types as installed (DESIGN pitfall: setuptools-style editable
    installs hide it, the plugin loads and every check silently vanishes)."""
    from mypy import api

    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nplugins = zen_types.mypy\nstrict = True\n", encoding="utf-8")
    module = tmp_path / "installed_check.py"
    module.write_text("from zen_types import step\n\n\n@step\ndef f(*args: int) -> None: ...\n", encoding="utf-8")
    stdout, _, _ = api.run(["--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), str(module)])
    assert "[zen-step]" in stdout, stdout


def test_step_types_survive_mypys_cache(tmp_path: Path) -> None:
    """Steps read back from mypy's cache keep their computed interface: a new module binding them is checked."""
    steps = (
        "from zen_types import BaseStepConfig, step\n\n\nclass Cfg(BaseStepConfig):\n    n: int = 1\n\n\n"
        "@step\ndef make() -> str:\n    return ''\n\n\n@step\ndef use(x: int, config: Cfg) -> None: ...\n"
    )
    user = (
        "from zen_types import Slot, pipeline\nfrom cached_steps import make, use\n\n\n@pipeline\n"
        "def p(a: Slot[[], str], b: Slot[[str], None]) -> None:\n    b(a())\n\n\n"
        "p(a=make(), b=use())\nreveal_type(use)\n"
    )
    cache = tmp_path / "cache"
    assert run_mypy({"cached_steps": steps}, workdir=tmp_path / "src", cache_dir=cache) == {"cached_steps": []}
    output = run_mypy({"cached_steps": steps, "uses_cache": user}, workdir=tmp_path / "src", cache_dir=cache)
    assert output["uses_cache"] == [
        'main:10: error: Slot "b" of pipeline "p" expects a step of interface (str) -> None, but the bound step "use" '
        'has interface (int) -> None: input 1 ("x") expects int, the slot passes str.  [zen-binding]',
        'main:11: note: Revealed type is "zen_types._step.Step[def (x: int, config: cached_steps.Cfg), '
        'def (x: int), cached_steps.Cfg]"',
    ]


def _without_parameter_names(line: str) -> str:
    return re.sub(r"(?<=[(\s])\w+: (?=[\w.\[]+)", "", line.split(": note: ", 1)[1])


def test_plugin_reveals_the_annotations_types_with_names_on_top() -> None:
    """What the plugin reveals is what zen's annotations give mypy alone (and pyright), refined: the same types
    once parameter names are left out, and precise types where the annotations can only say ``Any``."""
    compared = refined = 0
    for case in CASES:
        alone = {line.split(":")[1]: line for line in case.plain if "Revealed type" in line}
        for line in case.expected:
            number = line.split(":")[1]
            if "Revealed type" not in line or number not in alone:
                continue
            if "Any" in alone[number] and "Any" not in line:
                refined += 1
                continue
            assert _without_parameter_names(line) == _without_parameter_names(alone[number]), f"{case.name}: {line}"
            compared += 1
    assert compared >= 8
    assert refined >= 2


def test_docs_table_is_counted_from_the_cases() -> None:
    """docs/typing.md's per-checker table is what ``python -m tests.typing.table`` counts from ``cases.test``
    today, and every mistake case is in exactly one row."""
    assert table.classified_problems(CASES) == []
    assert table.main(["--check"]) == 0
