"""The materializer contract: how values of some types are written to and read from an artifact directory.

Seed 001: a materializer has ``write`` and ``read`` and works anywhere, not only inside steps:
``M().write(value, artifact)`` and ``M().read(artifact)`` for any object with a ``uri`` naming a local
directory (a step's ``Output``/``Input`` handle, the store's staging area, or a plain ``Location``). Each
materializer declares the types it writes, its on-disk format and format version, the kind of artifact, and a
short description; it may extract JSON metadata (shape, dtype, rows) for listings and comparisons.
"""

from __future__ import annotations

import abc
import enum
from pathlib import Path
from typing import ClassVar, Generic, Protocol, TypeVar

import attrs

from zen_materialize._visualization import Visualization
from zen_types import JSONValue

__all__ = ["ArtifactKind", "ArtifactLocation", "Location", "Materializer", "MaterializerRef"]

T = TypeVar("T")


class ArtifactLocation(Protocol):
    """Anything with a ``uri``: the path of a local directory that holds (or will hold) an artifact's files."""

    @property
    def uri(self) -> str: ...


@attrs.frozen
class Location:
    """A plain artifact location, for using materializers outside steps: ``M().write(v, Location("out/"))``."""

    uri: str


class ArtifactKind(enum.Enum):
    """What an artifact is, for listings and for tools that treat models or metrics specially."""

    DATA = "data"
    MODEL = "model"
    METRICS = "metrics"
    SCHEMA = "schema"
    STATISTICS = "statistics"


@attrs.frozen(kw_only=True)
class MaterializerRef:
    """A materializer's stable identity as recorded with each artifact."""

    name: str
    format: str
    format_version: int

    def __str__(self) -> str:
        return f"{self.name} ({self.format} v{self.format_version})"


class Materializer(abc.ABC, Generic[T]):
    """Writes values of ``TYPES`` into an artifact directory and reads them back.

    Subclasses set the class attributes and implement :meth:`write` and :meth:`read`. ``write`` receives an
    existing, empty directory; it may create several files. ``read`` must raise ``CorruptArtifactError`` (not
    return a wrong value) when the files are missing, truncated or in another format.
    """

    TYPES: ClassVar[tuple[type, ...]] = ()
    FORMAT: ClassVar[str] = ""
    FORMAT_VERSION: ClassVar[int] = 1
    KIND: ClassVar[ArtifactKind] = ArtifactKind.DATA
    DESCRIPTION: ClassVar[str] = ""
    READ_TYPES: ClassVar[tuple[type, ...]] = ()
    """Types ``read`` returns when it is a view of another writer's format (empty: same as TYPES)."""

    @abc.abstractmethod
    def write(self, value: T, artifact: ArtifactLocation) -> None:
        """Write ``value`` into the directory ``artifact.uri``."""

    @abc.abstractmethod
    def read(self, artifact: ArtifactLocation) -> T:
        """Read the value stored in the directory ``artifact.uri``."""

    def metadata(self, value: T) -> dict[str, JSONValue]:
        """JSON metadata about ``value`` recorded with the artifact (shape, dtype, rows, length...)."""
        return {}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """What the dashboard and notebooks show of the artifact in ``artifact.uri``: ``Html``, ``Svg`` or ``Png``.

        Read only what is shown (a few rows, a memory-mapped sample) and never run code stored in the artifact;
        return ``None`` (the default) to show the recorded metadata only.
        """
        return None

    @classmethod
    def ref(cls) -> MaterializerRef:
        """This materializer's identity: import path, format and format version."""
        return MaterializerRef(
            name=f"{cls.__module__}.{cls.__qualname__}", format=cls.FORMAT, format_version=cls.FORMAT_VERSION
        )

    @classmethod
    def reads(cls) -> tuple[type, ...]:
        """The types this materializer's ``read`` can return."""
        return cls.READ_TYPES or cls.TYPES

    @staticmethod
    def path(artifact: ArtifactLocation, name: str) -> Path:
        """The path of file ``name`` inside the artifact directory."""
        return Path(artifact.uri) / name
