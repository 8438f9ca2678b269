"""The materializer registry zen-run uses, and the names a run records for a materializer.

zen-materialize's registry knows every materializer that needs only zen-materialize; this one adds those that
need zen-git too (a torch module's class is stored as pinned code), registered lazily so torch is imported only
when a module is written or read, and the view of a module as an ONNX model (when torch and onnx are installed).
A materializer's recorded name is its import path; the version a cache key changes with is its name, format and
format version.
"""

from __future__ import annotations

import importlib.util

from zen_materialize import Materializer, MaterializerError, MaterializerRegistry
from zen_materialize import default_registry as _materialize_registry

__all__ = ["default_registry", "explicit_writer", "materializer_name", "materializer_version"]


def default_registry() -> MaterializerRegistry:
    """zen-materialize's registry plus the torch module and checkpoint materializers (registered lazily)."""
    registry = _materialize_registry()
    registry.register_lazy(
        "zen_run._torch_module", types=["torch.nn.modules.module.Module"], formats=["zen-torch-module"]
    )
    registry.register_lazy(
        "zen_run._torch_checkpoint", types=["zen_run._torch_checkpoint.Checkpoint"], formats=["zen-torch-checkpoint"]
    )
    if all(importlib.util.find_spec(library) is not None for library in ("torch", "onnx")):
        # a module artifact read as an ONNX model; loaded when onnx.ModelProto is asked for
        registry.register_lazy("zen_run._torch_onnx", types=["onnx.onnx_ml_pb2.ModelProto"])
    return registry


def explicit_writer(registry: MaterializerRegistry, cls: type, tp: object) -> Materializer[object]:
    """Validate an explicitly chosen materializer class for an output of type ``tp``."""
    if not issubclass(cls, Materializer):
        raise MaterializerError(f"{cls!r} is not a Materializer subclass.")
    return registry.check_writer(cls, tp)


def materializer_name(materializer: Materializer[object]) -> str:
    """The materializer's import path."""
    return type(materializer).ref().name


def materializer_version(materializer: Materializer[object]) -> str:
    """Name, format and format version: what a cache key must change with."""
    return str(type(materializer).ref())
