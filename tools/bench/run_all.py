"""Run every benchmark and write one Markdown table of figures and same-run ratios.

    python3 -m uv sync --group bench         # once: Hamilton, the peer measured beside zen (in no package)
    python -m tools.bench.run_all            # prints the table and writes tools/bench/RESULTS.md

Each benchmark module exposes ``run() -> list[BenchRow]``; baselines are measured in the same process and run,
so the ratios are comparable on any machine. Budget: a few minutes on a 2-core machine.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from tools.bench import (
    bench_chain,
    bench_cli,
    bench_dask,
    bench_materialize,
    bench_mypy_plugin,
    bench_pinning,
    bench_runner,
    bench_store,
    bench_store_postgres,
    bench_torch,
    bench_ui,
)
from tools.bench._common import BenchRow, rows_to_markdown

RESULTS = Path(__file__).with_name("RESULTS.md")


def main() -> None:
    """Run the benchmarks in turn, print progress to stderr, write RESULTS.md."""
    warnings.simplefilter("ignore")  # unpinned-code warnings from benchmark-generated steps
    rows: list[BenchRow] = []
    started = time.perf_counter()
    load = os.getloadavg()
    modules = (
        bench_chain,
        bench_cli,
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
    for module in modules:
        name = module.__name__.rsplit(".", 1)[-1]
        print(f"running {name} ...", file=sys.stderr, flush=True)
        section = time.perf_counter()
        rows.extend(module.run())
        print(f"  {name}: {time.perf_counter() - section:.1f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - started
    header = (
        f"# zen benchmark results\n\nMeasured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, in {total:.0f} s by `python -m tools.bench.run_all`. Ratios are "
        f"zen / baseline measured in the same run (baseline for steps: pickle each value to a file and insert "
        f"one committed SQLite row per step; for arrays: np.save + np.load). Load average when it began: "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) on {os.cpu_count()} cores: on a loaded machine "
        f"absolute times stretch, ratios measured in the same run much less.\n\n"
    )
    table = rows_to_markdown(rows)
    RESULTS.write_text(header + table + "\n")
    print(table)


if __name__ == "__main__":
    main()
