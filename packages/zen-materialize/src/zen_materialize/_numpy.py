"""NumPy arrays as ``.npy`` files (never pickled), a memory-mapped read view, and NumPy scalars.

An array is written in C order whatever its memory layout (layout is not part of an array's value), so one value
has one set of bytes. The dtype, including byte order, and every bit of the data (NaN payloads, ``-0.0``) are
kept. ``numpy.matrix``, ``numpy.recarray`` and ``numpy.memmap`` values are stored as ``matrix.npy``,
``recarray.npy`` and ``memmap.npy`` and come back as their class; masked arrays, arrays of Python objects and
other subclasses are refused when written.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import ClassVar, Final

import numpy as np

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._previews import npy_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError, UnstorableValueError
from zen_types import JSONValue

__all__ = [
    "VIEWS",
    "WRITERS",
    "NumpyMaterializer",
    "NumpyMemmapView",
    "NumpyScalarMaterializer",
    "canonical",
    "padding",
]

_FILE: Final = "array.npy"
_TAGGED: Final[dict[type, str]] = {np.matrix: "matrix", np.recarray: "recarray", np.memmap: "memmap"}


def padding(dtype: object) -> list[tuple[int, int]]:
    """The bytes of one item of ``dtype`` that hold no value: x87 extended precision (``np.longdouble`` on x86)
    keeps 10 bytes of each 12 or 16, and the rest is whatever memory held. Empty for every other dtype."""
    if not isinstance(dtype, np.dtype) or dtype.type not in (np.longdouble, np.clongdouble) or dtype.byteorder == ">":
        return []
    part = dtype.itemsize // (2 if dtype.kind == "c" else 1)
    if part not in (12, 16) or np.finfo(np.longdouble).nmant != 63:
        return []
    return [(start + 10, start + part) for start in range(0, dtype.itemsize, part)]


def canonical(array: object) -> object:
    """``array`` as a C-ordered ndarray with the padding bytes of extended-precision floats zeroed: one value, one
    set of bytes (a copy only where something changes)."""
    contiguous = np.asarray(array, order="C")
    gaps = padding(contiguous.dtype)
    if not gaps or contiguous.size == 0:
        return contiguous
    cleaned = contiguous.copy()
    raw = cleaned.reshape(-1).view(np.uint8).reshape(-1, cleaned.dtype.itemsize)
    for begin, end in gaps:
        raw[:, begin:end] = 0
    return cleaned


def _load(path: Path, *, mmap: bool) -> object:
    try:
        loaded: object = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (ValueError, OSError, EOFError) as exc:
        raise CorruptArtifactError(f"{path} is not a valid .npy file (truncated or corrupt): {exc}") from exc
    if not isinstance(loaded, np.ndarray):
        raise CorruptArtifactError(f"{path} does not hold one array.")
    return loaded


def _refuse(value: object, problem: str, fix: str) -> UnstorableValueError:
    cls = type(value)
    return UnstorableValueError(
        value_type=f"{cls.__module__}.{cls.__qualname__}", where="value", problem=problem, fix=fix
    )


def _stored(folder: Path) -> tuple[Path, str | None]:
    """The array file in ``folder`` and the class its name records (``array.npy``: a plain ndarray)."""
    for tag in _TAGGED.values():
        tagged = folder / f"{tag}.npy"
        if tagged.exists():
            return tagged, tag
    return folder / _FILE, None


def _rebuild(path: Path, tag: str | None) -> object:
    if tag == "memmap":
        return _load(path, mmap=True)
    array = _load(path, mmap=False)
    assert isinstance(array, np.ndarray)
    if tag == "matrix":
        with warnings.catch_warnings():  # numpy discourages matrix; the value was one when written
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return np.asmatrix(array)
    if tag == "recarray":
        return array.view(np.recarray)
    return array


class NumpyMaterializer(Materializer[object]):
    """``numpy.ndarray`` as ``array.npy`` (the .npy format as NumPy writes it, C order, no pickles)."""

    TYPES: ClassVar[tuple[type, ...]] = (np.ndarray,)
    FORMAT: ClassVar[str] = "npy"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "NumPy array (.npy, no pickle)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Save the array in C order; object arrays, masked arrays and unknown subclasses are refused."""
        if not isinstance(value, np.ndarray):
            raise _refuse(value, "it is not a numpy array", "Choose a materializer for its type.")
        cls = type(value)
        if isinstance(value, np.ma.MaskedArray):
            raise _refuse(
                value,
                "a masked array has a mask and a fill value that .npy cannot hold",
                "Return its .filled(value), or the data and numpy.ma.getmaskarray(a) as two outputs.",
            )
        if cls is not np.ndarray and cls not in _TAGGED:
            raise _refuse(
                value,
                f"{cls.__qualname__} is a subclass of numpy.ndarray that zen cannot rebuild",
                "Return numpy.asarray(value), or register a materializer for the subclass.",
            )
        if value.dtype.hasobject:
            raise _refuse(
                value,
                f"its dtype {value.dtype} holds Python objects, which .npy stores only with pickle",
                "Convert it to a numeric or string dtype, or choose PickleMaterializer explicitly.",
            )
        name = _FILE if cls is np.ndarray else f"{_TAGGED[cls]}.npy"
        stored = canonical(value)
        assert isinstance(stored, np.ndarray)
        with (Path(artifact.uri) / name).open("wb") as handle, warnings.catch_warnings():
            # non-ASCII field names need .npy format 3.0, which every NumPy zen supports (>= 2) reads
            warnings.filterwarnings("ignore", "Stored array in format 3.0", UserWarning)
            np.save(handle, stored, allow_pickle=False)

    def read(self, artifact: ArtifactLocation) -> object:
        """Load the whole array into memory (as the class it was written from)."""
        return _rebuild(*_stored(Path(artifact.uri)))

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """Shape, dtype and size in bytes."""
        if not isinstance(value, np.ndarray):
            return {}
        return {"shape": list(value.shape), "dtype": str(value.dtype), "nbytes": int(value.nbytes)}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """Shape, dtype, statistics and a histogram from the memory-mapped file (or the image itself)."""
        return npy_preview(_stored(Path(artifact.uri))[0])


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
        return _load(_stored(Path(artifact.uri))[0], mmap=True)


class NumpyScalarMaterializer(Materializer[object]):
    """A NumPy scalar (``numpy.float64``, ``numpy.bool``, ``numpy.str_``, ``numpy.datetime64``...) as a 0-d
    ``.npy``: its dtype and bits come back exactly."""

    TYPES: ClassVar[tuple[type, ...]] = (np.generic,)
    FORMAT: ClassVar[str] = "npy-scalar"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "NumPy scalar (0-d .npy)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Save the scalar as a 0-d array."""
        if not isinstance(value, np.generic):
            raise _refuse(value, "it is not a NumPy scalar", "Choose a materializer for its type.")
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise _refuse(value, "it holds a Python object", "Store the object itself.")
        stored = canonical(array)
        assert isinstance(stored, np.ndarray)
        with (Path(artifact.uri) / _FILE).open("wb") as handle:
            np.save(handle, stored, allow_pickle=False)

    def read(self, artifact: ArtifactLocation) -> object:
        """Load the 0-d array and return its scalar."""
        path = Path(artifact.uri) / _FILE
        array = _load(path, mmap=False)
        assert isinstance(array, np.ndarray)
        if array.ndim != 0:
            raise CorruptArtifactError(f"{path} holds an array of shape {array.shape}, not a scalar.")
        scalar: object = array[()]
        return scalar

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """The scalar's dtype."""
        return {"dtype": str(np.asarray(value).dtype)}


WRITERS: Final = (NumpyMaterializer, NumpyScalarMaterializer)
VIEWS: Final = (NumpyMemmapView,)
