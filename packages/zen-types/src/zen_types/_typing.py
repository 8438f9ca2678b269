"""The two places where zen's types are deliberately open, named once.

``disallow_any_explicit`` is on everywhere; these aliases are the reviewed exceptions. ``AnyFunction`` is "some
function, whatever its parameters" (what a decorator accepts). ``Permissive`` is what wiring calls degrade to
when the mypy plugin is not enabled: other type checkers then accept any wiring instead of reporting errors
that are not there. With the plugin, precise types replace both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

__all__ = ["AnyFunction", "Permissive"]

AnyFunction: TypeAlias = Callable[..., object]  # type: ignore[explicit-any]  # any signature, by design
Permissive: TypeAlias = Any  # type: ignore[explicit-any]  # the no-plugin fallback described above
