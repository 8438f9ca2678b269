"""The lineage-store contract (``zen_store.LineageStore``), on every back-end of ``lineage_location``.

Everything zen-run relies on is pinned here (and in ``test_lineage.py``'s back-end-parametrized tests) through
the protocol alone, so a new back-end is correct when both pass against it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.common.records import artifact_record
from zen_store import (
    LOG_LIMIT,
    ArtifactNotFoundError,
    FinishedStep,
    LineageStore,
    NewRun,
    RecordNotFoundError,
    RunInProgressError,
    RunStatus,
    StartedStep,
    StepLogs,
    StepStatus,
    StoreError,
    UnstorableTextError,
    open_lineage_store,
)
from zen_store._search import search_terms, search_words
from zen_store._text import check_fields, check_name, kept, unstorable
from zen_types import JSONValue


def _run(db: LineageStore, pipeline: str = "p", **fields: object) -> str:
    return db.create_run(NewRun(pipeline_name=pipeline, spec_json="{}", stack="default", **fields))  # type: ignore[arg-type]  # test helper forwards NewRun's optional fields


def _step(run_id: str, name: str = "s", **fields: object) -> FinishedStep:
    values: dict[str, object] = {"status": StepStatus.COMPLETED, "source": f"m.{name}", "started_at": 1.0}
    values["ended_at"] = 2.0
    return FinishedStep(run_id=run_id, step_name=name, **{**values, **fields})  # type: ignore[arg-type]  # as above


@pytest.fixture
def db(lineage_location: str) -> Iterator[LineageStore]:
    store: LineageStore = open_lineage_store(lineage_location)
    yield store
    store.close()


def test_step_with_artifacts_and_events_round_trips(db: LineageStore) -> None:
    """A recorded step comes back with its config, inputs, outputs and metadata; lineage and the cache find it."""
    run = _run(db)
    db.record_step(_step(run, "a", cache_key="k1", new_outputs={"output": artifact_record("x")}))
    db.record_step(
        _step(
            run, "b", config={"n": 2}, cache_key="k2", inputs={"v": "x"}, new_outputs={"output": artifact_record("y")}
        )
    )
    db.finish_run(run, status=RunStatus.COMPLETED)
    steps = db.step_runs(run)
    assert [s.step_name for s in steps] == ["a", "b"]
    assert steps[1].inputs["v"].artifact_id == "x"
    assert steps[1].outputs["output"].metadata == {"k": [1, 2]}
    assert steps[1].config == {"n": 2}
    assert all(s.status is StepStatus.COMPLETED for s in steps)
    assert db.get_run(run).status is RunStatus.COMPLETED
    assert set(db.lineage("y").artifacts) == {"x", "y"}
    assert db.lineage("x", downstream=True).artifacts.keys() == {"x", "y"}
    cached = db.find_cached("k2")
    assert cached is not None and cached.outputs["output"].artifact_id == "y"
    assert db.find_cached("nope") is None
    assert db.artifact_uris() == {"u"}


def test_a_cached_step_records_the_reused_outputs_and_where_they_came_from(db: LineageStore) -> None:
    """A cached step is a new step run whose outputs are the reused artifacts; resume sees it as done."""
    first = _run(db)
    origin = db.record_step(_step(first, cache_key="k", new_outputs={"output": artifact_record("x")}))
    second = _run(db)
    reused = db.record_step(
        _step(second, status=StepStatus.CACHED, cache_key="k", reused_outputs={"output": "x"}, cached_from=origin)
    )
    [step] = db.step_runs(second)
    assert (step.step_run_id, step.status, step.cached_from) == (reused, StepStatus.CACHED, origin)
    assert step.outputs["output"].artifact_id == "x"
    assert db.completed_steps(second)["s"].outputs["output"].artifact_id == "x"
    made = db.step_run(origin)
    assert made is not None and (made.run_id, made.status, made.outputs["output"].artifact_id) == (
        first,
        StepStatus.COMPLETED,
        "x",
    )
    db.finish_run(first, status=RunStatus.COMPLETED)
    db.delete_run(first)
    assert db.step_run(origin) is None


def test_prefixes_and_missing_records_give_clear_errors(db: LineageStore) -> None:
    """Unknown runs, pipelines and artifacts are named in the error."""
    with pytest.raises(RecordNotFoundError, match="no run with id"):
        db.get_run("nope")
    with pytest.raises(RecordNotFoundError, match="has no recorded runs"):
        db.last_run("nothing")
    with pytest.raises(ArtifactNotFoundError, match="no artifact"):
        db.artifact("nope")


def test_run_prefix_is_literal_not_a_pattern(db: LineageStore) -> None:
    """'%' or '_' in a run id prefix match nothing instead of every run; an exact id always wins."""
    run_id = _run(db)
    for pattern in ("%", "_", run_id[:2] + "%"):
        with pytest.raises(RecordNotFoundError):
            db.get_run(pattern)
    assert db.get_run(run_id[:8]).run_id == run_id
    assert db.get_run(run_id).run_id == run_id


def test_artifact_prefix_is_literal_and_case_sensitive(db: LineageStore) -> None:
    """'%', '_', an upper-cased or an empty prefix match no artifact (as with runs); an exact or real prefix does."""
    artifact_id = "abcdef0123456789"
    db.record_step(_step(_run(db), new_outputs={"output": artifact_record(artifact_id)}))
    for pattern in ("%", "_", "ab%", "a_c", "ABCDEF", ""):
        with pytest.raises(ArtifactNotFoundError):
            db.artifact(pattern)
    assert db.artifact("abcd").artifact_id == artifact_id
    assert db.artifact(artifact_id).artifact_id == artifact_id
    with pytest.raises(RecordNotFoundError):
        db.get_run("")


def test_runs_filter_by_pipeline_status_name_tag_and_time(db: LineageStore) -> None:
    """Every filter of runs() narrows the list; newest first; pipelines() names each pipeline once."""
    a = _run(db, "train", run_name="first", tags=("nightly", "gpu"))
    b = _run(db, "train", run_name="second")
    c = _run(db, "eval", tags=("nightly",))
    db.finish_run(b, status=RunStatus.FAILED)
    assert [r.run_id for r in db.runs()] == [c, b, a]
    assert [r.run_id for r in db.runs(pipeline_name="train")] == [b, a]
    assert [r.run_id for r in db.runs(status=RunStatus.FAILED)] == [b]
    assert [r.run_id for r in db.runs(run_name="first")] == [a]
    assert [r.run_id for r in db.runs(tag="nightly")] == [c, a]
    assert db.runs(limit=1)[0].run_id == c
    assert db.runs(until=datetime.now(UTC) - timedelta(days=1)) == []
    assert len(db.runs(since=datetime.now(UTC) - timedelta(days=1))) == 3
    assert db.get_run(a).tags == ("nightly", "gpu")
    assert db.pipelines() == ["eval", "train"]
    assert db.last_run("train").run_id == b


def test_search_finds_runs_by_name_tag_and_config_value(db: LineageStore) -> None:
    """Full-text search covers pipeline and run names, tags and step config values; every word must match."""
    a = _run(db, "train", run_name="baseline", tags=("nightly",), configs={"fit": {"lr": 0.01, "model": "resnet"}})
    b = _run(db, "train", configs={"fit": {"lr": 0.5, "layers": [3, 4]}})
    _run(db, "evaluate", configs={"score": None})
    assert [r.run_id for r in db.search_runs("train")] == [b, a]
    assert [r.run_id for r in db.search_runs("nightly")] == [a]
    assert [r.run_id for r in db.search_runs("0.01")] == [a]
    assert [r.run_id for r in db.search_runs("resnet train")] == [a]
    assert [r.run_id for r in db.search_runs("res*")] == [a]
    assert [r.run_id for r in db.search_runs("layers 4")] == [b]
    assert db.search_runs("resnet evaluate") == []
    assert db.search_runs("") == []
    assert db.search_runs('"unbalanced OR') == []  # search syntax in user text is matched literally


def test_search_compares_words_folded_and_split_one_way(db: LineageStore) -> None:
    """Every back-end splits and folds as ``zen_store._search`` does: accents and case fold away, a number keeps
    its decimal point, ``_`` separates words."""
    a = _run(db, "train", run_name="Résumé", tags=("À-la",), configs={"fit": {"learning_rate": 0.01}})
    b = _run(db, "train", configs={"fit": {"learning_rate": 0.1, "note": "0 01"}})
    assert [r.run_id for r in db.search_runs("resume RÉSUMÉ")] == [a]
    assert [r.run_id for r in db.search_runs("a LA")] == [a]
    assert [r.run_id for r in db.search_runs("0.01")] == [a]
    assert [r.run_id for r in db.search_runs("0 01")] == [b]
    assert [r.run_id for r in db.search_runs("learning_rate 0.1")] == [b]
    assert [r.run_id for r in db.search_runs("0.0*")] == [a]
    assert [r.run_id for r in db.search_runs("learn* rate")] == [b, a]


_SEARCHABLE = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8)
"""Any text a user may name a run, tag it or configure it with (PostgreSQL stores no NUL or lone surrogate)."""


@st.composite
def _search_runs(draw: st.DrawFn) -> list[NewRun]:
    runs = []
    for _ in range(draw(st.integers(1, 3))):
        value = _SEARCHABLE | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
        runs.append(
            NewRun(
                pipeline_name=draw(_SEARCHABLE.filter(bool)),
                run_name=draw(st.none() | _SEARCHABLE),
                spec_json="{}",
                stack="s",
                tags=tuple(draw(st.lists(_SEARCHABLE, max_size=2))),
                configs={"fit": draw(st.dictionaries(_SEARCHABLE, value, max_size=3))},
            )
        )
    return runs


@given(runs=_search_runs(), data=st.data())
@settings(max_examples=25, deadline=None)
def test_every_back_end_finds_exactly_the_runs_the_word_rule_names(
    lineage_factory: Callable[[], str], runs: list[NewRun], data: st.DataObject
) -> None:
    """Runs of any Unicode names, tags and config values, searched for their own words, word prefixes and any
    text: each back-end answers what the one rule (``search_words``/``search_terms``) says, so they agree."""
    db = open_lineage_store(lineage_factory())
    try:
        ids = {db.create_run(run): set(search_words(run.search_text())) for run in runs}
        stored = sorted({word for words in ids.values() for word in words})
        word = st.sampled_from(stored) if stored else _SEARCHABLE
        queries = data.draw(
            st.lists(
                word
                | word.map(lambda w: w[: max(1, len(w) // 2)] + "*")
                | st.lists(word, min_size=2, max_size=3).map(" ".join)
                | _SEARCHABLE,
                min_size=1,
                max_size=5,
            )
        )
        for query in queries:
            terms = search_terms(query)
            expected = {
                run_id
                for run_id, words in ids.items()
                if terms and all(any(w.startswith(t.word) if t.prefix else w == t.word for w in words) for t in terms)
            }
            assert {r.run_id for r in db.search_runs(query, limit=10)} == expected, query
    finally:
        db.close()


def test_clear_cache_forgets_keys_of_one_pipeline_or_all(db: LineageStore) -> None:
    """Cleared keys no longer hit; the artifacts stay recorded."""
    for pipeline, key in (("p", "kp"), ("q", "kq")):
        db.record_step(_step(_run(db, pipeline), cache_key=key, new_outputs={"output": artifact_record(key)}))
    assert db.clear_cache(pipeline_name="p") == 1
    assert db.find_cached("kp") is None and db.find_cached("kq") is not None
    assert db.clear_cache() == 1
    assert db.find_cached("kq") is None
    assert db.artifact("kp").artifact_id == "kp"


def test_previous_step_run_is_the_latest_earlier_run_of_the_step(db: LineageStore) -> None:
    """The cache explanation compares with the step's latest run in an earlier run of the pipeline."""
    first, second, third = _run(db), _run(db), _run(db)
    db.record_step(_step(first, config={"v": 1}))
    db.record_step(_step(second, config={"v": 2}))
    previous = db.previous_step_run("p", "s", before_run=third)
    assert previous is not None and (previous.run_id, previous.config) == (second, {"v": 2})
    assert db.previous_step_run("p", "s", before_run=first) is None
    assert db.previous_step_run("other", "s", before_run=third) is None


def test_compare_names_what_differs(db: LineageStore) -> None:
    """Config, source and output differences are listed per step; steps in one run only are named."""
    a, b = _run(db), _run(db)
    db.record_step(_step(a, config={"v": 1}, new_outputs={"output": artifact_record("x", content="sha256:1")}))
    db.record_step(_step(b, config={"v": 2}, new_outputs={"output": artifact_record("y", content="sha256:2")}))
    db.record_step(_step(b, "extra"))
    comparison = db.compare(a, b)
    fields = {(d.step_name, d.field) for d in comparison.differences}
    assert {("s", "config"), ("s", "outputs.output.content_hash")} <= fields
    assert comparison.only_in_b == ("extra",) and not comparison.same
    assert db.compare(a, a).same


def test_a_started_step_shows_as_running_then_completes_in_place(db: LineageStore) -> None:
    """start_step writes a `running` row a live run shows; record_step completes that same row (no second one)."""
    run_id = _run(db)
    started = db.start_step(run_id=run_id, step_name="s", source="m.f", config={"a": 1}, started_at=1.0)
    [running] = db.step_runs(run_id)
    assert (running.step_run_id, running.status, running.ended_at) == (started, StepStatus.RUNNING, None)
    done_id = db.record_step(_step(run_id, cache_key="k", step_run_id=started))
    assert done_id == started
    [done] = db.step_runs(run_id)
    assert (done.step_run_id, done.status, done.cache_key) == (started, StepStatus.COMPLETED, "k")
    with pytest.raises(StoreError, match="not a running step"):
        db.record_step(_step(run_id, step_run_id=started))  # completing twice is refused
    with pytest.raises(StoreError, match="not a running step"):
        db.record_step(_step(run_id, step_run_id="no-such-step-run"))


def test_finished_and_started_steps_are_written_together_all_or_nothing(db: LineageStore) -> None:
    """record_steps completes a running step, records a cached one and starts the next two in one transaction,
    in that order; when one of its records is refused, none of them is written."""
    run_id = _run(db)
    [first] = db.record_steps([], [StartedStep(run_id=run_id, step_name="a", source="m.a", started_at=1.0)])
    started = db.record_steps(
        [
            _step(run_id, "a", step_run_id=first, new_outputs={"output": artifact_record("x")}),
            _step(run_id, "b", status=StepStatus.CACHED, inputs={"v": "x"}),
        ],
        [StartedStep(run_id=run_id, step_name=n, source=f"m.{n}", config={"n": 1}, started_at=2.0) for n in "cd"],
    )
    steps = db.step_runs(run_id)
    assert [(s.step_name, s.status) for s in steps] == [
        ("a", StepStatus.COMPLETED),
        ("b", StepStatus.CACHED),
        ("c", StepStatus.RUNNING),
        ("d", StepStatus.RUNNING),
    ]
    assert [s.step_run_id for s in steps[2:]] == started and steps[0].step_run_id == first
    assert steps[1].inputs["v"].artifact_id == "x" and steps[2].config == {"n": 1}
    with pytest.raises(StoreError, match="not a running step"):
        db.record_steps(
            [_step(run_id, "c", step_run_id=started[0]), _step(run_id, "a", step_run_id=first)],
            [StartedStep(run_id=run_id, step_name="e", source="m.e", started_at=3.0)],
        )
    assert [(s.step_name, s.status) for s in db.step_runs(run_id)][2:] == [
        ("c", StepStatus.RUNNING),
        ("d", StepStatus.RUNNING),
    ]
    assert db.record_steps([], []) == []


def test_step_runs_keep_the_order_they_were_started_in(db: LineageStore) -> None:
    """Execution order is the order of start_step/record_step calls, mixed freely."""
    run_id = _run(db)
    names = ["c", "a", "d", "b"]
    for name in names:
        if name in ("a", "b"):
            db.record_step(_step(run_id, name, status=StepStatus.CACHED))
        else:
            db.start_step(run_id=run_id, step_name=name, source="m", config=None, started_at=1.0)
    assert [s.step_name for s in db.step_runs(run_id)] == names


def test_steps_still_running_when_the_run_ends_are_stopped(db: LineageStore) -> None:
    """A run that fails while another step runs (a parallel orchestrator) leaves that step `stopped`, explained."""
    run_id = _run(db)
    db.start_step(run_id=run_id, step_name="s", source="m.f", config=None, started_at=1.0)
    db.finish_run(run_id, status=RunStatus.FAILED)
    [step] = db.step_runs(run_id)
    assert step.status is StepStatus.STOPPED
    assert step.error is not None and "run ended (failed)" in step.error


def test_logs_are_stored_with_the_step_and_replaced_while_it_runs(db: LineageStore) -> None:
    """A running step's logs are replaced as it prints; record_step stores the final ones in its transaction;
    a step that printed nothing (or an unknown step run) has empty logs."""
    run_id = _run(db)
    started = db.start_step(run_id=run_id, step_name="s", source="m.f", config=None, started_at=1.0)
    assert db.step_logs(started) == StepLogs()
    db.write_logs(started, StepLogs(text="epoch 1\n"))
    db.write_logs(started, StepLogs(text="epoch 1\nepoch 2\n"))
    assert db.step_logs(started).text == "epoch 1\nepoch 2\n"
    db.record_step(_step(run_id, step_run_id=started, logs=StepLogs(text="epoch 1\nepoch 2\ndone\n", cut=7)))
    assert db.step_logs(started) == StepLogs(text="epoch 1\nepoch 2\ndone\n", cut=7)
    quiet = db.record_step(_step(run_id, "quiet", logs=StepLogs()))
    assert db.step_logs(quiet) == StepLogs() and not db.step_logs("no-such-step-run")


def test_logs_longer_than_the_limit_keep_their_tail_and_count_the_cut(db: LineageStore) -> None:
    """Only the last LOG_LIMIT characters are kept; ``cut`` says how many came before them."""
    run_id = _run(db)
    text = "".join(f"line {i}\n" for i in range(LOG_LIMIT // 5))
    step = db.record_step(_step(run_id, logs=StepLogs(text=text, cut=3)))
    stored = db.step_logs(step)
    assert stored.text == text[-LOG_LIMIT:]
    assert stored.cut == 3 + len(text) - LOG_LIMIT


_ANY_TEXT = st.text(
    st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.just("\x00"), max_size=12
)
"""Any Python text: every Unicode character, NUL and unpaired surrogates included."""


@given(text=_ANY_TEXT | st.text(max_size=200), cut=st.integers(min_value=0, max_value=2**40))
@settings(max_examples=25)
def test_any_printed_text_is_stored_the_same_by_every_back_end(
    lineage_factory: Callable[[], str], text: str, cut: int
) -> None:
    """Whatever a step printed - NUL, unpaired surrogates, any Unicode - comes back as ``bounded()`` says, on
    every back-end (so SQLite and PostgreSQL agree, and neither refuses a step for what it printed)."""
    db = open_lineage_store(lineage_factory())
    try:
        step = db.record_step(_step(_run(db), logs=StepLogs(text=text, cut=cut)))
        assert db.step_logs(step) == (StepLogs(text=text, cut=cut).bounded() if text or cut else StepLogs())
    finally:
        db.close()


_RUN_FIELDS = ("pipeline name", "run name", "stack name", "tag", "step name")
_STEP_FIELDS = ("step name", "step source", "output name", "input name", "artifact name")


def _run_with(db: LineageStore, field: str, value: str) -> str:
    return db.create_run(
        NewRun(
            pipeline_name=value if field == "pipeline name" else "p",
            run_name=value if field == "run name" else None,
            spec_json="{}",
            stack=value if field == "stack name" else "s",
            tags=(value,) if field == "tag" else (),
            configs={value if field == "step name" else "s": {"k": 1}},
        )
    )


def _step_with(db: LineageStore, run_id: str, field: str, value: str) -> str:
    """Start and record a step reading artifact ``a0``, with ``value`` in ``field``; returns its step run id."""
    output = attrs.evolve(artifact_record("a1"), name=value) if field == "artifact name" else artifact_record("a1")
    step = _step(
        run_id,
        value if field == "step name" else "s",
        source=value if field == "step source" else "m.s",
        inputs={value if field == "input name" else "x": "a0"},
        new_outputs={value if field == "output name" else "output": output},
    )
    started = db.start_step(run_id=run_id, step_name=step.step_name, source=step.source, config=None, started_at=1.0)
    return db.record_step(attrs.evolve(step, step_run_id=started))


def _everything(db: LineageStore) -> object:
    runs = db.runs(limit=1000)
    return runs, [db.step_runs(r.run_id) for r in runs], db.artifacts(limit=1000)


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.none() | _ANY_TEXT), max_size=6))
def test_checking_a_records_names_at_once_refuses_what_checking_each_refuses_naming_the_same_field(
    fields: list[tuple[str, str | None]],
) -> None:
    """A record's names are looked at joined (the usual case: nothing to refuse); the refusal, when there is one,
    names the first field holding an unstorable character, as checking each field in order does."""
    first = next(((f, v) for f, v in fields if v is not None and unstorable(v) is not None), None)
    if first is None:
        check_fields(fields)
        return
    with pytest.raises(UnstorableTextError) as at_once:
        check_fields(fields)
    with pytest.raises(UnstorableTextError) as alone:
        check_name(*first)
    assert (at_once.value.field, at_once.value.value, str(at_once.value)) == (first[0], first[1], str(alone.value))


@given(field=st.sampled_from(_RUN_FIELDS + _STEP_FIELDS), text=_ANY_TEXT, in_step=st.booleans())
@settings(max_examples=30, deadline=None)
def test_every_back_end_keeps_any_name_exactly_or_refuses_it_before_writing(
    lineage_factory: Callable[[], str], field: str, text: str, in_step: bool
) -> None:
    """Any Unicode in a name a user gives - pipeline, run, stack, step, output, input and artifact names, tags,
    step sources - comes back exactly and finds its record, on every back-end; a name holding NUL or an
    unpaired surrogate is refused by every back-end alike, naming the field, with nothing recorded."""
    value = "x" + text  # names are never empty
    in_step = field not in _RUN_FIELDS or (in_step and field in _STEP_FIELDS)
    db = open_lineage_store(lineage_factory())
    try:
        db.record_step(_step(_run(db), "first", new_outputs={"output": artifact_record("a0")}))
        run_id = _run(db) if in_step else None
        if unstorable(value) is not None:
            before = _everything(db)
            with pytest.raises(UnstorableTextError) as refused:
                _step_with(db, run_id, field, value) if run_id is not None else _run_with(db, field, value)
            assert (refused.value.field, refused.value.value) == (field, value)
            assert _everything(db) == before
        elif run_id is None:
            run = db.get_run(_run_with(db, field, value))
            if field == "pipeline name":
                assert (run.pipeline_name, db.last_run(value).run_id) == (value, run.run_id)
                assert value in db.pipelines()
            elif field == "run name":
                assert (run.run_name, [r.run_id for r in db.runs(run_name=value)]) == (value, [run.run_id])
            elif field == "tag":
                assert (run.tags, [r.run_id for r in db.runs(tag=value)]) == ((value,), [run.run_id])
            elif field == "stack name":
                assert run.stack == value
        else:
            _step_with(db, run_id, field, value)
            [step] = db.step_runs(run_id)
            if field == "artifact name":
                assert step.outputs["output"].name == value
                assert db.artifact_version(value).artifact_id == "a1"
                assert [a.artifact_id for a in db.artifacts(name=value)] == ["a1"]
            else:
                assert {
                    "step name": step.step_name,
                    "step source": step.source,
                    "output name": next(iter(step.outputs)),
                    "input name": next(iter(step.inputs)),
                }[field] == value
    finally:
        db.close()


@given(key=_ANY_TEXT, value=_ANY_TEXT, error=_ANY_TEXT)
@settings(max_examples=15, deadline=None)
def test_every_back_end_keeps_any_config_and_metadata_text_exactly_and_any_error_as_kept_says(
    lineage_factory: Callable[[], str], key: str, value: str, error: str
) -> None:
    """Config and metadata keys and values - NUL, unpaired surrogates, any Unicode - come back exactly (they are
    stored as JSON); a step's error message, which cannot be refused, comes back as ``kept`` says; alike on
    every back-end."""
    db = open_lineage_store(lineage_factory())
    try:
        run_id = _run(db, configs={"s": {key: value}})
        config: dict[str, JSONValue] = {key: [value, {value: key}]}
        output = attrs.evolve(artifact_record("a"), metadata={key: value})
        started = db.start_step(run_id=run_id, step_name="s", source="m.s", config={key: value}, started_at=1.0)
        running = db.step_runs(run_id)[0]
        assert running.config == {key: value}
        step = _step(run_id, config=config, error=error, new_outputs={"output": output}, step_run_id=started)
        db.record_step(attrs.evolve(step, status=StepStatus.FAILED))
        [stored] = db.step_runs(run_id)
        assert (stored.config, stored.error, stored.outputs["output"].metadata) == (config, kept(error), {key: value})
        assert db.artifact("a").metadata == {key: value}
    finally:
        db.close()


@given(text=_ANY_TEXT)
@settings(max_examples=15, deadline=None)
def test_every_back_end_answers_a_lookup_by_any_text_with_its_record_or_not_found(
    lineage_factory: Callable[[], str], text: str
) -> None:
    """Looking up a run, pipeline, artifact, name, tag, cache key or step run by any text - NUL and unpaired
    surrogates included, which nothing stored holds - answers "not found" (or finds nothing), never another
    error, on every back-end."""
    text = "?" + text  # nothing stored starts with "?"
    db = open_lineage_store(lineage_factory())
    try:
        db.record_step(_step(_run(db, tags=("t",)), cache_key="k", new_outputs={"output": artifact_record("a0")}))
        for lookup in (db.get_run, db.last_run, lambda key: db.compare(key, key)):
            with pytest.raises(RecordNotFoundError):
                lookup(text)
        for find in (db.artifact, db.artifact_version):
            with pytest.raises(ArtifactNotFoundError):
                find(text)
        assert db.runs(pipeline_name=text) == db.runs(run_name=text) == db.runs(tag=text) == []
        assert (db.artifacts(name=text), db.step_runs(text)) == ([], [])
        assert (db.find_cached(text), db.step_logs(text), db.completed_steps(text)) == (None, StepLogs(), {})
        assert db.clear_cache(pipeline_name=text) == 0
        with pytest.raises(RecordNotFoundError):
            db.delete_run(text)
    finally:
        db.close()


_OWNER = textwrap.dedent(
    """
    import sys, time
    from zen_store import NewRun, open_lineage_store
    db = open_lineage_store(sys.argv[1])
    run_id = db.create_run(NewRun(pipeline_name="p", spec_json="{}", stack="s"))
    if sys.argv[2] == "step":
        db.start_step(run_id=run_id, step_name="train", source="m.train", config=None, started_at=time.time())
    print(run_id, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.parametrize("during", ["run", "step"])
def test_a_killed_owner_leaves_its_run_and_step_crashed(lineage_location: str, during: str) -> None:
    """kill -9 of the owner: while it lives the run is running; then reads mark the run (and the step it was in)
    crashed, once."""
    proc = subprocess.Popen([sys.executable, "-c", _OWNER, lineage_location, during], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    db = open_lineage_store(lineage_location)
    assert db.get_run(run_id).status is RunStatus.RUNNING  # the owner is alive: not reaped
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert [r.status for r in db.runs(pipeline_name="p")] == [RunStatus.CRASHED]
    assert db.reap_crashed() == 0  # already marked; reaping is idempotent
    if during == "step":
        [step] = db.step_runs(run_id)
        assert (step.step_name, step.status) == ("train", StepStatus.CRASHED)
        assert step.error == "the process running this step died"
    db.close()


def test_each_new_output_is_the_next_version_of_its_name(db: LineageStore) -> None:
    """Outputs are named `<pipeline>.<slot>.<output>` unless the record names them; each one recorded is the next
    version of its name, in order; a reused (cached) output is no new version."""
    first, second = _run(db, "train"), _run(db, "train")
    db.record_step(_step(first, "fit", new_outputs={"output": artifact_record("a1"), "score": artifact_record("s1")}))
    named = attrs.evolve(artifact_record("m1"), name="iris_model")
    db.record_step(_step(first, "save", new_outputs={"output": named}))
    db.record_step(_step(second, "fit", new_outputs={"output": artifact_record("a2"), "score": artifact_record("s2")}))
    db.record_step(_step(second, "again", status=StepStatus.CACHED, reused_outputs={"output": "a2"}))
    db.record_step(
        _step(second, "save", new_outputs={"output": attrs.evolve(artifact_record("m2"), name="iris_model")})
    )
    assert (db.artifact("a1").name, db.artifact("a1").version) == ("train.fit.output", 1)
    assert (db.artifact("a2").name, db.artifact("a2").version) == ("train.fit.output", 2)
    assert (db.artifact("s2").name, db.artifact("s2").version) == ("train.fit.score", 2)
    assert [(a.artifact_id, a.version) for a in db.artifacts(name="iris_model")] == [("m2", 2), ("m1", 1)]
    assert db.artifact("a2").label == "train.fit.output:2"
    assert db.step_runs(second)[0].outputs["score"].version == 2  # records read through steps carry them too
    assert len(db.artifacts()) == 6 and db.artifacts(limit=2)[0].created_at >= db.artifacts()[-1].created_at


def test_an_artifact_is_found_by_name_latest_or_given_version_and_still_by_id(db: LineageStore) -> None:
    """`name` is the latest version, `name:N` and artifact_version(name, N) a given one; ids and prefixes work."""
    run = _run(db, "p")
    for n in (1, 2, 3):
        db.record_step(_step(run, f"s{n}", new_outputs={"output": attrs.evolve(artifact_record(f"id{n}"), name="m")}))
    assert db.artifact("m").artifact_id == "id3"
    assert db.artifact("m:1").artifact_id == "id1"
    assert db.artifact_version("m").artifact_id == "id3"
    assert db.artifact_version("m", 2).artifact_id == "id2"
    assert db.artifact("id2").artifact_id == "id2"
    with pytest.raises(ArtifactNotFoundError, match="has no version 9 \\(its latest is 3"):
        db.artifact_version("m", 9)
    with pytest.raises(ArtifactNotFoundError, match="no artifact named 'nope'"):
        db.artifact_version("nope")
    with pytest.raises(ArtifactNotFoundError, match="'m' has no version 9 \\(its latest is 3"):
        db.artifact("m:9")  # as `zen artifacts read m:9` asks: the name is known, the version is not
    with pytest.raises(ArtifactNotFoundError, match="no artifact 'nope:1': no id, name or NAME:VERSION"):
        db.artifact("nope:1")
    assert db.artifacts(name="nope") == []


def test_deleting_a_run_removes_it_and_the_outputs_no_other_run_uses(db: LineageStore) -> None:
    """The run, its steps and events go, with its outputs' records unless another run read or reused them (those
    stay, without a producer); its cache keys stop hitting; other runs and versions are untouched."""
    old = _run(db)
    logged = db.record_step(
        _step(
            old, "a", cache_key="ka", new_outputs={"output": artifact_record("x", uri="ux")}, logs=StepLogs(text="hi")
        )
    )
    db.record_step(
        _step(old, "b", cache_key="kb", inputs={"v": "x"}, new_outputs={"output": artifact_record("y", uri="uy")})
    )
    db.finish_run(old, status=RunStatus.COMPLETED)
    reader = _run(db)
    db.record_step(_step(reader, "a", status=StepStatus.CACHED, reused_outputs={"output": "x"}, cache_key="ka"))
    db.finish_run(reader, status=RunStatus.COMPLETED)
    deleted = db.delete_run(old[:16])  # a unique prefix is enough
    assert (deleted.run_id, deleted.pipeline_name, deleted.step_runs) == (old, "p", 2)
    assert (deleted.artifacts, deleted.kept) == (("y",), ("x",))
    with pytest.raises(RecordNotFoundError):
        db.get_run(old)
    assert [r.run_id for r in db.runs()] == [reader]
    assert db.artifact_uris() == {"ux"}
    assert db.artifact("x").producer_step_run_id is None
    assert db.step_runs(reader)[0].outputs["output"].artifact_id == "x"
    assert db.find_cached("ka") is None and db.find_cached("kb") is None
    assert db.step_logs(logged).text == ""
    with pytest.raises(ArtifactNotFoundError):
        db.artifact("y")
    assert db.delete_run(reader).artifacts == ("x",)  # the last run using it takes it along
    assert db.artifact_uris() == set()
    with pytest.raises(RecordNotFoundError, match="no run with id"):
        db.delete_run(old)


def test_versions_of_deleted_runs_are_never_given_out_again(db: LineageStore) -> None:
    """A version names one artifact for good: after its run is deleted the next output takes a new number."""
    runs = [_run(db), _run(db)]
    for n, run in enumerate(runs, start=1):
        db.record_step(_step(run, new_outputs={"output": artifact_record(f"v{n}")}))
        db.finish_run(run, status=RunStatus.COMPLETED)
    db.delete_run(runs[1])
    db.record_step(_step(_run(db), new_outputs={"output": artifact_record("v3")}))
    assert [a.version for a in db.artifacts(name="p.s.output")] == [3, 1]
    assert db.artifact("p.s.output").artifact_id == "v3"


def test_a_run_in_progress_cannot_be_deleted(db: LineageStore) -> None:
    """Deleting a running run is refused with a sentence naming it; nothing is deleted."""
    run = _run(db)
    db.record_step(_step(run, new_outputs={"output": artifact_record("x")}))
    with pytest.raises(RunInProgressError, match=f"run {run} of pipeline 'p' is still running"):
        db.delete_run(run)
    assert db.get_run(run).status is RunStatus.RUNNING and db.artifact("x").artifact_id == "x"
    db.finish_run(run, status=RunStatus.FAILED)
    assert db.delete_run(run).artifacts == ("x",)


def test_a_cached_step_cannot_record_reusing_an_artifact_deleted_meanwhile(db: LineageStore) -> None:
    """A cache hit looked up before its run was deleted is refused when recorded (ArtifactNotFoundError naming
    the artifact), and nothing of the step is recorded: the runner computes the step instead."""
    old = _run(db)
    origin = db.record_step(_step(old, cache_key="k", new_outputs={"output": artifact_record("x")}))
    db.finish_run(old, status=RunStatus.COMPLETED)
    hit = db.find_cached("k")
    assert hit is not None
    db.delete_run(old)
    late = _run(db)
    reuse = _step(late, status=StepStatus.CACHED, cache_key="k", reused_outputs={"output": "x"}, cached_from=origin)
    with pytest.raises(ArtifactNotFoundError, match="was to reuse artifact\\(s\\) x, deleted with their run"):
        db.record_step(reuse)
    assert db.step_runs(late) == []


def test_hits_recorded_together_are_refused_together_when_one_reused_artifact_was_deleted(db: LineageStore) -> None:
    """Several cache hits and a starting step in one write: one hit reusing an artifact deleted with its run
    refuses the whole write (ArtifactNotFoundError naming that step) and records nothing; without it, all are
    recorded with their reused outputs."""
    kept_run, doomed_run = _run(db), _run(db)
    kept = db.record_step(_step(kept_run, "a", cache_key="ka", new_outputs={"output": artifact_record("x")}))
    doomed = db.record_step(_step(doomed_run, "b", cache_key="kb", new_outputs={"output": artifact_record("y")}))
    for run_id in (kept_run, doomed_run):
        db.finish_run(run_id, status=RunStatus.COMPLETED)
    db.delete_run(doomed_run)
    late = _run(db)
    hits = [
        _step(late, "a", status=StepStatus.CACHED, cache_key="ka", reused_outputs={"output": "x"}, cached_from=kept),
        _step(late, "b", status=StepStatus.CACHED, cache_key="kb", reused_outputs={"output": "y"}, cached_from=doomed),
    ]
    starting = [StartedStep(run_id=late, step_name="c", source="m.c", config=None, started_at=3.0)]
    with pytest.raises(ArtifactNotFoundError, match="step 'b' was to reuse artifact\\(s\\) y"):
        db.record_steps(hits, starting)
    assert db.step_runs(late) == []
    db.record_steps(hits[:1], starting)
    assert [(s.step_name, s.status, sorted(s.outputs)) for s in db.step_runs(late)] == [
        ("a", StepStatus.CACHED, ["output"]),
        ("c", StepStatus.RUNNING, []),
    ]


def test_a_stored_copy_several_records_share_is_not_one_artifact(db: LineageStore) -> None:
    """Identical content is stored once: its URI names several artifacts, so looking one up by it asks for an id or
    NAME:VERSION; by id each record is still found."""
    run = _run(db)
    db.record_step(_step(run, "a", new_outputs={"output": artifact_record("x1", uri="blake3-same")}))
    db.record_step(_step(run, "b", new_outputs={"output": artifact_record("x2", uri="blake3-same")}))
    with pytest.raises(ArtifactNotFoundError, match="several artifacts share the stored copy 'blake3-same'"):
        db.artifact("blake3-same")
    assert db.artifact("x2").uri == db.artifact("p.a.output:1").uri == "blake3-same"


def test_a_store_keeps_its_identity_across_openings_by_its_location_and_a_new_store_has_another(
    lineage_factory: Callable[[], str],
) -> None:
    """gc finds every lineage store writing to an artifact store by the identity and location it registered: the
    same store opened again - from its ``location``, which holds no password - has the same identity; another
    store has its own."""
    first = open_lineage_store(lineage_factory())
    identity, location = first.store_id, first.location
    first.close()
    again = open_lineage_store(location)
    assert (again.store_id, again.location) == (identity, location)
    again.close()
    other = open_lineage_store(lineage_factory())
    assert other.store_id not in ("", identity)
    other.close()
