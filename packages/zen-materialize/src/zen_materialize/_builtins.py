"""Built-in materializers for plain Python values, attrs classes/dataclasses, and explicit pickle.

``zen-json`` (format version 1) stores one file, ``value.json``: ``{"format": "zen-json", "version": 1, "value":
...}`` where the value is JSON with tags for what JSON cannot say, so every value reads back with its exact
type: ``{"$float": "nan"}``, ``{"$bytes": base64}``, ``{"$tuple": [...]}``, ``{"$set": [...]}``,
``{"$frozenset": [...]}``, ``{"$dict": [[key, value], ...]}`` (for keys that are not strings or start with
``$``), ``{"$enum": "module.Class", "value": ...}``, ``{"$datetime": iso}``, ``{"$date": iso}``,
``{"$decimal": text}``, ``{"$uuid": text}``, ``{"$path": text}``. The closing brace of the envelope means a
truncated file never parses as a shorter value.

``zen-record-json`` stores attrs classes and dataclasses through cattrs, with the class's import path.
``pickle`` is never chosen automatically: it must be named explicitly, and warns that loading runs code.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import enum
import importlib
import json
import math
import pickle
import uuid
import warnings
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
import cattrs.preconf.json

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize._previews import json_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError, UnsafeMaterializerWarning
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["JsonMaterializer", "PickleMaterializer", "RecordMaterializer", "register"]

_FILE: Final = "value.json"


def _import_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _import_class(path: str) -> type:
    module_name, _, qualname = path.partition(":")
    try:
        obj: object = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise CorruptArtifactError(f"the stored value needs class {path}, which cannot be imported ({exc}).") from exc
    if not isinstance(obj, type):
        raise CorruptArtifactError(f"{path} is not a class.")
    return obj


def encode(value: object) -> JSONValue:
    """Tagged JSON for a plain Python value (see the module docstring)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return {"$enum": _import_path(type(value)), "value": encode(value.value)}
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        items = sorted((encode(v) for v in value), key=lambda e: json.dumps(e, sort_keys=True))
        return {"$frozenset" if isinstance(value, frozenset) else "$set": items}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, PurePath):
        return {"$path": str(value)}
    raise TypeError(f"zen-json cannot store {type(value).__name__}")


def _decode_tagged(tag: str, data: dict[str, JSONValue]) -> object:
    payload = data[tag]
    if tag == "$float" and isinstance(payload, str):
        return float(payload)
    if tag == "$bytes" and isinstance(payload, str):
        return base64.b64decode(payload.encode("ascii"), validate=True)
    if tag in ("$tuple", "$set", "$frozenset") and isinstance(payload, list):
        items = [decode(v) for v in payload]
        return {"$tuple": tuple, "$set": set, "$frozenset": frozenset}[tag](items)
    if tag == "$dict" and isinstance(payload, list):
        out: dict[object, object] = {}
        for pair in payload:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise CorruptArtifactError(f"malformed $dict entry {pair!r}")
            out[decode(pair[0])] = decode(pair[1])
        return out
    if tag == "$enum" and isinstance(payload, str):
        cls = _import_class(payload)
        return cls(decode(data.get("value")))
    if tag == "$datetime" and isinstance(payload, str):
        return dt.datetime.fromisoformat(payload)
    if tag == "$date" and isinstance(payload, str):
        return dt.date.fromisoformat(payload)
    if tag == "$decimal" and isinstance(payload, str):
        return decimal.Decimal(payload)
    if tag == "$uuid" and isinstance(payload, str):
        return uuid.UUID(payload)
    if tag == "$path" and isinstance(payload, str):
        return Path(payload)
    raise CorruptArtifactError(f"unknown or malformed tag {tag!r}")


def decode(data: JSONValue) -> object:
    """The inverse of :func:`encode`."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        tags = [k for k in data if k.startswith("$")]
        if tags:
            return _decode_tagged(tags[0], data)
        return {k: decode(v) for k, v in data.items()}
    return data


def _read_envelope(artifact: ArtifactLocation, fmt: str, version: int) -> dict[str, JSONValue]:
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
    if envelope.get("version") != version:
        raise CorruptArtifactError(
            f"{path} has {fmt} version {envelope.get('version')}, this zen reads version {version}."
        )
    return envelope


def _write_envelope(artifact: ArtifactLocation, fmt: str, version: int, body: dict[str, JSONValue]) -> None:
    text = json.dumps({"format": fmt, "version": version, **body}, separators=(",", ":"), allow_nan=False)
    (Path(artifact.uri) / _FILE).write_text(text, encoding="utf-8")


class JsonMaterializer(Materializer[object]):
    """Plain Python values as tagged JSON: exact types round-trip (tuples stay tuples, NaN stays NaN)."""

    TYPES: ClassVar[tuple[type, ...]] = (
        type(None),
        bool,
        int,
        float,
        str,
        bytes,
        list,
        tuple,
        dict,
        set,
        frozenset,
        enum.Enum,
        dt.date,
        decimal.Decimal,
        uuid.UUID,
        PurePath,
    )
    FORMAT: ClassVar[str] = "zen-json"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "plain Python values as tagged JSON"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write ``value`` to ``value.json``."""
        _write_envelope(artifact, self.FORMAT, self.FORMAT_VERSION, {"value": encode(value)})

    def read(self, artifact: ArtifactLocation) -> object:
        """Read ``value.json`` back with exact types."""
        envelope = _read_envelope(artifact, self.FORMAT, self.FORMAT_VERSION)
        return decode(envelope.get("value"))

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """The Python type, and the length of containers and strings."""
        meta: dict[str, JSONValue] = {"python_type": type(value).__name__}
        if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
            meta["length"] = len(value)
        return meta

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The stored JSON as it is (nothing is decoded into objects, no class is imported)."""
        return json_preview(Path(artifact.uri) / _FILE)


_RECORDS: Final = cattrs.preconf.json.make_converter()


class RecordMaterializer(Materializer[object]):
    """attrs classes and dataclasses, through cattrs, with the class's import path recorded."""

    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (object,)
    FORMAT: ClassVar[str] = "zen-record-json"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "attrs classes and dataclasses as JSON (via cattrs)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Write the record's fields and its class path."""
        cls = type(value)
        if not (attrs.has(cls) or dataclasses.is_dataclass(cls)):
            raise TypeError(f"{cls.__name__} is neither an attrs class nor a dataclass")
        body: dict[str, JSONValue] = {"class": _import_path(cls), "value": encode_record(value)}
        _write_envelope(artifact, self.FORMAT, self.FORMAT_VERSION, body)

    def read(self, artifact: ArtifactLocation) -> object:
        """Rebuild the record (its class must be importable)."""
        envelope = _read_envelope(artifact, self.FORMAT, self.FORMAT_VERSION)
        path = envelope.get("class")
        if not isinstance(path, str):
            raise CorruptArtifactError(f"{artifact.uri}: the record's class is not recorded.")
        cls = _import_class(path)
        try:
            return _RECORDS.structure(decode(envelope.get("value")), cls)
        except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
            raise CorruptArtifactError(f"{artifact.uri}: cannot rebuild {path} from the stored fields: {exc}") from exc

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """The record's class."""
        return {"python_type": type(value).__qualname__}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The record's class and fields as stored (the class is not imported)."""
        return json_preview(Path(artifact.uri) / _FILE)


def encode_record(value: object) -> JSONValue:
    """Unstructure with cattrs, then tag what JSON cannot say (NaN, bytes, tuples)."""
    return encode(_RECORDS.unstructure(value))


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


def register(registry: MaterializerRegistry) -> None:
    """Register the built-ins (pickle only as a reader of its own format, never as a writer by type)."""
    registry.register(JsonMaterializer)
    registry.register_record_writer(RecordMaterializer)
    registry.register(PickleMaterializer, writer=False)
