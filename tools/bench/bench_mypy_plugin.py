"""mypy's time with and without zen's plugin on a generated 500-step pipeline module (cold cache, same run),
and pyright's on the same module.

The module has 500 steps (a mix of plain, ``Input``/``Output`` and config parameters), a pipeline with one
``Slot`` per step wired as a chain, and the binding call. Each run uses a fresh cache directory, so mypy also
checks zen-types itself: that is what a user's first run costs. Runs alternate (with, without, ...) and the
median is kept. Times are the checkers' CPU time (user + system), which a busy machine disturbs less than the
wall clock. Goal: the plugin within 1.1x of mypy alone. pyright (strict) is timed on the same module for
comparison; it runs the npm package bundled in its PyPI wheel on the machine's Node.js.
Run: ``python tools/bench/bench_mypy_plugin.py`` (or ``python -m tools.bench.bench_mypy_plugin``).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make ``tools.bench`` importable from the repo root
    sys.path.insert(0, str(ROOT))

from tools.bench._common import BenchRow, print_rows  # noqa: E402 - after the script-mode path fix above

STEPS = 500
GOAL = "< 1.1x"

_CONFIG = """\
[mypy]
{plugins}python_version = 3.11
strict = True
mypy_path = {src}
"""


def generate_module(steps: int = STEPS) -> str:
    """Source of a module with ``steps`` steps chained through one pipeline, bound once."""
    lines = [
        "from zen_types import BaseStepConfig, Input, Output, Slot, pipeline, step",
        "",
        "",
        "class Config(BaseStepConfig):",
        "    amount: int = 1",
        "",
        "",
        "@step",
        "def s0() -> int:",
        "    return 0",
    ]
    for i in range(1, steps):
        kind = i % 3
        lines += ["", "", "@step"]
        if kind == 0:
            lines += [f"def s{i}(x: int, config: Config) -> int:", "    return x + config.amount"]
        elif kind == 1:
            lines += [f"def s{i}(x: Input[int], out: Output[int]) -> None:", "    out.write(x.read() + 1)"]
        else:
            lines += [f"def s{i}(x: float) -> int:", "    return int(x)"]
    slots = ["a0: Slot[[], int]", *(f"a{i}: Slot[[int], int]" for i in range(1, steps))]
    lines += ["", "", "@pipeline", f"def chain({', '.join(slots)}) -> None:", "    h = a0()"]
    lines += [f"    h = a{i}(h)" for i in range(1, steps)]
    bound = ", ".join(f"a{i}=s{i}({'Config()' if i % 3 == 0 and i else ''})" for i in range(steps))
    lines += ["", "", f"instance = chain({bound})", ""]
    return "\n".join(lines)


def _cpu_seconds(argv: list[str], *, env: dict[str, str] | None = None, clean: bool = True) -> float:
    """CPU time (user + system) of one checker run, which must report no error when ``clean``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if clean and result.returncode != 0:
        raise RuntimeError(f"{argv[2]} reported errors on the generated module:\n{result.stdout}{result.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _mypy_seconds(module: Path, config: Path, cache_dir: Path) -> float:
    return _cpu_seconds(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache_dir), str(module)]
    )


def _pyright_seconds(module: Path) -> float:
    from tests.typing.harness import ZEN_TYPES_SRC, pyright_environment

    config = module.parent / "pyrightconfig.json"
    config.write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11", "extraPaths": [str(ZEN_TYPES_SRC)]}),
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "pyright", "--pythonpath", sys.executable, "-p", str(module.parent), str(module)]
    # Not ``clean``: in strict mode pyright gives up inferring a variable reassigned 500 times and reports it.
    return _cpu_seconds(argv, env=pyright_environment(), clean=False)


def run(*, repeats: int = 3, steps: int = STEPS) -> list[BenchRow]:
    """Median cold-cache mypy time with and without the plugin, alternating runs."""
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        module = tmp / "generated_pipeline.py"
        module.write_text(generate_module(steps), encoding="utf-8")
        src = ROOT / "packages" / "zen-types" / "src"
        configs = {}
        for plugin in (True, False):
            config = tmp / f"mypy_{plugin}.ini"
            plugins = "plugins = zen_types.mypy\n" if plugin else ""
            config.write_text(_CONFIG.format(plugins=plugins, src=src), encoding="utf-8")
            configs[plugin] = config
        times: dict[bool, list[float]] = {True: [], False: []}
        for attempt in range(repeats):
            for plugin in (True, False):
                cache = tmp / f"cache_{plugin}_{attempt}"
                times[plugin].append(_mypy_seconds(module, configs[plugin], cache))
        pyright = statistics.median(_pyright_seconds(module) for _ in range(repeats))
    with_plugin = statistics.median(times[True])
    without = statistics.median(times[False])
    return [
        BenchRow.compare(f"mypy on a {steps}-step pipeline, cold cache (CPU)", with_plugin, without, "s", GOAL),
        BenchRow.compare("  pyright on the same module (CPU) vs mypy alone", pyright, without, "s", ""),
    ]


if __name__ == "__main__":
    rows = run()
    print_rows(rows)
    for row in rows:
        print(f"{row.name}: {row.value:.2f} s, baseline {row.baseline or 0:.2f} s, ratio {row.ratio or 0:.2f}x")
