"""An artifact's lineage as a small SVG graph: artifacts and the step runs that wrote or read them, left to right.

Nodes link to their pages (``/artifacts/{id}``, ``/runs/{run_id}?step=...``); the artifact the page is about is
highlighted. Each artifact hangs off the step run that produced it; step runs that were cached are left out
(they ran nothing), so a value reused by many runs still draws as one chain. Every label is escaped. The graph
is cut to ``MAX_NODES`` nodes nearest the root so a widely used artifact still draws a readable picture (the
JSON API has the whole graph).
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping
from typing import Final
from urllib.parse import quote

from zen_run.drawing import STATUS_COLOURS, Box, layered_layout, short_type_name
from zen_store import ArtifactRecord, LineageGraph, StepRunRecord

__all__ = ["MAX_NODES", "lineage_svg"]

MAX_NODES: Final = 24
_W: Final = 148.0
_H: Final = 44.0


def _shown(
    step_run_id: str,
    artifact_id: str,
    direction: str,
    artifacts: Mapping[str, ArtifactRecord],
    steps: Mapping[str, StepRunRecord],
) -> bool:
    """Whether an edge is drawn: an artifact comes from the step run that produced it, and step runs that were
    cached (they reused outputs, and ran nothing) are left out, so each run's re-use does not repeat the graph."""
    record = artifacts.get(artifact_id)
    if direction == "output" and record is not None and record.producer_step_run_id is not None:
        return record.producer_step_run_id == step_run_id
    step = steps.get(step_run_id)
    return step is None or step.status != "cached"


def _nearest(root: str, edges: set[tuple[str, str]]) -> list[str]:
    """Up to ``MAX_NODES`` nodes, breadth-first from ``root`` over edges in both directions."""
    near: dict[str, set[str]] = {}
    for a, b in edges:
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    kept: list[str] = [root]
    frontier = [root]
    while frontier and len(kept) < MAX_NODES:
        following: list[str] = []
        for node in frontier:
            for other in sorted(near.get(node, ())):
                if other not in kept and len(kept) < MAX_NODES:
                    kept.append(other)
                    following.append(other)
        frontier = following
    return kept


def _node_svg(box: Box, *, title: str, sub: str, href: str, cls: str, colour: str, rounded: bool, tip: str) -> str:
    esc = html.escape
    title = title if len(title) <= 20 else title[:19] + "…"
    sub = sub if len(sub) <= 22 else sub[:21] + "…"
    stroke = 2 if "root" in cls.split() else 1
    cx = box.x + box.width / 2
    return (
        f'<a href="{esc(href)}" class="{esc(cls)}"><title>{esc(tip)}</title>'
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.0f}" height="{box.height:.0f}" '
        f'rx="{22 if rounded else 5}" fill="{"#f3f0ff" if stroke == 2 else "#fff"}" stroke="{colour}" '
        f'stroke-width="{stroke}"/>'
        f'<text x="{cx:.1f}" y="{box.y + 18:.1f}" text-anchor="middle" class="lt">{esc(title)}</text>'
        f'<text x="{cx:.1f}" y="{box.y + 34:.1f}" text-anchor="middle" class="ls">{esc(sub)}</text></a>'
    )


def lineage_svg(root: str, graphs: tuple[LineageGraph, ...]) -> str:
    """One picture of the union of ``graphs`` (typically the upstream and downstream graphs of ``root``)."""
    artifacts = {a_id: a for g in graphs for a_id, a in g.artifacts.items()}
    steps = {s_id: s for g in graphs for s_id, s in g.step_runs.items()}
    edges: set[tuple[str, str]] = set()
    names: dict[str, str] = {}
    for g in graphs:
        for e in sorted(g.edges, key=lambda e: (e.direction != "output", e.step_run_id)):
            if not _shown(e.step_run_id, e.artifact_id, e.direction, artifacts, steps):
                continue
            a, s = f"a:{e.artifact_id}", f"s:{e.step_run_id}"
            edges.add((s, a) if e.direction == "output" else (a, s))
            names.setdefault(e.artifact_id, e.name)
    kept = _nearest(f"a:{root}", edges)
    keep = set(kept)
    shown = sorted(e for e in edges if e[0] in keep and e[1] in keep)
    layout = layered_layout(kept, shown, sizes=dict.fromkeys(kept, (_W, _H)), gap_x=28.0, gap_y=14.0)
    w, h = f"{layout.width:.0f}", f"{layout.height:.0f}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zen-lineage" role="img" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}">',
        '<defs><marker id="zen-l-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#adb5bd"/></marker></defs>',
    ]
    for route in layout.routes.values():
        d = f"M{route[0][0]:.1f},{route[0][1]:.1f}"
        for (x0, y0), (x1, y1) in itertools.pairwise(route):
            mid = (x0 + x1) / 2
            d += f" C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
        parts.append(f'<path class="edge" d="{d}" marker-end="url(#zen-l-arrow)"/>')
    for node in kept:
        kind, ident = node.split(":", 1)
        if kind == "a":
            record = artifacts.get(ident)
            type_name = short_type_name(record.value_type) if record else "artifact"
            parts.append(
                _node_svg(
                    layout.boxes[node],
                    title=names.get(ident, type_name),
                    sub=type_name,
                    href=f"/artifacts/{quote(ident)}",
                    cls="lnode artifact root" if ident == root else "lnode artifact",
                    colour="#495057",
                    rounded=True,
                    tip=f"artifact {ident}",
                )
            )
            continue
        step = steps.get(ident)
        parts.append(
            _node_svg(
                layout.boxes[node],
                title=step.step_name if step else "step",
                sub=f"run {step.run_id[:12]}" if step else ident[:12],
                href=f"/runs/{quote(step.run_id)}?step={quote(step.step_name)}" if step else "#",
                cls=f"lnode step status-{step.status}" if step else "lnode step",
                colour=STATUS_COLOURS.get(step.status, "#495057") if step else "#495057",
                rounded=False,
                tip=f"step run {ident}",
            )
        )
    parts.append("</svg>")
    return "\n".join(parts)
