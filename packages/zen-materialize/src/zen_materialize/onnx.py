"""zen's ONNX materializer and view: ``onnx.ModelProto`` values stored as ``model.onnx``, and a scikit-learn
artifact read as an ONNX model (``artifact.read(as_type=onnx.ModelProto)``, ``handle.view(onnx.ModelProto)``),
converted by skl2onnx when read.

Importing this module imports onnx (skl2onnx only when a model is converted); ``import zen_materialize`` imports
neither.
"""

from __future__ import annotations

from zen_materialize._onnx import OnnxModelMaterializer, SklearnOnnxView

__all__ = ["OnnxModelMaterializer", "SklearnOnnxView"]
