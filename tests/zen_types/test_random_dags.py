"""Hypothesis builds random pipelines over a small type lattice: well-typed DAGs bind and compile to exactly
their edges; a DAG with one ill-typed edge is refused at bind time, naming that edge."""

from __future__ import annotations

from hypothesis import given

from tests.zen_types.strategies import LATTICE, Dag, bind, dags
from zen_types import PipelineSpec, type_name
from zen_types.errors import WiringError


@given(dags())
def test_well_typed_random_dags_bind_and_compile_to_their_edges(dag: Dag) -> None:
    """Every edge is recorded once with its output and input names; steps come in topological order; the
    spec's recorded types are the annotations; the JSON round-trips and compiling again gives the same text."""
    spec = bind(dag).compile()
    assert {(e.source_step, e.source_output, e.target_step, e.target_input) for e in spec.edges} == (
        dag.expected_edges()
    )
    order = [s.name for s in spec.steps]
    assert order == [f"n{i}" for i in range(len(dag.nodes))]
    for index, node in enumerate(dag.nodes):
        recorded = spec.step(f"n{index}")
        assert [i.type for i in recorded.inputs] == [type_name(LATTICE[t]) for t in node.inputs]
        assert [(o.name, o.type) for o in recorded.outputs] == [(n, type_name(LATTICE[t])) for n, t in node.outputs]
    assert PipelineSpec.from_json(spec.to_json()) == spec
    assert bind(dag).compile().to_json() == spec.to_json()


@given(dags(ill_typed=True))
def test_one_ill_typed_edge_is_refused_naming_it(dag: Dag) -> None:
    """Binding fails with a WiringError that names the slot, the input and both types."""
    broken = dag.broken
    if broken is None:  # nothing in this DAG could be mis-wired (no step had outputs)
        bind(dag)
        return
    expected = LATTICE[dag.nodes[broken.target].inputs[broken.position]]
    produced = dict(dag.nodes[broken.source].outputs)[broken.output]
    try:
        bind(dag)
    except WiringError as exc:
        message = str(exc)
    else:
        raise AssertionError(f"an ill-typed edge was accepted: {broken}")
    assert f'Input "x{broken.position}" of step "n{broken.target} (s{broken.target})"' in message
    assert f"expects {type_name(expected)}, but the handle passed has type {type_name(LATTICE[produced])}" in message
