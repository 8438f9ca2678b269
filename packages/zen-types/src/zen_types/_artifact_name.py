"""``ArtifactName``: the marker that names the artifact an output is stored as.

Written inside ``Annotated`` where the output's type is: ``-> Annotated[Model, ArtifactName("iris_model")]``, a
field of a returned NamedTuple, or ``Output[Annotated[Model, ArtifactName("iris_model")]]``. Type checkers read
``Annotated[Model, ...]`` as ``Model``, so wiring is checked as before; the runtime reads the name when the step
is defined. An output without one is named ``<pipeline>.<slot>.<output>``. Each stored output is the next
version of its name.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from zen_types.errors import StepDefinitionError

__all__ = ["ArtifactName"]

_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}")


def _check(_: object, __: attrs.Attribute[str], value: str) -> None:
    if type(value) is not str or _NAME.fullmatch(value) is None:  # a name read from YAML or JSON may be anything
        raise StepDefinitionError(
            f"ArtifactName({value!r}) is not a valid artifact name: use 1 to 128 letters, digits, '_', '.' or '-', "
            f"starting with a letter, digit or '_' (e.g. ArtifactName(\"iris_model\"))."
        )


@attrs.frozen
class ArtifactName:
    """Names the artifact an output is stored as: ``-> Annotated[Model, ArtifactName("iris_model")]``."""

    name: str = attrs.field(validator=_check)
