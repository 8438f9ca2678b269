"""An artifact's lineage as a small SVG graph: artifacts and the step runs that wrote or read them, left to right.

Nodes link to their pages (``/artifacts/{id}``, ``/runs/{run_id}?step=...``); the artifact the page is about is
highlighted. Every label is escaped. The graph is cut to ``MAX_NODES`` nodes nearest the root so a widely used
artifact still draws a readable picture (the JSON API has the whole graph).
"""

from __future__ import annotations

import html
import itertools
from typing import Final
from urllib.parse import quote

from zen_run.drawing import STATUS_COLOURS, layered_layout, short_type_name
from zen_store import LineageGraph

__all__ = ["MAX_NODES", "lineage_svg"]

MAX_NODES: Final = 40
_W: Final = 190.0
_H: Final = 44.0


def lineage_svg(root: str, graphs: tuple[LineageGraph, ...]) -> str:
    """One picture of the union of ``graphs`` (typically the upstream and downstream graphs of ``root``)."""
    artifacts = {a_id: a for g in graphs for a_id, a in g.artifacts.items()}
    steps = {s_id: s for g in graphs for s_id, s in g.step_runs.items()}
    edges: set[tuple[str, str]] = set()
    for g in graphs:
        for e in g.edges:
            a, s = f"a:{e.artifact_id}", f"s:{e.step_run_id}"
            edges.add((s, a) if e.direction == "output" else (a, s))
    # Keep the nodes nearest the root (breadth-first over both directions).
    near: dict[str, set[str]] = {}
    for a, b in edges:
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    kept: list[str] = [f"a:{root}"]
    frontier = [f"a:{root}"]
    while frontier and len(kept) < MAX_NODES:
        nxt: list[str] = []
        for node in frontier:
            for other in sorted(near.get(node, ())):
                if other not in kept and len(kept) < MAX_NODES:
                    kept.append(other)
                    nxt.append(other)
        frontier = nxt
    keep = set(kept)
    shown = sorted(e for e in edges if e[0] in keep and e[1] in keep)
    layout = layered_layout(kept, shown, sizes=dict.fromkeys(kept, (_W, _H)), gap_x=48.0, gap_y=16.0)
    esc = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zen-lineage" role="img" width="{layout.width:.0f}" '
        f'height="{layout.height:.0f}" viewBox="0 0 {layout.width:.0f} {layout.height:.0f}">',
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
        box = layout.boxes[node]
        kind, ident = node.split(":", 1)
        if kind == "a":
            record = artifacts.get(ident)
            title = short_type_name(record.type_name) if record else "artifact"
            sub = ident[:12]
            href = f"/artifacts/{quote(ident)}"
            cls = "lnode artifact root" if ident == root else "lnode artifact"
            colour = "#495057"
        else:
            step = steps.get(ident)
            title = step.step_name if step else "step"
            sub = f"run {step.run_id[:8]}" if step else ident[:12]
            href = f"/runs/{quote(step.run_id)}?step={quote(step.step_name)}" if step else "#"
            cls = f"lnode step status-{esc(step.status)}" if step else "lnode step"
            colour = STATUS_COLOURS.get(step.status, "#495057") if step else "#495057"
        title = title if len(title) <= 24 else title[:23] + "…"
        stroke = 2 if ident == root else 1
        parts.append(
            f'<a href="{esc(href)}" class="{cls}"><title>{esc(ident)}</title>'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.0f}" height="{box.height:.0f}" '
            f'rx="{22 if kind == "a" else 5}" fill="#fff" stroke="{colour}" stroke-width="{stroke}"/>'
            f'<text x="{box.x + box.width / 2:.1f}" y="{box.y + 18:.1f}" text-anchor="middle" class="lt">'
            f"{esc(title)}</text>"
            f'<text x="{box.x + box.width / 2:.1f}" y="{box.y + 34:.1f}" text-anchor="middle" class="ls">'
            f"{esc(sub)}</text></a>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
