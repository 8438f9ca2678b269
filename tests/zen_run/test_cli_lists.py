"""What `zen runs list`, `zen runs search` and `zen artifacts list` print: a filter that matches nothing says so on
stderr (stdout stays for data, `[]` with `--json`); a filter naming a pipeline or artifact name that was never
recorded is a name that does not exist (exit 3, like `zen artifacts show` of it); and every cell of a table has a
value, `-` for none, in a terminal and in a pipe alike."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.zen_run.pipelines import AddConfig, add_pipeline, adds, returns_one
from tests.zen_run.test_cli import workdir as workdir  # noqa: PLC0414 - the project with its pipelines
from tests.zen_run.test_cli import zen
from zen_run._cli import EXIT_NOT_FOUND, main
from zen_run._output import Printer


def _zen(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def one_run(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A project with one run of `add_pipeline`, tagged `nightly`."""
    run = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3))).run(tags=["nightly"])
    capsys.readouterr()
    return run.id


def test_an_artifact_name_nothing_has_is_not_found_with_a_pointer_to_the_names(
    one_run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["artifacts", "list", "--name", "nope"], ["artifacts", "list", "--name", "nope", "--json"]):
        code, out, err = _zen(capsys, *args)
        assert code == EXIT_NOT_FOUND
        assert out == ""
        assert err == "zen: no artifact named 'nope'. List artifacts and their names with `zen artifacts list`.\n"


def test_an_artifact_id_prefix_given_as_a_name_is_not_taken_for_one(
    one_run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--name` filters by name only: an id prefix there lists nothing, so it is a name nothing has."""
    code, out, err = _zen(capsys, "artifacts", "list", "--name", one_run[:4])
    assert (code, out) == (EXIT_NOT_FOUND, "")
    assert f"no artifact named '{one_run[:4]}'" in err


def test_a_pipeline_with_no_runs_is_not_found_and_the_known_pipelines_are_named(
    one_run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["runs", "list", "--pipeline", "nope"], ["runs", "list", "--pipeline", "nope", "--json"]):
        code, out, err = _zen(capsys, *args)
        assert (code, out) == (EXIT_NOT_FOUND, "")
        assert err == "zen: pipeline 'nope' has no recorded runs (pipelines: add_pipeline).\n"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--tag", "nope"], "--tag nope"),
        (["--status", "stopped"], "--status stopped"),
        (["--name", "my run"], "--name 'my run'"),
        (["--tag", "caf\udce9"], "--tag 'caf\\udce9'"),  # a byte that was not UTF-8: escaped, as names are
        (["--pipeline", "add_pipeline", "--status", "failed"], "--pipeline add_pipeline --status failed"),
    ],
)
def test_run_filters_matching_nothing_say_so_on_stderr_and_exit_0(
    one_run: str, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    code, out, err = _zen(capsys, "runs", "list", *args)
    assert (code, out) == (0, "")
    assert err == f"zen: no runs match {said}; `zen runs list` lists every run.\n"
    code, out, err = _zen(capsys, "runs", "list", *args, "--json")
    assert (code, json.loads(out), err) == (0, [], "")


def test_a_search_matching_nothing_says_so(one_run: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _zen(capsys, "runs", "search", "zzz") == (0, "", "zen: no runs match 'zzz'.\n")
    assert _zen(capsys, "runs", "search", "nightly")[1].startswith(one_run)


def test_an_empty_project_says_it_has_no_runs_and_no_artifacts(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert _zen(capsys, "runs", "list") == (
        0,
        "",
        "zen: no runs are recorded yet; `zen run MODULE:OBJECT` runs a pipeline.\n",
    )
    assert _zen(capsys, "artifacts", "list") == (
        0,
        "",
        "zen: no artifacts are stored yet; runs store their steps' outputs as artifacts.\n",
    )
    assert _zen(capsys, "artifacts", "list", "--json") == (0, "[]\n", "")


def test_piped_run_rows_have_a_value_in_every_field_and_iso_times(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run without a name, and one from a clean tree, print `-` and `no` rather than blank fields; the start time
    is one ISO 8601 word, the same instant `--json` gives."""
    instance = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
    instance.run()
    instance.run(run_name="named")
    capsys.readouterr()
    code, out, _ = _zen(capsys, "runs", "list")
    rows = [line.split("\t") for line in out.splitlines()]
    assert code == 0 and len(rows) == 2
    assert all(len(row) == 6 and all(field.strip() for field in row) for row in rows)
    assert [(row[2], row[5]) for row in rows] == [("named", "no"), ("-", "no")]
    listed = json.loads(_zen(capsys, "runs", "list", "--json")[1])
    assert [datetime.fromisoformat(row[4]) for row in rows] == [
        datetime.fromisoformat(run["started_at"]).replace(microsecond=0) for run in listed
    ]


class _Terminal(io.StringIO):
    """A text stream that says it is a terminal, as a tty does."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream", [io.StringIO(), _Terminal()], ids=["piped", "terminal"])
def test_a_cell_without_a_value_is_a_dash_in_a_pipe_and_a_terminal(stream: io.StringIO) -> None:
    Printer(json_output=False, stream=stream).table(["a", "b", "c"], [["x", None, ""], ["y", 1, "z"]])
    lines = stream.getvalue().splitlines()
    cells = [line.split() for line in lines[-2:]]
    assert cells == [["x", "-", "-"], ["y", "1", "z"]]


def test_a_run_is_dirty_only_when_tracked_files_have_uncommitted_changes(workdir: Path) -> None:
    """An untracked file lying in the repository leaves runs clean in `runs list`, `runs show` and `--json`; an
    edited tracked file (one the pipeline does not even use) makes the next run dirty in all three."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    (workdir / ".gitignore").write_text(".zen/\n__pycache__/\n")
    (workdir / "README.md").write_text("notes\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "flows"]):
        subprocess.run([*git, *args], cwd=workdir, check=True, capture_output=True)
    (workdir / "scratch.txt").write_text("untracked\n")
    zen(workdir, "run", "flows:instance", "-q")
    (workdir / "README.md").write_text("edited\n")
    zen(workdir, "run", "flows:instance", "-q")
    dirty, clean = (line.split("\t") for line in zen(workdir, "runs", "list").splitlines())
    assert (clean[5], dirty[5]) == ("no", "yes")
    assert [r["repo"]["dirty"] for r in json.loads(zen(workdir, "runs", "list", "--json"))] == [True, False]
    assert "dirty" not in zen(workdir, "runs", "show", clean[0]).splitlines()[0]
    assert (
        zen(workdir, "runs", "show", dirty[0])
        .splitlines()[0]
        .endswith("(dirty: tracked files had uncommitted changes)")
    )


def test_every_id_runs_show_and_lineage_print_names_one_thing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two outputs of one step are recorded in the same millisecond, and an id's first 12 digits are that
    millisecond: the ids `zen runs show` and `zen lineage` print are whole, so each one pasted back into `zen
    artifacts show` or `zen runs show` names exactly one record (a 12-digit prefix named several)."""
    from tests.zen_run.pipelines import handles, numbers, split, total

    run = handles(source=numbers(), splitter=split(), summer=total()).run()
    capsys.readouterr()
    shown = _zen(capsys, "runs", "show", run.id)[1]
    low, high = run.steps["splitter"].outputs["low"].id, run.steps["splitter"].outputs["high"].id
    assert f"({low})" in shown and f"({high})" in shown
    lineage = _zen(capsys, "lineage", run.steps["summer"].outputs["result"].id)[1]
    printed = {word.strip(",;()").split("=")[-1] for word in (shown + lineage).split()}
    ids = {word for word in printed if len(word) >= 12 and all(c in "0123456789abcdef" for c in word)}
    assert {low, high, run.id} <= ids
    for printed_id in ids:
        kind = "runs" if printed_id == run.id else "artifacts"
        code, _, err = _zen(capsys, kind, "show", printed_id)
        step_run = code == EXIT_NOT_FOUND and "no artifact" in err  # a step run's id: no command shows one alone
        assert code == 0 or step_run, f"zen {kind} show {printed_id}: {err}"
