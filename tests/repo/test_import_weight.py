"""What a pipeline module loads: its imports and its definitions stay clear of zen's heavy parts.

``from zen_run import Client, pipeline, step`` (and the zen-types names a pipeline file uses) and defining
configs, steps and pipelines need zen-types and attrs only. The stores, materializers, git pinning, cattrs, YAML
and array libraries load when a run starts; a ``Client`` and ``zen runs list`` open the SQLite stores alone. Each
case runs in a fresh interpreter, so what this test process imported does not count; ``tools/bench/bench_chain.py``
times the same imports, and ``tools/bench/bench_first_run.py`` a process's first run, ``Client`` and command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

USER_IMPORTS = (
    "from zen_run import Client, pipeline, step\nfrom zen_types import BaseStepConfig, Input, Output\n"
    "from zen_run import BaseStepConfig as Config, Input as In, Output as Out\n"
)

HEAVY = frozenset(
    {
        # libraries: structuring, YAML, the CLI, storage, git, arrays and tables, installed plug-ins
        *("cattrs", "typing_extensions", "yaml", "click", "sqlite3", "sqlite_utils", "psycopg", "boto3", "git"),
        *("numpy", "pandas", "polars", "pyarrow", "torch", "PIL", "blake3", "importlib.metadata", "subprocess"),
        # zen's own layers above zen-types, and zen-run's machinery
        *("zen_store", "zen_materialize", "zen_git", "zen_types._structure", "zen_run._context"),
        *("zen_run._runner", "zen_run._stack", "zen_run._stores", "zen_run._notebook", "zen_run._pinning"),
    }
)

READING = frozenset(
    {
        # what a process that only reads records (a Client, `zen runs list`) does without: running, writing
        # and reading values, pinning code, other back-ends, looking for plug-ins, garbage collection
        *("cattrs", "yaml", "sqlite_utils", "psycopg", "fsspec", "s3fs", "boto3", "git", "importlib.metadata"),
        *("zen_materialize", "zen_git", "zen_run._runner", "zen_run._notebook", "zen_run._gc"),
        *("zen_store._postgres", "zen_store._postgres_login", "zen_store._remote", "zen_store._gc"),
    }
)

_REPORT = "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"

TWO_STEPS = textwrap.dedent(
    """
    @step
    def one() -> int:
        return 1

    @step
    def double(value: int) -> int:
        return 2 * value

    @pipeline
    def doubling(first, second) -> None:
        second(first())

    run = doubling(first=one(), second=double()).run(enable_cache=False)
    assert run.steps["second"].outputs["output"].read() == 2
    """
)


def _loaded_by(source: str, folder: Path, *, before: str = "") -> set[str]:
    """The modules a fresh interpreter holds after running ``source`` (``before`` runs first, unreported)."""
    script = folder / "pipeline_module.py"
    script.write_text(before + source + _REPORT, encoding="utf-8")
    env = {**os.environ, "ZEN_ROOT": str(folder / "project")}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(script)], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_a_pipeline_modules_imports_load_none_of_zens_heavy_parts(tmp_path: Path) -> None:
    loaded = _loaded_by(USER_IMPORTS, tmp_path)
    assert "zen_run._client" in loaded  # Client itself is there, ready to open the stores
    assert not HEAVY & loaded, sorted(HEAVY & loaded)


def test_defining_and_binding_a_pipeline_loads_none_of_zens_heavy_parts(tmp_path: Path) -> None:
    body = textwrap.dedent(
        """
        class AddConfig(BaseStepConfig):
            add_amount: int = 1
            tags: tuple[str, ...] = ()

        @step
        def returns_one() -> int:
            return 1

        @step(name="adder", enable_cache=False)
        def adds(some_num: int, config: AddConfig) -> int:
            return some_num + config.add_amount

        @step
        def copies(value: Input[int], out: Output[int]) -> None:
            out.write(value.read())

        @pipeline
        def add_pipeline(first, second, third) -> None:
            third(second(first()))

        instance = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)), third=copies())
        assert instance is not None
        """
    )
    loaded = _loaded_by(USER_IMPORTS + body, tmp_path)
    assert not HEAVY & loaded, sorted(HEAVY & loaded)


def test_running_a_pipeline_of_plain_values_loads_no_cli_or_array_library(tmp_path: Path) -> None:
    """A run loads the stores and the runner, but neither the command line's click (the progress display does
    without it) nor an array library no step of it uses. (Creating a project's database loads sqlite-utils, which
    imports click: the second run, in the project the first one made, is the one checked.) Nor the PostgreSQL
    or fsspec back-ends, nor garbage collection, which a local project's run does not use."""
    _loaded_by(USER_IMPORTS + TWO_STEPS, tmp_path)
    loaded = _loaded_by(USER_IMPORTS + TWO_STEPS, tmp_path)
    assert {"zen_store", "zen_run._runner"} <= loaded  # it did run
    assert not {"click", "numpy", "pandas", "polars", "torch", "yaml"} & loaded
    assert not {"zen_store._postgres", "zen_store._remote", "zen_store._gc", "psycopg", "fsspec"} & loaded


_COUNT_SCANS = (
    "import importlib.metadata as _metadata\n_SCANS = []\n_every = _metadata.distributions\n"
    "def _counted(**params):\n    _SCANS.append(params)\n    return _every(**params)\n"
    "_metadata.distributions = _counted\n"
)


def test_a_processs_first_run_reads_the_installed_plug_ins_once(tmp_path: Path) -> None:
    """Looking for the runner (``zen.runner``) and the materializers (``zen.materializers``) is one scan of the
    installed distributions, not one per entry-point group. (Creating a project's database loads sqlite-utils,
    whose plug-in manager scans them again: the run in the project the first one made is the one checked.)"""
    _loaded_by(USER_IMPORTS + TWO_STEPS, tmp_path)
    body = TWO_STEPS + "assert len(_SCANS) == 1, _SCANS\n"
    loaded = _loaded_by(USER_IMPORTS + body, tmp_path, before=_COUNT_SCANS)
    assert "zen_run._runner" in loaded  # it did run, so it looked for the runner and the materializers


def test_a_client_reading_the_last_run_loads_nothing_a_run_needs(tmp_path: Path) -> None:
    """``Client()`` and ``last_run`` open the project's SQLite stores and read a record: no materializer, no git
    pinning, no plug-in scan, no cattrs, and neither the PostgreSQL nor the fsspec back-end."""
    _loaded_by(USER_IMPORTS + TWO_STEPS, tmp_path)
    body = 'assert Client().last_run("doubling").status == "completed"\n'
    loaded = _loaded_by("from zen_run import Client\n" + body, tmp_path)
    assert {"zen_store._sqlite", "zen_run._context"} <= loaded  # it did open the stores
    assert not READING & loaded, sorted(READING & loaded)


def test_zen_runs_list_loads_nothing_a_run_needs(tmp_path: Path) -> None:
    """The command line listing a project's runs opens the stores the way a ``Client`` does."""
    _loaded_by(USER_IMPORTS + TWO_STEPS, tmp_path)
    listing = "from zen_run._cli import main\n\nassert main(['runs', 'list']) == 0\n"
    loaded = _loaded_by(listing, tmp_path)
    assert {"zen_store._sqlite", "zen_run._context", "click"} <= loaded  # it did list them
    assert not READING & loaded, sorted(READING & loaded)


def test_zens_heavy_parts_named_above_exist() -> None:
    """A misspelt zen module above would make the checks pass for nothing: each one imports."""
    zen_modules = sorted(name for name in HEAVY | READING if name.startswith("zen_"))
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    subprocess.run([sys.executable, "-c", code, *zen_modules], check=True, timeout=120)
