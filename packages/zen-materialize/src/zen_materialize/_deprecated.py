"""Names kept for code written against older versions.

Each old name stands for a current name of the same module (it is an alias of it); reading it warns with a
``DeprecationWarning`` pointing at the code that used it. A module serves them from its ``__getattr__``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Final

__all__ = ["RENAMED", "deprecated_name"]

RENAMED: Final = {"UnsupportedValueError": "UnstorableValueError"}
"""Old name -> the current name it is an alias of."""


def deprecated_name(module: str, name: str, namespace: Mapping[str, object]) -> object:
    """What the deprecated ``name`` of ``module`` stands for, found in the module's ``namespace`` (its
    ``globals()``), with a warning; ``AttributeError`` for any other name, as a module without the hook raises."""
    current = RENAMED.get(name)
    if current is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(
        f"{module}.{name} is deprecated: use {current} (it is an alias of it).", DeprecationWarning, stacklevel=3
    )
    return namespace[current]
