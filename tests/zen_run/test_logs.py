"""What a step prints - stdout, stderr, ``logging`` records, its threads' output - is captured per step run,
stored with it, still shown, kept apart between concurrent steps, and the streams and handlers put back."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.zen_run import log_pipelines as lp
from zen_run import Client, Project, StepFailedError
from zen_run._logs import LogCapture, capturing
from zen_store import StepLogs

ROOT = Path(__file__).resolve().parents[2]


def test_a_steps_prints_records_and_thread_output_are_stored_in_order_and_still_shown(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """stdout, stderr, a warning record and a line from a thread the step started are stored, in the order
    written; the terminal still shows them; a record the logger filters out is in neither."""
    run = lp.chatty_instance.run(progress=False)
    text = Client().logs(run.id[:10], "only").text
    assert text == ("to stdout\nto stderr\nWARNING:tests.chatty:a warning record\nfrom a thread the step started\n")
    shown = capfd.readouterr()
    assert "to stdout" in shown.out and "from a thread the step started" in shown.out
    assert "to stderr" in shown.err


def test_a_script_shows_a_steps_output_and_records_once_with_a_line_per_step(project: Path) -> None:
    """In a script (stderr not a terminal) with logging unconfigured: the output and the warning record are shown
    once each, as without zen (the record by logging's last resort), and one summary line per step follows."""
    script = "from tests.zen_run import log_pipelines as lp\nlp.chatty_instance.run()\n"
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],  # no unpinned-code warnings (no git repository here)
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout == "to stdout\nfrom a thread the step started\n"
    lines = done.stderr.splitlines()
    assert lines[:2] == ["to stderr", "a warning record"]
    assert re.fullmatch(r"\[1/1\] only: completed in \d+ ms, wrote \d+ B", lines[2])
    assert re.fullmatch(r"run [0-9a-f]{24} completed in [\d.]+ m?s", lines[3])
    assert len(lines) == 4


def test_a_failed_step_keeps_what_it_printed_and_its_traceback(project: Path) -> None:
    """The failing step's output before the exception is stored, and its error holds the traceback."""
    with pytest.raises(StepFailedError) as raised:
        lp.failing_instance.run(progress=False)
    step = Client().step(raised.value.run_id, "second")
    assert step.logs.text == "about to fail with 1\n"
    assert step.error is not None
    assert "Traceback" in step.error and "ValueError: failed on purpose after printing" in step.error
    assert Client().step(raised.value.run_id, "first").logs.text.startswith("to stdout\n")


def test_a_failed_steps_stored_traceback_starts_at_the_users_own_frame(project: Path) -> None:
    """zen's frames that called the step are dropped: the first frame stored is the step's own function."""
    with pytest.raises(StepFailedError) as raised:
        lp.failing_instance.run(progress=False)
    error = Client().step(raised.value.run_id, "second").error
    assert error is not None
    lines = error.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].startswith(f'  File "{lp.__file__}", line ') and lines[1].endswith(", in loud_failure")
    assert "src/zen_run" not in error and "_steps.py" not in error
    assert lines[-1] == "ValueError: failed on purpose after printing"


def test_streams_and_root_handlers_are_restored_after_a_failed_step(project: Path) -> None:
    """After a step that raised, sys.stdout, sys.stderr and the root logger's handlers are what they were."""
    before = (sys.stdout, sys.stderr, list(logging.getLogger().handlers))
    with pytest.raises(StepFailedError):
        lp.failing_instance.run(progress=False)
    assert (sys.stdout, sys.stderr, list(logging.getLogger().handlers)) == before


def test_a_cached_step_and_an_unknown_step_have_no_logs_or_a_clear_error(project: Path) -> None:
    """A cached step did not run, so it printed nothing; an unknown step name lists the run's steps."""
    lp.chatty_instance.run(progress=False)
    again = lp.chatty_instance.run(progress=False)
    assert again.steps["only"].status == "cached"
    assert not Client().step(again.id, "only").logs
    with pytest.raises(LookupError, match=r"has no step 'nope' \(steps: only\)"):
        Client().logs(again.id, "nope")


def test_concurrent_captures_keep_their_own_output_and_ambiguous_threads_go_to_neither() -> None:
    """Two steps running at once in two threads each keep only their own lines; a thread started while both
    ran belongs to neither (it is shown, not guessed); one started while only one ran belongs to it."""
    a, b = LogCapture(), LogCapture()
    both_in = threading.Barrier(2)
    done = threading.Barrier(2)

    def step(capture: LogCapture, name: str, *, solo_thread: bool) -> None:
        with capturing(capture):
            if solo_thread:  # before the other step begins: this thread is unambiguously ours
                helper = threading.Thread(target=lambda: print(f"{name} helper"))
                helper.start()
                helper.join()
            both_in.wait()
            for i in range(50):
                print(f"{name} {i}")
                logging.getLogger("tests.concurrent").warning("%s record %d", name, i)
            if name == "a":
                stray = threading.Thread(target=lambda: print("stray"))
                stray.start()
                stray.join()
            done.wait()

    first = threading.Thread(target=step, args=(a, "a"), kwargs={"solo_thread": True})
    first.start()
    time.sleep(0.2)  # a's helper runs while a is the only capture
    second = threading.Thread(target=step, args=(b, "b"), kwargs={"solo_thread": False})
    second.start()
    first.join()
    second.join()
    a_lines, b_lines = a.logs().text.splitlines(), b.logs().text.splitlines()
    assert a_lines[0] == "a helper"
    assert [line for line in a_lines[1:] if not line.startswith("WARNING")] == [f"a {i}" for i in range(50)]
    assert [line for line in b_lines if not line.startswith("WARNING")] == [f"b {i}" for i in range(50)]
    assert sum("b record" in line for line in b_lines) == 50 and not any("a record" in x for x in b_lines)
    assert "stray" not in a_lines and "stray" not in b_lines


def test_consecutive_captures_keep_their_own_output_and_a_stream_a_step_closed_is_replaced() -> None:
    """The tees installed for one step serve the next one too: each capture still holds only its own lines, and a
    step that closed sys.stdout leaves the next step an open stream that is captured."""
    first, second, third = LogCapture(), LogCapture(), LogCapture()
    with capturing(first):
        print("one")
    with capturing(second):
        print("two")
        sys.stdout.close()
    with capturing(third):
        assert not sys.stdout.closed
        print("three")
    assert [c.logs().text for c in (first, second, third)] == ["one\n", "two\n", "three\n"]


@given(
    chunks=st.lists(st.text(max_size=40), max_size=40),
    limit=st.integers(min_value=1, max_value=100),
)
@settings(max_examples=100)
def test_a_capture_keeps_the_tail_up_to_its_limit_and_counts_the_rest(chunks: list[str], limit: int) -> None:
    """Whatever is written in whatever pieces, the capture holds the last ``limit`` characters and counts the
    ones before them."""
    capture = LogCapture(limit=limit)
    for chunk in chunks:
        capture.write(chunk)
    written = "".join(chunks)
    assert capture.logs() == StepLogs(text=written[-limit:] if written else "", cut=max(0, len(written) - limit))


def test_a_running_steps_logs_are_readable_while_it_runs(project: Path, tmp_path: Path) -> None:
    """From another process, a running step's output so far is in the lineage store (what a live view reads);
    when it ends, the whole output is."""
    flag = tmp_path / "flag"
    script = (
        "from tests.zen_run import log_pipelines as lp\n"
        f"lp.one_step(only=lp.waits(lp.WaitConfig(flag={str(flag)!r}))).run(progress=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    Project(project).ensure()  # `zen init`: the clients below only read, so they never create the project
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=project, env=env)
    try:
        seen = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "before the flag" not in seen:
            time.sleep(0.2)
            with Client() as client:
                runs = client.runs("one_step")
                steps = runs[0].steps if runs else {}
                if "only" in steps and steps["only"].status == "running":
                    seen = steps["only"].logs.text
        assert seen == "before the flag\n"
        flag.touch()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()
    with Client() as client:
        assert client.last_run("one_step").steps["only"].logs.text == "before the flag\nafter the flag\n"


def test_a_terminal_gets_a_live_status_line_with_the_steps_output_above_it(project: Path) -> None:
    """With stderr on a terminal: a redrawn status line names the running step and its elapsed time, the step's
    output is printed above it (the line cleared first), and the finished step gets its summary line."""
    import pty

    main, secondary = pty.openpty()
    script = "from tests.zen_run import log_pipelines as lp\nlp.one_blob(only=lp.naps()).run(enable_cache=False)\n"
    proc = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", script],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm", "COLUMNS": "100"},
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
    )
    os.close(secondary)
    seen = b""
    with contextlib.suppress(OSError):  # EIO once the process closed its end
        while chunk := os.read(main, 4096):
            seen += chunk
    os.close(main)
    screen = seen.decode()
    assert proc.wait(timeout=60) == 0, screen
    assert re.search(r"\r\x1b\[2K. \[1/1\] only running \d+ ms", screen)  # the status line, drawn and redrawn
    assert "\r\x1b[2Knapping\r\n" in screen  # the step's output, on a cleared line
    assert re.search(r"\x1b\[32m\[1/1\] only: completed in [\d.]+ m?s, wrote [\d.]+ MB\x1b\[0m", screen)
    assert re.search(r"run [0-9a-f]{24} completed", screen)


def test_the_live_status_line_measures_an_output_while_it_is_written(tmp_path: Path) -> None:
    """A step writing an output shows `writing NAME N MB`, measured from the folder being written, until it ends;
    then its summary line replaces the status line."""
    from zen_run._progress import LiveProgress, StepProgress, StepState

    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "part").write_bytes(bytes(1_500_000))
    screen = io.StringIO()
    with LiveProgress(screen, colour=False) as live:
        live.step(StepProgress(step_name="train", index=2, total=3, state=StepState.RUNNING))
        live.step(
            StepProgress(
                step_name="train", index=2, total=3, state=StepState.WRITING, staging=staging, output_name="model"
            )
        )
        deadline = time.monotonic() + 10
        while "writing model 1.5 MB" not in screen.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        live.step(StepProgress(step_name="train", index=2, total=3, state=StepState.COMPLETED, elapsed_s=2.5))
    shown = screen.getvalue()
    assert re.search(r"\r\x1b\[2K. \[2/3\] train writing model 1\.5 MB \d+ ms", shown)
    assert shown.endswith("\r\x1b[2K[2/3] train: completed in 2.5 s\n")


@given(st.text(max_size=80))
def test_shown_lines_are_one_per_line_with_no_control_characters_but_tabs(text: str) -> None:
    """What `zen logs` prints: one line per line of the output, a carriage-return redraw as its last state, and
    no control character (terminal escapes, NUL) left raw but the tab."""
    from zen_run._render import log_lines

    shown = log_lines(text)
    assert len(shown) == len(text.splitlines())
    for line, raw in zip(shown, text.splitlines(), strict=True):
        assert not any((ord(c) < 32 and c != "\t") or 0x7F <= ord(c) <= 0x9F for c in line)
        last = raw.rstrip("\r").rsplit("\r", 1)[-1]
        if not any((ord(c) < 32 and c != "\t") or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in last):
            assert line == last  # the redrawn line's last state, unchanged
