"""Errors of defining, looking up, writing and reading materializers.

::

    ZenError
     +-- MaterializerDefinitionError (TypeError)   a materializer class cannot be registered as written
     +-- MaterializerError (LookupError)           no materializer, or several, fit a type or format
     |    +-- MaterializerNotFoundError
     |    +-- AmbiguousMaterializerError
     +-- UnstorableValueError (ValueError)         a write refused: the value would not read back as itself
     +-- ArtifactWriteError (ValueError)           writing an artifact failed (names artifact, step and type)
     +-- ArtifactReadError (ValueError)            reading an artifact failed (names artifact and type)
     +-- UnsupportedValueError (TypeError)         a value of a written type has no place in the format
     +-- CorruptArtifactError (ValueError)         the stored files are missing, truncated or not the format
"""

from __future__ import annotations

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
    "UnsupportedValueError",
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


class UnstorableValueError(ZenError, ValueError):
    """A materializer refused a value at write time because it would not read back equal and of the same type.

    ``where`` is the path of the culprit inside the value (``value['key'][2]``, ``column 'price'``); ``fix`` says
    what to do instead. Nothing is stored for a refused value.
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


class UnsupportedValueError(ZenError, TypeError):
    """A value of a type a materializer writes cannot be stored in its format (a dtype, layout or column the
    format has no place for); the message names what to convert it to."""
