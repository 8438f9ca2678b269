"""Reading a stored artifact with a materializer: a library error becomes one zen error naming artifact and type.

The counterpart of :func:`write_artifact`: a reader may raise anything (pyarrow, skops, a user's class that moved).
Callers - the registry, zen's runner reading an input with an explicitly chosen reader - get an
:class:`ArtifactReadError` naming the artifact, the type asked for and the materializer, chained to the cause. zen's
own errors (``CorruptArtifactError`` for damaged files, lookup errors) pass through as they are.
"""

from __future__ import annotations

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize.errors import ArtifactReadError
from zen_types.errors import ZenError

__all__ = ["read_artifact"]


def read_artifact(
    materializer: Materializer[object], location: ArtifactLocation, *, artifact: str, wanted: str
) -> object:
    """``materializer.read(location)``; any non-zen exception becomes an :class:`ArtifactReadError` naming
    ``artifact`` and ``wanted`` (the type asked for), with the original as its ``__cause__``."""
    try:
        return materializer.read(location)
    except ZenError:
        raise
    except Exception as exc:  # third-party readers raise anything; say which artifact and type
        raise ArtifactReadError(
            artifact=artifact, value_type=wanted, materializer=type(materializer).ref().name, reason=f"{exc!r}."
        ) from exc
