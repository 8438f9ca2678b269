"""pandas DataFrames and Series as parquet through pyarrow, checked to read back as written.

A frame is stored as ``data.parquet``: pyarrow's pandas metadata keeps the index, dtypes and ``attrs``, and a
``zen`` entry of the schema metadata keeps what parquet loses and zen restores: the exact class (a DataFrame or
Series subclass is rebuilt from its import path), a ``RangeIndex`` of column labels, the index's ``freq``, and
datetime units parquet widens (``datetime64[s]`` is stored as milliseconds). A Series is stored as a one-column
frame; its name is kept with zen-json's tags, so a tuple name stays a tuple.

Everything else pyarrow would change is refused when written, never discovered when read: the write reads the
file back and compares class, labels, index, each column's dtype, values and cell types, ``attrs`` and flags; a
difference is an ``UnstorableValueError`` naming the column. Cases refused early with a precise fix: complex
columns, cells holding dicts, lists, sets, tuples or arrays, ints beyond 64 bits, duplicate column labels, and
columns pyarrow cannot convert (mixed types).
"""

from __future__ import annotations

import importlib
import io
import json
import warnings
from pathlib import Path
from typing import ClassVar, Final

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.parquet as pq

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._builtins import decode, encode, encode_checked
from zen_materialize._previews import parquet_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError, UnstorableValueError
from zen_types import JSONValue

__all__ = ["WRITERS", "DataFrameMaterializer", "SeriesMaterializer"]

_FILE: Final = "data.parquet"
_SERIES_FILE: Final = "series.json"
_SERIES_COLUMN: Final = "values"
_INT64: Final = 2**63
_CONTAINERS: Final = (dict, list, set, frozenset, tuple)


def _label(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class _Check:
    """Refusals for one value being written."""

    def __init__(self, value: object) -> None:
        self.value_type = _label(type(value))

    def refuse(self, where: str, problem: str, fix: str) -> UnstorableValueError:
        return UnstorableValueError(value_type=self.value_type, where=where, problem=problem, fix=fix)

    def class_path(self, cls: type, base: type) -> str | None:
        """``None`` for the base class itself; the import path of a subclass that can be imported back."""
        if cls is base:
            return None
        path = f"{cls.__module__}:{cls.__qualname__}"
        if cls.__module__ == "__main__":
            raise self.refuse(
                "value",
                f"{cls.__qualname__} is defined in __main__ (a script run directly, or a notebook), so no other "
                f"process can import it to read the value back",
                f"Define {cls.__qualname__} in an importable module, or return a plain {base.__name__}.",
            )
        try:
            found: object = importlib.import_module(cls.__module__)
            for part in cls.__qualname__.split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError):
            found = None
        if found is not cls:
            raise self.refuse(
                "value",
                f"{cls.__qualname__} cannot be imported back as {path} (it is defined inside a function)",
                f"Define {cls.__qualname__} at module level, or return a plain {base.__name__}.",
            )
        return path

    def columns(self, frame: object) -> None:
        """Refuse what pyarrow cannot store, column by column, before writing anything."""
        assert isinstance(frame, pd.DataFrame)
        labels = frame.columns
        levels = list(labels.levels) if isinstance(labels, pd.MultiIndex) else [labels]
        odd = [v for level in levels if level.dtype == object for v in level if type(v) is not str]
        if odd:
            raise self.refuse(
                "the column labels",
                f"the label {odd[0]!r} is a {type(odd[0]).__name__}; parquet stores column labels as text, so "
                f"it would come back as {str(odd[0])!r}",
                "Use labels of one type: strings (frame.columns = [str(c) for c in frame.columns]) or numbers.",
            )
        names = [n for n in frame.index.names if n is not None and type(n) is not str]
        if names:
            raise self.refuse(
                "the index names",
                f"the name {names[0]!r} is a {type(names[0]).__name__}; parquet stores index names as text, so it "
                f"would come back as {str(names[0])!r}",
                "Name index levels with strings (frame.index.names = [str(n) for n in frame.index.names]).",
            )
        if frame.attrs:
            try:
                json.dumps(frame.attrs, allow_nan=True)
            except (TypeError, ValueError) as exc:
                raise self.refuse(
                    "attrs",
                    f"attrs are stored as JSON, and {exc}",
                    "Keep only JSON values (str, int, float, bool, None, lists and dicts with str keys) in attrs.",
                ) from exc
        if frame.columns.has_duplicates:
            dup = frame.columns[frame.columns.duplicated()][0]
            raise self.refuse(
                f"column {dup!r}",
                "the label is used by several columns, which parquet cannot store",
                "Give every column its own label.",
            )
        for position in range(frame.shape[1]):
            name = frame.columns[position]
            column = frame.iloc[:, position]
            if column.dtype.kind == "c":
                raise self.refuse(
                    f"column {name!r}",
                    f"its dtype {column.dtype} is complex, which parquet cannot store",
                    "Store the .real and .imag parts as two float columns.",
                )
            zone = _zone_problem(column.dtype)
            if zone is not None:
                raise self.refuse(
                    f"column {name!r}",
                    zone,
                    "Convert it to a zoneinfo zone (series.dt.tz_convert('Europe/Paris')) or to UTC.",
                )
            if column.dtype == object:
                self.cells(name, column)
        zone = next((z for z in map(_zone_problem, _level_dtypes(frame.index)) if z is not None), None)
        if zone is not None:
            raise self.refuse("the index", zone, "Convert it to a zoneinfo zone (index.tz_convert('Europe/Paris')).")

    def cells(self, name: object, column: object) -> None:
        assert isinstance(column, pd.Series)
        for row, cell in zip(column.index, column.array, strict=True):
            if isinstance(cell, _CONTAINERS) or type(cell).__name__ == "ndarray":
                raise self.refuse(
                    f"column {name!r}, row {row!r}",
                    f"the cell holds a {type(cell).__name__}, which pyarrow rewrites (dicts are merged, lists "
                    f"come back as arrays)",
                    "Store such cells as JSON text, or store the structure with zen-json (a dict or list output).",
                )
            if type(cell) is int and not -_INT64 <= cell < _INT64:
                raise self.refuse(
                    f"column {name!r}, row {row!r}",
                    "the int does not fit in 64 bits",
                    "Store it as text (str(n)), or return the numbers as a list (zen-json keeps any int).",
                )


def _level_dtypes(index: object) -> list[object]:
    assert isinstance(index, pd.Index)
    return [level.dtype for level in index.levels] if isinstance(index, pd.MultiIndex) else [index.dtype]


def _zone_problem(dtype: object) -> str | None:
    """Why parquet would not give back the time zone of a zoned datetime dtype (None: it would)."""
    zone = getattr(dtype, "tz", None)
    if zone is None:
        return None
    try:
        back = pyarrow.lib.string_to_tzinfo(pyarrow.lib.tzinfo_to_string(zone))
    except (pyarrow.ArrowException, TypeError, ValueError) as exc:
        return f"its time zone {zone!r} cannot be stored by name ({exc})"
    if str(pd.DatetimeTZDtype(unit=getattr(dtype, "unit", "ns"), tz=back)) != str(dtype):
        return f"its time zone {zone!r} would come back as {back!r}"
    return None


def _freq_text(freq: object, check: _Check) -> str:
    """The index's ``freq`` as the text it is stored as; refused when that text does not parse back to it (a
    ``DateOffset(months=1, days=2)``, business days with holidays)."""
    text = str(getattr(freq, "freqstr", ""))
    try:
        same = bool(pd.tseries.frequencies.to_offset(text) == freq)
    except ValueError:
        same = False
    if not same:
        raise check.refuse(
            "the index",
            f"its freq {freq!r} has no text form that reads back as the same offset",
            "Set index.freq = None before returning it (pandas infers a plain freq again with pd.infer_freq).",
        )
    return text


def _subclass_state(value: object, base: type, check: _Check) -> dict[str, JSONValue]:
    """The attributes a DataFrame or Series subclass lists in ``_metadata`` (pandas carries them along), as
    zen-json; refused, naming the attribute, when one cannot be stored."""
    own = [n for n in getattr(type(value), "_metadata", ()) if n not in getattr(base, "_metadata", ())]
    state: dict[str, JSONValue] = {}
    for name in own:
        if isinstance(name, str) and hasattr(value, name):
            try:
                state[name] = encode_checked(getattr(value, name))
            except UnstorableValueError as exc:
                raise check.refuse(f"its attribute {name!r} ({exc.where})", exc.problem, exc.fix) from exc
    return state


def _frame_meta(frame: object, class_path: str | None, check: _Check) -> dict[str, JSONValue]:
    assert isinstance(frame, pd.DataFrame)
    meta: dict[str, JSONValue] = {"class": class_path}
    if type(frame.columns) is pd.RangeIndex:
        columns = frame.columns
        meta["range_columns"] = [columns.start, columns.stop, columns.step]
    index = frame.index
    if frame.shape[1] == 0 and type(index) is pd.RangeIndex:  # a table without columns stores no rows
        meta["range_rows"] = [index.start, index.stop, index.step]
    freq = getattr(index, "freq", None)
    if freq is not None and isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
        meta["freq"] = _freq_text(freq, check)
    meta["dtypes"] = [str(t) for t in frame.dtypes]
    if isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
        meta["index_dtype"] = str(index.dtype)
    return meta


def _restore(frame: object, meta: dict[str, JSONValue]) -> object:
    assert isinstance(frame, pd.DataFrame)
    dtypes = meta.get("dtypes")
    if isinstance(dtypes, list) and len(dtypes) == frame.shape[1]:
        for position, wanted in enumerate(dtypes):
            column = frame.iloc[:, position]
            if str(column.dtype) != wanted and column.dtype.kind in "Mm":
                frame.isetitem(position, column.astype(str(wanted)))
    index_dtype = meta.get("index_dtype")
    if isinstance(index_dtype, str) and str(frame.index.dtype) != index_dtype:
        frame.index = frame.index.astype(index_dtype)
    freq = meta.get("freq")
    if isinstance(freq, str) and isinstance(frame.index, pd.DatetimeIndex):
        frame.index = pd.DatetimeIndex(frame.index, freq=freq)
    elif isinstance(freq, str) and isinstance(frame.index, pd.TimedeltaIndex):
        frame.index = pd.TimedeltaIndex(frame.index, freq=freq)
    range_rows = meta.get("range_rows")
    if isinstance(range_rows, list) and len(range_rows) == 3 and frame.shape[1] == 0:
        start, stop, step = (int(n) for n in range_rows)  # type: ignore[arg-type]  # ints written by _frame_meta
        rows = pd.RangeIndex(start, stop, step, name=frame.index.name)
        rebuilt = pd.DataFrame(index=rows, columns=frame.columns)
        rebuilt.attrs = frame.attrs
        return _restore(rebuilt, {**meta, "range_rows": None})
    range_columns = meta.get("range_columns")
    if isinstance(range_columns, list) and len(range_columns) == 3:
        start, stop, step = (int(n) for n in range_columns)  # type: ignore[arg-type]  # ints written by _frame_meta
        frame.columns = pd.RangeIndex(start, stop, step, name=frame.columns.name)
    return frame


def _rebuild_class(value: object, path: JSONValue, state: JSONValue = None) -> object:
    if not isinstance(path, str):
        return value
    module, _, qualname = path.partition(":")
    try:
        found: object = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise CorruptArtifactError(f"the stored frame needs class {path}, which cannot be imported ({exc}).") from exc
    if not callable(found):
        raise CorruptArtifactError(f"{path} is not a class.")
    rebuilt: object = found(value)
    if isinstance(state, dict):
        for name, data in state.items():
            object.__setattr__(rebuilt, name, decode(data))
    return rebuilt


_ZEN_KEY: Final = b"zen"
_ATTRS_KEY: Final = b"PANDAS_ATTRS"  # where pandas itself keeps attrs, so pandas.read_parquet finds them too


def _write_frame(frame: object, folder: Path, meta: dict[str, JSONValue], check: _Check) -> None:
    assert isinstance(frame, pd.DataFrame)
    check.columns(frame)
    try:
        with warnings.catch_warnings():
            # pyarrow reads .values of tz-aware data, which newer pandas warns about; the data itself is kept
            warnings.filterwarnings("ignore", r".*values returning an ndarray that drops timezone", Warning)
            table = pyarrow.Table.from_pandas(frame, preserve_index=None)
        for position in range(frame.shape[1]):  # the frame's columns come first in the table, in order
            column = frame.iloc[:, position]
            if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f" and bool(column.isna().any()):
                # stored as NaNs, not as the nulls pyarrow makes of them, so sign and payload come back bit for bit
                field = table.schema.field(position)
                values = pyarrow.array(column.to_numpy(), type=field.type, from_pandas=False)
                table = table.set_column(position, field, values)
        extra = {_ZEN_KEY: json.dumps(meta, separators=(",", ":"))}
        if frame.attrs:
            extra[_ATTRS_KEY] = json.dumps(frame.attrs)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
        pq.write_table(table, folder / _FILE)
    except (pyarrow.ArrowException, OverflowError, TypeError, ValueError) as exc:
        raise check.refuse(_culprit(frame), f"pyarrow cannot store it ({exc})", _CONVERT_FIX) from exc


def _unreadable(frame: object) -> str:
    """The first column that pyarrow writes but cannot read back (only computed when reading back failed)."""
    assert isinstance(frame, pd.DataFrame)
    for position in range(frame.shape[1]):
        sink = io.BytesIO()
        try:
            pq.write_table(pyarrow.Table.from_pandas(frame.iloc[:, [position]], preserve_index=False), sink)
            pq.read_table(io.BytesIO(sink.getvalue())).to_pandas()
        except Exception:  # whatever pyarrow or pandas raise for this column
            return f"column {frame.columns[position]!r}"
    return "the index"


def _read_back(materializer: Materializer[object], artifact: ArtifactLocation, frame: object, check: _Check) -> object:
    """The value just written, read back; a file pyarrow wrote but cannot read is refused, naming the column."""
    try:
        return materializer.read(artifact)
    except Exception as exc:  # pyarrow and pandas raise anything for metadata they wrote and cannot parse
        raise check.refuse(
            _unreadable(frame), f"pyarrow writes it but cannot read it back ({type(exc).__name__}: {exc})", _VERIFY_FIX
        ) from exc


_CONVERT_FIX: Final = "Give the column one type per column (for example .astype(str)), or drop it."


def _culprit(frame: object) -> str:
    """The first column pyarrow cannot convert (only computed when a write failed)."""
    assert isinstance(frame, pd.DataFrame)
    for position in range(frame.shape[1]):
        try:
            pyarrow.Table.from_pandas(frame.iloc[:, [position]], preserve_index=False)
        except (pyarrow.ArrowException, OverflowError, TypeError, ValueError):
            return f"column {frame.columns[position]!r}"
    return "the index"


def _read_frame(folder: Path) -> tuple[object, dict[str, JSONValue]]:
    """The frame as pyarrow reads it back, restored, and zen's metadata (empty for files written before it)."""
    path = folder / _FILE
    try:
        stored = pq.read_schema(path).metadata or {}
        frame: object = pd.read_parquet(path, engine="pyarrow")
        meta: object = json.loads(stored[_ZEN_KEY]) if _ZEN_KEY in stored else {}
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (pyarrow.ArrowException, OSError, ValueError) as exc:
        raise CorruptArtifactError(f"{path} is not a valid parquet file (truncated or corrupt): {exc}") from exc
    if not isinstance(frame, pd.DataFrame) or not isinstance(meta, dict):  # pragma: no cover - read_parquet's type
        raise CorruptArtifactError(f"{path} does not hold a table written by zen.")
    return _restore(frame, meta), meta


def _read_json(path: Path) -> dict[str, JSONValue]:
    try:
        loaded: object = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptArtifactError(f"{path} is corrupt: {exc}") from exc
    if not isinstance(loaded, dict):
        raise CorruptArtifactError(f"{path} is corrupt.")
    return loaded


def _same_attrs(a: object, b: object) -> bool:
    try:
        return encode(a) == encode(b)
    except UnstorableValueError:
        return False


def _difference(written: object, back: object) -> tuple[str, str] | None:
    """Where and how ``back`` differs from ``written`` (``None`` when it is the same value)."""
    assert isinstance(written, pd.DataFrame) and isinstance(back, pd.DataFrame)
    if not (type(back.columns) is type(written.columns) and back.columns.equals(written.columns)) or (
        back.columns.dtype != written.columns.dtype or back.columns.names != written.columns.names
    ):
        return "the column labels", f"{written.columns!r} come back as {back.columns!r}"
    index_problem = _index_difference(written.index, back.index)
    if index_problem is not None:
        return "the index", index_problem
    for position in range(written.shape[1]):
        name = written.columns[position]
        a, b = written.iloc[:, position], back.iloc[:, position]
        if a.dtype != b.dtype:
            return f"column {name!r}", f"its dtype {a.dtype!r} comes back as {b.dtype!r}"
        if not a.reset_index(drop=True).equals(b.reset_index(drop=True)):  # exact, NaN equal to NaN
            return f"column {name!r}", "its values come back changed"
        if isinstance(a.dtype, np.dtype) and a.dtype.kind in "fc" and a.to_numpy().tobytes() != b.to_numpy().tobytes():
            return f"column {name!r}", "its NaNs come back with another sign or payload"
        if a.dtype == object:
            for row, x, y in zip(a.index, a.array, b.array, strict=True):
                if type(x) is not type(y):
                    return f"column {name!r}, row {row!r}", f"a {type(x).__name__} comes back as {type(y).__name__}"
    if not _same_attrs(written.attrs, back.attrs):
        return "attrs", f"{written.attrs!r} come back as {back.attrs!r} (attrs are stored as JSON)"
    if written.flags.allows_duplicate_labels != back.flags.allows_duplicate_labels:
        return "flags", "allows_duplicate_labels is not kept"
    for name in getattr(type(written), "_metadata", ()):
        if name != "_name" and _text_of(getattr(written, name, None)) != _text_of(getattr(back, name, None)):
            return f"its attribute {name!r}", "it is not kept"
    return None


def _text_of(value: object) -> str:
    try:
        return json.dumps(encode(value))
    except UnstorableValueError:
        return repr(value)


def _index_difference(a: object, b: object) -> str | None:
    assert isinstance(a, pd.Index) and isinstance(b, pd.Index)
    if type(a) is not type(b) or a.dtype != b.dtype or a.names != b.names or not a.equals(b):
        return f"{a!r} comes back as {b!r}"
    if isinstance(a.dtype, np.dtype) and a.dtype.kind == "f" and a.to_numpy().tobytes() != b.to_numpy().tobytes():
        return "its NaNs come back with another sign or payload"
    if getattr(a, "freq", None) != getattr(b, "freq", None):
        return f"its freq {getattr(a, 'freq', None)!r} is not kept"
    if isinstance(a, pd.MultiIndex) and isinstance(b, pd.MultiIndex):
        for level_a, level_b in zip(a.levels, b.levels, strict=True):
            if level_a.dtype != level_b.dtype:
                return f"a level's dtype {level_a.dtype} comes back as {level_b.dtype}"
    elif a.dtype == object:
        for x, y in zip(a, b, strict=True):
            if type(x) is not type(y):
                return f"the label {x!r} ({type(x).__name__}) comes back as {type(y).__name__}"
    return None


def _difference_of_state(written: object, back: object) -> tuple[str, str] | None:
    for name in getattr(type(written), "_metadata", ()):
        if name != "_name" and _text_of(getattr(written, name, None)) != _text_of(getattr(back, name, None)):
            return f"its attribute {name!r}", "it is not kept"
    return None


class DataFrameMaterializer(Materializer[object]):
    """``pandas.DataFrame`` as ``data.parquet`` + ``frame.json``; refused when it would not read back as is."""

    TYPES: ClassVar[tuple[type, ...]] = (pd.DataFrame,)
    FORMAT: ClassVar[str] = "parquet"
    FORMAT_VERSION: ClassVar[int] = 2
    DESCRIPTION: ClassVar[str] = "pandas DataFrame (parquet)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write the frame, then read it back and compare (a difference is refused, naming the column)."""
        check = _Check(value)
        if not isinstance(value, pd.DataFrame):
            raise check.refuse("value", "it is not a DataFrame", "Choose a materializer for its type.")
        folder = Path(artifact.uri)
        meta = _frame_meta(value, check.class_path(type(value), pd.DataFrame), check)
        state = _subclass_state(value, pd.DataFrame, check)
        if state:
            meta["state"] = state
        _write_frame(value, folder, meta, check)
        back = _read_back(self, artifact, value, check)
        if type(back) is not type(value):
            raise check.refuse("value", f"it comes back as {type(back).__qualname__}", "Return a plain DataFrame.")
        assert isinstance(back, pd.DataFrame)
        found = _difference(value, back)
        if found is not None:
            raise check.refuse(found[0], f"{found[1]} after a parquet round trip", _VERIFY_FIX)

    def read(self, artifact: ArtifactLocation) -> object:
        """Read the frame back (as the class it was written from)."""
        frame, meta = _read_frame(Path(artifact.uri))
        return _rebuild_class(frame, meta.get("class"), meta.get("state"))

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """Rows, columns and dtypes."""
        if not isinstance(value, pd.DataFrame):
            return {}
        return {
            "rows": len(value),
            "columns": [str(c) for c in value.columns],
            "dtypes": {str(c): str(t) for c, t in value.dtypes.items()},
        }

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The first rows with dtypes and the row count, read from the first row groups only."""
        return parquet_preview(Path(artifact.uri) / _FILE)


_VERIFY_FIX: Final = (
    "Convert it to something parquet keeps (string labels and categories, one type per column), or choose "
    "another materializer."
)


class SeriesMaterializer(Materializer[object]):
    """``pandas.Series`` as a one-column parquet file; its name (any zen-json value) goes beside it."""

    TYPES: ClassVar[tuple[type, ...]] = (pd.Series,)
    FORMAT: ClassVar[str] = "parquet-series"
    FORMAT_VERSION: ClassVar[int] = 2
    DESCRIPTION: ClassVar[str] = "pandas Series (parquet)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write the series as a frame with one column, then read it back and compare."""
        check = _Check(value)
        if not isinstance(value, pd.Series):
            raise check.refuse("value", "it is not a Series", "Choose a materializer for its type.")
        folder = Path(artifact.uri)
        class_path = check.class_path(type(value), pd.Series)
        try:
            name = encode_checked(value.name)
        except UnstorableValueError as exc:
            raise check.refuse("its name", exc.problem, exc.fix) from exc
        state = _subclass_state(value, pd.Series, check)
        frame = pd.Series(value, copy=False).to_frame(name=_SERIES_COLUMN)
        frame.attrs = dict(value.attrs)
        _write_frame(frame, folder, _frame_meta(frame, None, check), check)
        about: dict[str, JSONValue] = {"name": name, "class": class_path}
        if state:
            about["state"] = state
        (folder / _SERIES_FILE).write_text(json.dumps(about), encoding="utf-8")
        back = _read_back(self, artifact, frame, check)
        assert isinstance(back, pd.Series)
        if type(back) is not type(value):
            raise check.refuse("value", f"it comes back as {type(back).__qualname__}", "Return a plain Series.")
        found = _difference(frame, back.to_frame(name=_SERIES_COLUMN))
        if found is None and encode(back.name) != name:
            found = ("its name", f"{value.name!r} comes back as {back.name!r}")
        if found is None:
            found = _difference_of_state(value, back)
        if found is not None:
            raise check.refuse(found[0].replace(f"column {_SERIES_COLUMN!r}", "its values"), found[1], _VERIFY_FIX)

    def read(self, artifact: ArtifactLocation) -> object:
        """Read the series back with its name (and class)."""
        folder = Path(artifact.uri)
        frame, _ = _read_frame(folder)
        meta = _read_json(folder / _SERIES_FILE)
        if not isinstance(frame, pd.DataFrame) or _SERIES_COLUMN not in frame.columns:
            raise CorruptArtifactError(f"{artifact.uri}: not a series artifact.")
        series = frame[_SERIES_COLUMN]
        series.name = decode(meta.get("name"))
        series.attrs = dict(frame.attrs)
        return _rebuild_class(series, meta.get("class"), meta.get("state"))

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """Length and dtype."""
        if not isinstance(value, pd.Series):
            return {}
        return {"rows": len(value), "dtype": str(value.dtype)}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The first values with the dtype and length."""
        return parquet_preview(Path(artifact.uri) / _FILE, series=True)


WRITERS: Final = (DataFrameMaterializer, SeriesMaterializer)
