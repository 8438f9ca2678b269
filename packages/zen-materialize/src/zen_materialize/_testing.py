"""The checks behind ``zen_materialize.testing`` (see there): round trip, same bytes, views and damage."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import decimal
import json
import shutil
import struct
import tempfile
import time
import zoneinfo
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import attrs

from zen_materialize._base import Location, Materializer
from zen_materialize._registry import MaterializerRegistry
from zen_materialize.errors import CorruptArtifactError, MaterializerError
from zen_types import install_hint

try:
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MaterializerError(
        f"zen_materialize.testing needs hypothesis: {install_hint('zen-materialize', extra='testing')}."
    ) from exc

__all__ = ["check_roundtrip", "same_value", "strategy_for"]

T = TypeVar("T")


def _same_float(a: float, b: float) -> bool:
    return struct.pack(">d", a) == struct.pack(">d", b)


def same_value(a: object, b: object) -> bool:
    """Strict equality for round trips: the same class at every level, floats bit for bit (NaN payloads, -0.0),
    dicts in the same order, datetimes with the same zone and ``fold``, records field by field."""
    if type(a) is not type(b):
        return False
    dtype = getattr(a, "dtype", None)
    tobytes = getattr(a, "tobytes", None)
    if dtype is not None and callable(tobytes) and not hasattr(a, "columns"):  # NumPy arrays and scalars
        other = getattr(b, "tobytes", None)
        same_shape = getattr(a, "shape", None) == getattr(b, "shape", None)
        if not (dtype == getattr(b, "dtype", None) and same_shape and callable(other)):
            return False
        return _value_bytes(a) == _value_bytes(b)
    if isinstance(a, float) and isinstance(b, float):
        return _same_float(a, b)
    if isinstance(a, complex) and isinstance(b, complex):
        return _same_float(a.real, b.real) and _same_float(a.imag, b.imag)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (set, frozenset)) and isinstance(b, (set, frozenset)):
        unmatched = list(b)
        for item in a:  # equal items by same_value, so NaN matches NaN (set equality would say no)
            match = next((i for i, other in enumerate(unmatched) if same_value(item, other)), None)
            if match is None:
                return False
            del unmatched[match]
        return not unmatched
    if isinstance(a, dict) and isinstance(b, dict):
        pairs = zip(a.items(), b.items(), strict=False)
        return len(a) == len(b) and all(same_value(ka, kb) and same_value(va, vb) for (ka, va), (kb, vb) in pairs)
    if isinstance(a, (dt.datetime, dt.time)) and isinstance(b, (dt.datetime, dt.time)):
        return (
            a == b
            and a.fold == b.fold
            and type(a.tzinfo) is type(b.tzinfo)
            and (a.tzinfo == b.tzinfo or _same_zone_key(a.tzinfo, b.tzinfo))
            and repr(a.tzinfo) == repr(b.tzinfo)
        )
    if isinstance(a, decimal.Decimal):
        return str(a) == str(b)
    if attrs.has(type(a)) or dataclasses.is_dataclass(a):
        return all(same_value(getattr(a, n), getattr(b, n)) for n in _field_names(a))
    if any(base.__module__.split(".")[0] == "pandas" for base in type(a).__mro__):
        return _same_pandas(a, b)
    equal: object = a == b
    if isinstance(equal, bool):
        return equal
    all_equal = getattr(equal, "all", None)  # array-likes compare element-wise
    return bool(all_equal()) if callable(all_equal) else bool(equal)


def _value_bytes(array: object) -> bytes:
    """The bytes of a NumPy array or scalar that hold its value (extended-precision padding zeroed)."""
    import numpy as np

    from zen_materialize._numpy import canonical

    cleaned = canonical(np.asarray(array))
    assert isinstance(cleaned, np.ndarray)
    return cleaned.tobytes()


def _same_zone_key(a: object, b: object) -> bool:
    """Two ``ZoneInfo`` objects of one key are one zone (``ZoneInfo.no_cache`` makes a second object of it)."""
    key = getattr(a, "key", None)
    return isinstance(a, zoneinfo.ZoneInfo) and isinstance(b, zoneinfo.ZoneInfo) and key is not None and key == b.key


def _same_pandas(a: object, b: object) -> bool:
    """pandas' own strict comparison (dtypes, index and column classes, freq, flags), plus ``attrs`` and names."""
    import pandas as pd

    strict = {"check_exact": True, "check_freq": True, "check_flags": True}
    try:
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_column_type=True, check_index_type=True, **strict)
        elif isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, b, check_index_type=True, **strict)
            if not same_value(a.name, getattr(b, "name", None)):
                return False
        elif isinstance(a, pd.Index):
            pd.testing.assert_index_equal(a, b, exact=True)
        elif not bool(a == b):
            return False
    except AssertionError:
        return False
    cells = (
        [a]
        if isinstance(a, pd.Series)
        else [a.iloc[:, i] for i in range(a.shape[1])]
        if isinstance(a, pd.DataFrame)
        else []
    )
    other = (
        [b]
        if isinstance(b, pd.Series)
        else [b.iloc[:, i] for i in range(b.shape[1])]
        if isinstance(b, pd.DataFrame)
        else []
    )
    for x, y in zip(cells, other, strict=True):
        if x.dtype == object and [type(v) for v in x.array] != [type(v) for v in y.array]:
            return False
        if not _same_float_bits(x, y) or not _same_float_bits(x.index, y.index):
            return False
    for name in getattr(type(a), "_metadata", ()):  # a subclass's own attributes, which pandas carries along
        if name != "_name" and not same_value(getattr(a, name, None), getattr(b, name, None)):
            return False
    return same_value(getattr(a, "attrs", None), getattr(b, "attrs", None))


def _same_float_bits(a: object, b: object) -> bool:
    """NumPy float data compared bit for bit (pandas' own comparison takes every NaN for every other)."""
    import numpy as np

    dtype = getattr(a, "dtype", None)
    if not isinstance(dtype, np.dtype) or dtype.kind not in "fc":
        return True
    to_numpy, other = getattr(a, "to_numpy", None), getattr(b, "to_numpy", None)
    if not callable(to_numpy) or not callable(other):
        return True
    mine: object = to_numpy()
    theirs: object = other()
    return isinstance(mine, np.ndarray) and isinstance(theirs, np.ndarray) and mine.tobytes() == theirs.tobytes()


def _field_names(record: object) -> list[str]:
    cls = type(record)
    if attrs.has(cls):
        return [f.name for f in attrs.fields(cls)]
    assert dataclasses.is_dataclass(record) and not isinstance(record, type)
    return [f.name for f in dataclasses.fields(record)]


def strategy_for(tp: type[T]) -> st.SearchStrategy[T]:
    """A hypothesis strategy for values of ``tp`` (``st.from_type``)."""
    return st.from_type(tp)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def check_roundtrip(
    materializer: Materializer[T],
    strategy: st.SearchStrategy[T],
    *,
    equal: Callable[[T, T], bool] = same_value,
    max_examples: int | None = None,
    examples: Sequence[T] = (),
) -> None:
    """Assert, for every example ``strategy`` generates and each of ``examples`` (values always tried first, as
    hypothesis's ``@example``): round trip, same bytes, views and damage (see above)."""
    cls = type(materializer)
    registry = MaterializerRegistry()
    registry.register(cls, writer=False)  # raises a definition error for a malformed class
    name = cls.__qualname__
    options = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    if max_examples is not None:
        options = settings(options, max_examples=max_examples)

    def read_as(location: Location, as_type: type) -> T:
        back: T = registry.read(location, format=cls.FORMAT, as_type=as_type)  # type: ignore[assignment]  # checked below by equal()
        return back

    kept: list[T] = []

    def check(value: T) -> None:
        with tempfile.TemporaryDirectory(prefix="zen-kit-") as directory:
            first, second = Path(directory, "first"), Path(directory, "second")
            first.mkdir()
            second.mkdir()
            twin = _twin(value)  # before anything else touches the value
            if not kept:
                kept.append(_twin(value))
            materializer.write(value, Location(str(first)))
            materializer.write(twin, Location(str(second)))
            _assert_same_files(name, value, first, second)
            back = materializer.read(Location(str(first)))
            assert equal(value, back), f"{name}: wrote {value!r}, read back {back!r}"
            json.dumps(materializer.metadata(value))
            for claimed in _declarable(type(value), cls.reads()):
                viewed = read_as(Location(str(first)), claimed)
                # compared with a fresh read (equal to the value, checked above): an equality that runs
                # the value (a training step, eval mode) may have changed the value itself by now
                reference = materializer.read(Location(str(first)))
                assert equal(reference, viewed), f"{name}: read as {claimed.__qualname__}, got {viewed!r}"
            stranger = _unwritten_subclass(type(value))
            if stranger is not None:
                try:
                    wrong = read_as(Location(str(first)), stranger)
                except MaterializerError:
                    pass
                else:
                    raise AssertionError(
                        f"{name}: read as {stranger.__qualname__}, a subclass the value was not written from, it "
                        f"returned {wrong!r} instead of refusing"
                    )
            _check_damage(materializer, first, Path(directory), equal)

    options(_with_examples(given(strategy)(check), examples))()
    if kept:  # one value again, its two writes in two seconds (and two 2 s zip-time slots): a coarse clock shows
        with tempfile.TemporaryDirectory(prefix="zen-kit-") as directory:
            first, second = Path(directory, "first"), Path(directory, "second")
            first.mkdir()
            second.mkdir()
            twin = _twin(kept[0])
            started = time.time()
            materializer.write(kept[0], Location(str(first)))
            time.sleep(2.0 - started % 2.0 + 0.01)
            materializer.write(twin, Location(str(second)))
            _assert_same_files(name, kept[0], first, second)


def _with_examples(test: Callable[[], None], examples: Sequence[object]) -> Callable[[], None]:
    """``test`` (a hypothesis test) trying each of ``examples`` before what its strategy generates."""
    for value in examples:
        test = example(value)(test)
    return test


def _assert_same_files(name: str, value: object, first: Path, second: Path) -> None:
    files, again = _files(first), _files(second)
    assert files.keys() == again.keys(), (
        f"{name}: two writes of {value!r:.200} made files {sorted(files)} and {sorted(again)}"
    )
    for file_name in files:
        assert files[file_name] == again[file_name], (
            f"{name}: two writes of the same value gave different bytes in {file_name} (a time, address or random "
            f"name in the file?). The content hash is part of every cache key: write canonical bytes."
        )


def _twin(value: T) -> T:
    """A deep copy of ``value`` (other objects, other memory addresses), or ``value`` when it cannot be copied as
    itself: a second write of the twin must give the same bytes, so a writer embedding ``id()`` is caught."""
    try:
        twin = copy.deepcopy(value)
    except Exception:  # values that refuse to be copied are written twice as they are
        return value
    return twin if type(twin) is type(value) else value


def _declarable(value_class: type, claimed: tuple[type, ...]) -> list[type]:
    """Every class a step could declare for a value of ``value_class`` that the materializer claims: the classes
    of its MRO that are, or derive from, a claimed class (``Pipeline`` and ``BaseEstimator`` for a pipeline)."""
    return [c for c in value_class.__mro__ if c is not object and any(issubclass(c, claim) for claim in claimed)]


def _unwritten_subclass(value_class: type) -> type | None:
    """A new subclass of the value's class (None where the class cannot be subclassed: ``bool``, an enum)."""
    try:
        return type(f"Not{value_class.__name__}", (value_class,), {})
    except Exception:  # final classes raise TypeError; __init_subclass__ hooks raise anything
        return None


def _check_damage(materializer: Materializer[T], written: Path, scratch: Path, equal: Callable[[T, T], bool]) -> None:
    name = type(materializer).__qualname__
    for index, file_name in enumerate(_files(written)):
        for damage in ("truncated", "deleted"):
            copy = scratch / f"{damage}-{index}"
            shutil.copytree(written, copy)
            target = copy / file_name
            if damage == "deleted":
                target.unlink()
            else:
                data = target.read_bytes()
                if not data:
                    continue
                target.write_bytes(data[: len(data) // 2])
            try:
                back = materializer.read(Location(str(copy)))
            except CorruptArtifactError:
                continue
            except Exception as exc:
                raise AssertionError(
                    f"{name}: reading with {file_name} {damage} raised {type(exc).__name__}: {exc}; read() must "
                    f"raise CorruptArtifactError for damaged files."
                ) from exc
            assert damage == "truncated" and equal(materializer.read(Location(str(written))), back), (
                f"{name}: reading with {file_name} {damage} returned {back!r} instead of raising CorruptArtifactError."
            )
