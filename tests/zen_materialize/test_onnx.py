"""ONNX: models stored with the same bytes in every process and checked when read; a scikit-learn artifact read as
an ONNX graph that predicts what the estimator predicts, converted when read (nothing extra stored)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator
from sklearn.linear_model import LogisticRegression
from sklearn.semi_supervised import LabelSpreading

from tests.zen_materialize.onnx_strategies import Floats, fitted, models, same_model
from zen_materialize import ArtifactReadError, CorruptArtifactError, Location, UnstorableValueError, default_registry
from zen_materialize._sklearn import SklearnMaterializer
from zen_materialize.onnx import OnnxModelMaterializer, SklearnOnnxView
from zen_materialize.testing import check_roundtrip


def _classifier() -> object:
    x = np.random.default_rng(0).normal(size=(30, 3)).astype(np.float32)
    return LogisticRegression().fit(x, (x[:, 0] > 0).astype(np.int64))


def _identity() -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["X"], ["Y"])],
        "identity",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def test_onnx_models_round_trip_with_the_same_bytes() -> None:
    check_roundtrip(OnnxModelMaterializer(), models(), equal=same_model, max_examples=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fitted())
def test_a_sklearn_model_read_as_onnx_predicts_what_it_predicts(case: tuple[object, Floats]) -> None:
    estimator, x = case
    with tempfile.TemporaryDirectory() as folder:
        SklearnMaterializer().write(estimator, Location(folder))
        before = sorted(p.name for p in Path(folder).iterdir())
        graph = default_registry().read(Location(folder), format="skops", as_type=onnx.ModelProto)
        assert sorted(p.name for p in Path(folder).iterdir()) == before  # a view: nothing written
    assert isinstance(graph, onnx.ModelProto)
    onnx.checker.check_model(graph)
    with np.errstate(over="ignore"):  # a sigmoid of a large logit overflows exp() to inf, and rightly gives 0 or 1
        outputs: object = ReferenceEvaluator(graph).run(None, {"X": x})
    assert isinstance(outputs, list)
    predict = getattr(estimator, "predict")  # noqa: B009  # every generated estimator predicts
    expected = np.asarray(predict(x))
    proba = getattr(estimator, "predict_proba", None)
    if proba is None:
        np.testing.assert_allclose(np.asarray(outputs[0]).reshape(-1), expected, rtol=1e-4, atol=1e-3)
        return
    probabilities = np.asarray(proba(x))
    np.testing.assert_allclose(np.asarray(outputs[1]), probabilities, atol=1e-5)
    clear = np.abs(probabilities[:, 1] - 0.5) > 1e-4  # float32 may break a near-tie the other way
    assert np.array_equal(np.asarray(outputs[0])[clear], expected[clear])


def test_the_converted_graph_has_the_same_bytes_on_every_read(tmp_path: Path) -> None:
    SklearnMaterializer().write(_classifier(), Location(str(tmp_path)))
    first = SklearnOnnxView().read(Location(str(tmp_path)))
    assert same_model(first, SklearnOnnxView().read(Location(str(tmp_path))))


def test_an_estimator_without_a_converter_is_refused_naming_it(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(20, 2))
    SklearnMaterializer().write(LabelSpreading().fit(x, (x[:, 0] > 0).astype(int)), Location(str(tmp_path)))
    with pytest.raises(
        ArtifactReadError, match=r"as onnx.ModelProto .*cannot convert the LabelSpreading to ONNX"
    ) as caught:
        default_registry().read(Location(str(tmp_path)), format="skops", as_type=onnx.ModelProto)
    assert "\n" not in str(caught.value)


def test_the_view_cannot_store_an_onnx_model_as_sklearn(tmp_path: Path) -> None:
    with pytest.raises(UnstorableValueError, match=r"cannot be stored as a scikit-learn model. Return the estimator"):
        SklearnOnnxView().write(_identity(), Location(str(tmp_path)))


def test_a_model_cut_at_a_field_boundary_is_corrupt_not_a_smaller_model(tmp_path: Path) -> None:
    model = _identity()
    OnnxModelMaterializer().write(model, Location(str(tmp_path)))
    data = (tmp_path / "model.onnx").read_bytes()
    shorter = onnx.ModelProto()
    shorter.CopyFrom(model)
    shorter.ClearField("graph")  # a valid protobuf that is a prefix-free part of the original
    (tmp_path / "model.onnx").write_bytes(shorter.SerializeToString(deterministic=True))
    with pytest.raises(CorruptArtifactError, match=r"does not match its recorded length and sha256"):
        OnnxModelMaterializer().read(Location(str(tmp_path)))
    (tmp_path / "model.onnx").write_bytes(data)
    assert same_model(OnnxModelMaterializer().read(Location(str(tmp_path))), model)


def test_the_registry_writes_onnx_models_and_reads_skops_as_the_estimator_by_default(tmp_path: Path) -> None:
    assert isinstance(default_registry().writer_for(onnx.ModelProto), OnnxModelMaterializer)
    SklearnMaterializer().write(_classifier(), Location(str(tmp_path)))
    assert type(default_registry().read(Location(str(tmp_path)), format="skops")) is LogisticRegression


_WRITER = """
import sys
import numpy as np
from onnx import TensorProto, helper, numpy_helper
from zen_materialize import Location
from zen_materialize.onnx import OnnxModelMaterializer
w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2), name="W")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["X", "W"], ["Y"])], "g",
    [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])], initializer=[w],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="zen-tests")
model.metadata_props.add(key="a", value="1")
model.metadata_props.add(key="b", value="2")
OnnxModelMaterializer().write(model, Location(sys.argv[1]))
"""


def test_onnx_files_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """The same model written by two processes gives the same bytes, so the same content hash."""
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        subprocess.run([sys.executable, "-c", _WRITER, str(tmp_path / name)], check=True)
    for file_name in ("model.onnx", "onnx.json"):
        assert (tmp_path / "one" / file_name).read_bytes() == (tmp_path / "two" / file_name).read_bytes()
