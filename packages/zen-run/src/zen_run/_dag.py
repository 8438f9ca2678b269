"""A picture of a compiled pipeline as Mermaid or Graphviz DOT text (``zen dag``)."""

from __future__ import annotations

from zen_types import PipelineSpec

__all__ = ["render_dag"]


def _quote(text: str) -> str:
    return text.replace('"', "'")


def render_dag(spec: PipelineSpec, *, fmt: str = "mermaid") -> str:
    """Nodes are slots (with the bound step and its interface); edges are labelled ``output -> input``."""
    if fmt == "mermaid":
        lines = ["flowchart LR"]
        for step in spec.steps:
            outs = ", ".join(f"{o.name}: {o.type}" for o in step.outputs) or "no outputs"
            lines.append(f'    {step.name}["{_quote(step.name)} ({_quote(step.step_name)})<br/>{_quote(outs)}"]')
        for edge in spec.edges:
            lines.append(f"    {edge.source_step} -->|{edge.source_output} → {edge.target_input}| {edge.target_step}")
        return "\n".join(lines)
    if fmt == "dot":
        lines = [f'digraph "{_quote(spec.pipeline_name)}" {{', "    rankdir=LR;", "    node [shape=box];"]
        for step in spec.steps:
            outs = "\\n".join(f"{o.name}: {o.type}" for o in step.outputs)
            label = f"{step.name} ({step.step_name})" + (f"\\n{outs}" if outs else "")
            lines.append(f'    "{step.name}" [label="{_quote(label)}"];')
        for edge in spec.edges:
            lines.append(
                f'    "{edge.source_step}" -> "{edge.target_step}" '
                f'[label="{_quote(edge.source_output)} → {_quote(edge.target_input)}"];'
            )
        lines.append("}")
        return "\n".join(lines)
    raise ValueError(f"unknown format {fmt!r}: use mermaid or dot")
