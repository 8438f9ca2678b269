"""NumPy arrays as ``.npy`` files (never pickled), with a memory-mapped read view for large arrays."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._previews import npy_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["NumpyMaterializer", "NumpyMemmapView", "register"]

_FILE = "array.npy"


def _load(path: Path, *, mmap: bool) -> object:
    try:
        loaded: object = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (ValueError, OSError, EOFError) as exc:
        raise CorruptArtifactError(f"{path} is not a valid .npy file (truncated or corrupt): {exc}") from exc
    return loaded


class NumpyMaterializer(Materializer[object]):
    """``numpy.ndarray`` as ``array.npy`` (format version 1 of the .npy spec as NumPy writes it; no pickles)."""

    TYPES: ClassVar[tuple[type, ...]] = (np.ndarray,)
    FORMAT: ClassVar[str] = "npy"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "NumPy array (.npy, no pickle)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Save the array; object arrays are refused (they would need pickle)."""
        if not isinstance(value, np.ndarray):
            raise TypeError(f"NumpyMaterializer writes numpy arrays, not {type(value).__name__}")
        if value.dtype.hasobject:
            raise TypeError(
                "NumpyMaterializer cannot store arrays of Python objects without pickle; convert the array to a "
                "numeric or string dtype, or choose PickleMaterializer explicitly."
            )
        with (Path(artifact.uri) / _FILE).open("wb") as handle:
            np.save(handle, value, allow_pickle=False)

    def read(self, artifact: ArtifactLocation) -> object:
        """Load the whole array into memory."""
        return _load(Path(artifact.uri) / _FILE, mmap=False)

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """Shape, dtype and size in bytes."""
        if not isinstance(value, np.ndarray):
            return {}
        return {"shape": list(value.shape), "dtype": str(value.dtype), "nbytes": int(value.nbytes)}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """Shape, dtype, statistics and a histogram from the memory-mapped file (or the image itself)."""
        return npy_preview(Path(artifact.uri) / _FILE)


class NumpyMemmapView(Materializer[object]):
    """A read-only memory-mapped view of an ``.npy`` artifact: ask for ``numpy.memmap`` to get it."""

    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (np.memmap,)
    FORMAT: ClassVar[str] = "npy"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "NumPy array, memory-mapped read-only (view of npy)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Views only read; writing goes through NumpyMaterializer."""
        NumpyMaterializer().write(value, artifact)

    def read(self, artifact: ArtifactLocation) -> object:
        """Map the array without reading it into memory."""
        return _load(Path(artifact.uri) / _FILE, mmap=True)


def register(registry: MaterializerRegistry) -> None:
    """Register the NumPy materializer and its memory-mapped view."""
    registry.register(NumpyMaterializer)
    registry.register(NumpyMemmapView, writer=False)
