"""A PyTorch module artifact read as an ONNX model: exported when read (nothing stored twice), predicting what the
module predicts, for any batch size; modules that cannot be traced are refused naming the fix."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from onnx.reference import ReferenceEvaluator

from tests.zen_run.torch_models import MLP, Doubler, mlps
from zen_materialize import ArtifactReadError, Location, UnstorableValueError
from zen_run._registry import default_registry
from zen_run.torch import TorchModuleMaterializer
from zen_run.torch_onnx import TorchOnnxView


def _as_onnx(module: torch.nn.Module, folder: Path) -> onnx.ModelProto:
    TorchModuleMaterializer().write(module, Location(str(folder)))
    before = sorted(p.name for p in folder.iterdir())
    graph = default_registry().read(Location(str(folder)), format="zen-torch-module", as_type=onnx.ModelProto)
    assert sorted(p.name for p in folder.iterdir()) == before  # a view: nothing written
    assert isinstance(graph, onnx.ModelProto)
    return graph


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(model=mlps())
def test_a_module_read_as_onnx_predicts_what_it_predicts_for_any_batch(
    model: MLP, tmp_path_factory: pytest.TempPathFactory
) -> None:
    graph = _as_onnx(model, tmp_path_factory.mktemp("module"))
    onnx.checker.check_model(graph)
    evaluator = ReferenceEvaluator(graph)
    for rows in (1, 5):
        x = torch.randn(rows, model.hparams.sizes[0], generator=torch.Generator().manual_seed(rows))
        with torch.no_grad():
            expected = model.eval()(x).numpy()
        outputs: object = evaluator.run(None, {evaluator.input_names[0]: x.numpy()})
        assert isinstance(outputs, list)
        np.testing.assert_allclose(np.asarray(outputs[0]), expected, rtol=1e-4, atol=1e-5)


def test_a_module_without_example_inputs_is_refused_naming_the_fix(tmp_path: Path) -> None:
    TorchModuleMaterializer().write(Doubler(), Location(str(tmp_path)))
    with pytest.raises(ArtifactReadError, match=r"Doubler has no example_inputs\(\).*def example_inputs\(self\)"):
        default_registry().read(Location(str(tmp_path)), format="zen-torch-module", as_type=onnx.ModelProto)


def test_the_view_cannot_store_an_onnx_model_as_a_module(tmp_path: Path) -> None:
    with pytest.raises(UnstorableValueError, match=r"cannot be stored as a PyTorch module. Return the module"):
        TorchOnnxView().write(onnx.ModelProto(), Location(str(tmp_path)))


def test_reading_a_module_as_itself_does_not_import_onnx(tmp_path: Path) -> None:
    import subprocess
    import sys

    TorchModuleMaterializer().write(Doubler(), Location(str(tmp_path)))
    code = (
        "import sys\nfrom zen_materialize import Location\nfrom zen_run._registry import default_registry\n"
        f"default_registry().read(Location({str(tmp_path)!r}), format='zen-torch-module')\n"
        "print('onnx' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "False"
