"""zen's fixed cost per run where users run zen: a project that is a git repository with its step module committed,
beside the same chain in a project outside git (where ``bench_chain`` measures it), interleaved run by run.

In the git project every run pins its steps (``module.name@<sha>``): it reads the repository's state (HEAD, and
``git status`` unless nothing it depends on changed since it was last asked), compares each step module's bytes and
those of the project modules it imports with their blobs in HEAD's tree, and records the state with the run.
Outside git, pinning finds no repository and records the steps unpinned, so that figure leaves all of it out.

Both projects hold the same step module (a head returning a new number each run, then ``x + 1`` steps: the chain of
``_chain.py``), under a name of its own, beside 100 other small modules (a small project: a run looks at each
tracked file to know nothing changed), their files last changed a minute before the runs and the repository's
files settled (the state of a repository whose files changed in the last seconds is asked of git every run, on
purpose). Chains of 1, 10 and 50 steps run in both projects in a rotating order, caching off; the fixed cost is
measured directly, a 1-step run minus one step's cost (the slope over 10 and 50 steps), with its 95% interval
(``_fit.fixed_by_difference``), in wall time and in CPU time, which a loaded machine does not blur. Before timing,
the benchmark checks that the git project's recorded sources carry the commit's sha (and the other project's none).

How that look grows with the repository: reading a settled repository's state (what pinning asks for) with 10,
100 and 1000 tracked files, against one ``git status --untracked-files=no`` in the same process.

The issue's budget of 3 ms fixed cost per run is judged here, on the git project's wall-clock figure: that is the
cost a user's run pays (the profile that set the budget counted git pinning in it), and a project outside git
leaves pinning out. ``bench_chain``'s fit over 10/50/200 steps (no git) stays beside it, informational. The
rounds go on past ``REPEATS`` (up to ``MOST_REPEATS``) until that figure is known within ``FIXED_PRECISION``.

Run: ``python -m tools.bench.bench_git_project``.
"""

from __future__ import annotations

import functools
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

from tools.bench._common import BenchRow, Budget, generated_function, print_rows
from tools.bench._fit import MIN_RUNS, Estimate, fixed_by_difference
from zen_git import SourceCache, UnpinnedCodeWarning
from zen_git._git import GitRepo
from zen_run import Client, PipelineInstance, RunContext, RunOptions, execute, pipeline
from zen_run._project import Project

LENGTHS = (1, 10, 50)
REPEATS = 15
MOST_REPEATS = 40
FIXED_PRECISION = 0.001
"""Seconds: the wall-clock rounds go on past ``REPEATS`` (up to ``MOST_REPEATS``) until the 95% interval of the git
project's fixed cost is no wider than this, a third of its 3 ms budget (as ``bench_chain`` does for its fit)."""
FIXED_BUDGET = Budget(limit=0.003)
PROJECT_FILES = 100
"""Other tracked files of the git project beside its step module (a small project): a run that keeps the
repository's state from the run before still looks at each tracked file and folder (one ``lstat`` each) to know
nothing changed, so the fixed cost grows with the repository (see ``_state_rows``)."""
PER_FOLDER = 20
STATE_FILES = (10, 100, 1000)
STATE_REPEATS = 30
SETTLED_S = 2.1
"""Seconds to wait after committing: the repository's state is kept between runs only once every file it depends on
last changed more than two seconds before (``zen_git._status``), as in a project not edited this very moment."""
STEPS = textwrap.dedent(
    """\
    import time

    from zen_run import step


    @step
    def first() -> int:
        return time.time_ns()


    @step
    def plus_one(x: int) -> int:
        return x + 1
    """
)
_Side = tuple[str, int]
_Clock = Callable[[], float]


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "init.defaultBranch=main", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _files(root: Path, count: int) -> None:
    """``count`` small modules in folders of ``PER_FOLDER``, the rest of a project, a minute old."""
    past = time.time() - 60
    for index in range(count):
        path = root / "lib" / f"part{index // PER_FOLDER}" / f"m{index}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE = {index}\n")
        os.utime(path, (past, past))


def _steps_module(root: Path, name: str, *, committed: bool) -> ModuleType:
    """The step module written into ``root`` as ``name`` beside ``PROJECT_FILES`` other files, committed in a new
    repository there when ``committed``, imported by name from ``root`` (on ``sys.path``, as a project's folder
    is)."""
    root.mkdir()
    path = root / f"{name}.py"
    path.write_text(STEPS)
    _files(root, PROJECT_FILES)
    past = time.time() - 60
    os.utime(path, (past, past))
    if committed:
        _git(root, "init", "-q")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "steps")
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    return importlib.import_module(name)


def _chain(steps: ModuleType, length: int) -> PipelineInstance:
    """``steps.first`` followed by ``length - 1`` ``steps.plus_one``: ``_chain.chain_pipeline``'s chain."""
    slots = [f"s{i}" for i in range(length)]
    body = "    h = s0()\n" + "".join(f"    h = {s}(h)\n" for s in slots[1:]) + "    return None\n"
    func = generated_function(f"chain_{length}", slots, body, {"__name__": steps.__name__})
    return pipeline(func)(s0=steps.first(), **{s: steps.plus_one() for s in slots[1:]})


def _timed(instance: PipelineInstance, context: RunContext, clock: _Clock) -> float:
    started = clock()
    execute(instance, context, RunOptions(enable_cache=False, progress=False))
    return clock() - started


def _check_pins(context: RunContext, instance: PipelineInstance, sha: str | None) -> None:
    """Fail unless one run of ``instance`` records its steps pinned to ``sha`` (None: unpinned)."""
    run = execute(instance, context, RunOptions(enable_cache=False, progress=False))
    sources = {step.source for step in Client(context=context).get_run(run.id).steps.values()}
    wanted = {source.partition("@")[0] + (f"@{sha}" if sha else "") for source in sources}
    if sources != wanted:
        raise RuntimeError(f"the benchmark's steps were recorded as {sorted(sources)}, not pinned to {sha}")


def _interleaved(
    sides: Mapping[_Side, Callable[[], float]], repeats: int, most: int, wanted: Callable[[Estimate], bool]
) -> dict[_Side, list[float]]:
    """Each side's timings: every side warmed once, then ``repeats`` rounds in a rotating order, and more (up to
    ``most``) while the git project's fixed cost is not ``wanted``."""
    for action in sides.values():
        action()
    names = list(sides)
    samples: dict[_Side, list[float]] = {name: [] for name in names}
    index = 0
    while index < repeats or (index < most and not wanted(_direct(samples, "git"))):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            samples[name].append(sides[name]())
        index += 1
    return samples


def _direct(samples: Mapping[_Side, list[float]], project: str) -> Estimate:
    return fixed_by_difference({length: samples[project, length] for length in LENGTHS}, short=1)


def _state_rows(folder: Path, repeats: int) -> list[BenchRow]:
    """What reading a settled repository's state costs a run (tracked changes, HEAD, branch: what pinning asks
    for), by number of tracked files: zen's look, which asks git only when something changed, against one ``git
    status --untracked-files=no``, in the same process, medians."""
    caches: dict[int, tuple[SourceCache, GitRepo]] = {}
    for count in STATE_FILES:
        root = folder / f"state-{count}"
        root.mkdir()
        _files(root, count)
        _git(root, "init", "-q")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "files")
        cache = SourceCache()
        repo = cache.repo_for(root)
        assert repo is not None
        caches[count] = (cache, repo)
    time.sleep(SETTLED_S)
    rows: list[BenchRow] = []
    for count, (cache, repo) in caches.items():
        cache.tracked_status(repo)  # git answers once; then the answer is kept while nothing changed
        zen = statistics.median(_seconds(functools.partial(cache.tracked_status, repo)) for _ in range(repeats))
        git = statistics.median(_seconds(functools.partial(repo.status, untracked=False)) for _ in range(repeats))
        rows.append(
            BenchRow.compare(
                f"a run's look at the repository's state, nothing changed, {count} tracked files: zen vs one git "
                f"status --untracked-files=no",
                zen,
                git,
                "s",
            )
        )
    return rows


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _precise(found: Estimate) -> bool:
    return found.high - found.low <= FIXED_PRECISION


def run(*, repeats: int = REPEATS, most_repeats: int = MOST_REPEATS) -> list[BenchRow]:
    """The fixed cost per run in a git project and outside git, measured in the same rounds, as rows."""
    load = os.getloadavg()[0]
    repeats = max(repeats, MIN_RUNS)  # fewer runs give no interval
    with (
        tempfile.TemporaryDirectory(prefix="zen-bench-git-") as tmp,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", UnpinnedCodeWarning)  # the project outside git: unpinned on purpose
        folder = Path(tmp).resolve()
        modules = {
            "git": _steps_module(folder / "git", "bench_git_steps", committed=True),
            "plain": _steps_module(folder / "plain", "bench_plain_steps", committed=False),
        }
        sha = _git(folder / "git", "rev-parse", "HEAD")
        contexts = {name: RunContext.open(project=Project(folder / name)) for name in modules}
        try:
            time.sleep(SETTLED_S)
            chains = {(name, n): _chain(modules[name], n) for name in modules for n in LENGTHS}
            _check_pins(contexts["git"], chains["git", 50], sha)
            _check_pins(contexts["plain"], chains["plain", 50], None)
            rows: list[BenchRow] = []
            for clock, unit, most in ((time.perf_counter, "", most_repeats), (time.process_time, " in CPU time", 0)):
                sides = {
                    (name, n): functools.partial(_timed, chains[name, n], contexts[name], clock)
                    for name in modules
                    for n in LENGTHS
                }
                samples = _interleaved(sides, repeats, most, _precise)
                for name, label in (
                    ("git", "a committed git project (steps pinned to a commit)"),
                    ("plain", "a project outside git (no pinning; as bench_chain)"),
                ):
                    found = _direct(samples, name)
                    rows.append(
                        BenchRow.estimated(
                            f"zen in {label}: fixed cost per run{unit}, direct (a 1-step run minus one step's cost, "
                            f"slope over {'/'.join(map(str, LENGTHS[1:]))} steps; {len(samples[name, 1])} rounds)",
                            found.value,
                            (found.low, found.high),
                            "s",
                            budget=FIXED_BUDGET if name == "git" and not unit else None,
                        )
                    )
        finally:
            for context in contexts.values():
                context.close()
            for name, module in modules.items():
                sys.path.remove(str(folder / name))
                sys.modules.pop(module.__name__, None)
        rows.extend(_state_rows(folder, max(repeats, STATE_REPEATS)))
    rows.append(BenchRow.single("load average (1 min) when the git-project benchmark began, 2 cores", load, "runnable"))
    return rows


if __name__ == "__main__":
    print_rows(run())
