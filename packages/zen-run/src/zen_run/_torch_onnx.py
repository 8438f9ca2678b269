"""A PyTorch module artifact read as an ONNX model: a portable view, exported when read, never stored twice.

Reading a ``zen-torch-module`` artifact as ``onnx.ModelProto`` (``artifact.read(as_type=onnx.ModelProto)``,
``handle.view(onnx.ModelProto)``) rebuilds the module as :class:`TorchModuleMaterializer` does (pinned class,
safetensors weights, nothing unpickled) and exports it in eval mode with ``torch.onnx.export`` (the dynamo
exporter, which needs onnxscript). Tracing needs an example input, so a module readable as ONNX says what one
batch looks like with a method ``example_inputs(self) -> tuple[torch.Tensor, ...]``; the first dimension of each
input is exported as a dynamic batch size. A module without it, or one the exporter refuses, is an
``ArtifactReadError`` naming the class and the fix. Registered lazily: torch and onnx are imported only when a
module artifact is read as an ONNX model.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import onnx
import torch

from zen_materialize import ArtifactKind, ArtifactLocation, ArtifactReadError, Materializer, UnstorableValueError
from zen_run._torch_module import TorchModuleMaterializer

if TYPE_CHECKING:
    from zen_materialize import MaterializerRegistry

__all__ = ["TorchOnnxView", "register"]

_EXAMPLE_FIX = (
    "define `def example_inputs(self) -> tuple[torch.Tensor, ...]` on the class, returning one example batch "
    "(its first dimension is exported as the batch size)"
)


class TorchOnnxView(Materializer[onnx.ModelProto]):
    """A PyTorch module artifact read as an ONNX model, exported by ``torch.onnx`` when read.

    One-way: an ONNX graph cannot be turned back into the module's class, so ``write`` refuses.
    """

    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (onnx.ModelProto,)
    FORMAT: ClassVar[str] = TorchModuleMaterializer.FORMAT
    FORMAT_VERSION: ClassVar[int] = TorchModuleMaterializer.FORMAT_VERSION
    DESCRIPTION: ClassVar[str] = "PyTorch module as an ONNX model (view, exported by torch.onnx when read)"
    KIND: ClassVar[ArtifactKind] = ArtifactKind.MODEL

    def write(self, value: onnx.ModelProto, artifact: ArtifactLocation) -> None:
        """Refused: store the module itself (or the ONNX model as format onnx)."""
        raise UnstorableValueError(
            value_type="onnx.ModelProto",
            where="value",
            problem="an ONNX model cannot be stored as a PyTorch module",
            fix="Return the module (it reads as ONNX through this view), or store the ONNX model itself "
            "(onnx.ModelProto outputs are stored as format onnx).",
        )

    def read(self, artifact: ArtifactLocation) -> onnx.ModelProto:
        """Rebuild the module from its pinned class and weights, then export it with its example inputs."""
        module = TorchModuleMaterializer().read(artifact)
        name = type(module).__qualname__

        def refused(reason: str) -> ArtifactReadError:
            return ArtifactReadError(
                artifact=artifact.uri, value_type="onnx.ModelProto", materializer=self.ref().name, reason=reason
            )

        example = getattr(module, "example_inputs", None)
        if not callable(example):
            raise refused(f"{name} has no example_inputs() to trace it with; {_EXAMPLE_FIX}.")
        inputs = example()
        if not isinstance(inputs, tuple) or not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
            raise refused(f"{name}.example_inputs() must return a non-empty tuple of tensors; {_EXAMPLE_FIX}.")
        return _export(module.eval(), inputs, refused)


def _export(
    module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], refused: Callable[[str], ArtifactReadError]
) -> onnx.ModelProto:
    """``torch.onnx.export`` with a dynamic batch dimension, its chatter silenced (warnings and log lines)."""
    batch = torch.export.Dim("batch")
    dynamic = tuple({0: batch} if t.dim() else {} for t in inputs)
    exporter_logs = logging.getLogger("torch.onnx")
    level = exporter_logs.level
    exporter_logs.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecations inside the exporter the caller cannot act on
            program = torch.onnx.export(module, inputs, dynamo=True, dynamic_shapes=dynamic, verbose=False)
    except Exception as exc:  # the exporter raises many kinds (torch._dynamo, export and onnxscript errors)
        first_line = (str(exc).strip().splitlines() or [""])[0]
        raise refused(
            f"torch.onnx could not export {type(module).__qualname__} ({type(exc).__name__}: {first_line}); make "
            f"forward() traceable, or export it yourself"
        ) from exc
    finally:
        exporter_logs.setLevel(level)
    if program is None:  # pragma: no cover - the dynamo exporter always returns a program
        raise RuntimeError("torch.onnx.export returned nothing")
    model: onnx.ModelProto = program.model_proto
    return model


def register(registry: MaterializerRegistry) -> None:
    """Register the view (a reader only)."""
    registry.register(TorchOnnxView, writer=False)
