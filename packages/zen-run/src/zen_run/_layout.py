"""A layered (Sugiyama-style) left-to-right layout for small DAGs: layers, order within layers, coordinates.

Pipelines have tens of steps, so the classic steps are enough and cheap: longest-path layering (every edge
points to a later layer), a dummy node on each layer a long edge crosses (so it gets its own lane instead of
cutting through boxes), a few barycenter sweeps to reduce crossings, then coordinates. It is written here rather
than taken from a layout library because the graphs are small, the code is short, and zen-run stays free of a
graph-drawing dependency.

Invariants: every node gets a box; a node's layer is greater than each of its predecessors'; an edge's route
starts at its source's right side, ends at its target's left side and passes through its dummies in order.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import attrs

__all__ = ["Box", "Layout", "layered_layout"]

_SWEEPS = 4


@attrs.frozen(kw_only=True)
class Box:
    """Where a node is drawn: top-left corner and size."""

    x: float
    y: float
    width: float
    height: float


@attrs.frozen(kw_only=True)
class Layout:
    """Boxes by node, and each edge's route as points from the source's right side to the target's left side."""

    boxes: dict[str, Box]
    routes: dict[tuple[str, str], tuple[tuple[float, float], ...]]
    width: float
    height: float


def _layers(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
    layer: dict[str, int] = {}

    def place(node: str, seen: frozenset[str]) -> int:
        if node not in layer:
            if node in seen:
                raise ValueError(f"the graph has a cycle through {node!r}")
            layer[node] = max((place(p, seen | {node}) + 1 for p in preds[node]), default=0)
        return layer[node]

    for node in nodes:
        place(node, frozenset())
    return layer


def layered_layout(
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    *,
    sizes: Mapping[str, tuple[float, float]],
    gap_x: float = 72.0,
    gap_y: float = 28.0,
    margin: float = 16.0,
) -> Layout:
    """Lay ``nodes`` (in a stable order, e.g. topological) out left to right; ``sizes`` gives (width, height)."""
    layer = _layers(nodes, edges)
    count = max(layer.values(), default=-1) + 1
    columns: list[list[str]] = [[] for _ in range(count)]
    for node in nodes:
        columns[layer[node]].append(node)
    # Chains of dummies for edges that skip layers; each dummy is named after its edge and layer.
    chains: dict[tuple[str, str], list[str]] = {}
    links: list[tuple[str, str]] = []
    for a, b in edges:
        chain = [f"\x00{a}\x00{b}\x00{i}" for i in range(layer[a] + 1, layer[b])]
        for i, dummy in enumerate(chain):
            columns[layer[a] + 1 + i].append(dummy)
        chains[(a, b)] = chain
        path = [a, *chain, b]
        links.extend(itertools.pairwise(path))
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for a, b in links:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)

    def sweep(order: list[list[str]], forward: bool) -> None:
        indices = range(1, len(order)) if forward else range(len(order) - 2, -1, -1)
        for i in indices:
            ref = {n: k for k, n in enumerate(order[i - 1 if forward else i + 1])}
            neighbours = preds if forward else succs

            def centre(
                node: str, k: int, ref: dict[str, int] = ref, neighbours: dict[str, list[str]] = neighbours
            ) -> float:
                linked = [ref[m] for m in neighbours.get(node, []) if m in ref]
                return sum(linked) / len(linked) if linked else float(k)

            order[i] = [n for _, n in sorted(((centre(n, k), k), n) for k, n in enumerate(order[i]))]

    for s in range(_SWEEPS):
        sweep(columns, forward=s % 2 == 0)

    def size(node: str) -> tuple[float, float]:
        return sizes.get(node, (0.0, 0.0)) if not node.startswith("\x00") else (0.0, 8.0)

    col_width = [max((size(n)[0] for n in col), default=0.0) for col in columns]
    col_height = [sum(size(n)[1] for n in col) + gap_y * max(len(col) - 1, 0) for col in columns]
    height = max(col_height, default=0.0)
    points: dict[str, Box] = {}
    x = margin
    for i, col in enumerate(columns):
        y = margin + (height - col_height[i]) / 2
        for node in col:
            w, h = size(node)
            if node.startswith("\x00"):  # a dummy spans its column: the edge runs straight through the lane
                points[node] = Box(x=x, y=y, width=col_width[i], height=h)
            else:
                points[node] = Box(x=x + (col_width[i] - w) / 2, y=y, width=w, height=h)
            y += h + gap_y
        x += col_width[i] + gap_x
    routes: dict[tuple[str, str], tuple[tuple[float, float], ...]] = {}
    for (a, b), chain in chains.items():
        start, end = points[a], points[b]
        route = [(start.x + start.width, start.y + start.height / 2)]
        for d in chain:
            lane = points[d]
            route.extend([(lane.x, lane.y + lane.height / 2), (lane.x + lane.width, lane.y + lane.height / 2)])
        route.append((end.x, end.y + end.height / 2))
        routes[(a, b)] = tuple(route)
    boxes = {n: points[n] for n in nodes}
    return Layout(boxes=boxes, routes=routes, width=x - gap_x + margin, height=height + 2 * margin)
