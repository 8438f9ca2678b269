"""What the `zen` command promises around its commands, each run as a real process: help for every command,
argument and option; `--version`; shell completion; colour in a terminal only; the documented exit codes;
read-only commands that create nothing; and help that imports none of zen's heavy parts."""

from __future__ import annotations

import importlib.metadata
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.zen_run.test_cli import ZEN, zen
from tests.zen_run.test_cli import workdir as workdir  # noqa: PLC0414 - the same project, with its pipelines
from zen_run._cli import zen as zen_group
from zen_run._cli_runs import RUN_STATUSES
from zen_store import RunStatus
from zen_types import install_hint


def _commands() -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and group of `zen`, plugged-in ones included, with its path below `zen`."""
    ctx = click.Context(zen_group, info_name="zen")

    def walk(group: click.Group, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, f"zen {' '.join((*path, name))} is listed but cannot be loaded"
            yield (*path, name), command
            if isinstance(command, click.Group):
                yield from walk(command, (*path, name))

    yield from walk(zen_group, ())


COMMAND_PATHS = [path for path, _ in _commands()]


def test_every_command_argument_and_option_has_help() -> None:
    seen = 0
    for path, command in _commands():
        where = f"zen {' '.join(path)}"
        assert (command.help or "").strip(), f"{where} has no help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert (param.help or "").strip(), f"{where} {param.opts[0]} has no help text"
            else:
                assert isinstance(param, click.Argument)
                assert (param.help or "").strip(), f"{where} {param.name} is an argument without help"
            seen += 1
    assert "ui" in {path[0] for path in COMMAND_PATHS}, "the dashboard's command is plugged in"
    assert seen > 40


@pytest.mark.parametrize("path", [(), *COMMAND_PATHS], ids=lambda p: " ".join(("zen", *p)))
def test_help_of_each_command_describes_its_arguments_and_options(path: tuple[str, ...]) -> None:
    done = subprocess.run([*ZEN, *path, "--help"], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    command: click.Command = zen_group
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    first_words = " ".join((command.help or "").split()[:3])
    assert first_words in " ".join(done.stdout.split())
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if arguments:
        assert done.stdout.count("Positional arguments:") == 1
        for argument in arguments:
            assert (argument.help or "").split()[0] in done.stdout.split("Positional arguments:")[1]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.opts[-1] in done.stdout


def test_version_lists_the_installed_zen_packages() -> None:
    out = subprocess.run([*ZEN, "--version"], capture_output=True, text=True, check=True, timeout=60).stdout
    for name in ("zen-run", "zen-types", "zen-materialize", "zen-store", "zen-git", "zen-ui"):
        assert f"{name} {importlib.metadata.version(name)}\n" in out


def test_shell_completion_scripts_and_completions() -> None:
    exe = shutil.which("zen", path=str(Path(sys.executable).parent))
    assert exe is not None
    for shell, marker in (("bash", "complete -o nosort -F _zen_completion zen"), ("zsh", "#compdef zen"), ("fish", "")):
        env = {**os.environ, "_ZEN_COMPLETE": f"{shell}_source"}
        script = subprocess.run([exe], env=env, capture_output=True, text=True, check=True, timeout=60).stdout
        assert "_ZEN_COMPLETE" in script and marker in script, script
    env = {**os.environ, "_ZEN_COMPLETE": "bash_complete", "COMP_WORDS": "zen ru", "COMP_CWORD": "1"}
    words = subprocess.run([exe], env=env, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert words == ["plain,run", "plain,runs"]
    env = {**env, "COMP_WORDS": "zen runs list --status c", "COMP_CWORD": "4"}
    words = subprocess.run([exe], env=env, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert words == ["plain,completed", "plain,crashed"]


def test_stack_names_complete_from_the_project(workdir: Path) -> None:
    zen(workdir, "stack", "register", "staging", "--artifact-store", ".zen/staging")
    zen(workdir, "stack", "register", "shared", "--artifact-store", ".zen/shared")
    env = {**os.environ, "ZEN_ROOT": str(workdir), "_ZEN_COMPLETE": "bash_complete"}
    for words, cword in (("zen stack set s", "3"), ("zen runs list --stack s", "4")):
        asked = env | {"COMP_WORDS": words, "COMP_CWORD": cword}
        done = subprocess.run(ZEN, env=asked, cwd=workdir, capture_output=True, text=True, check=True, timeout=60)
        assert done.stdout.split() == ["plain,shared", "plain,staging"]


def _in_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What `zen ARGS` prints to a pseudo-terminal (stdout and stderr both)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        proc.wait(timeout=60)
        os.close(leader)
    return b"".join(chunks).decode()


def test_colour_in_a_terminal_none_when_piped_or_with_no_color(workdir: Path) -> None:
    zen(workdir, "run", "flows:instance", "-q")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"ZEN_ROOT": str(workdir)}
    shown = _in_a_terminal([*ZEN, "runs", "list"], workdir, env)
    assert "\x1b[32mcompleted\x1b[0m" in shown and "RUN" in shown  # a header, and the status in green
    assert "\x1b[" not in _in_a_terminal([*ZEN, "runs", "list"], workdir, env | {"NO_COLOR": "1"})
    assert "\x1b[" not in zen(workdir, "runs", "list")
    refused = _in_a_terminal([*ZEN, "runs", "show", "ffffffff"], workdir, env)
    assert "\x1b[31m" in refused and "no run with id" in refused  # the error's "zen:" in red


def test_status_choices_are_the_run_statuses() -> None:
    assert set(RUN_STATUSES) == {status.value for status in RunStatus}


def test_exit_codes_are_the_documented_ones(workdir: Path) -> None:
    """0 success; 1 a failed step, a wrong return type included; 2 usage; 3 not found (4: test_lineage_damage)."""
    zen(workdir, "run", "flows:instance", "-q", expect=0)
    assert 'returned str for output "output"' in zen(workdir, "run", "flows:wrong_type", expect=1)
    assert json.loads(zen(workdir, "runs", "list", "--json"))[0]["status"] == "failed"
    bogus = zen(workdir, "runs", "list", "--status", "bogus", expect=2)
    assert "'bogus' is not one of 'running', 'completed', 'failed', 'stopped', 'crashed'" in bogus
    assert "Traceback" not in bogus and "Usage: zen runs list" in bogus
    assert "No such option '--bogus'" in zen(workdir, "gc", "--bogus", expect=2)
    assert "No such command 'rnus'" in zen(workdir, "rnus", expect=2)
    for group in ([], ["runs"]):  # a group without a command: its help, readable
        shown = zen(workdir, *group, expect=2)
        assert "Commands:\n" in shown and "\\n" not in shown and "zen: Usage" not in shown
    assert "'\u0663' is not a whole number (1 or more)" in zen(workdir, "runs", "list", "--limit", "\u0663", expect=2)
    assert "no run with id" in zen(workdir, "runs", "show", "ffffffff", expect=3)
    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    for code in (0, 1, 2, 3, 4, 130, 141):
        assert f"\n| {code} |" in text


def _wait_for_the_sleeping_step(workdir: Path, proc: subprocess.Popen[str]) -> None:
    """Return once the run's second step (the one that sleeps) is recorded as running: a signal sent now reaches
    the step's call, not the first step or the bookkeeping between them. Fails saying what was seen when the
    process ends first or after 120 s (starting a process on a loaded machine takes tens of seconds)."""
    from zen_store import SQLiteLineageStore

    seen: list[tuple[str, str]] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if (workdir / ".zen" / "lineage.db").exists():
            db = SQLiteLineageStore.open(workdir / ".zen" / "lineage.db")
            try:
                runs = db.runs()
                seen = [(s.step_name, s.status) for s in db.step_runs(runs[0].run_id)] if runs else []
            finally:
                db.close()
            if ("second", "running") in seen:
                return
    raise AssertionError(f"the sleeping step never showed as running (exit code {proc.poll()}, steps {seen})")


def test_interrupted_run_exits_130_and_is_recorded_as_stopped(workdir: Path) -> None:
    env = {**os.environ, "ZEN_ROOT": str(workdir)}
    proc = subprocess.Popen(
        [*ZEN, "run", "flows:sleepy", "-q"], cwd=workdir, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for_the_sleeping_step(workdir, proc)
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            pytest.fail(f"zen run was still running 120 s after SIGINT; it printed:\n{err}")
    finally:
        proc.kill()  # nothing once it has exited
        if proc.stderr is not None and not proc.stderr.closed:
            proc.communicate()  # reaps it and closes its pipe, however the test ended
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert json.loads(zen(workdir, "runs", "list", "--json"))[0]["status"] == "stopped"


READ_ONLY = [
    ["runs", "list"],
    ["runs", "search", "nightly"],
    ["runs", "show", "abc"],
    ["runs", "compare", "abc", "def"],
    ["artifacts", "list"],
    ["artifacts", "show", "abc"],
    ["artifacts", "read", "abc"],
    ["lineage", "abc"],
    ["stack", "list"],
    ["cache", "explain", "abc", "train"],
    ["gc"],
    ["logs", "abc", "train"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_read_only_commands_in_an_empty_folder_create_nothing(tmp_path: Path, args: list[str]) -> None:
    env = {**os.environ, "ZEN_ROOT": str(tmp_path)}
    done = subprocess.run([*ZEN, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 3, done.stderr
    assert "there is no zen project in" in done.stderr and "run `zen init` to create one" in done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_dag_in_a_folder_without_a_project_creates_nothing(workdir: Path) -> None:
    assert "flowchart LR" in zen(workdir, "dag", "flows:instance")
    assert not (workdir / ".zen").exists()


@pytest.mark.parametrize("args", [["--help"], ["runs", "list", "--help"], ["ui", "--help"], ["--version"]])
def test_help_imports_none_of_zens_heavy_parts(args: list[str]) -> None:
    """`zen --help` loads click and the command modules only; stores, types and array libraries wait for a
    command to run (tools/bench/bench_cli.py times it)."""
    code = f"import sys, json; from zen_run._cli import main; main({args!r}); print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    heavy = {"numpy", "pandas", "torch", "polars", "yaml", "sqlite3", "attrs", "cattrs", "starlette"}
    heavy |= {"zen_types", "zen_store", "zen_materialize", "zen_git", "zen_run._client", "zen_run._runner"}
    assert not heavy & loaded, sorted(heavy & loaded)


def test_a_command_of_a_zen_package_not_installed_names_the_package_to_install(tmp_path: Path) -> None:
    """`zen ui` where zen-ui is not installed (its entry point hidden from this process): exit 2, one line saying
    which package to install and how, instead of click's "No such command"."""
    script = (
        "import importlib.metadata, sys\n"
        "found = importlib.metadata.entry_points\n"
        "importlib.metadata.entry_points = lambda **kw: [e for e in found(**kw) if e.name != 'ui']\n"
        "from zen_run._cli import main\n"
        "sys.exit(main(['ui']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last == (
        "zen: `zen ui` comes with zen-ui, which is not installed in this environment. Install it as the other zen "
        f"packages were: {install_hint('zen-ui')}."
    )
    assert "No such command" not in done.stderr
