"""PyTorch tensors as safetensors (never pickled), and npy artifacts read as tensors without a copy.

A tensor artifact is two files: ``tensor.safetensors`` (one tensor named ``tensor``, no header metadata) and
``tensor.json`` (the device it was on and whether it required grad). The tensor is written detached, on the CPU
and contiguous, so two tensors with the same dtype, shape and elements give the same bytes whatever their
strides or device; reading gives a contiguous CPU tensor (the recorded device is in the artifact's metadata:
zen does not assume the reading machine has it). The dtypes are the ones safetensors stores; any other
(complex128, quantized, sub-byte) is refused when writing, with the dtype to convert to named.

An ``npy`` artifact read as ``torch.Tensor`` is memory-mapped copy-on-write: no copy is made until the step
writes into it, and the file is never changed. (Tables as datasets are in ``_torch_tables``.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

import numpy as np
import safetensors
import safetensors.torch
import torch

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._previews import safetensors_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import ArtifactReadError, CorruptArtifactError, UnstorableValueError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = [
    "SAFETENSORS_DTYPES",
    "NumpyTensorView",
    "TensorMaterializer",
    "canonical_tensor",
    "load_safetensors",
    "register",
]

_TENSOR: Final = "tensor.safetensors"
_INFO: Final = "tensor.json"
_KEY: Final = "tensor"

SAFETENSORS_DTYPES: Final[frozenset[torch.dtype]] = frozenset(
    {
        torch.bool,
        torch.uint8,
        torch.uint16,
        torch.uint32,
        torch.uint64,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.float8_e4m3fn,
        torch.float8_e4m3fnuz,
        torch.float8_e5m2,
        torch.float8_e5m2fnuz,
        torch.complex64,
    }
)
"""The tensor dtypes safetensors stores (and so zen stores); every other dtype is refused when writing."""

_CONVERT_TO: Final = {
    torch.complex32: "torch.complex64",
    torch.complex128: "torch.complex64 (losing precision) or split it with torch.view_as_real",
}


def canonical_tensor(value: torch.Tensor, where: str, *, value_type: str = "torch.Tensor") -> torch.Tensor:
    """``value`` detached, dense, on the CPU and contiguous; refuses what safetensors cannot store, naming
    ``where`` the tensor is inside the stored value (``"value"`` for a tensor itself) of type ``value_type``."""
    if value.layout != torch.strided:
        raise UnstorableValueError(
            value_type=value_type,
            where=where,
            problem=f"the tensor is {value.layout}; zen stores dense tensors",
            fix="Convert it with .to_dense() first.",
        )
    if value.is_quantized or value.dtype not in SAFETENSORS_DTYPES:
        hint = _CONVERT_TO.get(value.dtype, "a supported dtype (for example torch.float32)")
        raise UnstorableValueError(
            value_type=value_type,
            where=where,
            problem=f"the tensor has dtype {value.dtype}, which safetensors cannot store",
            fix=f"Convert it to {hint} with .to(...) first. Stored dtypes: "
            f"{', '.join(sorted(str(d) for d in SAFETENSORS_DTYPES))}.",
        )
    if value.device.type == "meta":
        raise UnstorableValueError(
            value_type=value_type,
            where=where,
            problem="the tensor is on the meta device and has no data to store",
            fix="Materialize it first.",
        )
    return value.detach().to("cpu").contiguous()


def _read_info(path: Path) -> dict[str, JSONValue]:
    try:
        info: object = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptArtifactError(f"{path} is not valid JSON (truncated or corrupt): {exc}") from exc
    if not isinstance(info, dict):
        raise CorruptArtifactError(f"{path} does not describe a tensor.")
    return info


def load_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """All tensors of a safetensors file, with damage reported as CorruptArtifactError."""
    try:
        return safetensors.torch.load_file(path)
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (safetensors.SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CorruptArtifactError(f"{path} is not a valid safetensors file (truncated or corrupt): {exc}") from exc


class TensorMaterializer(Materializer[torch.Tensor]):
    """``torch.Tensor`` as safetensors: dtype, shape and elements kept; strides canonical; device recorded."""

    TYPES: ClassVar[tuple[type, ...]] = (torch.Tensor,)
    FORMAT: ClassVar[str] = "safetensors"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "PyTorch tensor (safetensors, no pickle)"

    def write(self, value: torch.Tensor, artifact: ArtifactLocation) -> None:
        """Write the tensor contiguous on the CPU, and where it came from beside it."""
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"TensorMaterializer writes torch tensors, not {type(value).__name__}")
        tensor = canonical_tensor(value, "value")
        safetensors.torch.save_file({_KEY: tensor}, self.path(artifact, _TENSOR))
        info = {"device": str(value.device), "requires_grad": value.requires_grad}
        self.path(artifact, _INFO).write_text(json.dumps(info, sort_keys=True), encoding="utf-8")

    def read(self, artifact: ArtifactLocation) -> torch.Tensor:
        """Read the tensor onto the CPU (``requires_grad`` as it was written)."""
        info = _read_info(self.path(artifact, _INFO))
        tensors = load_safetensors(self.path(artifact, _TENSOR))
        tensor = tensors.get(_KEY)
        if tensor is None or len(tensors) != 1:
            raise CorruptArtifactError(f"{artifact.uri}: {_TENSOR} does not hold one tensor named {_KEY!r}.")
        if info.get("requires_grad") is True:
            tensor.requires_grad_(True)
        return tensor

    def metadata(self, value: torch.Tensor) -> dict[str, JSONValue]:
        """Shape, dtype, device and size in bytes."""
        return {
            "shape": list(value.shape),
            "dtype": str(value.dtype),
            "device": str(value.device),
            "nbytes": value.numel() * value.element_size(),
        }

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """Shape, dtype, statistics and a histogram, memory-mapped from the file (nothing is loaded into torch)."""
        return safetensors_preview(self.path(artifact, _TENSOR), _KEY)


class NumpyTensorView(Materializer[torch.Tensor]):
    """An ``npy`` artifact read as a ``torch.Tensor`` that shares the memory-mapped file (copy-on-write)."""

    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (torch.Tensor,)
    FORMAT: ClassVar[str] = "npy"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "NumPy array as a torch tensor, memory-mapped (view of npy)"

    def write(self, value: torch.Tensor, artifact: ArtifactLocation) -> None:
        """Write the tensor as an ``npy`` array (for dtypes NumPy has; tensors are normally written as safetensors)."""
        tensor = canonical_tensor(value, "value")
        try:
            array = tensor.numpy()
        except TypeError as exc:
            raise UnstorableValueError(
                value_type="torch.Tensor",
                where="value",
                problem=f"the tensor has dtype {tensor.dtype}, which NumPy has no type for",
                fix="Store it with TensorMaterializer.",
            ) from exc
        with self.path(artifact, "array.npy").open("wb") as handle:
            np.save(handle, array, allow_pickle=False)

    def read(self, artifact: ArtifactLocation) -> torch.Tensor:
        """Map the array copy-on-write and wrap it without copying (a copy only where torch has no such dtype)."""
        path = self.path(artifact, "array.npy")
        try:
            loaded: object = np.load(path, mmap_mode="c", allow_pickle=False)
        except FileNotFoundError as exc:
            raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
        except (ValueError, OSError, EOFError) as exc:
            raise CorruptArtifactError(f"{path} is not a valid .npy file (truncated or corrupt): {exc}") from exc
        if not isinstance(loaded, np.ndarray):
            raise CorruptArtifactError(f"{path} does not hold one array.")
        try:
            return torch.from_numpy(loaded)
        except TypeError as exc:
            raise ArtifactReadError(
                artifact=str(path.parent),
                value_type="torch.Tensor",
                materializer=type(self).ref().name,
                reason=f"it holds a NumPy array of dtype {loaded.dtype}, which torch has no tensor type for; read it "
                f"as numpy.ndarray instead.",
            ) from exc


def register(registry: MaterializerRegistry) -> None:
    """Register the tensor materializer and the memory-mapped tensor view of npy artifacts."""
    registry.register(TensorMaterializer)
    registry.register(NumpyTensorView, writer=False)
