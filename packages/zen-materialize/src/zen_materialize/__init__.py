"""zen-materialize: how values of a type are written to and read from artifacts.

It sits on zen-types and beside zen-store and zen-git; zen-run uses it to write step outputs and read step
inputs. A materializer is tied to data types and a stored format; the registry picks the writer for a type by
its MRO and the reader for a stored format by the requested type (views). A write stores what reads back equal
and of the same type, or refuses the value naming the spot. Nothing is pickled unless asked for. Third-party
materializers come in through the ``zen.materializers`` entry-point group. ``zen_materialize.testing`` gives
users the checks the built-ins pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen_materialize import _deprecated
from zen_materialize._base import ArtifactKind, ArtifactLocation, Location, Materializer, MaterializerRef
from zen_materialize._builtins import JsonMaterializer, PickleMaterializer, RecordMaterializer
from zen_materialize._reading import read_artifact
from zen_materialize._registry import ENTRY_POINT_GROUP, MaterializerRegistry, default_registry
from zen_materialize._visualization import PREVIEW_MAX_BYTES, Html, Png, Svg, Visualization
from zen_materialize._writing import write_artifact
from zen_materialize.errors import (
    AmbiguousMaterializerError,
    ArtifactReadError,
    ArtifactWriteError,
    CorruptArtifactError,
    MaterializerDefinitionError,
    MaterializerError,
    MaterializerNotFoundError,
    UnsafeMaterializerWarning,
    UnstorableValueError,
)

__all__ = [
    "AmbiguousMaterializerError",
    "ArtifactKind",
    "ArtifactLocation",
    "ArtifactReadError",
    "ArtifactWriteError",
    "CorruptArtifactError",
    "ENTRY_POINT_GROUP",
    "Html",
    "JsonMaterializer",
    "Location",
    "Materializer",
    "MaterializerDefinitionError",
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
    "UnstorableValueError",
    "Visualization",
    "default_registry",
    "read_artifact",
    "write_artifact",
]

if TYPE_CHECKING:
    from zen_materialize.errors import UnsupportedValueError as UnsupportedValueError  # deprecated alias
else:

    def __getattr__(name: str) -> object:
        return _deprecated.deprecated_name(__name__, name, globals())
