"""An OS error while saving a step's outputs - a full disk, a read-only folder, a symbolic link in an output folder
- fails that step with the cause recorded on it, commits nothing of it, and the next run works once the cause is
gone. With the disk completely full, read-only commands still work."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from zen_run import Client, StepFailedError

ZEN = [sys.executable, "-m", "zen_run"]

FLOWS = textwrap.dedent(
    """
    import os
    from pathlib import Path

    from zen_run import BaseStepConfig, Output, Slot, pipeline, step

    class SizeConfig(BaseStepConfig):
        size: int = 10
        link: bool = False
        fifo: bool = False
        fill: bool = False

    @step
    def start() -> int:
        return 1

    @step
    def sized(some: int, config: SizeConfig) -> str:
        return "x" * config.size

    @step
    def by_hand(some: int, out: Output[int], config: SizeConfig) -> None:
        (Path(out.uri) / "data.txt").write_text("42")
        if config.link:
            os.symlink("/etc/hostname", Path(out.uri) / "escape")
        if config.fifo:
            os.mkfifo(Path(out.uri) / "pipe")
        if config.fill:  # the disk fills up after the output is saved, before it is recorded
            fd = os.open(Path(os.environ["ZEN_ROOT"]) / "filler", os.O_WRONLY | os.O_CREAT)
            for chunk in (65536, 1):
                try:
                    while True:
                        os.write(fd, b"\\0" * chunk)
                except OSError:
                    pass
            os.close(fd)

    @pipeline
    def big_pipeline(first: Slot[[], int], second: Slot[[int], str]) -> None:
        second(first())

    @pipeline
    def hand_pipeline(first: Slot[[], int], second: Slot[[int], None]) -> None:
        second(first())

    big = big_pipeline(first=start(), second=sized())
    hand = hand_pipeline(first=start(), second=by_hand())
    """
)


def _zen(root: Path, *args: str, prefix: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZEN_ROOT": str(root)}
    return subprocess.run(
        [*prefix, *ZEN, *args], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _bound_by_permissions() -> list[str]:
    """A command prefix under which file permissions apply: nothing for a user, and for root ``setpriv`` without
    the capabilities that let root ignore them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        reason = "root ignores file permissions, and setpriv(1) (util-linux) is missing to drop that power"
        print(f"\nskipped: {reason}")
        pytest.skip(reason)
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def _chmod_tree(root: Path, *, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode | 0o200 if writable else mode & ~0o222)


def _needs_root_to_mount() -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        reason = "mounting a small tmpfs needs root (and mount(8)); run the suite as root to test a full disk"
        print(f"\nskipped: {reason}")
        pytest.skip(reason)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs mounted for the test (root only) and unmounted afterwards."""
    _needs_root_to_mount()
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {done.stderr.decode().strip()}"
        print(f"\nskipped: {reason}")
        pytest.skip(reason)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the file system holding ``folder`` to the last byte."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (65536, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_fails_the_step_with_the_cause_and_the_next_run_works(tmpfs: Path) -> None:
    """An output bigger than the disk: exit 1, one sentence with the cause and no traceback, the step recorded
    failed with it, no staging left; listing works with the disk completely full; a later run succeeds."""
    (tmpfs / "flows.py").write_text(FLOWS)
    assert _zen(tmpfs, "run", "flows:big", "-q").returncode == 0
    failed = _zen(tmpfs, "run", "flows:big", "-q", "--set", "second.size=5000000")
    assert failed.returncode == 1, failed.stderr
    assert "No space left on device" in failed.stderr and "Traceback" not in failed.stderr
    assert failed.stderr.splitlines()[-1].startswith("zen: Step"), failed.stderr  # one sentence, last
    run = json.loads(_zen(tmpfs, "runs", "list", "--json").stdout)[0]
    shown = json.loads(_zen(tmpfs, "runs", "show", run["run_id"], "--json").stdout)
    assert run["status"] == "failed"
    assert shown["steps"]["second"]["status"] == "failed"
    assert "No space left on device" in shown["steps"]["second"]["error"]
    assert shown["steps"]["second"]["outputs"] == {}
    assert list((tmpfs / ".zen" / "artifacts" / ".staging").iterdir()) == []
    filler = _fill(tmpfs)
    listed = _zen(tmpfs, "runs", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("\n") == 2
    filler.unlink()
    again = _zen(tmpfs, "run", "flows:big", "-q", "--set", "second.size=1000")
    assert again.returncode == 0, again.stderr


def test_a_disk_that_fills_before_a_step_is_recorded_ends_the_run_in_one_sentence_and_it_shows_failed(
    tmpfs: Path,
) -> None:
    """The disk fills up after a step saved its output and before the lineage file records it (so not even the
    run's end can be recorded): exit 2 with one sentence naming the full disk, the run and `zen resume`; once there
    is space again the run and that step show failed with "disk full", not crashed; what was recorded is kept."""
    (tmpfs / "flows.py").write_text(FLOWS)
    done = _zen(tmpfs, "run", "flows:hand", "-q", "--set", "second.fill=true")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("zen: the disk holding the lineage store") and " is full, so run " in last, last
    assert last.endswith(" for its remaining steps.") and "zen resume " in last, last
    listed = _zen(tmpfs, "runs", "list")  # the disk still full: reading works, the run is marked later
    assert listed.returncode == 0 and listed.stdout.count("\n") == 1, listed.stderr
    (tmpfs / "filler").unlink()
    run = json.loads(_zen(tmpfs, "runs", "list", "--json").stdout)[0]
    steps = json.loads(_zen(tmpfs, "runs", "show", run["run_id"], "--json").stdout)["steps"]
    assert (run["status"], steps["first"]["status"], steps["second"]["status"]) == ("failed", "completed", "failed")
    assert steps["second"]["error"].startswith("disk full: ")
    first = steps["first"]["outputs"]["output"]["artifact_id"]
    assert _zen(tmpfs, "artifacts", "read", first).stdout.strip() == "1"
    assert not list((tmpfs / ".zen").glob("*disk-full*"))
    again = _zen(tmpfs, "run", "flows:hand", "-q")
    assert again.returncode == 0, again.stderr


def test_a_read_only_artifact_folder_fails_the_step_and_the_next_run_works(tmpfs: Path, tmp_path: Path) -> None:
    """The artifact store's file system remounted read-only: the first step fails with the cause recorded; once
    it is writable again the same command succeeds."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "flows.py").write_text(FLOWS)
    assert _zen(project, "stack", "register", "ro", "--artifact-store", str(tmpfs / "artifacts")).returncode == 0
    assert _zen(project, "run", "flows:big", "-q", "--stack", "ro").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    try:
        failed = _zen(project, "run", "flows:big", "-q", "--stack", "ro", "--no-cache")
        assert failed.returncode == 1, failed.stderr
        assert "Read-only file system" in failed.stderr and "Traceback" not in failed.stderr
        run = json.loads(_zen(project, "runs", "list", "--json").stdout)[0]
        steps = json.loads(_zen(project, "runs", "show", run["run_id"], "--json").stdout)["steps"]
        assert steps["first"]["status"] == "failed" and "Read-only file system" in steps["first"]["error"]
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    assert _zen(project, "run", "flows:big", "-q", "--stack", "ro", "--no-cache").returncode == 0


def test_a_read_only_project_still_reads_and_refuses_each_write_in_one_sentence(tmp_path: Path) -> None:
    """Every file and folder of a project made read-only (EACCES): reading commands work and `zen doctor` finds the
    file sound (it was once called damaged here, and --restore offered); each writing command exits 2 with one
    sentence, never a traceback; a lineage file that cannot be read is not called damaged either. Once writable
    again, the next run works."""
    prefix = _bound_by_permissions()
    project = tmp_path / "project"
    project.mkdir()
    (project / "flows.py").write_text(FLOWS)
    assert _zen(project, "run", "flows:big", "-q").returncode == 0
    db = project / ".zen" / "lineage.db"
    _chmod_tree(project, writable=False)
    try:
        expected = [
            (("runs", "list"), 0, "big_pipeline"),
            (("doctor",), 0, "integrity check ok"),
            (("gc",), 2, "gc cannot write to the artifact store"),
            (("gc", "--delete"), 2, "Nothing was deleted"),
            (("run", "flows:big", "-q", "--no-cache"), 2, "can only be read right now"),
            (("stack", "register", "other"), 2, "Permission denied"),
            (("doctor", "--restore"), 2, "nothing to restore"),
        ]
        for args, code, words in expected:
            done = _zen(project, *args, prefix=prefix)
            told = done.stdout if code == 0 else done.stderr
            assert done.returncode == code and words in told, f"zen {' '.join(args)}: {done.stdout}{done.stderr}"
            assert "Traceback" not in done.stderr
            if code:
                [sentence] = [line for line in done.stderr.splitlines() if not line.startswith("zen: warning:")]
                assert sentence.startswith("zen: ")
        db.chmod(0)
        unreadable = _zen(project, "doctor", prefix=prefix)
        assert unreadable.returncode == 2 and "says nothing about damage" in unreadable.stderr, unreadable.stderr
    finally:
        db.chmod(0o644)
        _chmod_tree(project, writable=True)
    assert not list((project / ".zen").glob("lineage.db.damaged*"))
    again = _zen(project, "run", "flows:big", "-q", "--no-cache")
    assert again.returncode == 0, again.stderr


def test_a_symbolic_link_in_an_output_folder_fails_the_step_and_commits_nothing(project: Path) -> None:
    """A step leaves a symbolic link in its Output[T] folder: StepFailedError naming the link, the step failed
    with that cause and no outputs, the staging folder gone; without the link the next run works."""
    (project / "write_fault_flows.py").write_text(FLOWS)  # a name no other test imports in this process
    sys.path.insert(0, str(project))
    try:
        flows = importlib.import_module("write_fault_flows")

        with pytest.raises(StepFailedError, match=r"saving its outputs.*symbolic link") as caught:
            flows.hand.run(enable_cache=False, **_link(True))
        assert caught.value.storage_fault
        run = Client().last_run("hand_pipeline")
        assert run.status == "failed"
        assert run.steps["second"].status == "failed" and run.steps["second"].outputs == {}
        assert "symbolic link" in (run.steps["second"].record.error or "")
        assert list((project / ".zen" / "artifacts" / ".staging").iterdir()) == []
        done = flows.hand.run(enable_cache=False, **_link(False))
        assert done.status == "completed"
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("write_fault_flows", None)


def test_a_named_pipe_in_an_output_folder_fails_the_step_instead_of_hanging(project: Path) -> None:
    """A step leaves a FIFO in its Output[T] folder (opening one to sync it blocks forever): exit 1 within the
    subprocess's time limit, the cause recorded on the failed step, nothing committed, no staging left."""
    (project / "flows.py").write_text(FLOWS)
    done = _zen(project, "run", "flows:hand", "-q", "--set", "second.fifo=true")
    assert done.returncode == 1, done.stderr
    assert "not a named pipe, socket or device" in done.stderr and "Traceback" not in done.stderr
    run = json.loads(_zen(project, "runs", "list", "--json").stdout)[0]
    step = json.loads(_zen(project, "runs", "show", run["run_id"], "--json").stdout)["steps"]["second"]
    assert step["status"] == "failed" and "named pipe" in step["error"] and step["outputs"] == {}
    assert list((project / ".zen" / "artifacts" / ".staging").iterdir()) == []
    assert _zen(project, "run", "flows:hand", "-q", "--no-cache").returncode == 0


def _link(link: bool) -> dict[str, object]:
    from zen_run import RunConfig, StepRunConfig

    return {"config": RunConfig(steps={"second": StepRunConfig(config={"link": link})})}


STALLED = textwrap.dedent(
    """
    import resource, signal, sys, time

    import zen_run._stores
    from zen_run import Client, Slot, pipeline, step

    zen_run._stores.HEARTBEAT_EVERY_S = 0.05  # beat often, so the test is short
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of a kill

    @step
    def stall() -> int:
        # No file of this process may grow while the step runs: each beat fails, as on a full disk.
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
        time.sleep(1.0)
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        time.sleep(0.5)  # beats are recorded again
        return 7

    @pipeline
    def stalled(only: Slot[[], int]) -> None:
        only()

    run = stalled(only=stall()).run(progress=False)
    print(run.status.value, Client().get_run(run.id).steps["only"].outputs["output"].read())
    """
)


def test_a_heartbeat_that_cannot_be_written_is_one_warning_and_the_run_goes_on(project: Path) -> None:
    """The lineage file cannot grow for a while (RLIMIT_FSIZE: every write fails as on a full disk) during a
    step: the heartbeat thread says so in one warning line - no thread traceback, not once per beat - and the
    run completes and is recorded once writes work again."""
    (project / "stalled.py").write_text(STALLED)
    done = subprocess.run(
        [sys.executable, "-W", "ignore:::__main__", "stalled.py"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["completed", "7"]
    lines = done.stderr.splitlines()  # -W: not the notice that the script's steps are not pinned to a commit
    assert "Traceback" not in done.stderr and "Exception in thread" not in done.stderr
    [warning] = [line for line in lines if "MissedHeartbeatWarning" in line]
    assert lines == [warning]
    assert "could not record its heartbeat in the lineage store" in warning and "the run goes on" in warning
