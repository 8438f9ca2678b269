"""Runs, step runs and artifacts in notebooks and at the prompt: one short line each (``repr``), and as HTML
(``_repr_html_``): a table, the DAG as SVG, a preview.

The short line names the object and what tells it apart (ids, status, source, output names, type and size),
never a whole record: printing an artifact must not dump its metadata. Every recorded string in the HTML is
escaped. The markup is plain (inline styles only, no scripts), so it renders the same in Jupyter, VS Code and
exported notebooks.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Mapping

from zen_materialize import Html, Png, Svg, Visualization
from zen_run._dag import STATUS_COLOURS, render_dag_svg, short_type_name
from zen_store import ArtifactRecord, RunRecord, StepRunRecord
from zen_types import PipelineSpec

__all__ = ["artifact_html", "artifact_repr", "run_html", "run_repr", "step_html", "step_repr"]

_TABLE = 'style="border-collapse:collapse;font-size:13px;text-align:left"'
_CELL = 'style="padding:2px 10px 2px 0;vertical-align:top;text-align:left"'


def run_repr(record: RunRecord) -> str:
    """``Run(id=..., pipeline=..., status=...)``, with the run name and a dirty tree when there are."""
    name = f", name={record.run_name!r}" if record.run_name else ""
    dirty = " (dirty tree)" if record.dirty else ""
    return f"Run(id={record.run_id!r}, pipeline={record.pipeline_name!r}{name}, status={record.status.value!r}{dirty})"


def step_repr(record: StepRunRecord) -> str:
    """``StepRun(name=..., status=..., source=..., outputs=[...])``."""
    return (
        f"StepRun(name={record.step_name!r}, status={record.status.value!r}, source={record.source!r}, "
        f"outputs={sorted(record.outputs)!r})"
    )


def artifact_repr(record: ArtifactRecord) -> str:
    """``Artifact(id=..., name=..., type=..., size=...)``: what it is, not its metadata."""
    name = f", name={record.label!r}" if record.name is not None else ""
    return f"Artifact(id={record.artifact_id!r}{name}, type={short_type_name(record.value_type)!r}, size={record.size})"


def _badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#495057")
    return (
        f'<span style="background:{colour};color:#fff;border-radius:8px;padding:1px 8px;font-size:11px;'
        f'font-weight:600">{html.escape(status)}</span>'
    )


def _rows(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th {_CELL}>{html.escape(k)}</th><td {_CELL}>{v}</td></tr>" for k, v in rows)
    return f"<table {_TABLE}>{body}</table>"


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def run_html(record: RunRecord, spec: PipelineSpec, steps: Mapping[str, StepRunRecord]) -> str:
    """A run: its header, the DAG coloured by step status, and one row per step."""
    statuses = {s.name: steps[s.name].status if s.name in steps else "pending" for s in spec.steps}
    header = _rows(
        [
            ("run", _code(record.run_id)),
            ("pipeline", html.escape(record.pipeline_name)),
            ("status", _badge(record.status)),
            ("started", html.escape(record.started_at.isoformat(timespec="seconds"))),
            ("commit", _code(record.repo.head_sha or "-") + (" (dirty tree)" if record.repo.dirty else "")),
        ]
    )
    step_rows = "".join(
        f"<tr><td {_CELL}>{html.escape(name)}</td><td {_CELL}>{_badge(status)}</td>"
        f"<td {_CELL}>{_code(steps[name].source) if name in steps else ''}</td></tr>"
        for name, status in statuses.items()
    )
    return (
        f"<div>{header}<div style='overflow-x:auto;margin:8px 0'>{render_dag_svg(spec, statuses=statuses)}</div>"
        f"<table {_TABLE}><tr><th {_CELL}>step</th><th {_CELL}>status</th><th {_CELL}>source</th></tr>"
        f"{step_rows}</table></div>"
    )


def step_html(record: StepRunRecord) -> str:
    """A step run: status, source, config, timings, inputs, outputs and the error with its traceback."""
    rows = [
        ("step", html.escape(record.step_name)),
        ("status", _badge(record.status)),
        ("source", _code(record.source)),
        ("config", _code(json.dumps(record.config, sort_keys=True)) if record.config else "-"),
        ("duration", f"{record.duration:.3f} s" if record.duration is not None else "-"),
    ]
    rows += [(f"input {n}", _artifact_line(a)) for n, a in record.inputs.items()]
    rows += [(f"output {n}", _artifact_line(a)) for n, a in record.outputs.items()]
    error = f"<pre style='color:#c92a2a;white-space:pre-wrap'>{html.escape(record.error)}</pre>" if record.error else ""
    return f"<div>{_rows(rows)}{error}</div>"


def _artifact_line(record: ArtifactRecord) -> str:
    return f"{_code(record.artifact_id[:12])} {html.escape(short_type_name(record.value_type))}"


def artifact_html(record: ArtifactRecord, shown: Visualization | None) -> str:
    """An artifact: its record and the visualization its materializer offers."""
    rows = [
        ("artifact", _code(record.artifact_id)),
        ("type", html.escape(short_type_name(record.value_type))),
        ("materializer", html.escape(record.materializer or "-")),
        ("size", f"{record.size} bytes"),
        ("metadata", _code(json.dumps(record.metadata, sort_keys=True)) if record.metadata else "-"),
    ]
    body = ""
    if isinstance(shown, Html):
        body = shown.html
    elif isinstance(shown, Svg):
        body = shown.svg
    elif isinstance(shown, Png):
        data = base64.b64encode(shown.data).decode("ascii")
        body = f'<img alt="{html.escape(shown.alt)}" src="data:image/png;base64,{data}">'
    return f"<div>{_rows(rows)}{body}</div>"
