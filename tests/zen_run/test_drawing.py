"""Pictures of pipelines: short type names, the layered layout's invariants, the SVG drawing, notebook HTML."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.zen_run import pipelines as p
from zen_run import Client
from zen_run._cli import main
from zen_run.drawing import layered_layout, render_dag, render_dag_svg, short_type_name
from zen_types import EdgeSpec, IOSpec, PipelineSpec, StepSpec

ADD = p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3)))


@pytest.mark.parametrize(
    ("recorded", "shown"),
    [
        ("ndarray[tuple[Any, ...], dtype[float64]]", "ndarray[float64]"),
        ("numpy.ndarray[tuple[typing.Any, ...], numpy.dtype[numpy.int64]]", "ndarray[int64]"),
        ("ndarray[Any, dtype[Any]]", "ndarray"),
        ("pandas.core.frame.DataFrame", "DataFrame"),
        ("Optional[pandas.core.frame.DataFrame]", "DataFrame | None"),
        ("Annotated[int, ArtifactName('x')]", "int"),
        ("dict[str, list[float]]", "dict[str, list[float]]"),
        ("Union[int, str]", "int | str"),
    ],
)
def test_short_type_names_read_like_the_code(recorded: str, shown: str) -> None:
    assert short_type_name(recorded) == shown


@given(st.text(alphabet="abc[], .", max_size=30))
def test_short_type_name_never_fails_on_odd_text(text: str) -> None:
    assert isinstance(short_type_name(text), str)


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str]]]:
    count = draw(st.integers(1, 12))
    nodes = [f"n{i}" for i in range(count)]
    pairs = [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1 :]]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=20)) if pairs else []
    return nodes, edges


@given(dags())
def test_layout_puts_every_edge_left_to_right_and_no_boxes_overlap(
    dag: tuple[list[str], list[tuple[str, str]]],
) -> None:
    nodes, edges = dag
    layout = layered_layout(nodes, edges, sizes=dict.fromkeys(nodes, (100.0, 40.0)))
    assert set(layout.boxes) == set(nodes)
    for a, b in edges:
        assert layout.boxes[a].x + layout.boxes[a].width < layout.boxes[b].x
        route = layout.routes[(a, b)]
        assert route[0][0] == layout.boxes[a].x + 100.0 and route[-1][0] == layout.boxes[b].x
        assert all(x0 <= x1 for (x0, _), (x1, _) in itertools.pairwise(route))
    boxes = list(layout.boxes.values())
    for i, one in enumerate(boxes):
        assert one.x >= 0 and one.x + one.width <= layout.width and one.y >= 0 and one.y + one.height <= layout.height
        for two in boxes[i + 1 :]:
            apart = one.x + one.width <= two.x or two.x + two.width <= one.x
            assert apart or one.y + one.height <= two.y or two.y + two.height <= one.y


def _spec(name: str) -> PipelineSpec:
    io = IOSpec(
        name="output", type="ndarray[tuple[Any, ...], dtype[float64]]", type_path="numpy.ndarray", kind="return"
    )
    steps = (
        StepSpec(name="first", step_name=name, source="m.first", inputs=(), outputs=(io,)),
        StepSpec(name="second", step_name="second", source="m.second", inputs=(io,), outputs=()),
    )
    edges = (EdgeSpec(source_step="first", source_output="output", target_step="second", target_input="output"),)
    return PipelineSpec(pipeline_name=name, steps=steps, edges=edges)


def test_svg_is_well_formed_escaped_and_coloured_by_status() -> None:
    hostile = "<script>x</script>&"
    svg = render_dag_svg(_spec(hostile), statuses={"first": "failed"})
    root = ET.fromstring(svg)  # well-formed XML: every name escaped
    nodes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-step")]
    assert {g.get("data-step"): g.get("class") for g in nodes} == {
        "first": "node status-failed",
        "second": "node status-pending",
    }
    assert "<script>" not in svg and "ndarray[float64]" in svg
    assert render_dag(_spec("p"), fmt="svg").startswith("<svg")


def test_zen_dag_writes_svg(project: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dag", "tests.zen_run.test_drawing:ADD", "--format", "svg"]) == 0
    out = capsys.readouterr().out
    root = ET.fromstring(out)
    assert {g.get("data-step") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-step")} == {
        "first",
        "second",
    }


def test_runs_steps_and_artifacts_render_as_html_in_notebooks(project: object) -> None:
    run = ADD.run()
    view = Client().get_run(run.id)
    html = view._repr_html_()
    assert "<svg" in html and "status-completed" in html and run.id in html
    step = view.steps["second"]
    assert "completed" in step._repr_html_()
    artifact = step.outputs["output"]
    assert "<code>4</code>" in artifact._repr_html_()
