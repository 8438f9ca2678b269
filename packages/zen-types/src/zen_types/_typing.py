"""The two places where zen's types are deliberately open, named once; and ``deprecated`` for checkers only.

``disallow_any_explicit`` is on everywhere; these aliases are the reviewed exceptions. ``AnyFunction`` is "some
function, whatever its parameters" (what a decorator accepts). ``Permissive`` is what wiring calls degrade to
when the mypy plugin is not enabled: other type checkers then accept any wiring instead of reporting errors
that are not there. With the plugin, precise types replace both.

``deprecated`` marks a call that type checkers should flag (PEP 702) while the code itself explains the mistake
at run time: checkers see ``typing_extensions.deprecated``; at run time the decorator only records
``__deprecated__``, as that one does with ``category=None``, so importing zen-types does not load
typing_extensions (its 165 kB of source are a tenth of zen's import time when no bytecode is cached).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

__all__ = ["AnyFunction", "Permissive", "deprecated"]

AnyFunction: TypeAlias = Callable[..., object]  # type: ignore[explicit-any]  # any signature, by design
Permissive: TypeAlias = Any  # type: ignore[explicit-any]  # the no-plugin fallback described above

if TYPE_CHECKING:
    from typing_extensions import deprecated
else:
    _D = TypeVar("_D")

    def deprecated(message: str, /, *, category: None = None) -> Callable[[_D], _D]:
        """Record ``message`` as the object's ``__deprecated__`` and warn nothing (see the module docstring)."""

        def mark(marked: _D) -> _D:
            marked.__deprecated__ = message
            return marked

        return mark
