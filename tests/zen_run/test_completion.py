"""Shell completion of what a project recorded, driven as a shell drives it: through the `_ZEN_COMPLETE`
environment variable with the words typed so far (click's protocol; see docs/cli.md, "Shell completion")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.zen_run.pipelines import AddConfig, add_pipeline, adds, returns_one
from zen_run._cli import main


def _complete(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], words: str, *, shell: str = "bash"
) -> list[str]:
    """What `zen` answers a shell completing the last word of ``words`` (bash: one `type,value` per line)."""
    typed = words.split(" ")
    monkeypatch.setenv("_ZEN_COMPLETE", f"{shell}_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(typed) - 1))
    capsys.readouterr()
    assert main([]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if line]


@pytest.fixture
def runs(project: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The ids of two runs of `add_pipeline`, newest first (both tagged `nightly`, the older also `baseline`)."""
    instance = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3)))
    first = instance.run(enable_cache=False, tags=["nightly", "baseline"]).id
    second = instance.run(enable_cache=False, tags=["nightly"]).id
    capsys.readouterr()
    return [second, first]


def test_run_ids_complete_newest_first_and_by_prefix(
    runs: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for words in ("zen runs show ", "zen runs compare x ", "zen rerun ", "zen runs delete x "):
        assert _complete(monkeypatch, capsys, words) == [f"plain,{run}" for run in runs]
    newest = runs[0]
    assert _complete(monkeypatch, capsys, f"zen runs show {newest[:-1]}") == [f"plain,{newest}"]
    assert _complete(monkeypatch, capsys, "zen runs show zz") == []


def test_zsh_shows_each_runs_pipeline_and_status_beside_its_id(
    runs: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = _complete(monkeypatch, capsys, "zen runs show ", shell="zsh")
    assert answer[:2] == ["plain", runs[0]]
    assert answer[2].startswith("add_pipeline completed ")


def test_step_names_complete_from_the_run_given_before(
    runs: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _complete(monkeypatch, capsys, f"zen logs {runs[0][:10]} ") == ["plain,first", "plain,second"]
    assert _complete(monkeypatch, capsys, f"zen cache explain {runs[1]} s") == ["plain,second"]
    assert _complete(monkeypatch, capsys, "zen logs nosuchrun ") == []


def test_artifact_names_versions_and_ids_complete(
    runs: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name, then `NAME:` its versions latest first: in bash, which splits the word at `:` and replaces only
    what follows it, and in zsh, which keeps it whole; an id once something of it is typed."""
    second = "add_pipeline.second.output"
    assert _complete(monkeypatch, capsys, "zen artifacts show add_pipeline.s") == [f"plain,{second}"]
    assert _complete(monkeypatch, capsys, "zen artifacts list --name add") == [
        "plain,add_pipeline.first.output",
        f"plain,{second}",
    ]
    assert _complete(monkeypatch, capsys, f"zen artifacts read {second} : ") == ["plain,2", "plain,1"]
    assert _complete(monkeypatch, capsys, f"zen lineage {second} : 1") == ["plain,1"]
    zsh = _complete(monkeypatch, capsys, f"zen artifacts show {second}:", shell="zsh")
    assert zsh[0::3] == ["plain", "plain"] and zsh[1::3] == [f"{second}\\:2", f"{second}\\:1"]
    assert zsh[2].startswith("int ")
    ids = _complete(monkeypatch, capsys, f"zen artifacts show {runs[0][:4]}")
    assert len(ids) == 4 and all(line.startswith(f"plain,{runs[0][:4]}") for line in ids)


def test_pipeline_names_complete_and_prefixes_are_literal(
    runs: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _complete(monkeypatch, capsys, "zen runs list --pipeline a") == ["plain,add_pipeline"]
    assert _complete(monkeypatch, capsys, "zen cache clear --pipeline ") == ["plain,add_pipeline"]
    assert _complete(monkeypatch, capsys, "zen runs list --pipeline _") == []  # not a LIKE pattern
    assert _complete(monkeypatch, capsys, "zen artifacts show %") == []


def test_tags_complete_with_how_many_runs_carry_each(
    runs: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _complete(monkeypatch, capsys, "zen runs list --tag ") == ["plain,baseline", "plain,nightly"]
    assert _complete(monkeypatch, capsys, "zen run x --tag n") == ["plain,nightly"]
    assert _complete(monkeypatch, capsys, "zen runs list --tag n", shell="zsh") == ["plain", "nightly", "2 run(s)"]


def test_completion_without_a_project_completes_nothing_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ZEN_ROOT", str(tmp_path))
    assert _complete(monkeypatch, capsys, "zen runs show ") == []
    assert _complete(monkeypatch, capsys, "zen artifacts show x:") == []
    assert list(tmp_path.iterdir()) == []


def test_the_stack_given_or_active_names_the_lineage_store_read(
    runs: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stack", "register", "empty", "--lineage-store", ".zen/empty.db"]) == 0
    assert main(["init", "--stack", "empty"]) == 0
    assert _complete(monkeypatch, capsys, "zen runs show --stack empty ") == []
    assert _complete(monkeypatch, capsys, "zen runs show ") == [f"plain,{run}" for run in runs]
    monkeypatch.setenv("ZEN_STACK", "empty")
    assert _complete(monkeypatch, capsys, "zen runs show ") == []
