"""Large arrays: zen's NumPy materializer write+read against ``np.save`` + ``np.load`` of the same array, in
the same run, and the memory-mapped view's open and full-scan times. Goal: within 1.3x of the baseline.

Run: ``python -m tools.bench.bench_materialize``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from tools.bench._common import BenchRow, Budget, print_rows
from zen_materialize import Location, default_registry

SIZE = 20_000_000  # 160 MB of float64
WITHIN = Budget(limit=1.3, on_ratio=True, inclusive=True)


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]  # a zero-argument callable
    return time.perf_counter() - started


def run(*, repeats: int = 6) -> list[BenchRow]:
    """Median of ``repeats`` rounds, zen and baseline interleaved so both see the same machine state."""
    array = np.random.default_rng(0).random(SIZE)
    registry = default_registry()
    writer = registry.writer_for(np.ndarray)
    reader = registry.reader_for("npy", np.ndarray)
    view = registry.reader_for("npy", np.memmap)
    zen_times: list[float] = []
    base_times: list[float] = []
    open_times: list[float] = []
    scan_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="zen-bench-array-") as tmp:
        root = Path(tmp)
        for index in range(repeats):
            zen_dir = root / f"zen{index}"
            zen_dir.mkdir()
            location = Location(str(zen_dir))

            def zen_round(location: Location = location) -> None:
                writer.write(array, location)
                assert reader.read(location).shape == array.shape  # type: ignore[attr-defined]

            def base_round(path: Path = root / f"base{index}.npy") -> None:
                np.save(path, array)
                assert np.load(path).shape == array.shape

            if index % 2:  # alternate who goes first, so page-cache and allocator state favour neither
                base_times.append(_timed(base_round))
                zen_times.append(_timed(zen_round))
            else:
                zen_times.append(_timed(zen_round))
                base_times.append(_timed(base_round))
            started = time.perf_counter()
            mapped = view.read(location)
            open_times.append(time.perf_counter() - started)
            scan_times.append(_timed(lambda mapped=mapped: float(np.sum(mapped))))
    zen_s, base_s = statistics.median(zen_times), statistics.median(base_times)
    return [
        BenchRow.compare("160 MB float64 array: write + read", zen_s, base_s, "s", budget=WITHIN),
        BenchRow.single("160 MB array, memory-mapped view: open", statistics.median(open_times), "s"),
        BenchRow.single("160 MB array, memory-mapped view: full scan", statistics.median(scan_times), "s"),
    ]


if __name__ == "__main__":
    print_rows(run())
