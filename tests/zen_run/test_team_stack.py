"""A team's stack: lineage on a real PostgreSQL server (started by the tests on 127.0.0.1), artifacts on S3 (moto's
server) or a shared folder, steps on Dask. Registered with ``zen stack register`` as a user does, used by runs,
the Client and the CLI, from several processes and several project folders at once; and a server restart or
outage mid-run loses nothing already recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster

from tests.common.dask_cluster import local_cluster
from tests.common.postgres import PASSWORD, PostgresServer, find_bindir
from tests.zen_run import dask_pipelines as dp
from tests.zen_run import pipelines as p
from zen_run import Client, Project, RunContext, StackError, StackRegistry
from zen_run._cli import main
from zen_run._gc import garbage_collect
from zen_run._stack import Stack
from zen_store import StoreError

ROOT = str(Path(__file__).resolve().parents[2])


def _register(name: str, *args: str) -> None:
    assert main(["stack", "register", name, *args]) == 0


def _env(project: Path, **extra: str) -> dict[str, str]:
    """The environment of a subprocess working in ``project`` (it inherits PGPASSFILE and the AWS variables)."""
    return {**os.environ, "ZEN_ROOT": str(project), "PYTHONPATH": ROOT, **extra}


def test_a_postgres_stack_runs_and_reads_back_through_the_client_and_the_cli(
    project: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Register a stack on PostgreSQL with the CLI, run on it, read the run back with the Client and `zen`."""
    _register("team", "--lineage-store", postgres_url)
    assert main(["stack", "set", "team"]) == 0
    run = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3))).run()
    assert run.status == "completed"
    RunContext.forget()  # read back through a freshly opened store
    again = Client().last_run("add_pipeline")
    assert again.id == run.id
    assert again.steps["second"].outputs["output"].read() == 4
    capsys.readouterr()
    assert main(["runs", "show", run.id[:10]]) == 0
    assert "second" in capsys.readouterr().out
    assert main(["stack", "list"]) == 0
    assert postgres_url in capsys.readouterr().out
    config = (project / ".zen" / "config.json").read_text()
    assert postgres_url in config and "password" not in config.lower()


def test_a_password_in_the_registered_url_goes_to_the_password_file_never_into_the_config(
    project: Path, postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`zen stack register --lineage-store postgresql://user:PASSWORD@...` (or ``?password=``) keeps the URL without
    the password in .zen/config.json and moves the password into the password file, so later commands log in with
    no PGPASSWORD; the Python API still refuses a Stack whose URL holds one."""
    passfile = tmp_path / "pgpass"
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = postgres_server.create_schema()
    in_user_part = url.replace("zen@", f"zen:{PASSWORD}@")
    as_parameter = f"{url}&password={PASSWORD}"
    _register("team", "--lineage-store", in_user_part)
    _register("team2", "--lineage-store", as_parameter)
    config = (project / ".zen" / "config.json").read_text()
    assert PASSWORD not in config and "password" not in config
    assert [s.lineage_store for s in StackRegistry(Project.find()).list()[1:]] == [url, url]
    assert passfile.read_text() == f"127.0.0.1:{postgres_server.port}:postgres:zen:{PASSWORD}\n"
    assert main(["stack", "set", "team"]) == 0
    run = p.add_pipeline(first=p.returns_one(), second=p.adds()).run()
    RunContext.forget()
    assert Client(stack="team2").get_run(run.id).steps["second"].outputs["output"].read() == 2
    with pytest.raises(StackError, match=r"PGPASSWORD or ~/\.pgpass"):
        Stack(name="team", lineage_store=in_user_part)


def test_a_missing_database_and_no_server_each_end_a_command_with_one_sentence_and_exit_2(
    project: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database named in the URL does not exist, or nothing listens at its host and port: `zen runs list` and
    `zen run` exit 2 (docs/cli.md) with one line saying which and how to fix it, no traceback."""
    _register("nodb", "--lineage-store", postgres_server.url("no_such_database"))
    _register("noserver", "--lineage-store", "postgresql://zen@127.0.0.1:1/zen")
    expected = {
        "nodb": "has no database 'no_such_database'. Create it (createdb -h 127.0.0.1",
        "noserver": "no PostgreSQL server answers at 127.0.0.1:1",
    }
    for stack, sentence in expected.items():
        for command in (["runs", "list"], ["run", "examples.seed000:instance", "-q"]):
            capsys.readouterr()
            assert main([*command, "--stack", stack]) == 2
            err = capsys.readouterr().err
            assert sentence in err and "Traceback" not in err
            assert err.count("\n") == 1 and err.startswith("zen: cannot connect to the PostgreSQL lineage store")


def test_the_password_comes_from_pgpassword_and_a_wrong_one_is_one_clear_sentence(
    project: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PGPASSWORD (no password file) the stack works; with a wrong one `zen runs list` says it cannot connect
    and where a password comes from, without showing it."""
    monkeypatch.setenv("PGPASSFILE", str(project / "no-such-pgpass"))
    _register("team", "--lineage-store", postgres_server.create_schema())
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    assert main(["runs", "list", "--stack", "team"]) == 0
    RunContext.forget()
    monkeypatch.setenv("PGPASSWORD", "wrong-password")
    capsys.readouterr()
    assert main(["runs", "list", "--stack", "team"]) != 0
    err = capsys.readouterr().err
    assert "cannot connect to the PostgreSQL lineage store" in err and "the server refused the login" in err
    assert "PGPASSWORD or the password file" in err and str(project / "no-such-pgpass") in err
    assert "wrong-password" not in err and "Traceback" not in err


_WORKER = textwrap.dedent(
    """
    import sys
    from tests.zen_run.pipelines import AddConfig, add_pipeline, adds, returns_one
    worker = int(sys.argv[1])
    for i in range(10):
        amount = worker * 100 + i
        run = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=amount))).run(
            run_name=f"w{worker}-{i}", enable_cache=False)
        assert run.status == "completed", run.status
    """
)


@pytest.mark.slow
def test_eight_processes_run_ten_pipelines_each_and_another_project_reads_them_all(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """8 processes x 10 runs at once on one PostgreSQL lineage store and one shared artifact folder: all 80 runs are
    recorded, and a second project folder that registers the same stores reads every run and value."""
    shared = tmp_path / "shared-artifacts"
    projects = [tmp_path / "alice", tmp_path / "bob"]
    for folder in projects:
        folder.mkdir()
        monkeypatch.setenv("ZEN_ROOT", str(folder))
        RunContext.forget()
        _register("team", "--artifact-store", str(shared), "--lineage-store", postgres_url)
        assert main(["stack", "set", "team"]) == 0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(n)],
            cwd=ROOT,
            env=_env(projects[0]),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )
        for n in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=280)
        assert proc.returncode == 0, err.decode()[-3000:]
    monkeypatch.setenv("ZEN_ROOT", str(projects[1]))
    RunContext.forget()
    runs = Client().runs(pipeline_name="add_pipeline", limit=1000)
    assert len(runs) == 80
    assert {r.status for r in runs} == {"completed"}
    names = {r.record.run_name for r in runs}
    assert names == {f"w{n}-{i}" for n in range(8) for i in range(10)}
    for run in runs[::9]:
        worker, i = (int(part) for part in str(run.record.run_name)[1:].split("-"))
        assert run.steps["second"].outputs["output"].read() == 1 + worker * 100 + i


@pytest.fixture(scope="module")
def cluster(s3_endpoint: str) -> Iterator[LocalCluster]:
    """A LocalCluster of 2 worker processes (they see the S3 credentials; never the lineage store)."""
    with local_cluster() as started:
        yield started


def test_the_team_stack_dask_s3_postgres_works_end_to_end(  # noqa: PLR0917 - pytest passes fixtures by position
    project: Path,
    cluster: LocalCluster,
    s3_url: str,
    s3_endpoint: str,
    postgres_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`zen stack register team --orchestrator dask --artifact-store s3://... --lineage-store postgresql://...`:
    a run on Dask writes artifacts to S3 and lineage to PostgreSQL; the cache hits on a second run; the Client,
    the CLI and lineage queries read it all back."""
    _register(
        "team",
        "--orchestrator",
        "dask",
        "--option",
        f"address={cluster.scheduler_address}",
        "--artifact-store",
        s3_url,
        "--artifact-option",
        f"endpoint_url={s3_endpoint}",
        "--lineage-store",
        postgres_url,
    )
    assert main(["stack", "set", "team"]) == 0
    first = Client().get_run(dp.fan_out_instance().run().id)
    assert first.status == "completed"
    assert {s.status for s in first.steps.values()} == {"completed"}
    assert first.steps["gather"].outputs["output"].read() == 60.0
    uris = [a.uri for step in first.steps.values() for a in step.outputs.values()]
    assert uris and all(uri.startswith(s3_url + "/") for uri in uris)
    second = Client().get_run(dp.fan_out_instance().run().id)
    assert {s.status for s in second.steps.values()} == {"cached"}
    gathered = first.steps["gather"].outputs["output"]
    graph = Client().lineage(gathered.id)
    assert {s.step_name for s in graph.step_runs.values()} == set(first.steps)
    capsys.readouterr()
    assert main(["runs", "compare", first.id, second.id]) == 0
    assert "status: 'completed' -> 'cached'" in capsys.readouterr().out
    assert main(["runs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {first.id, second.id} <= {r["run_id"] for r in listed}


# -- connection loss: a server of its own, restarted or stopped while a run waits mid-way --------------------------


@pytest.fixture
def own_server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A PostgreSQL server for one test that stops and restarts it (the session's server stays untouched)."""
    bindir = find_bindir()
    assert bindir is not None  # postgres_server skipped (or failed) otherwise
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


_GATED_RUN = textwrap.dedent(
    """
    import sys
    import zen_store
    zen_store.PostgresLineageStore.reconnect_within_s = float(sys.argv[1])
    from zen_run._cli import main
    sys.exit(main(["run", "tests.zen_run.team_pipelines:gated_instance", "--no-cache", "-q"]))
    """
)


def _start_gated_run(project: Path, gate: Path, reconnect_s: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _GATED_RUN, str(reconnect_s)],
        cwd=ROOT,
        env=_env(project, ZEN_TEST_GATE=str(gate), PGPASSFILE=os.environ["PGPASSFILE"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not Path(f"{gate}.started").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the gated step never started"
        time.sleep(0.05)
    return proc


@pytest.fixture
def team_project(project: Path, own_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project with its active stack's lineage on ``own_server``, whose password file the environment names."""
    monkeypatch.setenv("PGPASSFILE", str(own_server.passfile))
    _register("team", "--lineage-store", own_server.create_schema())
    assert main(["stack", "set", "team"]) == 0
    return project


def test_a_server_restart_mid_run_is_survived_and_every_step_recorded_once(
    team_project: Path, own_server: PostgresServer, tmp_path: Path
) -> None:
    """The server restarts while a step runs: the store reconnects, the run completes with each step recorded
    exactly once, and the next run works."""
    gate = tmp_path / "gate"
    proc = _start_gated_run(team_project, gate, reconnect_s=30)
    own_server.restart()  # drops every connection, as a failover or an upgrade does
    gate.touch()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    run = Client().last_run("three")
    assert run.status == "completed"
    assert [(name, s.status) for name, s in run.steps.items()] == [
        ("first", "completed"),
        ("second", "completed"),
        ("third", "completed"),
    ]
    assert run.steps["third"].outputs["output"].read() == 4
    again = p.three(first=p.returns_one(), second=p.adds(), third=p.adds()).run()
    assert again.status == "completed"


def test_a_server_down_past_the_reconnect_bound_ends_the_run_clearly_with_no_half_step(
    team_project: Path, own_server: PostgresServer, tmp_path: Path
) -> None:
    """The server stops while a step runs and stays down: the run ends with one sentence saying the lineage store
    was lost (no traceback); once the server is back the run shows as crashed in the step it was in, with no
    output of that step recorded, and the next run works."""
    gate = tmp_path / "gate"
    proc = _start_gated_run(team_project, gate, reconnect_s=1)
    own_server.stop()
    gate.touch()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2  # docs/cli.md: a lineage store still down after the reconnect wait
    assert "lost the connection to the PostgreSQL lineage store" in err
    assert "could not reconnect within 1 s" in err
    assert "Traceback" not in err
    own_server.restart()
    RunContext.forget()
    run = Client().last_run("three")
    assert run.status == "crashed"  # its process is gone: reaped on the next read
    steps = run.steps
    assert steps["first"].status == "completed" and steps["first"].outputs
    assert steps["second"].status == "crashed" and not steps["second"].outputs
    assert "third" not in steps
    again = p.three(first=p.returns_one(), second=p.adds(), third=p.adds()).run()
    assert again.status == "completed"


def test_a_heartbeat_while_the_server_is_down_is_skipped_at_once_and_the_next_one_works(
    own_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's heartbeat thread must outlive an outage: a beat with no server returns at once (no wait, no
    error), and once the server is back the store reconnects and beats and records again."""
    from zen_store import NewRun, PostgresLineageStore, RunStatus

    monkeypatch.setenv("PGPASSFILE", str(own_server.passfile))
    store = PostgresLineageStore.open(own_server.create_schema())
    run_id = store.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="team"))
    own_server.stop()
    started = time.monotonic()
    store.heartbeat(run_id)
    assert time.monotonic() - started < store.reconnect_within_s / 2
    own_server.restart()
    store.heartbeat(run_id)
    store.finish_run(run_id, status=RunStatus.COMPLETED)
    assert store.get_run(run_id).status == "completed"
    store.close()


def test_the_reconnect_wait_is_spent_once_per_outage_not_once_per_write(
    own_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run cut short by a server that stays down records its step, then its end, then its heartbeat: only the
    first waits out the reconnect bound, the others fail at once (so the run ends within the bound, not a multiple
    of it). Once the server is back the store reconnects, and a later outage is waited out again."""
    from zen_store import NewRun, PostgresLineageStore, RunStatus

    monkeypatch.setenv("PGPASSFILE", str(own_server.passfile))
    store = PostgresLineageStore.open(own_server.create_schema())
    store.reconnect_within_s = 3.0
    run_id = store.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="team"))

    def timed_failure(write: Callable[[], object]) -> float:
        started = time.monotonic()
        with pytest.raises(StoreError, match="could not reconnect within 3 s"):
            write()
        return time.monotonic() - started

    own_server.stop()
    assert timed_failure(lambda: store.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="t"))) >= 3.0
    assert timed_failure(lambda: store.finish_run(run_id, status=RunStatus.FAILED)) < 1.5
    own_server.restart()
    store.finish_run(run_id, status=RunStatus.COMPLETED)
    assert store.get_run(run_id).status == "completed"
    own_server.stop()
    assert timed_failure(lambda: store.get_run(run_id)) >= 3.0
    store.close()


def test_gc_beside_a_postgres_lineage_store_keeps_its_artifacts_and_refuses_when_it_cannot_read_it(
    project: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The team's runs (lineage on PostgreSQL) and a solo stack (SQLite) share one artifact folder: gc on the solo
    stack reads the PostgreSQL store's references and deletes none of its artifacts; when it cannot open that
    store (no password) it refuses, naming it, and deletes nothing."""
    from zen_store import GcRefusedError

    shared = project / "shared-artifacts"
    _register("team", "--artifact-store", str(shared), "--lineage-store", postgres_url)
    _register("solo", "--artifact-store", str(shared))
    run = p.add_pipeline(first=p.returns_one(), second=p.adds()).run(stack="team")
    old = time.time() - 3600
    for entry in shared.iterdir():
        if not entry.name.startswith("."):
            os.utime(entry, (old, old))  # old enough to sweep, were it unreferenced
    solo = RunContext.open(stack="solo").stores
    assert garbage_collect(solo, delete=True).unreferenced == ()
    passfile = os.environ["PGPASSFILE"]
    monkeypatch.setenv("PGPASSFILE", str(project / "no-such-pgpass"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(GcRefusedError, match=r"postgresql://zen@127\.0\.0\.1.*cannot be opened"):
        garbage_collect(solo, delete=True)
    monkeypatch.setenv("PGPASSFILE", passfile)
    assert Client(stack="team").get_run(run.id).steps["second"].outputs["output"].read() == 2


def test_hosts_reaching_the_shared_artifact_folder_at_different_paths_read_and_reuse_each_others_artifacts(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One PostgreSQL lineage store, one artifact folder that each host mounts at its own path (moved between the
    hosts' turns here, as a mount point would differ): each host reads the artifacts the other recorded under its
    path, and its cache hits count."""
    mounts = {"alice": tmp_path / "mnt-a" / "artifacts", "bob": tmp_path / "mnt-b" / "artifacts"}
    for host, mount in mounts.items():
        mount.parent.mkdir()
        monkeypatch.setenv("ZEN_ROOT", str(tmp_path / host))
        RunContext.forget()
        _register("team", "--artifact-store", str(mount), "--lineage-store", postgres_url)
        assert main(["stack", "set", "team"]) == 0

    def on(host: str) -> None:
        here = next(mount for mount in mounts.values() if mount.exists())
        here.rename(mounts[host])
        monkeypatch.setenv("ZEN_ROOT", str(tmp_path / host))
        RunContext.forget()

    mounts["alice"].mkdir()
    on("alice")
    first = p.add_pipeline(first=p.returns_one(), second=p.adds()).run(progress=False)
    on("bob")
    assert Client().get_run(first.id).steps["second"].outputs["output"].read() == 2
    again = p.add_pipeline(first=p.returns_one(), second=p.adds()).run(progress=False)
    assert {step.status for step in again.steps.values()} == {"cached"}
    bobs = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=7))).run(progress=False)
    on("alice")
    assert Client().get_run(bobs.id).steps["second"].outputs["output"].read() == 8
