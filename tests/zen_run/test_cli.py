"""Every `zen` command, run as a real subprocess against a temporary project."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ZEN = [sys.executable, "-m", "zen_run"]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A project with a pipeline module, as a user would have."""
    (tmp_path / "flows.py").write_text(
        textwrap.dedent(
            """
            from zen_run import BaseStepConfig, Slot, pipeline, step

            class AddConfig(BaseStepConfig):
                add_amount: int = 1

            @step
            def returns_one() -> int:
                return 1

            @step
            def adds(some_num: int, config: AddConfig) -> int:
                return some_num + config.add_amount

            @step
            def boom(some_num: int) -> int:
                raise RuntimeError("boom")

            @step
            def mistyped(some_num: int) -> int:
                return "four"  # type: ignore[return-value]

            @step
            def dozes(some_num: int) -> int:
                import time
                time.sleep(120)
                return some_num

            @pipeline
            def add_pipeline(first: Slot[[], int], second: Slot[[int], int]) -> None:
                second(first())

            instance = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
            failing = add_pipeline(first=returns_one(), second=boom())
            wrong_type = add_pipeline(first=returns_one(), second=mistyped())
            sleepy = add_pipeline(first=returns_one(), second=dozes())
            """
        )
    )
    return tmp_path


def zen(workdir: Path, *args: str, expect: int = 0) -> str:
    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    done = subprocess.run([*ZEN, *args], check=False, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == expect, f"zen {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_init_run_list_show_and_read(workdir: Path) -> None:
    """init, run (with progress), runs list/show, artifacts show/read, all in fresh processes."""
    assert "zen project at" in zen(workdir, "init")
    out = zen(workdir, "run", "flows:instance")
    assert "[2/2] second: completed in" in out and "completed" in out
    runs = json.loads(zen(workdir, "runs", "list", "--json"))
    assert len(runs) == 1 and runs[0]["status"] == "completed"
    run_id = runs[0]["run_id"]
    shown = json.loads(zen(workdir, "runs", "show", run_id[:10], "--json"))
    artifact = shown["steps"]["second"]["outputs"]["output"]["artifact_id"]
    assert zen(workdir, "artifacts", "read", artifact).strip() == "4"
    assert json.loads(zen(workdir, "artifacts", "read", artifact, "--json")) == 4
    assert "content hash" in zen(workdir, "artifacts", "show", artifact)
    assert "lineage of artifact" in zen(workdir, "lineage", artifact)
    assert zen(workdir, "runs", "list").count("\n") == 1  # piped: plain rows, no header


def test_run_with_set_and_config_file_then_compare_and_explain(workdir: Path) -> None:
    """--set and --config change a step's config; compare and cache explain name the difference."""
    zen(workdir, "run", "flows:instance", "-q")
    (workdir / "run.yaml").write_text("run_name: bigger\nsteps:\n  second:\n    config:\n      add_amount: 10\n")
    zen(workdir, "run", "flows:instance", "--config", "run.yaml", "-q")
    zen(workdir, "run", "flows:instance", "--set", "second.add_amount=5", "-q")
    runs = json.loads(zen(workdir, "runs", "list", "--json"))
    newest, middle, oldest = (r["run_id"] for r in runs)
    assert runs[1]["run_name"] == "bigger"
    compared = zen(workdir, "runs", "compare", oldest, middle)
    assert "config" in compared and "add_amount" in compared
    explained = zen(workdir, "cache", "explain", newest, "second")
    assert "config changed" in explained
    assert "was cached" in zen(workdir, "cache", "explain", newest, "first")


def test_failing_step_exit_code_and_resume(workdir: Path) -> None:
    """A failing step exits 1 with the step named and the user's traceback; bad input exits 2; unknown 3."""
    out = zen(workdir, "run", "flows:failing", expect=1)
    assert 'Step "second"' in out and "RuntimeError: boom" in out
    run_id = json.loads(zen(workdir, "runs", "list", "--json"))[0]["run_id"]
    assert "RuntimeError: boom" in zen(workdir, "resume", run_id, expect=1)  # still failing: resumed, fails again
    assert "bad" in zen(workdir, "run", "flows:instance", "--set", "second.add_amount=bad", expect=2)
    assert "no run with id" in zen(workdir, "runs", "show", "ffffffff", expect=3)
    assert "expected MODULE:OBJECT" in zen(workdir, "run", "flows", expect=2)
    assert "not a bound instance" in zen(workdir, "run", "flows:add_pipeline", expect=2)


def test_no_cache_dag_stacks_cache_clear_and_gc(workdir: Path) -> None:
    """dag prints Mermaid/DOT; stacks register/list/set; cache clear; gc is a dry run unless --delete."""
    zen(workdir, "run", "flows:instance", "-q")
    zen(workdir, "run", "flows:instance", "--no-cache", "-q")
    assert "flowchart LR" in zen(workdir, "dag", "flows:instance")
    assert "digraph" in zen(workdir, "dag", "flows:instance", "--format", "dot")
    zen(workdir, "stack", "register", "other", "--artifact-store", ".zen/other-artifacts")
    assert "other" in zen(workdir, "stack", "list")
    assert "active stack: other" in zen(workdir, "stack", "set", "other")
    assert "*\tother" in zen(workdir, "stack", "list")
    assert "exists; pass replace=True" in zen(workdir, "stack", "register", "other", expect=2)
    zen(workdir, "stack", "set", "default")
    assert "cleared" in zen(workdir, "cache", "clear")
    orphan = workdir / ".zen" / "artifacts" / "orphan"
    orphan.mkdir()
    (orphan / "x").write_text("x")
    os.utime(orphan, (time.time() + 60, time.time() + 60))  # committed after gc began: a writer may record it
    assert "kept 1 unreferenced" in zen(workdir, "gc")
    os.utime(orphan, (time.time() - 60, time.time() - 60))
    assert "would delete 1 unreferenced" in zen(workdir, "gc")
    assert orphan.exists()
    assert "deleted 1 unreferenced" in zen(workdir, "gc", "--delete")
    assert not orphan.exists()


def test_verify_checks_each_stored_copy_and_fails_on_a_damaged_one(workdir: Path) -> None:
    """Two runs of the same steps share their stored copies (identical bytes are stored once); `zen verify` checks
    each copy once. With a byte changed on disk it puts the small copy back from the lineage store's copy of its
    bytes and says so; when that copy is damaged too, it exits 1 naming the copy and every record sharing it."""
    zen(workdir, "run", "flows:instance", "--no-cache", "-q")
    zen(workdir, "run", "flows:instance", "--no-cache", "-q")
    report = json.loads(zen(workdir, "verify", "--json"))
    assert (report["records"], report["copies"], report["damaged"]) == (4, 2, [])
    assert "all intact" in zen(workdir, "verify")
    copies = sorted(p for p in (workdir / ".zen" / "artifacts").iterdir() if not p.name.startswith("."))
    assert len(copies) == 2 and all(p.name.startswith("blake3-") for p in copies)
    data = next(p for p in copies[0].rglob("*") if p.is_file())
    stamp = data.stat().st_mtime_ns
    original = data.read_bytes()
    data.write_bytes(bytes([original[0] ^ 1]) + original[1:])
    os.utime(data, ns=(stamp, stamp))
    out = zen(workdir, "verify", "--full")
    assert f"RESTORED {copies[0]}" in out and "all intact" in out and data.read_bytes() == original
    conn = sqlite3.connect(workdir / ".zen" / "lineage.db")
    conn.execute("UPDATE artifact_files SET data = CAST('0' AS BLOB)")
    conn.commit()
    conn.close()
    data.write_bytes(bytes([original[0] ^ 1]) + original[1:])
    os.utime(data, ns=(stamp, stamp))
    out = zen(workdir, "verify", "--full", expect=1)
    assert f"DAMAGED {copies[0]}" in out and "1 damaged" in out and "every byte hashed" in out


def test_remote_stack_register_run_and_gc_on_s3(workdir: Path, s3_url: str, s3_endpoint: str) -> None:
    """An S3 stack registered with zen runs the quickstart end to end in fresh processes; credentials are refused
    as options (the environment carries them), and options on a local store are refused rather than ignored."""
    refused = zen(
        workdir, "stack", "register", "bad", "--artifact-store", s3_url, "--artifact-option", "secret=x", expect=2
    )
    assert "would store credentials" in refused
    assert "local folder" in zen(
        workdir, "stack", "register", "bad", "--artifact-option", f"endpoint_url={s3_endpoint}", expect=2
    )
    assert "expected KEY=VALUE" in zen(workdir, "stack", "register", "bad", "--artifact-option", "novalue", expect=2)
    zen(
        workdir,
        "stack",
        "register",
        "s3",
        "--artifact-store",
        s3_url,
        "--artifact-option",
        f"endpoint_url={s3_endpoint}",
    )
    assert f"artifact:endpoint_url={s3_endpoint}" in zen(workdir, "stack", "list")
    zen(workdir, "run", "flows:instance", "--stack", "s3", "-q")
    run_id = json.loads(zen(workdir, "runs", "list", "--json"))[0]["run_id"]
    shown = json.loads(zen(workdir, "runs", "show", run_id, "--json"))
    output = shown["steps"]["second"]["outputs"]["output"]
    assert output["uri"].startswith(s3_url + "/")
    shutil.rmtree(workdir / ".zen" / "cache")  # read back from the bucket, not the local copy
    assert zen(workdir, "artifacts", "read", output["artifact_id"], "--stack", "s3").strip() == "4"
    assert "would delete 0 unreferenced" in zen(workdir, "gc", "--stack", "s3")
    assert "--older-than -1" in zen(workdir, "gc", "--stack", "s3", "--older-than", "-1", expect=2)


def test_killed_run_shows_the_step_it_died_in(workdir: Path) -> None:
    """While a step runs, `zen runs show` lists it as running; after kill -9 the run and that step are crashed."""
    import signal
    import time

    from zen_store import SQLiteLineageStore

    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    proc = subprocess.Popen([*ZEN, "run", "flows:sleepy", "-q"], cwd=workdir, env=env)
    try:
        deadline = time.monotonic() + 60
        run_id = ""
        while not run_id and time.monotonic() < deadline:
            time.sleep(0.2)
            if (workdir / ".zen" / "lineage.db").exists():
                db = SQLiteLineageStore.open(workdir / ".zen" / "lineage.db")
                runs = db.runs()
                # the sleeping step: the first one may be seen running for a moment on a loaded machine
                if runs and any(
                    s.step_name == "second" and s.status == "running" for s in db.step_runs(runs[0].run_id)
                ):
                    run_id = runs[0].run_id
                db.close()
        assert run_id, "the sleeping step never showed as running"
        live = json.loads(zen(workdir, "runs", "show", run_id, "--json"))
        assert live["steps"]["second"]["status"] == "running"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    shown = json.loads(zen(workdir, "runs", "show", run_id, "--json"))
    assert shown["run"]["status"] == "crashed"
    assert (shown["steps"]["first"]["status"], shown["steps"]["second"]["status"]) == ("completed", "crashed")


def test_console_script_is_installed() -> None:
    """The `zen` entry point exists and prints its help."""
    exe = shutil.which("zen", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True)
    assert "runs" in done.stdout and "lineage" in done.stdout


def test_a_zen_warning_is_one_line_and_a_step_traceback_starts_in_the_step(workdir: Path) -> None:
    """Code outside git is run unpinned with one `zen: warning:` line (not Python's file:line display of zen's
    code); a failed step's traceback, printed and stored, starts in the step's own code, not zen's call of it, and
    names the project's files relative to its root."""
    out = zen(workdir, "run", "flows:failing", expect=1)
    assert "zen: warning: not pinned to a commit (flows.returns_one, flows.boom: there is no git repository" in out
    assert "UnpinnedCodeWarning" not in out and "return callback" not in out
    printed = out[out.index("Traceback (most recent call last):") :].splitlines()
    assert printed[1].startswith('  File "flows.py", line ') and printed[1].endswith(", in boom")  # the root's
    run_id = json.loads(zen(workdir, "runs", "list", "--json"))[0]["run_id"]
    stored = json.loads(zen(workdir, "runs", "show", run_id, "--json"))["steps"]["second"]["error"].splitlines()
    assert stored[0] == "Traceback (most recent call last):" and stored[1] == printed[1]
    assert "zen_run" not in "".join(stored)


def test_zen_doctor_counts_the_runs_of_its_backup_in_words(workdir: Path) -> None:
    """The backup made after the first run holds "1 run", not "1 runs"."""
    zen(workdir, "run", "flows:instance", "-q")
    assert f"backup: {workdir / '.zen' / 'lineage.db.backup'} (1 run)\n" in zen(workdir, "doctor")


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        (
            "x = (\n",
            "broken:instance",
            [
                "zen: 'broken:instance': importing 'broken' raised SyntaxError: '(' was never closed",
                '  File "broken.py", line 1',
            ],
        ),
        (
            "import os\nimport no_such_package_here\n",
            "broken.py:instance",
            [
                "raised ModuleNotFoundError: No module named 'no_such_package_here'",
                '  File "broken.py", line 2, in <module>',
            ],
        ),
        (
            "def f():\n    raise ValueError('boom at import')\n\nf()\n",
            "broken:instance",
            ["raised ValueError: boom at import; the traceback below", '  File "broken.py", line 2, in f'],
        ),
    ],
    ids=["syntax-error", "missing-package", "raises"],
)
def test_a_pipeline_module_that_fails_to_import_is_one_sentence_and_the_users_traceback(
    workdir: Path, source: str, target: str, expected: list[str]
) -> None:
    """`zen run` of a module with a syntax error, an import of a package that is not installed, or an exception at
    module level: exit 2, one sentence naming the module and the error, then the traceback from the user's code
    on (project-relative, none of zen's or importlib's frames)."""
    (workdir / "broken.py").write_text(source)
    out = zen(workdir, "run", target, expect=2)
    lines = out.splitlines()
    assert lines[0].startswith(f"zen: {target!r}: ") and expected[0] in lines[0], out
    assert expected[1] in lines and "zen_run" not in out and "importlib" not in out, out
    assert lines[-1].startswith(("SyntaxError", "ModuleNotFoundError", "ValueError")), out


def test_a_mistyped_object_name_suggests_the_close_one_and_lists_the_pipeline_instances(workdir: Path) -> None:
    """`zen run flows:instanc`: exit 2, the close name suggested and the module's pipeline instances listed."""
    out = zen(workdir, "run", "flows:instanc", expect=2)
    assert out == (
        "zen: 'flows:instanc': module 'flows' has no attribute 'instanc'; did you mean 'instance'? (pipeline "
        "instances there: failing, instance, sleepy, wrong_type).\n"
    )


def test_a_store_path_whose_folder_does_not_exist_is_refused_at_registration(workdir: Path, tmp_path: Path) -> None:
    """`zen stack register --artifact-store /no/such/dir/store` (a mistyped path): exit 2 naming the missing
    folder, nothing registered and no folder made; a store whose own folder is new, in an existing one, is fine."""
    zen(workdir, "stack", "register", "fine", "--artifact-store", "new-store", "--lineage-store", "new.db")
    missing = tmp_path / "no" / "such"
    out = zen(workdir, "stack", "register", "typo", "--artifact-store", str(missing / "store"), expect=2)
    assert out == (
        f"zen: --artifact-store {missing / 'store'}: the folder it goes in, {missing}, does not exist (zen creates "
        "a store's own folder or file, never the folders above it, which a mistyped path would conjure up). Create "
        "it first, or fix the path; nothing was registered.\n"
    )
    assert "folder it goes in" in zen(workdir, "stack", "register", "typo", "--lineage-store", "nodir/l.db", expect=2)
    assert not missing.parent.exists() and not (workdir / "nodir").exists()
    assert "typo" not in zen(workdir, "stack", "list")


def test_a_pipeline_module_bound_wrongly_is_zens_one_sentence_without_a_traceback(workdir: Path) -> None:
    """A module whose pipeline instance is bound wrongly raises zen's own error at import: that one sentence, which
    names the slot and the step, and no traceback (unlike an error of the user's own code at import)."""
    (workdir / "misbound.py").write_text(
        "from flows import add_pipeline, adds, returns_one\n\ninstance = add_pipeline(first=adds(), second=adds())\n"
    )
    out = zen(workdir, "run", "misbound:instance", expect=2)
    assert out.startswith('zen: Slot "first" of pipeline "add_pipeline" expects a step of interface () -> int'), out
    assert out.count("\n") == 1 and "Traceback" not in out


def test_a_module_written_as_a_path_without_py_names_both_right_spellings(workdir: Path) -> None:
    """`zen run sub/flows:instance` (a path, without .py): exit 2, the file and the module spelling suggested."""
    (workdir / "sub").mkdir()
    out = zen(workdir, "run", "sub/flows:instance", expect=2)
    assert out == (
        "zen: 'sub/flows:instance': 'sub/flows' is neither a module name nor a .py file; name the file "
        "(sub/flows.py:instance) or the module (sub.flows:instance).\n"
    )
