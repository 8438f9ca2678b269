"""`zen logs`, a failed step's error and output in `zen runs show`, and progress on stderr, run as real
subprocesses in a user's project folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ZEN = [sys.executable, "-W", "ignore", "-m", "zen_run"]  # no unpinned-code warnings: the folder is no git repository
PIPELINES = Path(__file__).with_name("log_pipelines.py")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A project folder with the printing steps as its own module."""
    shutil.copy(PIPELINES, tmp_path / "flows.py")
    return tmp_path


def zen(workdir: Path, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    done = subprocess.run([*ZEN, *args], check=False, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == expect, f"zen {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def _last_run(workdir: Path) -> str:
    listed = json.loads(zen(workdir, "runs", "list", "--json", "--limit", "1").stdout)
    return str(listed[0]["run_id"])


def test_a_failed_run_shows_its_error_and_output_and_zen_logs_prints_each_step(workdir: Path) -> None:
    """`zen run` of a failing step exits 1; `zen runs show` names the failed step with its traceback and what it
    printed; `zen logs RUN STEP` prints a step's output exactly, by a run id prefix, and as JSON."""
    ran = zen(workdir, "run", "flows:failing_instance", expect=1)
    assert ran.stdout == "to stdout\nfrom a thread the step started\nabout to fail with 1\n"
    assert "[2/2] second: failed after" in ran.stderr
    run_id = _last_run(workdir)
    shown = zen(workdir, "runs", "show", run_id[:10]).stdout
    failure = shown[shown.index("step second failed:") :].splitlines()
    assert failure[1] == "  Traceback (most recent call last):"
    assert failure[2].startswith('    File "flows.py", line ') and failure[2].endswith("in loud_failure")
    assert "src/zen_run" not in shown and "src/zen_run" not in ran.stderr.partition("Traceback")[2]
    assert "  ValueError: failed on purpose after printing" in failure
    assert failure[-2:] == ["what it printed:", "  about to fail with 1"]
    printed = zen(workdir, "logs", run_id[:10], "first")
    assert printed.stdout == (
        "to stdout\nto stderr\nWARNING:tests.chatty:a warning record\nfrom a thread the step started\n"
    )
    assert printed.stderr == ""
    as_json = json.loads(zen(workdir, "logs", run_id, "first", "--json", "--tail", "1").stdout)
    assert (as_json["text"], as_json["cut"], as_json["status"]) == ("from a thread the step started\n", 0, "completed")
    failed = json.loads(zen(workdir, "logs", run_id, "second", "--json").stdout)
    assert failed["text"] == "about to fail with 1\n" and "ValueError" in failed["error"]
    shown_json = json.loads(zen(workdir, "runs", "show", run_id, "--json").stdout)
    assert shown_json["failed_logs_tail"] == {"second": "about to fail with 1"}


def test_zen_logs_names_what_is_missing_with_exit_3(workdir: Path) -> None:
    """An unknown step lists the run's steps; an unknown run says how to list runs; both exit 3."""
    zen(workdir, "run", "flows:chatty_instance", "-q")
    run_id = _last_run(workdir)
    missing_step = zen(workdir, "logs", run_id, "nope", expect=3)
    assert missing_step.stderr.strip().endswith(f"run {run_id} has no step 'nope' (steps: only).")
    assert "zen runs list" in zen(workdir, "logs", "ffffffff", "only", expect=3).stderr


def test_a_cached_step_shows_the_output_of_the_step_run_it_reused(workdir: Path) -> None:
    """A cached step did not run; `zen logs` shows the output of the step run whose outputs it reused, and says so."""
    zen(workdir, "run", "flows:chatty_instance", "-q")
    first = _last_run(workdir)
    zen(workdir, "run", "flows:chatty_instance", "-q")
    second = _last_run(workdir)
    assert second != first
    again = zen(workdir, "logs", second, "only")
    assert again.stdout.startswith("to stdout\n")
    assert again.stderr.startswith(
        f"zen: step only of run {second} was a cache hit and did not run; this is what it printed in run {first}, "
        f"which made the outputs reused here.\n"
    )
    shown = json.loads(zen(workdir, "logs", second, "only", "--json").stdout)
    assert (shown["cached"], shown["from_run_id"], shown["text"]) == (True, first, again.stdout)
    zen(workdir, "runs", "delete", first, "--yes")
    gone = zen(workdir, "logs", second, "only")
    assert gone.stdout == ""
    assert re.fullmatch(
        rf"zen: step only of run {second} was a cache hit and did not run; the step run that made its outputs "
        r"\([0-9a-f]{24}\) was deleted with its run, and its output with it\.\n",
        gone.stderr,
    )


def test_output_beyond_the_limit_keeps_its_tail_and_says_how_much_was_cut(workdir: Path) -> None:
    """A step printing more than 1,000,000 characters: `zen logs` prints the tail and notes the cut on stderr."""
    zen(workdir, "run", "flows:flood_instance", "-q")
    printed = zen(workdir, "logs", _last_run(workdir), "only")
    assert printed.stdout.endswith("x\nthe end\n")
    assert len(printed.stdout) == 1_000_000
    assert "the first 100,009 characters of this output were not kept" in printed.stderr


def test_quiet_and_json_runs_keep_progress_off_stdout(workdir: Path) -> None:
    """`zen run --json` prints only JSON on stdout (progress lines, and what steps print, go to stderr - and are
    kept as usual); `-q` prints no progress at all."""
    loud = zen(workdir, "run", "flows:chatty_instance", "--json", "--no-cache")
    assert json.loads(loud.stdout)["run"]["status"] == "completed"
    assert loud.stderr.startswith("to stdout\nto stderr\na warning record\nfrom a thread the step started\n")
    assert re.search(r"^\[1/1\] only: completed in .*$", loud.stderr, re.MULTILINE)
    kept = zen(workdir, "logs", _last_run(workdir), "only").stdout
    assert kept == "to stdout\nto stderr\nWARNING:tests.chatty:a warning record\nfrom a thread the step started\n"
    quiet = zen(workdir, "run", "flows:chatty_instance", "-q", "--no-cache")
    assert quiet.stderr == "to stderr\na warning record\n"
