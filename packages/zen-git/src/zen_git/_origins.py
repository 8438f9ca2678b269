"""Which objects were loaded from git history, and from which commit.

Code that ``resolve`` loads from a commit keeps its real module names (so its fingerprint and cache keys match
the code when it ran), which means its module is not the one in ``sys.modules``: the pin of such an object
cannot be read from its module's file. The loader records here every function and class it defines, so pinning
such an object again (``zen rerun`` records the code it runs) gives the commit it came from.

The table lives as long as the process, like the loaded modules themselves (``resolve`` never unloads them);
nothing clears it.
"""

from __future__ import annotations

import inspect
import types

__all__ = ["pinned_origin", "record_module"]

_BY_ID: dict[int, tuple[object, str]] = {}
"""id(object) -> (the object, kept alive so its id stays its own; the commit sha)."""


def record_module(module: types.ModuleType, sha: str) -> None:
    """Remember every function and class ``module`` defines (and the functions steps wrap) as from ``sha``."""
    pending: list[object] = list(vars(module).values())
    while pending:
        value = pending.pop()
        if getattr(value, "__module__", None) != module.__name__ or id(value) in _BY_ID:
            continue
        if inspect.isclass(value):
            _BY_ID[id(value)] = (value, sha)
            pending += list(vars(value).values())
        elif inspect.isfunction(value):
            _BY_ID[id(value)] = (value, sha)
        else:
            inner = getattr(value, "func", None)  # a zen Step keeps the function it wraps as .func
            if inspect.isfunction(inner):
                _BY_ID[id(value)] = (value, sha)
                pending.append(inner)


def pinned_origin(obj: object) -> str | None:
    """The commit ``obj`` was loaded from, or None for code loaded from files."""
    found = _BY_ID.get(id(obj))
    if found is None or found[0] is not obj:
        return None
    return found[1]
