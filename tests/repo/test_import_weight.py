"""What a pipeline module loads: its imports and its definitions stay clear of zen's heavy parts.

``from zen_run import Client, pipeline, step`` (and the zen-types names a pipeline file uses) and defining
configs, steps and pipelines need zen-types and attrs only. The stores, materializers, git pinning, cattrs, YAML
and array libraries load when a run starts or a ``Client`` opens. Each case runs in a fresh interpreter, so what
this test process imported does not count; ``tools/bench/bench_chain.py`` times the same imports.
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

_REPORT = "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"


def _loaded_by(source: str, folder: Path) -> set[str]:
    script = folder / "pipeline_module.py"
    script.write_text(source + _REPORT, encoding="utf-8")
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
    imports click: the second run, in the project the first one made, is the one checked.)"""
    body = textwrap.dedent(
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
    _loaded_by(USER_IMPORTS + body, tmp_path)
    loaded = _loaded_by(USER_IMPORTS + body, tmp_path)
    assert {"zen_store", "zen_run._runner"} <= loaded  # it did run
    assert not {"click", "numpy", "pandas", "polars", "torch", "yaml"} & loaded


def test_zens_heavy_parts_named_above_exist() -> None:
    """A misspelt zen module above would make the checks pass for nothing: each one imports."""
    zen_modules = sorted(name for name in HEAVY if name.startswith("zen_"))
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    subprocess.run([sys.executable, "-c", code, *zen_modules], check=True, timeout=120)
