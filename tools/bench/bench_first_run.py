"""What a process pays the first time it uses zen: its first run, its first ``Client``, and ``zen runs list``.

Each figure is one fresh process, from interpreter start to exit (CPU: user + system time of the child; wall:
elapsed), best of ``repeats``, bytecode as this environment has it. The cases:

- **first run, new project**: a pipeline module imports zen and runs a 2-step pipeline in a folder with no
  project yet (the run creates the project and its lineage database);
- **first run, existing project**: the same module run again in the project the first one made;
- **Client().last_run**: a process that opens a ``Client`` and reads the last run of that pipeline;
- **zen runs list**: the command line listing that project's runs.

Baseline, measured in the same run: ``python -c pass``, the floor of any Python process.
``python -X importtime`` on the same scripts (``--importtime CASE``) says where the time goes.

Run: ``python -m tools.bench.bench_first_run``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from tools.bench._common import BenchRow, print_rows

REPEATS = 7
ZEN = str(Path(sys.executable).with_name("zen"))

PIPELINE_MODULE = textwrap.dedent(
    """
    from zen_run import pipeline, step


    @step
    def one() -> int:
        return 1


    @step
    def double(value: int) -> int:
        return 2 * value


    @pipeline
    def doubling(first, second) -> None:
        second(first())


    if __name__ == "__main__":
        doubling(first=one(), second=double()).run(enable_cache=False, progress=False)
    """
)
CLIENT_SCRIPT = 'from zen_run import Client\n\nassert Client().last_run("doubling").status == "completed"\n'


def _cost(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one fresh process running ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, timeout=600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def _best(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return min(cpu for cpu, _ in samples), min(wall for _, wall in samples)


def _project(folder: Path) -> tuple[Path, dict[str, str]]:
    """A folder holding the pipeline module and the client script, with ``ZEN_ROOT`` pointing into it."""
    folder.mkdir(parents=True)
    (folder / "doubling.py").write_text(PIPELINE_MODULE, encoding="utf-8")
    (folder / "client_last_run.py").write_text(CLIENT_SCRIPT, encoding="utf-8")
    return folder, {**os.environ, "ZEN_ROOT": str(folder / "project"), "PYTHONWARNINGS": "ignore"}


COMMANDS = {
    "first run, existing project": [sys.executable, "doubling.py"],
    "Client().last_run": [sys.executable, "client_last_run.py"],
    "zen runs list": [ZEN, "runs", "list"],
}


def run(*, repeats: int = REPEATS) -> list[BenchRow]:
    """Each case's best CPU and wall time against ``python -c pass``, measured in the same run."""
    samples: dict[str, list[tuple[float, float]]] = {"baseline": [], "first run, new project": []}
    samples |= {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory(prefix="zen-bench-first-") as tmp:
        shared, env = _project(Path(tmp) / "shared")
        subprocess.run([sys.executable, "doubling.py"], cwd=shared, env=env, check=True, capture_output=True)
        for attempt in range(repeats):  # interleaved, so each case sees the same machine state
            samples["baseline"].append(_cost([sys.executable, "-c", "pass"], shared, env))
            fresh, fresh_env = _project(Path(tmp) / f"fresh-{attempt}")
            samples["first run, new project"].append(_cost([sys.executable, "doubling.py"], fresh, fresh_env))
            for name, command in COMMANDS.items():
                samples[name].append(_cost(command, shared, env))
    base_cpu, base_wall = _best(samples.pop("baseline"))
    rows: list[BenchRow] = []
    for name, taken in samples.items():
        cpu, wall = _best(taken)
        label = f"{name} (fresh process, best of {repeats}) vs python -c pass"
        rows.append(BenchRow.compare(f"{label}: CPU", cpu, base_cpu, "s"))
        rows.append(BenchRow.compare(f"{label}: wall", wall, base_wall, "s"))
    return rows


def _importtime(case: str) -> None:
    """Print ``python -X importtime``'s slowest imports (cumulative) of one case, run in a prepared project."""
    with tempfile.TemporaryDirectory(prefix="zen-bench-first-") as tmp:
        folder, env = _project(Path(tmp) / "project-folder")
        if case != "first run, new project":
            subprocess.run([sys.executable, "doubling.py"], cwd=folder, env=env, check=True, capture_output=True)
        command = COMMANDS.get(case, [sys.executable, "doubling.py"])
        if command[0] == ZEN:
            command = [sys.executable, "-c", "from zen_run._cli import run_main; run_main()", *command[1:]]
        command = [command[0], "-X", "importtime", *command[1:]]
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=True)
    rows = [line.split("|") for line in done.stderr.splitlines() if line.startswith("import time:")][1:]
    timed = sorted(((int(row[1]), row[2].rstrip()) for row in rows), reverse=True)
    for cumulative, name in timed[:40]:
        print(f"{cumulative / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument(
        "--importtime", metavar="CASE", help="one of: " + ", ".join(["first run, new project", *COMMANDS])
    )
    args = parser.parse_args()
    if args.importtime:
        _importtime(args.importtime)
    else:
        print_rows(run(repeats=args.repeats))
