"""Small values shown beside their hashes: a metric, a short string, a small dict of metrics.

``zen runs compare`` and the dashboard show ``0.91 -> 0.94`` rather than two content hashes when an output is a
small plain value. Reading one is safe whatever the lineage says: only ``zen-json`` artifacts of at most
:data:`SMALL_VALUE_BYTES` are opened, their content hash is verified first, and the stored JSON is read as plain
JSON - nothing is unpickled, no class is imported (a tagged value, such as an enum or a record, is not shown).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import ClassVar, Final, cast

import attrs

from zen_materialize import ArtifactLocation, JsonMaterializer, MaterializerRegistry
from zen_run._artifact_io import ArtifactIO
from zen_store import ArtifactRecord
from zen_types import JSONValue

__all__ = ["SMALL_VALUE_BYTES", "SmallValue", "read_small_value"]

SMALL_VALUE_BYTES: Final = 4096
"""The largest stored ``value.json`` read to be shown."""
_TEXT: Final = 80
"""The longest string shown (in a value or as a dict key)."""
_ITEMS: Final = 12
"""The most items of a dict or list shown."""


@attrs.frozen
class SmallValue:
    """An output's value, small enough to show: ``value`` as stored (plain JSON), ``text`` as people read it."""

    value: JSONValue

    @property
    def text(self) -> str:
        """``0.91``, ``'adam'``, ``{'acc': 0.91, 'loss': 0.2}`` (as Python writes them): long floats to 6
        significant digits."""
        return _text(self.value)


def _text(value: JSONValue) -> str:
    if isinstance(value, float):
        return repr(value) if len(repr(value)) <= 12 else f"{value:.6g}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return json.dumps(value)


def _scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (bool, int)) or (isinstance(value, str) and len(value) <= _TEXT)


def _small(value: object) -> bool:
    if isinstance(value, dict):
        return len(value) <= _ITEMS and all(
            isinstance(k, str) and len(k) <= _TEXT and not k.startswith("$") and _scalar(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return len(value) <= _ITEMS and all(_scalar(v) for v in value)
    return _scalar(value)


class _PlainJson(JsonMaterializer):
    """Reads a ``zen-json`` file's stored value as plain JSON: nothing is decoded into objects."""

    DESCRIPTION: ClassVar[str] = "the stored JSON of a zen-json artifact, undecoded"

    def read(self, artifact: ArtifactLocation) -> object:
        """The envelope's ``value`` as parsed JSON (``value.json`` is the one file zen-json writes)."""
        envelope = json.loads((Path(artifact.uri) / "value.json").read_text(encoding="utf-8"))
        return envelope.get("value") if isinstance(envelope, dict) else None


def read_small_value(io: ArtifactIO, registry: MaterializerRegistry, record: ArtifactRecord) -> SmallValue | None:
    """The artifact's value when it is small and plain (see the module docstring), else None."""
    if record.format != JsonMaterializer.FORMAT or record.size > SMALL_VALUE_BYTES:
        return None
    try:
        value = io.read_value(registry, record, None, _PlainJson)
    except (OSError, ValueError, LookupError, RuntimeError):  # missing, altered, unreadable: show the hash only
        return None
    return SmallValue(cast("JSONValue", value)) if _small(value) else None  # checked: plain JSON, small
