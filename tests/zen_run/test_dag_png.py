"""`zen dag` as a picture: the SVG drawing rasterized to PNG (size, status colours), written to a file or a pipe,
and the format taken from the output file's extension."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from tests.zen_ui import pipelines as demo
from zen_run.drawing import STATUS_COLOURS, render_dag_png, render_dag_svg


def _size(svg: str) -> tuple[int, int]:
    found = re.search(r'width="(\d+)" height="(\d+)"', svg)
    assert found is not None
    return int(found.group(1)), int(found.group(2))


def _rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def test_the_png_is_the_svg_drawing_at_twice_its_size_with_status_colours() -> None:
    spec = demo.broken_instance.compile()
    statuses = {"loader": "cached", "arrays": "completed", "boom": "failed"}
    image = Image.open(io.BytesIO(render_dag_png(spec, statuses=statuses)), formats=["PNG"])
    image.load()
    width, height = _size(render_dag_svg(spec, statuses=statuses))
    assert image.size == (2 * width, 2 * height)
    colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    for status in statuses.values():
        assert _rgb(STATUS_COLOURS[status]) in colours, status
    assert (255, 255, 255) in colours  # drawn on white, not on transparency


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    (tmp_path / "flows.py").write_text(
        textwrap.dedent(
            """
            from zen_run import Slot, pipeline, step

            @step
            def one() -> int:
                return 1

            @step
            def double(x: int) -> int:
                return 2 * x

            @pipeline
            def chain(first: Slot[[], int], second: Slot[[int], int]) -> None:
                second(first())

            instance = chain(first=one(), second=double())
            """
        )
    )
    return tmp_path


def _zen(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "ZEN_ROOT": str(folder)}
    return subprocess.run(
        [sys.executable, "-m", "zen_run", *args], cwd=folder, env=env, capture_output=True, timeout=120, check=False
    )


def test_zen_dag_writes_png_to_a_file_or_a_pipe_and_svg_by_extension(flows: Path) -> None:
    written = _zen(flows, "dag", "flows:instance", "--output", "dag.png")
    assert written.returncode == 0, written.stderr
    with Image.open(flows / "dag.png", formats=["PNG"]) as image:
        assert image.size[0] > 200
    piped = _zen(flows, "dag", "flows:instance", "--format", "png")
    assert piped.returncode == 0 and piped.stdout == (flows / "dag.png").read_bytes()
    assert _zen(flows, "dag", "flows:instance", "-o", "dag.svg").returncode == 0
    assert (flows / "dag.svg").read_text(encoding="utf-8").startswith("<svg")
    assert _zen(flows, "dag", "flows:instance", "-o", "dag.dot").returncode == 0
    assert (flows / "dag.dot").read_text(encoding="utf-8").startswith('digraph "chain"')
    assert _zen(flows, "dag", "flows:instance").stdout.startswith(b"flowchart LR")


def test_zen_dag_refuses_a_file_whose_extension_names_no_format_it_writes(flows: Path) -> None:
    """`-o dag.jpg` would get Mermaid text under an image's name: refused (exit 2), nothing written; --format
    still decides for any name, and a name without an extension gets Mermaid."""
    refused = _zen(flows, "dag", "flows:instance", "-o", "dag.jpg")
    assert refused.returncode == 2 and not (flows / "dag.jpg").exists()
    assert b"name the file .mmd, .dot, .svg or .png, or pass --format" in refused.stderr
    assert _zen(flows, "dag", "flows:instance", "-o", "dag.jpg", "--format", "png").returncode == 0
    assert (flows / "dag.jpg").read_bytes().startswith(b"\x89PNG")
    assert _zen(flows, "dag", "flows:instance", "-o", "dag").returncode == 0
    assert (flows / "dag").read_text(encoding="utf-8").startswith("flowchart LR")
