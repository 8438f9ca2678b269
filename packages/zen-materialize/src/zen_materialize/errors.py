"""Errors of materializer lookup and of reading stored artifacts."""

from __future__ import annotations

from zen_types.errors import ZenError

__all__ = [
    "AmbiguousMaterializerError",
    "CorruptArtifactError",
    "MaterializerError",
    "MaterializerNotFoundError",
    "UnsafeMaterializerWarning",
    "UnsupportedValueError",
]


class MaterializerError(ZenError, LookupError):
    """Base of materializer lookup errors."""


class MaterializerNotFoundError(MaterializerError):
    """No registered materializer can write (or read) the requested type."""


class AmbiguousMaterializerError(MaterializerError):
    """Several materializers fit equally well; zen refuses to pick one silently."""


class CorruptArtifactError(ZenError, ValueError):
    """An artifact's files are missing, truncated or not in the recorded format."""


class UnsafeMaterializerWarning(UserWarning):
    """A materializer whose stored artifacts execute code when loaded (pickle) was used."""


class UnsupportedValueError(ZenError, TypeError):
    """A value of a type a materializer writes cannot be stored in its format (a dtype, layout or column the
    format has no place for); the message names what to convert it to."""
