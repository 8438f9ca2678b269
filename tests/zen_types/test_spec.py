"""The compiled pipeline spec: what a run records (steps, edges, configs, types), deterministic, immutable, and
validated when read back from JSON."""

from __future__ import annotations

import json

import attrs
import pytest
from hypothesis import given

from tests.zen_types.definitions import (
    AddConfig,
    Everything,
    add_pipeline,
    adds,
    evaluate,
    load_data,
    returns_one,
    train,
    training,
    untyped,
)
from tests.zen_types.strategies import Dag, bind, dags
from zen_types import EdgeSpec, IOSpec, JSONValue, PipelineSpec, StepSpec, topological_order
from zen_types.errors import SpecError, ZenError


def _seed_spec() -> PipelineSpec:
    return add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3), enable_cache=False)).compile()


def test_the_seed_spec_records_steps_edges_configs_and_types() -> None:
    """Each bound slot with its step, source, typed inputs and outputs, config class and values, cache flag."""
    spec = _seed_spec()
    assert spec.pipeline_name == "add_pipeline"
    assert spec.format_version == 1
    second = spec.step("second")
    assert second == StepSpec(
        name="second",
        step_name="adds",
        source="tests.zen_types.definitions.adds",
        inputs=(IOSpec(name="some_num", type="int", type_path="builtins.int", kind="value"),),
        outputs=(IOSpec(name="output", type="int", type_path="builtins.int", kind="return"),),
        config_class="tests.zen_types.definitions.AddConfig",
        config={"add_amount": 3},
        enable_cache=False,
        materializers={},
    )
    first = spec.step("first")
    assert (first.inputs, first.config_class, first.config, first.enable_cache) == ((), None, None, None)
    assert spec.edges == (
        EdgeSpec(source_step="first", source_output="output", target_step="second", target_input="some_num"),
    )
    assert spec.inputs_of("second") == {"some_num": spec.edges[0]}
    assert spec.inputs_of("first") == {}


def test_handle_inputs_param_outputs_and_materializers_are_recorded() -> None:
    """Seed 001: kinds ``handle`` and ``param``, qualified type paths, explicit materializer choices."""
    spec = training(loader=load_data(), trainer=train(materializers={"model": dict}), evaluator=evaluate()).compile()
    trainer = spec.step("trainer")
    assert trainer.inputs == (
        IOSpec(name="data", type="DataFrame", type_path="tests.zen_types.definitions.DataFrame", kind="handle"),
    )
    assert trainer.outputs == (
        IOSpec(name="model", type="Model", type_path="tests.zen_types.definitions.Model", kind="param"),
    )
    assert trainer.materializers == {"model": "builtins.dict"}


def test_an_unknown_step_name_is_a_spec_error() -> None:
    """Looking up a slot the pipeline does not have names the pipeline."""
    with pytest.raises(SpecError, match=r"pipeline 'add_pipeline' has no step 'third'"):
        _seed_spec().step("third")


def test_compile_is_cached_and_deterministic() -> None:
    """One instance compiles once; separate bindings of the same steps give the same spec and the same JSON."""
    instance = add_pipeline(first=returns_one(), second=adds(AddConfig(add_amount=3), enable_cache=False))
    assert instance.compile() is instance.compile()
    assert instance.compile() == _seed_spec()
    assert instance.compile().to_json() == _seed_spec().to_json()


def test_specs_are_immutable() -> None:
    """A frozen record: fields cannot be reassigned."""
    spec = _seed_spec()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        untyped(spec).pipeline_name = "other"


def test_json_is_canonical_and_round_trips() -> None:
    """Sorted keys, no spaces; ``from_json(to_json())`` gives an equal spec."""
    spec = _seed_spec()
    text = spec.to_json()
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert PipelineSpec.from_json(text) == spec
    assert PipelineSpec.from_json(text).to_json() == text


def test_configs_with_tuples_and_sets_round_trip_through_json() -> None:
    """Tuples and sets are recorded as JSON lists (sets sorted), so a spec read back equals the one written."""
    config = Everything(pair=(1, "a"), sizes=(3, 1), unique=frozenset({5, 2, 9}))
    data = config.to_dict()
    assert (data["pair"], data["sizes"], data["unique"]) == ([1, "a"], [3, 1], [2, 5, 9])
    assert Everything.from_dict(json.loads(json.dumps(data))) == config


@given(dags(max_nodes=5))
def test_random_specs_round_trip_through_json(dag: Dag) -> None:
    """Whatever a binding compiles to reads back equal."""
    spec = bind(dag).compile()
    assert PipelineSpec.from_json(spec.to_json()) == spec


# -- reading a spec back validates it ----------------------------------------------------------------------------


def _data() -> dict[str, JSONValue]:
    loaded: dict[str, JSONValue] = json.loads(_seed_spec().to_json())
    return loaded


def _load(data: object) -> PipelineSpec:
    return PipelineSpec.from_json(json.dumps(data))


def _edges(data: dict[str, JSONValue]) -> list[dict[str, JSONValue]]:
    edges: list[dict[str, JSONValue]] = untyped(data["edges"])
    return edges


def test_from_json_refuses_an_edge_to_an_unknown_step() -> None:
    """A dangling edge names the missing step."""
    data = _data()
    _edges(data)[0]["source_step"] = "ghost"
    with pytest.raises(SpecError, match=r"names step 'ghost', which the pipeline does not have"):
        _load(data)


def test_from_json_refuses_an_edge_from_an_unknown_output_or_into_an_unknown_input() -> None:
    """Edges must name real outputs and inputs."""
    data = _data()
    _edges(data)[0]["source_output"] = "nope"
    with pytest.raises(SpecError, match=r"step 'first' has no output 'nope'"):
        _load(data)
    data = _data()
    _edges(data)[0]["target_input"] = "nope"
    with pytest.raises(SpecError, match=r"step 'second' has no input 'nope'"):
        _load(data)


def test_from_json_refuses_cycles() -> None:
    """A back edge makes the data edges cyclic; the steps involved are named."""
    data = _data()
    steps = untyped(data["steps"])
    steps[0]["inputs"] = [{"name": "x", "type": "int", "type_path": "builtins.int", "kind": "value"}]
    _edges(data).append(
        {"source_step": "second", "source_output": "output", "target_step": "first", "target_input": "x"}
    )
    with pytest.raises(SpecError, match=r"the steps first, second form a cycle; .* must form a DAG"):
        _load(data)


def test_from_json_refuses_steps_out_of_topological_order() -> None:
    """The runner executes steps in listed order, so a consumer before its producer is refused."""
    data = _data()
    data["steps"] = list(reversed(untyped(data["steps"])))
    with pytest.raises(SpecError, match=r"step 'second' is listed before its input 'first'; .*topological order"):
        _load(data)


def test_from_json_refuses_duplicate_steps_and_doubly_fed_inputs() -> None:
    """Slot names are unique and each input has at most one edge."""
    data = _data()
    data["steps"] = [*untyped(data["steps"]), untyped(data["steps"])[1]]
    with pytest.raises(SpecError, match="lists a step name twice"):
        _load(data)
    data = _data()
    _edges(data).append(dict(_edges(data)[0]))
    with pytest.raises(SpecError, match=r"input 'some_num' of step 'second' is fed by 2 edges"):
        _load(data)


def test_from_json_refuses_unknown_keys_missing_keys_and_wrong_types() -> None:
    """A spec is read strictly: nothing unknown is silently dropped."""
    data = _data()
    data["surprise"] = 1
    with pytest.raises(SpecError, match="not a valid pipeline spec"):
        _load(data)
    data = _data()
    untyped(data["steps"])[0]["surprise"] = 1
    with pytest.raises(SpecError, match="not a valid pipeline spec"):
        _load(data)
    with pytest.raises(SpecError, match="not a valid pipeline spec"):
        _load({"pipeline_name": "x"})
    data = _data()
    untyped(data["steps"])[1]["config"] = [1]
    with pytest.raises(SpecError, match="not a valid pipeline spec"):
        _load(data)
    with pytest.raises(SpecError, match="not a valid pipeline spec") as info:
        PipelineSpec.from_json("{not json")
    assert isinstance(info.value, ZenError | ValueError)


def test_from_json_refuses_a_newer_format_version() -> None:
    """A spec from a newer zen is refused with the fix, not misread."""
    data = _data()
    data["format_version"] = 2
    with pytest.raises(SpecError, match=r"spec format version 2 is not supported .*reads version 1.*upgrade zen"):
        _load(data)


def test_topological_order_keeps_the_given_order_among_independent_steps() -> None:
    """Ties keep the listed order; edges move consumers after producers; unknown steps and cycles are errors."""

    def edge(source: str, target: str) -> EdgeSpec:
        return EdgeSpec(source_step=source, source_output="output", target_step=target, target_input="x")

    assert topological_order(["a", "b", "c"], []) == ["a", "b", "c"]
    assert topological_order(["c", "b", "a"], [edge("a", "b"), edge("b", "c")]) == ["a", "b", "c"]
    assert topological_order(["b", "a", "c"], [edge("a", "c")]) == ["b", "a", "c"]
    with pytest.raises(SpecError, match=r"the steps a form a cycle"):
        topological_order(["a"], [edge("a", "a")])
    with pytest.raises(SpecError, match=r"names step 'zz', which is not among the steps"):
        topological_order(["a"], [edge("a", "zz")])
