"""Views inside pipelines: ``handle.view(V)`` hands a stored artifact to a step as another type, checked when
the pipeline is wired (types) and compiled (a reader for the stored format as ``V``)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from tests.zen_run import view_pipelines as vp
from zen_run import Client, CompileError, Handle
from zen_types.errors import WiringError


def test_one_dataframe_is_read_as_a_dataset_a_stream_arrow_and_itself(project: Path) -> None:
    """Each viewing step gets the view's type, also when the upstream value is still in memory."""
    run = vp.viewed(
        source=vp.make_frame(),
        batches=vp.count_batches(),
        streamed=vp.total_streamed(),
        arrow=vp.arrow_rows(),
        plain=vp.frame_rows(),
    ).run()
    assert run.status == "completed"
    assert run.steps["batches"].outputs["output"].read() == 3
    assert vp.SEEN["dataset"] == "TableDataset"
    assert run.steps["streamed"].outputs["output"].read() == 45.0
    assert run.steps["arrow"].outputs["output"].read() == 10
    assert run.steps["plain"].outputs["output"].read() == 10


def test_a_dataframe_is_read_by_polars_steps_and_a_polars_frame_by_pandas(project: Path) -> None:
    """``.view(polars.DataFrame)`` on a pandas output, and ``.view(pandas.DataFrame)`` on a polars output."""
    import polars as pl

    run = vp.viewed_as_polars(
        source=vp.make_frame(), mean=vp.polars_mean(), evens=vp.polars_evens(), rows=vp.frame_rows()
    ).run()
    assert run.status == "completed"
    assert run.steps["mean"].outputs["output"].read() == 4.5
    assert run.steps["rows"].outputs["output"].read() == 5
    evens = Client().get_run(run.id).steps["evens"].outputs["output"]
    assert evens.record.format == "parquet" and evens.record.metadata["rows"] == 5
    back = evens.read()
    assert isinstance(back, pl.DataFrame)
    assert back.equals(pl.DataFrame({"x": [0.0, 2.0, 4.0, 6.0, 8.0], "y": [0, 0, 0, 0, 0]}))
    source = Client().get_run(run.id).steps["source"].outputs["output"].read(as_type=pl.DataFrame)
    assert isinstance(source, pl.DataFrame) and source.shape == (10, 2)


def test_a_list_of_images_crosses_steps_with_its_materializer_chosen_explicitly(project: Path) -> None:
    from zen_materialize.images import ImageListMaterializer

    source = vp.draw_squares(materializers={"output": ImageListMaterializer})
    run = vp.squares(source=source, reader=vp.brightest()).run()
    assert run.steps["reader"].outputs["output"].read() == 80
    stored = Client().get_run(run.id).steps["source"].outputs["output"]
    assert stored.record.format == "png-list" and stored.record.metadata["count"] == 3
    assert "3 images, all shown" in str(stored.visualize())


def test_a_sklearn_model_is_handed_on_as_an_onnx_graph_without_a_second_copy(project: Path) -> None:
    import onnx

    run = vp.portable(fit=vp.fit_classifier(), labels=vp.onnx_labels()).run()
    assert run.steps["labels"].outputs["output"].read() == [1, 0, 1, 0]
    stored = Client().get_run(run.id).steps["fit"].outputs["output"]
    assert stored.record.format == "skops"
    files = sorted(p.name for p in Path(stored.uri).iterdir())
    graph = stored.read(as_type=onnx.ModelProto)
    assert isinstance(graph, onnx.ModelProto) and [o.name for o in graph.graph.output] == ["label", "probabilities"]
    assert sorted(p.name for p in Path(stored.uri).iterdir()) == files  # converted when read, nothing stored


def test_a_torch_module_is_handed_on_as_an_onnx_graph(project: Path) -> None:
    run = vp.portable_module(build=vp.build_mlp(), width=vp.onnx_output_width()).run()
    assert run.steps["width"].outputs["output"].read() == 2


def test_a_view_without_a_reader_fails_at_compile_naming_both_types(project: Path) -> None:
    """No reader reads parquet as a tensor: the run is refused before any step runs, naming output and view."""
    instance = vp.bad_view(source=vp.make_frame(), consumer=vp.needs_tensor())
    with pytest.raises(
        CompileError, match=r'views output "output" of step "source" \(.*DataFrame, stored as parquet\) as .*Tensor'
    ):
        instance.run()


def test_a_view_the_step_does_not_accept_is_a_wiring_error(project: Path) -> None:
    """The view's type is checked against the input like any handle's type."""
    with pytest.raises(
        WiringError, match=r'Input "frame" of step "consumer \(frame_rows\)" expects DataFrame.*has type Table'
    ):
        vp.mistyped_view(source=vp.make_frame(), consumer=vp.frame_rows())


def test_view_keeps_the_output_and_records_the_stored_type() -> None:
    """A viewed handle still names the same output; only the type it carries changes."""
    handle = Handle[object](producer="load", output_name="output", type_=int, trace_id=1)
    viewed = handle.view(pa.Table)
    assert (viewed.producer, viewed.output_name, viewed.trace_id) == ("load", "output", 1)
    assert viewed.type is pa.Table and viewed.stored_type is int and viewed.is_view and not handle.is_view
    assert viewed.view(float).stored_type is int


def test_view_refuses_what_is_not_a_class() -> None:
    """``.view("Table")`` is a wiring error that says what to pass."""
    handle = Handle[object](producer="load", output_name="output", type_=int, trace_id=1)
    with pytest.raises(WiringError, match=r"takes the class to read the artifact as"):
        handle.view("Table")  # type: ignore[arg-type]  # the mistake this test pins
