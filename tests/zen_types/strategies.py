"""Hypothesis strategies shared by the zen-types tests: config values, a small type lattice with values of each
type, and random pipelines (DAGs of generated steps) over that lattice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import attrs
from hypothesis import strategies as st

from tests.zen_types.definitions import AddConfig, Animal, Colour, Dog, Everything, Level, Window
from zen_types import AnyFunction, PipelineInstance, Step, is_assignable, pipeline, step

# -- configs ---------------------------------------------------------------------------------------------------

texts = st.text(max_size=12)
floats = st.floats(allow_nan=False)


def everything_configs() -> st.SearchStrategy[Everything]:
    """Valid values for every field of :class:`Everything`."""
    return st.builds(
        Everything,
        count=st.integers(),
        rate=floats,
        name=texts,
        flag=st.booleans(),
        maybe=st.none() | st.integers(),
        label=st.none() | texts,
        either=st.integers() | texts,
        mode=st.sampled_from(["fast", "slow"]),
        colour=st.sampled_from(Colour),
        level=st.sampled_from(Level),
        tags=st.lists(texts, max_size=4),
        pair=st.tuples(st.integers(), texts),
        sizes=st.lists(st.integers(), max_size=4).map(tuple),
        weights=st.dictionaries(texts, floats, max_size=3),
        unique=st.frozensets(st.integers(), max_size=4),
        inner=st.builds(AddConfig, add_amount=st.integers()),
        window=st.builds(Window, size=st.integers(), overlap=floats),
    )


# -- the type lattice ------------------------------------------------------------------------------------------

# Name -> type. The names are what generated step functions are annotated with (see ``_namespace``).
LATTICE: dict[str, object] = {
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "OptInt": int | None,
    "IntOrStr": int | str,
    "ListInt": list[int],
    "ListBool": list[bool],
    "SeqInt": Sequence[int],
    "Animal": Animal,
    "Dog": Dog,
    "Object": object,
}

_ints = st.integers()
_animals = st.builds(Animal) | st.builds(Dog)
VALUES: dict[str, st.SearchStrategy[object]] = {
    "bool": st.booleans(),
    "int": _ints,
    "float": floats,
    "str": texts,
    "OptInt": st.none() | _ints,
    "IntOrStr": _ints | texts,
    "ListInt": st.lists(_ints, max_size=3),
    "ListBool": st.lists(st.booleans(), max_size=3),
    "SeqInt": st.lists(_ints, max_size=3) | st.lists(_ints, max_size=3).map(tuple),
    "Animal": _animals,
    "Dog": st.builds(Dog),
    "Object": st.none() | _ints | texts | _animals,
}

type_names = st.sampled_from(sorted(LATTICE))


@st.composite
def typed_values(draw: st.DrawFn) -> tuple[str, object]:
    """A lattice type name and a value of that type."""
    name = draw(type_names)
    return name, draw(VALUES[name])


def fits(src: str, dst: str) -> bool:
    """May an output of lattice type ``src`` feed an input of lattice type ``dst``?"""
    return is_assignable(LATTICE[src], LATTICE[dst])


# -- random pipelines ------------------------------------------------------------------------------------------


@attrs.frozen
class Node:
    """One generated step: typed inputs ``x0, x1, ...`` and either one output, named outputs, or none."""

    inputs: tuple[str, ...]  # lattice type names
    outputs: tuple[tuple[str, str], ...]  # (output name, lattice type name)
    named: bool  # returns a NamedTuple (outputs by attribute) rather than one value


@attrs.frozen
class Edge:
    """Output ``output`` of node ``source`` feeds input ``x{position}`` of node ``target``."""

    source: int
    output: str
    target: int
    position: int
    by_keyword: bool


@attrs.frozen
class Dag:
    """A random pipeline: nodes in definition order and the edges between them."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    broken: Edge | None = None  # the one ill-typed edge, when one was drawn

    def expected_edges(self) -> set[tuple[str, str, str, str]]:
        return {(f"n{e.source}", e.output, f"n{e.target}", f"x{e.position}") for e in self.edges}


@st.composite
def dags(draw: st.DrawFn, *, ill_typed: bool = False, max_nodes: int = 7) -> Dag:
    """A random DAG over the lattice. With ``ill_typed``, exactly one edge feeds an input it does not fit."""
    count = draw(st.integers(1 if not ill_typed else 2, max_nodes))
    nodes: list[Node] = []
    edges: list[Edge] = []
    available: list[tuple[int, str, str]] = []  # (node, output name, type name) of earlier nodes
    broken: Edge | None = None
    for index in range(count):
        sources = draw(st.lists(st.sampled_from(available), max_size=3)) if available else []
        keyword_from = draw(st.integers(0, len(sources)))  # positional first, then by keyword
        inputs: list[str] = []
        for position, (source, output, produced) in enumerate(sources):
            misfits = [name for name in LATTICE if not fits(produced, name)]
            edge = Edge(source, output, index, position, by_keyword=position >= keyword_from)
            if ill_typed and broken is None and misfits and draw(st.booleans()):
                inputs.append(draw(st.sampled_from(misfits)))
                broken = edge
            else:
                inputs.append(draw(st.sampled_from([name for name in LATTICE if fits(produced, name)])))
            edges.append(edge)
        shape = draw(st.sampled_from(["single", "named", "none"]))
        if shape == "named":
            outputs = tuple((field, draw(type_names)) for field in ("a", "b"))
        elif shape == "single":
            outputs = (("output", draw(type_names)),)
        else:
            outputs = ()
        nodes.append(Node(tuple(inputs), outputs, named=shape == "named"))
        available += [(index, name, tp) for name, tp in outputs]
    if ill_typed and broken is None:
        # No misfit was drawn along the way: add one more node fed by an edge that cannot fit.
        candidates = [(s, o, t) for s, o, t in available if any(not fits(t, name) for name in LATTICE)]
        source, output, produced = draw(st.sampled_from(candidates)) if candidates else (0, "", "")
        if candidates:
            misfit = draw(st.sampled_from([name for name in LATTICE if not fits(produced, name)]))
            broken = Edge(source, output, count, 0, by_keyword=draw(st.booleans()))
            nodes.append(Node((misfit,), (), named=False))
            edges.append(broken)
    return Dag(tuple(nodes), tuple(edges), broken)


def _namespace() -> dict[str, object]:
    return {"NamedTuple": NamedTuple, **LATTICE}


def build_steps(dag: Dag) -> list[Step[AnyFunction, object, None]]:
    """Generated step functions (with real, resolvable annotations) for every node."""
    namespace = _namespace()
    lines: list[str] = []
    for index, node in enumerate(dag.nodes):
        params = ", ".join(f"x{j}: {tp}" for j, tp in enumerate(node.inputs))
        if node.named:
            lines += [f"class R{index}(NamedTuple):", *(f"    {name}: {tp}" for name, tp in node.outputs)]
            returns = f"R{index}"
        else:
            returns = node.outputs[0][1] if node.outputs else "None"
        lines += [f"def s{index}({params}) -> {returns}:", "    raise AssertionError('never runs')"]
    # dont_inherit: annotations evaluated now (this module's ``from __future__ import annotations`` would leave
    # them as strings, which get_type_hints resolves for functions but not for the generated NamedTuples).
    exec(compile("\n".join(lines), "<generated steps>", "exec", dont_inherit=True), namespace)
    made: list[Step[AnyFunction, object, None]] = []
    for index in range(len(dag.nodes)):
        func: AnyFunction = namespace[f"s{index}"]  # type: ignore[assignment]  # defined by exec just above
        made.append(step(func))
    return made


def bind(dag: Dag) -> PipelineInstance:
    """A generated pipeline wiring the steps of ``dag`` as its edges say, bound to those steps."""
    steps = build_steps(dag)
    body: list[str] = []
    for index in range(len(dag.nodes)):
        args: list[str] = []
        for edge in sorted((e for e in dag.edges if e.target == index), key=lambda e: e.position):
            named = dag.nodes[edge.source].named
            handle = f"h{edge.source}.{edge.output}" if named else f"h{edge.source}"
            args.append(f"x{edge.position}={handle}" if edge.by_keyword else handle)
        body.append(f"    h{index} = n{index}({', '.join(args)})")
    slots = [f"n{index}" for index in range(len(dag.nodes))]
    namespace: dict[str, object] = {}
    exec(f"def generated({', '.join(slots)}):\n" + "\n".join(body), namespace)
    generated: AnyFunction = namespace["generated"]  # type: ignore[assignment]  # defined by exec just above
    return pipeline(generated)(**{slot: made() for slot, made in zip(slots, steps, strict=True)})
