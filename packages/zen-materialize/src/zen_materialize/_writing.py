"""Writing a value as a named artifact: every failure becomes one zen error naming the artifact, step and type.

A materializer may refuse a value (``UnstorableValueError``, naming the spot inside it) or its library may raise
anything (pyarrow, skops, the interpreter's own limits). Callers that write artifacts - zen's runner, or a user's
own tooling - get an :class:`ArtifactWriteError` either way, chained to the cause, and stage the write so nothing
half-written is ever committed.
"""

from __future__ import annotations

from zen_materialize._base import ArtifactLocation, Materializer
from zen_materialize.errors import ArtifactWriteError, UnstorableValueError
from zen_types import JSONValue

__all__ = ["write_artifact"]


def write_artifact(
    materializer: Materializer[object],
    value: object,
    location: ArtifactLocation,
    *,
    artifact: str,
    step: str | None = None,
) -> dict[str, JSONValue]:
    """Write ``value`` into ``location`` with ``materializer`` and return its metadata.

    Raises :class:`ArtifactWriteError` (naming ``artifact``, ``step``, the value's type and the materializer)
    for any exception the materializer or its library raises; the original is its ``__cause__``.
    """
    try:
        materializer.write(value, location)
        return materializer.metadata(value)
    except Exception as exc:  # any library error is reported the same way, with the cause chained
        cls = type(value)
        own = isinstance(exc, ArtifactWriteError | UnstorableValueError)
        raise ArtifactWriteError(
            artifact=artifact,
            step=step,
            value_type=cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}",
            materializer=type(materializer).ref().name,
            reason=str(exc) if own else f"{type(exc).__name__}: {exc}.",
        ) from exc
