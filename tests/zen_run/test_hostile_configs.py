"""Run configs from YAML a hostile (or careless) user wrote: deep nesting, huge documents and numbers end in one
clear sentence and exit 2, never a RecursionError; list and dict config fields can be set from a run config, and
from `--set`, which reads its values as a run config does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zen_run import BaseStepConfig, Client, RunConfig, RunConfigError, Slot, pipeline, step
from zen_run._cli import EXIT_USAGE, main
from zen_store import UnstorableTextError
from zen_types._yaml import MAX_YAML_DEPTH


class ListConfig(BaseStepConfig):
    sizes: list[int] = [1]  # noqa: RUF012 - configs are frozen attrs classes; the default is copied per instance
    weights: dict[str, float] = {}  # noqa: RUF012 - as above
    label: str = "plain"
    count: int = 0


@step
def source() -> int:
    return 1


@step
def weighted(some: int, config: ListConfig) -> float:
    return some * sum(config.sizes) + sum(config.weights.values())


@pipeline
def weights_pipeline(first: Slot[[], int], second: Slot[[int], float]) -> None:
    second(first())


def test_list_and_dict_fields_come_from_a_run_config(project: Path) -> None:
    """`sizes: [2, 3]` and `weights: {a: 0.5}` in a run config reach the step typed, as Config.from_yaml has them."""
    config = RunConfig.from_yaml("steps:\n  second:\n    config:\n      sizes: [2, 3]\n      weights: {a: 0.5}\n")
    run = Client().get_run(weights_pipeline(first=source(), second=weighted()).run(config=config).id)
    assert run.steps["second"].outputs["output"].read() == 5.5
    assert run.steps["second"].config == {"sizes": [2, 3], "weights": {"a": 0.5}, "label": "plain", "count": 0}
    assert ListConfig.from_yaml("sizes: [2, 3]\nweights: {a: 0.5}\n") == ListConfig(sizes=[2, 3], weights={"a": 0.5})


def test_scalars_of_a_run_config_are_typed_by_the_config_class_not_by_their_spelling(project: Path) -> None:
    """`label: 3.10` stays the text "3.10" for a str field and `count: 12` is an int, as Config.from_yaml has them:
    a run config does not turn scalars into floats or bools before the config class sees them."""
    text = "label: 3.10\ncount: 12\nweights: {a: 1.5}\n"
    config = RunConfig.from_yaml(
        "steps:\n  second:\n    config:\n" + "".join(f"      {line}\n" for line in text.splitlines())
    )
    run = Client().get_run(weights_pipeline(first=source(), second=weighted()).run(config=config).id)
    expected = ListConfig.from_yaml(text)
    assert expected.label == "3.10"
    assert run.steps["second"].config == {"sizes": [1], "weights": {"a": 1.5}, "label": "3.10", "count": 12}
    assert run.steps["second"].config == {**ListConfig().to_dict(), **expected.to_dict()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("steps:\n  s:\n    config:\n      x: " + "[" * 1000 + "]" * 1000 + "\n", "nests lists and mappings more than"),
        ("a:\n" + "".join(" " * i + "a:\n" for i in range(1, 1000)), "nests lists and mappings more than"),
        ("run_name: " + "x" * 10_000_001 + "\n", "characters, more than"),
        ("steps:\n  second:\n    config:\n      sizes: [" + "9" * 5000 + "]\n", "number with 5000 digits"),
        ("steps:\n  second:\n    config:\n      count: " + "9" * 5000 + "\n", "number with 5000 digits"),
    ],
    ids=["flow-1000-deep", "block-1000-deep", "huge-document", "5000-digit-int-in-a-list", "5000-digit-int"],
)
def test_hostile_run_configs_fail_with_one_sentence(
    project: Path, text: str, expected: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `zen run --config`: exit 2, the problem named, no traceback (the pipeline module is importable)."""
    (project / "hostile.yaml").write_text(text)
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2]))
    code = main(["run", "tests.zen_run.test_hostile_configs:instance", "--config", str(project / "hostile.yaml")])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert expected in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("config", "expected"),
    [("latin-1.yaml", "not UTF-8 text (byte 0xe9 at offset 34)"), ("/dev/zero", "characters a config may have")],
    ids=["not-utf-8", "endless-file"],
)
def test_a_run_config_file_that_is_not_text_or_never_ends_is_one_sentence(
    project: Path, config: str, expected: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config saved as Latin-1, or a path that never ends (read only up to the size limit, not into memory
    exhaustion): exit 2, one sentence, no traceback."""
    if config == "/dev/zero" and not Path(config).exists():
        pytest.skip("no /dev/zero on this system")
    (project / "latin-1.yaml").write_bytes(b"steps:\n  second:\n    config:\n  caf\xe9: 1\n")
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2]))
    code = main(["run", "tests.zen_run.test_hostile_configs:instance", "--config", config])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert expected in err and "Traceback" not in err and err.count("\n") == 1


@given(depth=st.integers(min_value=1, max_value=3 * MAX_YAML_DEPTH))
def test_nesting_is_accepted_up_to_the_limit_and_refused_beyond(depth: int) -> None:
    """Any nesting depth either loads or fails with RunConfigError; never RecursionError."""
    text = "run_name: x\nsteps: {}\nextra: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(RunConfigError) as caught:
        RunConfig.from_yaml(text)
    message = str(caught.value)
    assert ("more than" in message) == (depth + 1 > MAX_YAML_DEPTH)


instance = weights_pipeline(first=source(), second=weighted())


@pytest.mark.parametrize(
    ("options", "field"),
    [({"tags": ("nightly", "a\x00b")}, "tag"), ({"run_name": "caf\udce9"}, "run name")],
    ids=["nul-in-a-tag", "surrogate-in-a-run-name"],
)
def test_a_name_no_lineage_store_keeps_is_refused_before_the_run_starts(
    project: Path, options: dict[str, object], field: str
) -> None:
    """`.run(tags=..., run_name=...)` with NUL or an unpaired surrogate: one error naming the field, on SQLite as
    on PostgreSQL, and no run recorded."""
    with pytest.raises(UnstorableTextError, match=f"^the {field} .* nothing was recorded") as refused:
        weights_pipeline(first=source(), second=weighted()).run(**options)
    assert refused.value.field == field
    assert Client().runs() == []


def test_a_surrogate_from_the_command_line_is_one_sentence(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A byte that is not UTF-8 in `zen run --tag` (Python hands it over as an unpaired surrogate): exit 2, one
    line, no traceback; `zen runs list --tag` with it lists nothing."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2]))
    code = main(["run", "tests.zen_run.test_hostile_configs:instance", "--tag", "caf\udce9"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert "the tag 'caf\\udce9' holds an unpaired surrogate" in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert main(["runs", "list", "--tag", "caf\udce9"]) == 0


_FIELD_TEXTS = {
    "sizes": st.lists(st.integers(-(10**6), 10**6), max_size=4).map(lambda xs: "[" + ", ".join(map(str, xs)) + "]"),
    "weights": st.dictionaries(st.sampled_from("abc"), st.integers(0, 99), max_size=3).map(
        lambda d: "{" + ", ".join(f"{k}: {v}.5" for k, v in d.items()) + "}"
    ),
    "label": st.sampled_from(["3.10", "NO", "'quoted: text'", "on", "plain words"]),
    "count": st.integers(-(10**9), 10**9).map(str),
}


@given(texts=st.fixed_dictionaries({}, optional=_FIELD_TEXTS))
def test_set_options_read_values_as_a_run_config_file_does(texts: dict[str, str]) -> None:
    """`--set second.FIELD=TEXT` gives the step the config that `FIELD: TEXT` in a run config gives it: lists,
    dicts, quoted text and YAML-1.1 look-alikes (`NO`, `3.10`) are read by the one YAML reader."""
    from zen_run._runconfig import parse_set_option

    from_set = parse_set_option([f"second.{field}={text}" for field, text in texts.items()], instance)
    lines = "".join(f"\n      {field}: {text}" for field, text in texts.items()) or " {}"
    from_file = RunConfig.from_yaml(f"steps:\n  second:\n    config:{lines}\n")
    assert from_set.apply(instance).config_of("second") == from_file.apply(instance).config_of("second")


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("second.count=abc", "--set second.count=abc: expected int, got 'abc' (a --set value is read as YAML"),
        ("second.sizes=[1, x]", "--set second.sizes=[1, x]: second.sizes[1]: expected int, got 'x' (a --set"),
        ("second.sizes=[1,", "--set second.sizes=[1,: not valid YAML at line 1, column 4: expected the node"),
        ("second.label=a: b", "--set second.label=a: b: expected str, got {'a': 'b'} (a --set value is read as"),
        ("second.nope=1", "--set second.nope=1: second: unknown key(s) nope (known: sizes, weights, label, count)."),
        ("second.label=#tag", "--set second.label=#tag: expected str, got an empty value (YAML null); quote it"),
        ("third.count=1", "--set third.count=1: third: pipeline 'weights_pipeline' has no slot 'third' (slots:"),
    ],
    ids=[
        "not-an-int",
        "not-an-int-in-a-list",
        "not-yaml",
        "a-mapping-for-text",
        "unknown-field",
        "a-comment-for-text",
        "unknown-slot",
    ],
)
def test_a_set_value_that_does_not_fit_its_field_is_one_sentence_naming_the_option(
    project: Path, option: str, expected: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `zen run --set`: exit 2, one line naming the option as typed, the problem and how values are read;
    no run is recorded."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2]))
    code = main(["run", "tests.zen_run.test_hostile_configs:instance", "--set", option])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert err.startswith(f"zen: {expected}") and "Traceback" not in err and err.count("\n") == 1
    assert not (project / ".zen").exists() or Client().runs() == []


def test_a_list_field_set_from_the_command_line_reaches_the_step(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`zen run --set second.sizes=[2,3] --set 'second.weights={a: 0.5}'` runs with those values (5.5)."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2]))
    options = ["--set", "second.sizes=[2,3]", "--set", "second.weights={a: 0.5}", "-q"]
    assert main(["run", "tests.zen_run.test_hostile_configs:instance", *options]) == 0, capsys.readouterr().err
    run = Client().last_run("weights_pipeline")
    assert run.steps["second"].outputs["output"].read() == 5.5
    assert run.steps["second"].config == {"sizes": [2, 3], "weights": {"a": 0.5}, "label": "plain", "count": 0}


class NeedsConfig(BaseStepConfig):
    scale: int
    offset: float


@step
def scaled(some: int, config: NeedsConfig) -> float:
    return some * config.scale + config.offset


unconfigured = weights_pipeline(first=source(), second=scaled())


def test_required_fields_can_come_from_several_set_options_and_a_bad_one_is_named_alone(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config with two required fields and none bound: `--set second.scale=2 --set second.offset=0.5` runs (each
    option is checked alone, and alone it lacks the other field); a bad value is refused naming its option and
    only its problem, not the field another option gives."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2]))
    target = "tests.zen_run.test_hostile_configs:unconfigured"
    assert main(["run", target, "--set", "second.scale=2", "--set", "second.offset=0.5", "-q"]) == 0
    assert Client().last_run("weights_pipeline").steps["second"].outputs["output"].read() == 2.5
    capsys.readouterr()
    assert main(["run", target, "--set", "second.scale=x", "--set", "second.offset=0.5"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("zen: --set second.scale=x: expected int, got 'x' (a --set value"), err
    assert "offset" not in err
