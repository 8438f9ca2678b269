"""The runner's workloads and their floors, shared by the benchmarks (no numpy: a process measuring its peak memory
holds zen alone).

- ``chain_pipeline(n)``: a chain of ``n`` trivial int steps. Its head returns a new number each run, so every
  run stores new values, as the floor and the peers do: artifacts are addressed by their content, and values
  an earlier run stored would be stored once and skip the writing measured (``fresh=False`` measures that).
- ``timed_run``: one run of a pipeline, artifacts and lineage persisted, progress off.
- ``Floors.floor``: the floor DESIGN.md's budget per step is set against, "writing a pickle file and one SQLite row by
  hand", made durable by hand - each value pickled to a file, the file and its folder fsynced, and one row
  committed to SQLite per step in WAL mode with ``synchronous=NORMAL`` (as zen's lineage store). The budget
  rows keep this floor whatever zen's own durability becomes.
- ``Floors.floor_in_row``: a floor as durable as zen keeps a small value (see ``zen_store._artifacts``: an
  artifact of at most ``zen_store.SMALL_ARTIFACT_LIMIT`` bytes is not fsynced; its bytes go into the lineage
  database in the step's own transaction, and its files are written without a sync): each value pickled to a file
  with no fsync, and the same bytes in the one row committed per step. Shown beside the budget rows, never
  instead of them: with no fsync left in a trivial step, zen can beat DESIGN.md's floor, and only this one shows
  what zen's own work costs.

Both keep their database open across runs (see :class:`Floors`), as zen keeps its lineage store open.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
from pathlib import Path
from typing import Final

from tools.bench._common import Budget, generated_function
from zen_run import PipelineInstance, RunContext, RunOptions, execute, pipeline, step

__all__ = ["PER_STEP", "PER_STEP_GOAL", "Floors", "chain_pipeline", "timed_run"]

PER_STEP: Final = Budget(limit=3, on_ratio=True, inclusive=True)
"""DESIGN.md's framework overhead per trivial step: at most 3x the floor's time (aim: 1.5x)."""
PER_STEP_GOAL: Final = "<= 3x (aim 1.5x)"


@step
def first() -> int:
    """The head of a chain: a new number each run."""
    return time.time_ns()


@step
def zero() -> int:
    """The head of a chain whose values are the same every run."""
    return 0


@step
def plus_one(x: int) -> int:
    """A trivial step."""
    return x + 1


def chain_pipeline(length: int, *, fresh: bool = True) -> PipelineInstance:
    """``first`` (or ``zero`` when not ``fresh``) followed by ``length - 1`` ``plus_one`` steps."""
    slots = [f"s{i}" for i in range(length)]
    body = "    h = s0()\n" + "".join(f"    h = {s}(h)\n" for s in slots[1:]) + "    return None\n"
    func = generated_function(f"chain_{length}", slots, body, {"__name__": __name__})
    return pipeline(func)(s0=first() if fresh else zero(), **{s: plus_one() for s in slots[1:]})


def timed_run(instance: PipelineInstance, context: RunContext, *, cache: bool) -> float:
    """Seconds for one run of ``instance`` in ``context``, caching on or off, progress off."""
    started = time.perf_counter()
    execute(instance, context, RunOptions(enable_cache=None if cache else False, progress=False))
    return time.perf_counter() - started


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _database(path: Path, columns: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(f"CREATE TABLE IF NOT EXISTS steps ({columns})")
    db.commit()
    return db


class Floors:
    """Both floors' folders and databases under ``root``, open until :meth:`close`, as zen's run context keeps its
    lineage store open across runs. Connecting again for each run would start a new write-ahead log each time
    (closing the last connection checkpoints and deletes it), and the first commit to a new log syncs twice
    (strace: two fdatasyncs): a cost per run zen does not pay, ~11 ms on a busy disk, that made the floors' fixed
    cost 7-9 ms and flattered zen."""

    def __init__(self, root: Path) -> None:
        self._folder = root / "floor"
        self._row_folder = root / "floor-in-row"
        self._folder.mkdir(exist_ok=True)
        self._row_folder.mkdir(exist_ok=True)
        self._db = _database(root / "floor.db", "step TEXT, path TEXT, created REAL")
        self._row_db = _database(root / "floor-in-row.db", "step TEXT, path TEXT, data BLOB, created REAL")

    def floor(self, values: list[object]) -> float:
        """Seconds to store ``values`` as steps at DESIGN.md's floor: per value a pickle file, fsynced with its
        folder, and one committed SQLite row (WAL, ``synchronous=NORMAL``)."""
        started = time.perf_counter()
        for index, value in enumerate(values):
            path = self._folder / f"v{index}-{time.perf_counter_ns()}.pkl"
            with path.open("wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
                handle.flush()
                os.fsync(handle.fileno())
            _fsync(self._folder)
            self._db.execute("INSERT INTO steps VALUES (?, ?, ?)", (f"s{index}", str(path), time.time()))
            self._db.commit()
        return time.perf_counter() - started

    def floor_in_row(self, values: list[object]) -> float:
        """Seconds to store ``values`` as steps as durable as zen keeps small values: per value a pickle file
        written without fsync, and its bytes in the one SQLite row committed per step (WAL,
        ``synchronous=NORMAL``)."""
        started = time.perf_counter()
        for index, value in enumerate(values):
            path = self._row_folder / f"v{index}-{time.perf_counter_ns()}.pkl"
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            path.write_bytes(data)
            self._row_db.execute("INSERT INTO steps VALUES (?, ?, ?, ?)", (f"s{index}", str(path), data, time.time()))
            self._row_db.commit()
        return time.perf_counter() - started

    def close(self) -> None:
        """Close both databases."""
        self._db.close()
        self._row_db.close()

    def __enter__(self) -> Floors:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
