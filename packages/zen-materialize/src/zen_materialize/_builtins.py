"""Built-in materializers for plain Python values, attrs classes/dataclasses, and explicit pickle.

``zen-json`` (format version 2) stores one file, ``value.json``: ``{"format": "zen-json", "version": 2, "value":
...}``. The value is JSON with a tag for everything JSON cannot say, so a value reads back equal and of exactly
the same class, or is refused when written (``UnstorableValueError`` naming the spot inside the value). The
encoding dispatches on the exact class; a subclass of a supported class is stored only where its class is tagged
and rebuilt (enum members, named tuples, ``OrderedDict``/``Counter``/``defaultdict``, the four path classes,
NumPy scalars), and refused otherwise. Tags:

- numbers: ints beyond 64 bits ``{"$int": hex}``; non-finite floats ``{"$float": "inf" | "-inf" | "nan"}`` and
  any other NaN by its bits ``{"$float": "nan:fff8000000000000"}``; ``{"$complex": [re, im]}``;
- ``{"$bytes": b64}``, ``{"$bytearray": b64}``, ``{"$tuple": [...]}``, ``{"$set": [...]}``, ``{"$frozenset": [...]}``
  (set items sorted by their encoded text, so a set has one encoding in every process);
- dicts keep their insertion order (it is part of a dict's value in Python): string keys not starting with
  ``$`` as a JSON object, other keys as ``{"$dict": [[key, value], ...]}``; ``$ordereddict``, ``$counter``,
  ``$defaultdict`` (with its importable ``factory``);
- classes by import path: ``{"$enum": path, "value": ...}``, ``{"$namedtuple": path, "items": [...]}``,
  ``{"$record": path, "fields": {...}}`` (attrs classes and dataclasses; ``init=False`` fields are recomputed by
  the class, not stored). A class defined inside a function cannot be imported back and is refused;
- time: ``{"$datetime": wall-clock iso, "tz": {"zone": key} | {"offset": microseconds[, "name": name]},
  "fold": 1}`` (``tz`` and ``fold`` only when set), ``$date``, ``$time`` (like datetime), ``{"$timedelta":
  [days, seconds, microseconds]}``. Only ``zoneinfo.ZoneInfo`` and ``datetime.timezone`` zones are stored;
- ``{"$decimal": text}``, ``{"$uuid": text}``, ``{"$path": text, "class": "PurePosixPath"}``,
  ``{"$numpy": dtype, "bytes": b64}`` (a NumPy scalar, bit for bit).

Version 1 files (which had fewer tags) still read. The closing brace of the envelope means a truncated file
never parses as a shorter value.

``zen-record-json`` (version 2) stores one attrs class or dataclass with the same encoding. ``pickle`` is never
chosen automatically: it must be named explicitly, and warns that loading runs code.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import datetime as dt
import decimal
import enum
import importlib
import json
import math
import os
import pathlib
import pickle
import struct
import sys
import uuid
import warnings
import zoneinfo
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import ClassVar, Final

import attrs
import cattrs.preconf.json

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._previews import json_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError, UnsafeMaterializerWarning, UnstorableValueError
from zen_types import JSONValue

__all__ = [
    "RECORD_WRITER",
    "VIEWS",
    "WRITERS",
    "JsonMaterializer",
    "PickleMaterializer",
    "RecordMaterializer",
    "decode",
    "encode",
    "encode_checked",
]

_FILE: Final = "value.json"
_INT64: Final = 2**63
_CANONICAL_NAN: Final = struct.pack(">d", math.nan)
_PATH_CLASSES: Final[dict[str, type[PurePath]]] = {
    cls.__name__: cls
    for cls in (pathlib.PurePosixPath, pathlib.PureWindowsPath, pathlib.PosixPath, pathlib.WindowsPath)
}


MAX_DEPTH: Final = 100
"""How deep containers may nest in a zen-json value: deeper values (and values containing themselves) are refused
when written, so reading one back never hits the interpreter's recursion limit."""


def _short(obj: object) -> str:
    """``repr(obj)`` cut to 40 characters, for naming a spot; never fails (a huge int's repr raises)."""
    try:
        text = repr(obj)
    except Exception:  # any repr: third-party classes, ints past the digit limit
        text = f"<{type(obj).__name__}>"
    return text[:40]


def _class_label(cls: type) -> str:
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _import_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _resolve(path: str) -> object:
    module_name, _, qualname = path.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _import_class(path: str) -> type:
    try:
        obj = _resolve(path)
    except (ImportError, AttributeError) as exc:
        raise CorruptArtifactError(f"the stored value needs class {path}, which cannot be imported ({exc}).") from exc
    if not isinstance(obj, type):
        raise CorruptArtifactError(f"{path} is not a class.")
    return obj


class _Encoder:
    """Encodes one value; ``refuse`` names the root's type and the path of the culprit."""

    def __init__(self, root: object) -> None:
        self.root_type = _class_label(type(root))
        self.depth = 0
        self.plain = True
        """Whether every class met so far is one of :data:`_PLAIN` (decoding rebuilds the value exactly)."""

    def refuse(self, where: str, problem: str, fix: str) -> UnstorableValueError:
        return UnstorableValueError(value_type=self.root_type, where=where, problem=problem, fix=fix)

    def importable(self, obj: type | Callable[[], object], where: str, what: str) -> str:
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if not isinstance(module, str) or not isinstance(qualname, str):
            raise self.refuse(
                where,
                f"{what} {_short(obj)} has no import path (it is an object, not a class or a function)",
                "Use a class or a function defined at module level.",
            )
        path = f"{module}:{qualname}"
        if module == "__main__":
            raise self.refuse(
                where,
                f"{what} {qualname} is defined in __main__ (a script run directly, or a notebook), so no other "
                f"process can import it to read the value back",
                f"Define {qualname} in an importable module and import it from there.",
            )
        try:
            found = _resolve(path)
        except (ImportError, AttributeError):
            found = None
        if found is not obj:
            raise self.refuse(
                where,
                f"{what} {qualname} cannot be imported back as {path} (it is defined inside a function or "
                f"was replaced)",
                f"Define {qualname} at module level.",
            )
        return path

    def encode(self, value: object, where: str) -> JSONValue:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self.refuse(
                    where if len(where) <= 80 else f"{where[:60]}...",
                    f"the value nests more than {MAX_DEPTH} levels deep (or contains itself)",
                    "Flatten it, or store it with a materializer of your own.",
                )
            return self.encode_one(value, where)
        finally:
            self.depth -= 1

    def encode_one(self, value: object, where: str) -> JSONValue:
        cls = type(value)
        if cls not in _PLAIN:
            self.plain = False
        handler = _EXACT.get(cls)
        if handler is not None:
            return handler(self, value, where)
        if isinstance(value, enum.Enum):
            path = self.importable(cls, where, "enum")
            return {"$enum": path, "value": self.encode(value.value, f"{where}.value")}
        if attrs.has(cls) or dataclasses.is_dataclass(cls):
            return self.record(value, where)
        if cls.__module__ == "numpy" or cls.__module__.startswith("numpy."):
            return self.numpy_scalar(value, where)
        if isinstance(value, tuple) and hasattr(cls, "_fields"):
            path = self.importable(cls, where, "named tuple")
            names: tuple[str, ...] = cls._fields
            items = [self.encode(v, f"{where}.{n}") for n, v in zip(names, value, strict=True)]
            return {"$namedtuple": path, "items": items}
        if cls in (collections.OrderedDict, collections.Counter, collections.defaultdict):
            assert isinstance(value, dict)
            body: dict[str, JSONValue] = {f"${cls.__name__.lower()}": self.pairs(value, where)}
            if isinstance(value, collections.defaultdict):
                factory = value.default_factory
                body["factory"] = None if factory is None else self.importable(factory, where, "default factory")
            return body
        if isinstance(value, PurePath) and cls.__name__ in _PATH_CLASSES and _PATH_CLASSES[cls.__name__] is cls:
            return {"$path": str(value), "class": cls.__name__}
        claimed = next((base for base in _EXACT if isinstance(value, base) and base is not type(None)), None)
        if claimed is not None:
            raise self.refuse(
                where,
                f"{_class_label(cls)} is a subclass of {claimed.__name__} that zen-json cannot rebuild",
                f"Convert it to {claimed.__name__} first, or register a materializer for {cls.__qualname__}.",
            )
        raise self.refuse(
            where,
            f"zen-json has no encoding for {_class_label(cls)}",
            f"Convert it to a supported value, or register a materializer for {cls.__qualname__}.",
        )

    def pairs(self, value: dict[object, object], where: str) -> list[JSONValue]:
        return [
            [self.encode(k, f"a key of {where}"), self.encode(v, f"{where}[{_short(k)}]")] for k, v in value.items()
        ]

    def record(self, value: object, where: str) -> JSONValue:
        cls = type(value)
        path = self.importable(cls, where, "record class")
        fields: dict[str, JSONValue] = {}
        if attrs.has(cls):
            for field in attrs.fields(cls):
                if field.init:
                    fields[field.alias or field.name] = self.encode(getattr(value, field.name), f"{where}.{field.name}")
        else:
            for dc_field in dataclasses.fields(value):  # type: ignore[arg-type]  # a dataclass instance, checked above
                if dc_field.init:
                    fields[dc_field.name] = self.encode(getattr(value, dc_field.name), f"{where}.{dc_field.name}")
        return {"$record": path, "fields": fields}

    def numpy_scalar(self, value: object, where: str) -> JSONValue:
        dtype = getattr(value, "dtype", None)
        tobytes = getattr(value, "tobytes", None)
        if dtype is None or tobytes is None or getattr(dtype, "kind", "O") in "OV":
            raise self.refuse(
                where,
                f"zen-json has no encoding for {_class_label(type(value))}",
                "Store NumPy objects and structured records in an array (numpy.ndarray).",
            )
        raw: bytes = tobytes()
        if getattr(dtype, "kind", "") in "fc":
            from zen_materialize._numpy import padding  # numpy is loaded: the value is a NumPy scalar

            cleaned = bytearray(raw)
            for begin, end in padding(dtype):
                cleaned[begin:end] = bytes(end - begin)
            raw = bytes(cleaned)
        if getattr(dtype, "kind", "") in "US":
            return {"$numpy": str(dtype.str), "text": self.encode(value.item(), where)}  # type: ignore[attr-defined]  # numpy scalar
        return {"$numpy": str(dtype.str), "bytes": base64.b64encode(raw).decode("ascii")}


def _float(enc: _Encoder, value: object, where: str) -> JSONValue:
    assert isinstance(value, float)
    if math.isfinite(value):
        return value
    if not math.isnan(value):
        return {"$float": "inf" if value > 0 else "-inf"}
    bits = struct.pack(">d", value)
    return {"$float": "nan" if bits == _CANONICAL_NAN else f"nan:{bits.hex()}"}


def _int(enc: _Encoder, value: object, where: str) -> JSONValue:
    assert isinstance(value, int)
    return value if -_INT64 <= value < _INT64 else {"$int": hex(value)}


def _tz(enc: _Encoder, tz: dt.tzinfo | None, where: str) -> dict[str, JSONValue]:
    if tz is None:
        return {}
    if type(tz) is zoneinfo.ZoneInfo and tz.key is not None:
        return {"tz": {"zone": tz.key}}
    if type(tz) is dt.timezone:
        offset = tz.utcoffset(None)
        spec: dict[str, JSONValue] = {"offset": offset // dt.timedelta(microseconds=1)}
        if tz != dt.timezone(offset) or tz.tzname(None) != dt.timezone(offset).tzname(None):
            spec["name"] = tz.tzname(None)
        return {"tz": spec}
    raise enc.refuse(
        where,
        f"its time zone is a {_class_label(type(tz))}, which zen-json does not store",
        "Use zoneinfo.ZoneInfo('Area/City') or datetime.timezone(offset).",
    )


def _datetime(enc: _Encoder, value: object, where: str) -> JSONValue:
    assert isinstance(value, dt.datetime)
    body: dict[str, JSONValue] = {"$datetime": value.replace(tzinfo=None, fold=0).isoformat()}
    body.update(_tz(enc, value.tzinfo, where))
    if value.fold:
        body["fold"] = 1
    return body


def _time(enc: _Encoder, value: object, where: str) -> JSONValue:
    assert isinstance(value, dt.time)
    body: dict[str, JSONValue] = {"$time": value.replace(tzinfo=None, fold=0).isoformat()}
    body.update(_tz(enc, value.tzinfo, where))
    if value.fold:
        body["fold"] = 1
    return body


def _dict(enc: _Encoder, value: object, where: str) -> JSONValue:
    assert isinstance(value, dict)
    if all(type(k) is str and not k.startswith("$") for k in value):
        return {k: enc.encode(v, f"{where}[{_short(k)}]") for k, v in value.items()}
    return {"$dict": enc.pairs(value, where)}


def _set(enc: _Encoder, value: object, where: str) -> JSONValue:
    assert isinstance(value, (set, frozenset))
    items = [enc.encode(v, f"an element of {where}") for v in value]
    items.sort(key=lambda e: json.dumps(e, sort_keys=True, separators=(",", ":")))
    return {"$frozenset" if type(value) is frozenset else "$set": items}


def _seq(enc: _Encoder, value: object, where: str) -> list[JSONValue]:
    assert isinstance(value, (list, tuple))
    return [enc.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]


def _b64(value: bytes | bytearray) -> str:
    return base64.b64encode(value).decode("ascii")


_Handler = Callable[[_Encoder, object, str], JSONValue]
_EXACT: Final[dict[type, _Handler]] = {
    type(None): lambda enc, v, w: None,
    bool: lambda enc, v, w: bool(v),
    str: lambda enc, v, w: str(v),
    int: _int,
    float: _float,
    complex: lambda enc, v, w: {"$complex": [_float(enc, v.real, w), _float(enc, v.imag, w)]},  # type: ignore[attr-defined]  # a complex
    bytes: lambda enc, v, w: {"$bytes": _b64(v)},  # type: ignore[arg-type]  # exact class is bytes
    bytearray: lambda enc, v, w: {"$bytearray": _b64(v)},  # type: ignore[arg-type]  # exact class is bytearray
    list: _seq,
    tuple: lambda enc, v, w: {"$tuple": _seq(enc, v, w)},
    set: _set,
    frozenset: _set,
    dict: _dict,
    dt.datetime: _datetime,
    dt.date: lambda enc, v, w: {"$date": v.isoformat()},  # type: ignore[attr-defined]  # exact class is date
    dt.time: _time,
    dt.timedelta: lambda enc, v, w: {"$timedelta": [v.days, v.seconds, v.microseconds]},  # type: ignore[attr-defined]  # a timedelta
    decimal.Decimal: lambda enc, v, w: {"$decimal": str(v)},
    uuid.UUID: lambda enc, v, w: {"$uuid": str(v)},
}
_PLAIN: Final = frozenset({type(None), bool, int, float, complex, str, bytes, bytearray, list, tuple, dict})
"""Builtin classes that no user code can subclass into a value of the same exact class, whose decoding calls no
constructor that could change what it is given: a value made of these alone always rebuilds as it was (the
fidelity properties pin it), so :func:`encode_checked` need not rebuild it to find out."""


def encode(value: object) -> JSONValue:
    """Tagged JSON for ``value`` (see the module docstring); ``UnstorableValueError`` names what cannot be."""
    return _Encoder(value).encode(value, "value")


_COMPACT: Final = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
"""What ``json.dumps(..., separators=(",", ":"), allow_nan=False)`` uses, made once (``dumps`` makes one per call
when given options: a third of the cost of encoding a small value)."""


def _text(data: JSONValue) -> str:
    return _COMPACT.encode(data)


def encode_checked(value: object) -> JSONValue:
    """:func:`encode`, then rebuilt and encoded again: a value whose classes do not rebuild it as it was (an attrs
    converter or a ``__post_init__`` that changes what it is given, a constructor that raises) is refused here,
    when it is written, naming the spot. A value of plain builtins alone (numbers, strings, bytes, lists, tuples,
    dicts) cannot be one, and is not rebuilt: for a small value the rebuild costs twice the encoding."""
    encoder = _Encoder(value)
    data = encoder.encode(value, "value")
    if encoder.plain:
        return data
    try:
        again = _Encoder(value).encode(decode(data), "value")
    except Exception as exc:  # user constructors (records, enums, named tuples) raise anything
        raise encoder.refuse(
            "value",
            f"it cannot be rebuilt from what zen-json stores ({type(exc).__name__}: {exc})",
            "Make its classes accept the fields they hold (a record is rebuilt by calling its class with its init "
            "fields).",
        ) from exc
    if _text(again) != _text(data):
        raise encoder.refuse(
            _first_difference(data, again, "value"),
            "it reads back changed: rebuilding it by calling its class with the stored fields gives another value "
            "(a converter, __post_init__ or __new__ changes what it is given)",
            "Make the class keep the values it is given, or store the inputs it is built from.",
        )
    return data


def _first_difference(a: JSONValue, b: JSONValue, where: str) -> str:
    """The path, in the value, of the first place where two encodings differ (as deep as it can be named)."""
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if _text(x) != _text(y):
                return _first_difference(x, y, f"{where}[{index}]")
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        record, other = a.get("fields"), b.get("fields")
        if "$record" in a and isinstance(record, dict) and isinstance(other, dict) and record.keys() == other.keys():
            for name, x in record.items():
                if _text(x) != _text(other[name]):
                    return _first_difference(x, other[name], f"{where}.{name}")
        tuple_a, tuple_b = a.get("$tuple"), b.get("$tuple")
        if tuple_a is not None and tuple_b is not None:
            return _first_difference(tuple_a, tuple_b, where)
        if not any(key.startswith("$") for key in a):
            for key, x in a.items():
                if _text(x) != _text(b[key]):
                    return _first_difference(x, b[key], f"{where}[{key!r}]")
    return where


# -- decoding ------------------------------------------------------------------------------------------------


def _str(data: dict[str, JSONValue], key: str) -> str:
    found = data.get(key)
    if not isinstance(found, str):
        raise CorruptArtifactError(f"malformed {key!r} in {json.dumps(data)[:80]}")
    return found


def _list(data: dict[str, JSONValue], key: str) -> list[JSONValue]:
    found = data.get(key)
    if not isinstance(found, list):
        raise CorruptArtifactError(f"malformed {key!r} in {json.dumps(data)[:80]}")
    return found


def _pairs(data: dict[str, JSONValue], key: str) -> list[tuple[object, object]]:
    out = []
    for pair in _list(data, key):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise CorruptArtifactError(f"malformed {key} entry {pair!r}")
        out.append((decode(pair[0]), decode(pair[1])))
    return out


def _decode_float(text: str) -> float:
    if text.startswith("nan:"):
        unpacked: float = struct.unpack(">d", bytes.fromhex(text[4:]))[0]
        return unpacked
    return float(text)


def _decode_tz(data: dict[str, JSONValue]) -> dt.tzinfo | None:
    spec = data.get("tz")
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise CorruptArtifactError(f"malformed time zone {spec!r}")
    if "zone" in spec:
        return zoneinfo.ZoneInfo(_str(spec, "zone"))
    offset = spec.get("offset")
    if not isinstance(offset, int):
        raise CorruptArtifactError(f"malformed time zone {spec!r}")
    delta = dt.timedelta(microseconds=offset)
    return dt.timezone(delta, _str(spec, "name")) if "name" in spec else dt.timezone(delta)


def _decode_numpy(data: dict[str, JSONValue]) -> object:
    import numpy as np

    dtype = np.dtype(_str(data, "$numpy"))
    if "text" in data:
        item = decode(data["text"])
        return np.array(item, dtype=dtype)[()]
    return np.frombuffer(base64.b64decode(_str(data, "bytes"), validate=True), dtype=dtype)[0]


def _decode_record(data: dict[str, JSONValue]) -> object:
    cls = _import_class(_str(data, "$record"))
    fields = data.get("fields")
    if not isinstance(fields, dict):
        raise CorruptArtifactError(f"malformed record fields for {cls.__qualname__}")
    values = {name: decode(v) for name, v in fields.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise CorruptArtifactError(
            f"cannot rebuild {_class_label(cls)} from its stored fields ({exc}); the class has changed since the "
            f"value was written: read it with the code that wrote it (zen rerun) or migrate the class."
        ) from exc


def _decode_tagged(tag: str, data: dict[str, JSONValue]) -> object:
    if tag == "$float":
        return _decode_float(_str(data, tag))
    if tag == "$int":
        return int(_str(data, tag), 16)
    if tag == "$complex":
        real, imag = (decode(v) for v in _list(data, tag))
        if not isinstance(real, float) or not isinstance(imag, float):
            raise CorruptArtifactError("malformed $complex")
        return complex(real, imag)
    if tag in ("$bytes", "$bytearray"):
        raw = base64.b64decode(_str(data, tag).encode("ascii"), validate=True)
        return raw if tag == "$bytes" else bytearray(raw)
    if tag in ("$tuple", "$set", "$frozenset"):
        items = [decode(v) for v in _list(data, tag)]
        return {"$tuple": tuple, "$set": set, "$frozenset": frozenset}[tag](items)
    if tag == "$dict":
        return dict(_pairs(data, tag))
    if tag == "$ordereddict":
        return collections.OrderedDict(_pairs(data, tag))
    if tag == "$counter":
        return collections.Counter(dict(_pairs(data, tag)))
    if tag == "$defaultdict":
        factory_path = data.get("factory")
        factory = None if factory_path is None else _resolve(_str(data, "factory"))
        if factory is not None and not callable(factory):
            raise CorruptArtifactError(f"the default factory {factory_path} is not callable")
        return collections.defaultdict(factory, _pairs(data, tag))
    if tag == "$enum":
        return _import_class(_str(data, tag))(decode(data.get("value")))
    if tag == "$namedtuple":
        return _import_class(_str(data, tag))(*(decode(v) for v in _list(data, "items")))
    if tag == "$record":
        return _decode_record(data)
    if tag == "$datetime":
        moment = dt.datetime.fromisoformat(_str(data, tag))
        if "tz" in data:
            moment = moment.replace(tzinfo=_decode_tz(data))
        return moment.replace(fold=1) if data.get("fold") == 1 else moment
    if tag == "$time":
        clock = dt.time.fromisoformat(_str(data, tag)).replace(tzinfo=_decode_tz(data))
        return clock.replace(fold=1) if data.get("fold") == 1 else clock
    if tag == "$date":
        return dt.date.fromisoformat(_str(data, tag))
    if tag == "$timedelta":
        days, seconds, micros = _list(data, tag)
        if not all(isinstance(n, int) for n in (days, seconds, micros)):
            raise CorruptArtifactError("malformed $timedelta")
        return dt.timedelta(days=days, seconds=seconds, microseconds=micros)  # type: ignore[arg-type]  # checked ints
    if tag == "$decimal":
        return decimal.Decimal(_str(data, tag))
    if tag == "$uuid":
        return uuid.UUID(_str(data, tag))
    if tag == "$path":
        path_class = _PATH_CLASSES.get(str(data.get("class", "PosixPath" if sys.platform != "win32" else "")), Path)
        return path_class(_str(data, tag))
    if tag == "$numpy":
        return _decode_numpy(data)
    raise CorruptArtifactError(f"unknown tag {tag!r}")


def decode(data: JSONValue) -> object:
    """The inverse of :func:`encode`."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        tags = [k for k in data if k.startswith("$")]
        if tags:
            try:
                return _decode_tagged(tags[0], data)
            except (ValueError, TypeError, KeyError, struct.error) as exc:
                if isinstance(exc, CorruptArtifactError):
                    raise
                raise CorruptArtifactError(f"malformed {tags[0]} value: {exc}") from exc
        return {k: decode(v) for k, v in data.items()}
    return data


def _read_envelope(artifact: ArtifactLocation, fmt: str, versions: tuple[int, ...]) -> dict[str, JSONValue]:
    path = Path(artifact.uri) / _FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete or not in {fmt} format.") from exc
    try:
        envelope = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorruptArtifactError(f"{path} is not valid {fmt} (truncated or corrupt): {exc}") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != fmt:
        raise CorruptArtifactError(f"{path} is not a {fmt} artifact.")
    if envelope.get("version") not in versions:
        raise CorruptArtifactError(
            f"{path} has {fmt} version {envelope.get('version')}; this zen reads versions "
            f"{', '.join(map(str, versions))}. Upgrade zen to read it."
        )
    return envelope


def _write_envelope(artifact: ArtifactLocation, fmt: str, version: int, body: dict[str, JSONValue]) -> None:
    text = _COMPACT.encode({"format": fmt, "version": version, **body})
    with open(os.path.join(artifact.uri, _FILE), "wb") as handle:  # noqa: PTH118,PTH123 - no Path object per value
        handle.write(text.encode("ascii"))  # the encoder escapes all else to ASCII: no text layer needed


class JsonMaterializer(Materializer[object]):
    """Plain Python values as tagged JSON: a value reads back equal and of its exact class, or is refused."""

    TYPES: ClassVar[tuple[type, ...]] = (
        type(None),
        bool,
        int,
        float,
        complex,
        str,
        bytes,
        bytearray,
        list,
        tuple,
        dict,
        set,
        frozenset,
        enum.Enum,
        dt.date,
        dt.time,
        dt.timedelta,
        decimal.Decimal,
        uuid.UUID,
        PurePath,
    )
    FORMAT: ClassVar[str] = "zen-json"
    FORMAT_VERSION: ClassVar[int] = 2
    DESCRIPTION: ClassVar[str] = "plain Python values as tagged JSON"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write ``value`` to ``value.json`` (refused, with the spot named, when it would not read back as is)."""
        _write_envelope(artifact, self.FORMAT, self.FORMAT_VERSION, {"value": encode_checked(value)})

    def read(self, artifact: ArtifactLocation) -> object:
        """Read ``value.json`` back with exact types."""
        envelope = _read_envelope(artifact, self.FORMAT, (1, 2))
        return decode(envelope.get("value"))

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """The Python type, and the length of containers and strings."""
        meta: dict[str, JSONValue] = {"python_type": type(value).__name__}
        if isinstance(value, (str, bytes, bytearray, list, tuple, dict, set, frozenset)):
            meta["length"] = len(value)
        return meta

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The stored JSON as it is (nothing is decoded into objects, no class is imported)."""
        return json_preview(Path(artifact.uri) / _FILE)


_LEGACY_RECORDS: Final = cattrs.preconf.json.make_converter()
"""Reads version 1 record files, which were unstructured by cattrs from the class's annotations."""


class RecordMaterializer(Materializer[object]):
    """attrs classes and dataclasses, with every nested record's class recorded (so unions and subclasses of
    field types come back as they were)."""

    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (object,)
    FORMAT: ClassVar[str] = "zen-record-json"
    FORMAT_VERSION: ClassVar[int] = 2
    DESCRIPTION: ClassVar[str] = "attrs classes and dataclasses as tagged JSON"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write the record's init fields, tagged with its class path."""
        cls = type(value)
        if not (attrs.has(cls) or dataclasses.is_dataclass(cls)):
            raise UnstorableValueError(
                value_type=_class_label(cls),
                where="value",
                problem="it is neither an attrs class nor a dataclass",
                fix="Choose a materializer for its type.",
            )
        _write_envelope(artifact, self.FORMAT, self.FORMAT_VERSION, {"value": encode_checked(value)})

    def read(self, artifact: ArtifactLocation) -> object:
        """Rebuild the record (its class, and those of nested records, must be importable)."""
        envelope = _read_envelope(artifact, self.FORMAT, (1, 2))
        if envelope.get("version") == 2:
            return decode(envelope.get("value"))
        path = envelope.get("class")
        if not isinstance(path, str):
            raise CorruptArtifactError(f"{artifact.uri}: the record's class is not recorded.")
        cls = _import_class(path)
        try:
            return _LEGACY_RECORDS.structure(decode(envelope.get("value")), cls)
        except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
            raise CorruptArtifactError(f"{artifact.uri}: cannot rebuild {path} from the stored fields: {exc}") from exc

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """The record's class."""
        return {"python_type": type(value).__qualname__}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The record's class and fields as stored (the class is not imported)."""
        return json_preview(Path(artifact.uri) / _FILE)


class PickleMaterializer(Materializer[object]):
    """Any picklable value. Never chosen automatically: name it explicitly, and only for data you trust,
    because loading a pickle executes code."""

    TYPES: ClassVar[tuple[type, ...]] = (object,)
    FORMAT: ClassVar[str] = "pickle"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "pickle (explicit opt-in; loading executes code)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Pickle ``value`` to ``value.pkl`` (warns: readers will execute code when loading it)."""
        warnings.warn(
            "PickleMaterializer: loading this artifact will execute code from the pickle; only load artifacts "
            "you trust, and prefer a format-specific materializer.",
            UnsafeMaterializerWarning,
            stacklevel=2,
        )
        with (Path(artifact.uri) / "value.pkl").open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)

    def read(self, artifact: ArtifactLocation) -> object:
        """Unpickle ``value.pkl`` (warns: this executes code from the file)."""
        warnings.warn(
            f"PickleMaterializer: loading {artifact.uri} executes code from the pickle.",
            UnsafeMaterializerWarning,
            stacklevel=2,
        )
        path = Path(artifact.uri) / "value.pkl"
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except FileNotFoundError as exc:
            raise CorruptArtifactError(f"{path} is missing.") from exc
        except (pickle.UnpicklingError, EOFError, ValueError) as exc:
            raise CorruptArtifactError(f"{path} is not a valid pickle (truncated or corrupt): {exc}") from exc


WRITERS: Final = (JsonMaterializer,)
VIEWS: Final = (PickleMaterializer,)
"""Pickle reads its own format, but is never chosen by type."""
RECORD_WRITER: Final = RecordMaterializer
