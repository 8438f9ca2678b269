"""zen's view of a PyTorch module artifact as an ONNX model (``artifact.read(as_type=onnx.ModelProto)``,
``handle.view(onnx.ModelProto)``), exported by ``torch.onnx`` when read. A module readable this way defines
``example_inputs(self) -> tuple[torch.Tensor, ...]``. Importing this module imports torch and onnx.
"""

from __future__ import annotations

from zen_run._torch_onnx import TorchOnnxView

__all__ = ["TorchOnnxView"]
