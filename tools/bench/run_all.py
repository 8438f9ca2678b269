"""Run every benchmark and write one Markdown table of figures, same-run ratios and budgets: the one bench command.

    python3 -m uv run --frozen --group bench python -m tools.bench.run_all   # writes tools/bench/RESULTS.md
    python3 -m uv run --frozen --group bench python -m tools.bench.run_all --quick [--only bench_chain ...]

Each benchmark module exposes ``run() -> list[BenchRow]``; baselines are measured in the same process and run,
so the ratios are comparable on any machine. The full run needs Hamilton (the peer measured beside zen, in the
root ``bench`` dependency group: ``--group bench``) and writes the whole of RESULTS.md - never a part of it.
``--quick`` (small sizes, one repeat) and ``--only`` check that benchmarks work: they print, and write nothing.
Budget: several minutes on a 2-core machine; measure on a quiet one (the load average is recorded).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Final

from tools.bench import (
    bench_cached,
    bench_chain,
    bench_cli,
    bench_dask,
    bench_first_run,
    bench_git_project,
    bench_materialize,
    bench_mypy_plugin,
    bench_pinning,
    bench_runner,
    bench_store,
    bench_store_postgres,
    bench_torch,
    bench_ui,
)
from tools.bench._common import BenchRow, Verdict, rows_to_markdown

RESULTS = Path(__file__).with_name("RESULTS.md")
BENCHMARKS: Final[dict[str, ModuleType]] = {
    module.__name__.rsplit(".", 1)[-1]: module
    for module in (
        bench_chain,
        bench_git_project,
        bench_cached,
        bench_cli,
        bench_first_run,
        bench_runner,
        bench_pinning,
        bench_materialize,
        bench_store,
        bench_store_postgres,
        bench_ui,
        bench_mypy_plugin,
        bench_dask,
        bench_torch,
    )
}
QUICK: Final[Mapping[str, Mapping[str, int]]] = {
    "bench_cached": {"repeats": 1},
    "bench_chain": {"repeats": 1, "most_repeats": 1},
    "bench_first_run": {"repeats": 1},
    "bench_git_project": {"repeats": 1, "most_repeats": 1},
    "bench_runner": {"repeats": 1},
    "bench_materialize": {"repeats": 1},
    "bench_mypy_plugin": {"repeats": 1, "steps": 50},
    "bench_dask": {"repeats": 1},
    "bench_torch": {"millions": 1, "repeats": 1, "rows": 100_000},
}
"""Smaller sizes for ``--quick``, by benchmark (the others are quick already, or have no smaller size)."""


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def _header(seconds: float, load_before: str, load_after: str) -> str:
    return (
        f"# zen benchmark results\n\nMeasured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, in {seconds:.0f} s by `python -m tools.bench.run_all`. Ratios are "
        f"zen / baseline measured in the same run (the floor for steps, DESIGN.md's: pickle each value to a file, "
        f"fsync it with its folder and commit one SQLite row per step; rows marked so use a floor as durable as zen "
        f"keeps small values: the file not fsynced, its bytes in the committed row; for the array step: np.save + "
        f"fsync + np.load; for a materializer alone: np.save + np.load). A run's figures are medians of runs "
        f"interleaved with their baselines'; one fitted from runs of several lengths shows its 95% interval, and its "
        f"budget is judged on the interval. Load average (1/5/15 min) on "
        f"{os.cpu_count()} cores: {load_before} when it began, {load_after} when it ended; on a loaded machine "
        f"absolute times stretch, ratios measured in the same run much less.\n\n"
    )


def _budgets(rows: list[BenchRow]) -> str:
    checked = [row for row in rows if row.budget is not None]
    if not checked:
        return ""
    met = sum(1 for row in checked if row.met is Verdict.MET)
    undecided = sum(1 for row in checked if row.met is Verdict.UNDECIDED)
    unsure = f" ({undecided} undecided: an interval reaching both sides of its goal)" if undecided else ""
    return f"## Budgets: {met} of {len(checked)} met{unsure}\n\n{rows_to_markdown(checked)}\n\n## Every figure\n\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks in turn, print progress to stderr and the table to stdout; write RESULTS.md when every
    benchmark ran at full size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat; write nothing")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="these benchmarks; write nothing")
    args = parser.parse_args(argv)
    complete = not args.quick and not args.only
    if complete and importlib.util.find_spec("hamilton") is None:
        print(
            "zen: Hamilton, the peer RESULTS.md measures zen beside, is not installed. Run the benchmarks with its "
            "group: python3 -m uv run --frozen --group bench python -m tools.bench.run_all",
            file=sys.stderr,
        )
        return 2
    warnings.simplefilter("ignore")  # unpinned-code warnings from benchmark-generated steps
    rows: list[BenchRow] = []
    load_before = _load()
    started = time.perf_counter()
    for name in args.only or BENCHMARKS:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        section = time.perf_counter()
        found: list[BenchRow] = BENCHMARKS[name].run(**(QUICK.get(name, {}) if args.quick else {}))
        rows.extend(found)
        print(f"  {name}: {time.perf_counter() - section:.1f} s", file=sys.stderr, flush=True)
    text = _header(time.perf_counter() - started, load_before, _load()) + _budgets(rows) + rows_to_markdown(rows)
    if complete:
        RESULTS.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
