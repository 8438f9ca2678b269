"""PyTorch artifacts: a large module's write+read through zen against ``safetensors.torch.save_file`` +
``load_file`` of its state dict in the same run (goal: within 1.3x), and a table streamed through the
``TableBatches`` view with the process's peak memory growth beside the table's size.

The module comparison does the same work on both sides: zen's materializer writes the module (weights plus its
pinned class and hyperparameters), every file it wrote is fsynced (as zen's store does before it records an
artifact) and the module is read back; the baseline saves the state dict with ``save_file``, fsyncs the file,
loads it with ``load_file`` and puts the tensors into a module built on the meta device (the cheapest way by hand
to get a module back, as zen's reader does). Both sides fsync so neither leaves dirty pages for the other's turn:
without it the side that runs second pays for the first one's writeback.

Run: ``python -m tools.bench.bench_torch`` (``--params 100`` for the full 100M-parameter module; the default,
25M, keeps the whole benchmark suite within a few minutes on a shared 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import safetensors.torch
import torch
from torch import nn

from tools.bench._common import BenchRow, print_rows
from zen_materialize import Location, default_registry
from zen_materialize.torch import TableBatches
from zen_run.torch import TorchModuleMaterializer

WIDTH = 2048  # each layer holds WIDTH * WIDTH + WIDTH parameters (~4.2M)


@attrs.frozen
class StackParams:
    """How many square layers."""

    layers: int


class LinearStack(nn.Module):
    """Square linear layers: a module whose size is set by one number."""

    def __init__(self, hparams: StackParams) -> None:
        super().__init__()
        self.hparams = hparams
        self.layers = nn.ModuleList(nn.Linear(WIDTH, WIDTH) for _ in range(hparams.layers))


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def module_rows(*, millions: int, repeats: int) -> list[BenchRow]:
    """Median write+fsync+read times, zen and baseline interleaved so both see the same page-cache state."""
    hparams = StackParams(layers=max(1, round(millions * 1e6 / (WIDTH * WIDTH + WIDTH))))
    model = LinearStack(hparams)
    count = sum(p.numel() for p in model.parameters())
    materializer = TorchModuleMaterializer()
    zen_times: list[float] = []
    base_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="zen-bench-torch-") as tmp:
        root = Path(tmp)
        for index in range(repeats + 1):  # the first round warms both (imports, the class's pin) and is not kept
            zen_folder, base_folder = root / f"zen{index}", root / f"base{index}"
            zen_folder.mkdir()
            base_folder.mkdir()

            def zen_round(folder: Path = zen_folder) -> None:
                materializer.write(model, Location(str(folder)))
                for path in folder.iterdir():
                    _fsync(path)
                _fsync(folder)
                assert isinstance(materializer.read(Location(str(folder))), LinearStack)

            def base_round(folder: Path = base_folder) -> None:
                path = folder / "weights.safetensors"
                safetensors.torch.save_file(model.state_dict(), path)
                _fsync(path)
                _fsync(folder)
                with torch.device("meta"):
                    rebuilt = LinearStack(hparams)
                rebuilt.load_state_dict(safetensors.torch.load_file(path), strict=True, assign=True)

            first, second = (zen_round, base_round) if index % 2 == 0 else (base_round, zen_round)
            times = {zen_round: zen_times, base_round: base_times}
            for side in (first, second):
                elapsed = _timed(side)
                if index:
                    times[side].append(elapsed)
            shutil.rmtree(zen_folder)  # both sides' files go before the next round: neither fills the page cache
            shutil.rmtree(base_folder)
    label = f"{count / 1e6:.0f}M-parameter module (float32): write + fsync + read, zen vs safetensors by hand"
    goal = "< 1.3x save_file+fsync+load_file"
    return [BenchRow.compare(label, statistics.median(zen_times), statistics.median(base_times), "s", goal=goal)]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def streaming_rows(*, rows: int) -> list[BenchRow]:
    """Stream a parquet table through TableBatches; report its size and how much the peak RSS grew."""
    with tempfile.TemporaryDirectory(prefix="zen-bench-stream-") as tmp:
        path = Path(tmp) / "data.parquet"
        rng = np.random.default_rng(0)
        with pq.ParquetWriter(path, pa.schema([(f"f{i}", pa.float64()) for i in range(8)])) as writer:
            for start in range(0, rows, 100_000):  # small chunks keep the writer's own peak memory low
                chunk = min(100_000, rows - start)
                writer.write_table(pa.table({f"f{i}": rng.random(chunk) for i in range(8)}), row_group_size=65_536)
        decoded_mb = rows * 8 * 8 / 1e6
        view = default_registry().reader_for("parquet", TableBatches).read(Location(tmp))
        assert isinstance(view, TableBatches)
        before = _peak_rss_mb()
        started = time.perf_counter()
        seen = sum(len(batch["f0"]) for batch in view.with_batch_size(8192).loader())
        elapsed = time.perf_counter() - started
        assert seen == rows
        growth = _peak_rss_mb() - before
    return [
        BenchRow.single(f"{decoded_mb:.0f} MB table streamed through TableBatches: time", elapsed, "s"),
        BenchRow.single(
            f"{decoded_mb:.0f} MB table streamed through TableBatches: peak memory growth",
            growth,
            "MB",
            goal="far below the table's size",
        ),
    ]


def run(*, millions: int = 25, repeats: int = 3, rows: int = 4_000_000) -> list[BenchRow]:
    """The module comparison and the streaming figures (the streaming one first: peak RSS only grows)."""
    return [*streaming_rows(rows=rows), *module_rows(millions=millions, repeats=repeats)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=int, default=25, help="millions of parameters in the module")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=4_000_000, help="rows of the streamed table (8 float columns)")
    options = parser.parse_args()
    from tools.bench.bench_torch import run as run_from_module  # the module class must not live in __main__

    print_rows(run_from_module(millions=options.params, repeats=options.repeats, rows=options.rows))
