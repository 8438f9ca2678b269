"""zen-materialize: how values of a type are written to and read from artifacts.

It sits on zen-types and beside zen-store and zen-git; zen-run uses it to write step outputs and read step
inputs. A materializer is tied to data types and a stored format; the registry picks the writer for a type by
its MRO and the reader for a stored format by the requested type (views). Nothing is pickled unless asked
for. ``zen_materialize.testing`` gives users the hypothesis round-trip check the built-ins pass.
"""

from __future__ import annotations

from zen_materialize._base import ArtifactKind, ArtifactLocation, Location, Materializer, MaterializerRef
from zen_materialize._builtins import JsonMaterializer, PickleMaterializer, RecordMaterializer
from zen_materialize._registry import MaterializerRegistry, default_registry
from zen_materialize._visualization import PREVIEW_MAX_BYTES, Html, Png, Svg, Visualization
from zen_materialize.errors import (
    AmbiguousMaterializerError,
    CorruptArtifactError,
    MaterializerError,
    MaterializerNotFoundError,
    UnsafeMaterializerWarning,
    UnsupportedValueError,
)

__all__ = [
    "AmbiguousMaterializerError",
    "ArtifactKind",
    "ArtifactLocation",
    "CorruptArtifactError",
    "Html",
    "JsonMaterializer",
    "Location",
    "Materializer",
    "MaterializerError",
    "MaterializerNotFoundError",
    "MaterializerRef",
    "MaterializerRegistry",
    "PREVIEW_MAX_BYTES",
    "PickleMaterializer",
    "Png",
    "RecordMaterializer",
    "Svg",
    "UnsafeMaterializerWarning",
    "UnsupportedValueError",
    "Visualization",
    "default_registry",
]
