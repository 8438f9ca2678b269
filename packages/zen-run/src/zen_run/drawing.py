"""Pictures of pipelines for the tools built on zen-run (the dashboard, notebooks, ``zen dag``).

A small public surface that sibling tools draw with: the pipeline as SVG, PNG or text, short type names, the status
colours, and the layered layout behind the drawing (for other graphs, such as artifact lineage).
"""

from __future__ import annotations

from zen_run._dag import STATUS_COLOURS, render_dag, render_dag_png, render_dag_svg, short_type_name
from zen_run._layout import Box, Layout, layered_layout

__all__ = [
    "Box",
    "Layout",
    "STATUS_COLOURS",
    "layered_layout",
    "render_dag",
    "render_dag_png",
    "render_dag_svg",
    "short_type_name",
]
