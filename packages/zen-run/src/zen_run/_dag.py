"""A picture of a pipeline: Mermaid or Graphviz DOT text, an SVG drawing (``zen dag``, notebooks, ``zen ui``), or
that drawing as a PNG image.

The SVG is self-contained (its own style sheet, no scripts) and safe to inline in a page: every name and type
is escaped. Nodes carry ``data-step`` and a ``status-<status>`` class so a page can recolour them while a run
runs. Types are shown short: ``ndarray[float64]`` rather than ``ndarray[tuple[Any, ...], dtype[float64]]``.

The PNG is the same SVG rasterized by resvg (through resvg-py, imported only then): a renderer compiled into its
wheel, so no system library, browser or font download is needed beyond the fonts the machine has.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping
from typing import Final

from zen_run._layout import layered_layout
from zen_types import PipelineSpec, StepSpec

__all__ = ["STATUS_COLOURS", "render_dag", "render_dag_png", "render_dag_svg", "short_type_name"]

STATUS_COLOURS: Final = {
    "completed": "#2b8a3e",
    "cached": "#1971c2",
    "failed": "#e03131",
    "running": "#f08c00",
    "stopped": "#868e96",
    "crashed": "#a61e4d",
    "pending": "#adb5bd",
}
"""Fill colour of each step status in every picture zen draws."""

_TOKEN = re.compile(r"\s*([^\[\],\s][^\[\],]*|\[|\]|,)")
_NODE_WIDTH: Final = 232.0
_LINE: Final = 17.0
_MAX_CHARS: Final = 30


def _parse(text: str) -> list[object]:
    """A type string as nested lists: ``a[b, c[d]]`` -> ``["a", [["b"], ["c", [["d"]]]]]``."""
    tokens = [m.group(1).strip() for m in _TOKEN.finditer(text)]
    pos = 0

    def node() -> list[object]:
        nonlocal pos
        name = tokens[pos] if pos < len(tokens) and tokens[pos] not in "[]," else ""
        if name:
            pos += 1
        out: list[object] = [name]
        if pos < len(tokens) and tokens[pos] == "[":
            pos += 1
            args: list[object] = []
            while pos < len(tokens) and tokens[pos] != "]":
                if tokens[pos] == ",":
                    pos += 1
                    continue
                before = pos
                args.append(node())
                if pos == before:  # a token this grammar does not know; skip it rather than loop
                    pos += 1
            pos += 1
            out.append(args)
        return out

    return node()


def _short(tree: list[object]) -> str:
    name = str(tree[0]).rsplit(".", 1)[-1]
    raw_args = tree[1] if len(tree) > 1 else None
    args = [a for a in raw_args if isinstance(a, list)] if isinstance(raw_args, list) else None
    if args is None:
        return name
    if name == "Annotated" and args:
        return _short(args[0])
    if name in {"ndarray", "NDArray"}:
        dtype = args[-1] if args else None
        if isinstance(dtype, list) and str(dtype[0]).rsplit(".", 1)[-1] == "dtype" and len(dtype) > 1:
            inner = dtype[1]
            if isinstance(inner, list) and inner and isinstance(inner[0], list):
                item = _short(inner[0])
                return "ndarray" if item == "Any" else f"ndarray[{item}]"
        return "ndarray" if name == "ndarray" else _short(dtype) if isinstance(dtype, list) else name
    if name == "Optional" and args:
        return f"{_short(args[0])} | None"
    if name == "Union":
        return " | ".join(_short(a) for a in args)
    return f"{name}[{', '.join(_short(a) for a in args)}]"


def short_type_name(type_text: str) -> str:
    """A recorded type as a person reads it: modules dropped, ``ndarray[float64]``, ``Annotated`` unwrapped."""
    try:
        return _short(_parse(type_text))
    except (IndexError, RecursionError):
        return type_text


def _quote(text: str) -> str:
    return text.replace('"', "'")


def _outputs(step: StepSpec) -> list[str]:
    return [f"{o.name}: {short_type_name(o.type)}" for o in step.outputs]


def render_dag(spec: PipelineSpec, *, fmt: str = "mermaid") -> str:
    """Nodes are slots (with the bound step and its interface); edges are labelled ``output -> input``."""
    if fmt == "svg":
        return render_dag_svg(spec)
    if fmt == "mermaid":
        lines = ["flowchart LR"]
        for step in spec.steps:
            outs = ", ".join(_outputs(step)) or "no outputs"
            lines.append(f'    {step.name}["{_quote(step.name)} ({_quote(step.step_name)})<br/>{_quote(outs)}"]')
        for edge in spec.edges:
            lines.append(f"    {edge.source_step} -->|{edge.source_output} → {edge.target_input}| {edge.target_step}")
        return "\n".join(lines)
    if fmt == "dot":
        lines = [f'digraph "{_quote(spec.pipeline_name)}" {{', "    rankdir=LR;", "    node [shape=box];"]
        for step in spec.steps:
            outs = "\\n".join(_outputs(step))
            label = f"{step.name} ({step.step_name})" + (f"\\n{outs}" if outs else "")
            lines.append(f'    "{step.name}" [label="{_quote(label)}"];')
        for edge in spec.edges:
            lines.append(
                f'    "{edge.source_step}" -> "{edge.target_step}" '
                f'[label="{_quote(edge.source_output)} → {_quote(edge.target_input)}"];'
            )
        lines.append("}")
        return "\n".join(lines)
    raise ValueError(f"unknown format {fmt!r}: use mermaid, dot or svg")


def _clip(text: str, limit: int = _MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_STYLE: Final = (
    ".zen-dag{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;font-size:12px}"
    ".zen-dag .box{fill:#fff;stroke:#ced4da;stroke-width:1}.zen-dag .bar{fill:#495057}"
    ".zen-dag .name{font-weight:600;font-size:13px;fill:#212529}"
    ".zen-dag .sub{fill:#6c757d}.zen-dag .io{fill:#495057;font-family:ui-monospace,'DejaVu Sans Mono',monospace;"
    "font-size:11px}.zen-dag .edge{fill:none;stroke:#adb5bd;stroke-width:1.5}"
    ".zen-dag .pill text{fill:#fff;font-size:10px;font-weight:600}"
    ".zen-dag .status-pending .box{stroke-dasharray:4 3}"
    + "".join(
        f".zen-dag .status-{s} .bar,.zen-dag .status-{s} .pill rect{{fill:{c}}}" for s, c in STATUS_COLOURS.items()
    )
    + ".zen-dag .status-running .bar{animation:zen-pulse 1.2s ease-in-out infinite}"
    "@keyframes zen-pulse{50%{opacity:.35}}"
)


def render_dag_svg(spec: PipelineSpec, *, statuses: Mapping[str, str] | None = None) -> str:
    """The pipeline as an SVG drawing laid out left to right; ``statuses`` colours each step by its run status."""
    heights = {s.name: 44.0 + _LINE * max(len(s.outputs), 0) + (6.0 if s.outputs else 0.0) for s in spec.steps}
    edges = sorted({(e.source_step, e.target_step) for e in spec.edges})
    layout = layered_layout(
        [s.name for s in spec.steps], edges, sizes={n: (_NODE_WIDTH, h) for n, h in heights.items()}
    )
    esc = html.escape
    w, h = f"{layout.width:.0f}", f"{layout.height:.0f}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zen-dag" role="img" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}">',
        f"<title>{esc(spec.pipeline_name)}</title>",
        f"<style>{_STYLE}</style>",
        '<defs><marker id="zen-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#adb5bd"/></marker></defs>',
    ]
    labels: dict[tuple[str, str], list[str]] = {}
    for e in spec.edges:
        labels.setdefault((e.source_step, e.target_step), []).append(f"{e.source_output} → {e.target_input}")
    for key, route in layout.routes.items():
        d = f"M{route[0][0]:.1f},{route[0][1]:.1f}"
        for (x0, y0), (x1, y1) in itertools.pairwise(route):
            mid = (x0 + x1) / 2
            d += f" C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
        title = esc(", ".join(labels.get(key, [])))
        parts.append(
            f'<path class="edge" d="{d}" marker-end="url(#zen-arrow)" data-from="{esc(key[0])}" '
            f'data-to="{esc(key[1])}"><title>{title}</title></path>'
        )
    for step in spec.steps:
        box = layout.boxes[step.name]
        status = (statuses or {}).get(step.name, "pending" if statuses is not None else "")
        cls = f"node status-{esc(status)}" if status else "node"
        x, y = box.x, box.y
        parts.append(f'<g class="{cls}" data-step="{esc(step.name)}" tabindex="0">')
        parts.append(f"<title>{esc(step.name)} ({esc(step.step_name)})</title>")
        parts.append(
            f'<rect class="box" x="{x:.1f}" y="{y:.1f}" width="{box.width:.0f}" height="{box.height:.0f}" rx="6"/>'
        )
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="5" height="{box.height:.0f}" rx="2"/>')
        parts.append(f'<text class="name" x="{x + 14:.1f}" y="{y + 19:.1f}">{esc(_clip(step.name, 22))}</text>')
        parts.append(f'<text class="sub" x="{x + 14:.1f}" y="{y + 35:.1f}">{esc(_clip(step.step_name))}</text>')
        if status:
            width = 8 + 6.2 * len(status)
            px = x + box.width - width - 8
            parts.append(
                f'<g class="pill"><rect x="{px:.1f}" y="{y + 8:.1f}" width="{width:.0f}" height="16" rx="8"/>'
                f'<text class="status" x="{px + width / 2:.1f}" y="{y + 19.5:.1f}" text-anchor="middle">'
                f"{esc(status)}</text></g>"
            )
        for i, line in enumerate(_outputs(step)):
            parts.append(
                f'<text class="io" x="{x + 14:.1f}" y="{y + 56 + i * _LINE:.1f}">{esc(_clip(line, 34))}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def render_dag_png(spec: PipelineSpec, *, statuses: Mapping[str, str] | None = None, scale: float = 2.0) -> bytes:
    """The SVG drawing as a PNG image, ``scale`` pixels per SVG unit (2: sharp on high-density screens), on white."""
    import resvg_py

    svg = render_dag_svg(spec, statuses=statuses)
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=scale, background="white"))
