"""Hypothesis builds random pipelines: well-typed DAGs bind and compile to the expected edges; one ill-typed
edge anywhere is refused at bind time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zen_types import AnyFunction, Step, is_assignable, pipeline, step
from zen_types.errors import WiringError

TYPES: list[type] = [bool, int, float, str, bytes]
NAMES = {t.__name__: t for t in TYPES}


def _make_step(index: int, inputs: list[type], output: type) -> Step[AnyFunction, object, None]:
    params = ", ".join(f"x{j}: {t.__name__}" for j, t in enumerate(inputs))
    namespace: dict[str, object] = dict(NAMES)
    exec(f"def s{index}({params}) -> {output.__name__}:\n    raise AssertionError('never runs')\n", namespace)
    func: AnyFunction = namespace[f"s{index}"]  # type: ignore[assignment]  # built by exec just above
    made: Step[AnyFunction, object, None] = step(func)
    return made


@st.composite
def dags(draw: st.DrawFn, *, well_typed: bool) -> tuple[list[Step[AnyFunction, object, None]], list[list[int]], bool]:
    count = draw(st.integers(2, 7))
    outputs = [draw(st.sampled_from(TYPES)) for _ in range(count)]
    steps: list[Step[AnyFunction, object, None]] = []
    wiring: list[list[int]] = []
    broke = False
    for index in range(count):
        sources = draw(st.lists(st.integers(0, index - 1), max_size=3)) if index else []
        inputs: list[type] = []
        for source in sources:
            produced = outputs[source]
            fitting = [t for t in TYPES if is_assignable(produced, t)]
            misfits = [t for t in TYPES if not is_assignable(produced, t)]
            if not well_typed and not broke and misfits and draw(st.booleans()):
                inputs.append(draw(st.sampled_from(misfits)))
                broke = True
            else:
                inputs.append(draw(st.sampled_from(fitting)))
        steps.append(_make_step(index, inputs, outputs[index]))
        wiring.append(sources)
    return steps, wiring, broke


def _bind(steps: list[Step[AnyFunction, object, None]], wiring: list[list[int]]) -> object:
    slots = [f"n{i}" for i in range(len(steps))]
    body = "".join(f"    h{i} = n{i}({', '.join(f'h{s}' for s in wiring[i])})\n" for i in range(len(steps)))
    namespace: dict[str, object] = {}
    exec(f"def generated({', '.join(slots)}):\n{body}", namespace)
    generated: AnyFunction = namespace["generated"]  # type: ignore[assignment]  # built by exec just above
    pipe = pipeline(generated)
    return pipe(**{slot: s() for slot, s in zip(slots, steps, strict=True)})


@given(dags(well_typed=True))
def test_well_typed_random_dags_compile_with_their_edges(
    dag: tuple[list[Step[AnyFunction, object, None]], list[list[int]], bool],
) -> None:
    """Every edge is recorded, steps come out in topological order, the JSON round-trips."""
    steps, wiring, _ = dag
    instance = _bind(steps, wiring)
    spec = instance.compile()  # type: ignore[attr-defined]
    expected = {(f"n{s}", f"n{i}", f"x{j}") for i, sources in enumerate(wiring) for j, s in enumerate(sources)}
    assert {(e.source_step, e.target_step, e.target_input) for e in spec.edges} == expected
    order = [s.name for s in spec.steps]
    assert all(order.index(e.source_step) < order.index(e.target_step) for e in spec.edges)
    assert type(spec).from_json(spec.to_json()) == spec


@given(dags(well_typed=False))
def test_one_ill_typed_edge_is_refused(
    dag: tuple[list[Step[AnyFunction, object, None]], list[list[int]], bool],
) -> None:
    """A random DAG with one incompatible edge fails to bind with a WiringError."""
    steps, wiring, broke = dag
    if not broke:
        _bind(steps, wiring)
        return
    try:
        _bind(steps, wiring)
    except WiringError as exc:
        assert "expects" in str(exc)
    else:
        raise AssertionError("an ill-typed edge was accepted")
