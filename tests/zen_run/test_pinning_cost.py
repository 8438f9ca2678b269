"""Pinning costs a run in a settled repository nothing it already paid for: the process keeps the repository's
status and each module file's facts (git blob id, imports) by file identity, so a later run of an unchanged
project starts no git process and parses no module, and never loads a git object library (GitPython); a changed
module is read and parsed again, and git is asked again. Counted in a fresh interpreter, on ``subprocess.Popen``
and ``ast.parse`` themselves (they still run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from tests.common.git import git
from zen_run._pinning import Pinner

STEPS = """
from zen_run import Slot, pipeline, step
from flows.helpers import bonus

@step
def one() -> int:
    return 1 + bonus()

@step
def double(value: int) -> int:
    return 2 * value + bonus()

@pipeline
def doubling(first: Slot[[], int], second: Slot[[int], int]) -> None:
    second(first())
"""

RUNS = textwrap.dedent(
    """
    import ast, json, pathlib, subprocess, sys, time, warnings
    sys.path.insert(0, ".")
    from flows.steps import doubling, one, double
    instance = doubling(first=one(), second=double())
    instance.run(progress=False, enable_cache=False)  # the project's .zen/ appears beside the tracked files
    time.sleep(2.2)  # ... and settles: files changed in the last two seconds are always read again
    instance.run(progress=False, enable_cache=False)
    spawned, parsed = [], []
    real_popen, real_parse = subprocess.Popen, ast.parse
    class Counted(real_popen):
        def __init__(self, args, *more, **named):
            spawned.append(list(args)[5:7])
            super().__init__(args, *more, **named)
    def counted_parse(source, filename="<unknown>", *more, **named):
        parsed.append(str(filename))
        return real_parse(source, filename, *more, **named)
    subprocess.Popen, ast.parse = Counted, counted_parse
    instance.run(progress=False, enable_cache=False)
    unchanged = {"spawned": spawned[:], "parsed": parsed[:]}
    del spawned[:], parsed[:]
    pathlib.Path("flows/helpers.py").write_text("def bonus() -> int:\\n    return 0  # edited\\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the edit is uncommitted: the run says so, and runs
        instance.run(progress=False, enable_cache=False)
    changed = {"spawned": spawned[:], "parsed": parsed[:]}
    print(json.dumps({"unchanged": unchanged, "changed": changed, "gitpython": "git" in sys.modules}))
    """
)


def test_a_run_of_an_unchanged_project_starts_no_git_and_parses_no_module(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "flows").mkdir(parents=True)
    (root / "flows" / "__init__.py").write_text("")
    (root / "flows" / "helpers.py").write_text("def bonus() -> int:\n    return 0\n")
    (root / "flows" / "steps.py").write_text(STEPS)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "steps")
    time.sleep(2.2)  # the committed files settle
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", RUNS],
        cwd=root,
        env={**env, "ZEN_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["unchanged"] == {"spawned": [], "parsed": []}
    assert not found["gitpython"]
    assert [call[0] for call in found["changed"]["spawned"]] == ["status", "ls-files"]  # once per run, as it changed
    assert [Path(name).name for name in found["changed"]["parsed"]] == ["helpers.py"]


def test_one_runs_pinning_state_is_shared_inside_its_block_only_and_by_its_thread_only(tmp_path: Path) -> None:
    """Inside ``one_run`` every pin of the run shares one state; another thread's run gets its own, and after the
    block each pin starts afresh (a later run reads the repository again)."""
    pinner = Pinner(tmp_path)
    seen: dict[str, object] = {}
    inside, leave = threading.Event(), threading.Event()

    def other_run() -> None:
        with pinner.one_run():
            seen["other"] = pinner.for_run()
            inside.set()
            leave.wait(timeout=30)

    thread = threading.Thread(target=other_run)
    thread.start()
    assert inside.wait(timeout=30)
    with pinner.one_run():
        mine = pinner.for_run()
        assert pinner.for_run() is mine and mine is not seen["other"]
        leave.set()
        thread.join(timeout=30)
        assert pinner.for_run() is mine  # the other run ending leaves this one's state alone
    assert pinner.for_run() is not mine and pinner.for_run() is not pinner.for_run()
