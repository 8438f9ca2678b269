"""Errors of defining, looking up, writing and reading materializers.

::

    ZenError
     +-- MaterializerDefinitionError (TypeError)   a materializer class cannot be registered as written
     +-- MaterializerError (LookupError)           no materializer, or several, fit a type or format
     |    +-- MaterializerNotFoundError
     |    +-- AmbiguousMaterializerError
     +-- UnstorableValueError (ValueError, TypeError)  a write refused: the format has no place for the value,
     |                                                 or it would not read back as itself
     +-- ArtifactWriteError (ValueError)           writing an artifact failed (names artifact, step and type)
     +-- ArtifactReadError (ValueError)            reading an artifact failed (names artifact and type)
     +-- CorruptArtifactError (ValueError)         the stored files are missing, truncated or not the format

``UnsupportedValueError`` is a deprecated alias of ``UnstorableValueError`` (importing it warns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen_materialize import _deprecated
from zen_types.errors import ZenError

__all__ = [
    "AmbiguousMaterializerError",
    "ArtifactReadError",
    "ArtifactWriteError",
    "CorruptArtifactError",
    "MaterializerDefinitionError",
    "MaterializerError",
    "MaterializerNotFoundError",
    "UnsafeMaterializerWarning",
    "UnstorableValueError",
    "ZenError",
]


class MaterializerDefinitionError(ZenError, TypeError):
    """A materializer class has an attribute the registry cannot use; raised when it is registered."""

    def __init__(self, materializer: str, problem: str) -> None:
        self.materializer = materializer
        self.problem = problem
        super().__init__(f"Materializer {materializer} cannot be registered: {problem}")


class MaterializerError(ZenError, LookupError):
    """Base of materializer lookup errors."""


class MaterializerNotFoundError(MaterializerError):
    """No registered materializer can write (or read) the requested type."""


class AmbiguousMaterializerError(MaterializerError):
    """Several materializers fit equally well; zen refuses to pick one silently."""


class UnstorableValueError(ZenError, ValueError, TypeError):
    """A materializer refused a value at write time: its format has no place for it (a dtype, layout or mode), or
    it would not read back equal and of the same type.

    ``value_type`` names the value's type; ``where`` is the path of the culprit inside it (``value``,
    ``value['key'][2]``, ``column 'price'``, ``state_dict entry 'phase'``); ``problem`` says what is wrong there
    and ``fix`` what to do instead. Nothing is stored for a refused value. It is also a ``TypeError``, as the
    ``UnsupportedValueError`` it replaces was.
    """

    def __init__(self, *, value_type: str, where: str, problem: str, fix: str) -> None:
        self.value_type = value_type
        self.where = where
        self.problem = problem
        self.fix = fix
        super().__init__(f"Cannot store this {value_type}: at {where}, {problem}. {fix}")


class ArtifactWriteError(ZenError, ValueError):
    """Writing an artifact failed; the cause (a refusal or a library error) is chained and summarised."""

    def __init__(self, *, artifact: str, step: str | None, value_type: str, materializer: str, reason: str) -> None:
        self.artifact = artifact
        self.step = step
        self.value_type = value_type
        self.materializer = materializer
        self.reason = reason
        of_step = f" of step '{step}'" if step else ""
        super().__init__(
            f"Could not write artifact '{artifact}'{of_step} ({value_type}) with {materializer}: {reason} "
            f"Nothing was stored for it."
        )


class ArtifactReadError(ZenError, ValueError):
    """Reading an artifact failed in a way that is not a damaged file (a library error, a class that moved)."""

    def __init__(self, *, artifact: str, value_type: str, materializer: str, reason: str) -> None:
        self.artifact = artifact
        self.value_type = value_type
        self.materializer = materializer
        self.reason = reason
        super().__init__(f"Could not read artifact {artifact} as {value_type} with {materializer}: {reason}")


class CorruptArtifactError(ZenError, ValueError):
    """An artifact's files are missing, truncated or not in the recorded format."""


class UnsafeMaterializerWarning(UserWarning):
    """A materializer whose stored artifacts execute code when loaded (pickle) was used."""


if TYPE_CHECKING:
    UnsupportedValueError = UnstorableValueError
else:

    def __getattr__(name: str) -> object:
        return _deprecated.deprecated_name(__name__, name, globals())
