"""Whether a module in memory was executed from the bytes its file holds now.

Python keeps no record of the bytes a module was imported from, so a file edited (even edited and committed)
between ``import`` and the first run would pass for the code that ran. What the module does keep is the code
object of every function it defines: compiling the file's bytes again gives equal code objects (instructions,
constants, names, line numbers) exactly when each function's source is unchanged and at the same lines. So the
functions and methods the module defines in its file are compared, by qualified name, with those compiled from
the bytes. Module-level values (``RATE = 0.1``) keep no code object after import, and a function added to the
file without moving the others is not in the module to compare: such an edit alone is not seen here (a
function a module defines only on some Python versions must not count as missing).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterator

__all__ = ["same_code"]


def _compiled(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _compiled(const)


def _functions(module: types.ModuleType, filename: str) -> Iterator[types.FunctionType]:
    """Functions and methods defined by the module's own file (not imported, not made by a decorator
    elsewhere), unwrapped from zen steps, ``functools.wraps`` wrappers and method descriptors."""
    pending: list[object] = list(vars(module).values())
    seen: set[int] = set()
    while pending:
        value = pending.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if inspect.isclass(value):
            if value.__module__ == module.__name__:
                pending += list(vars(value).values())
            continue
        if isinstance(value, (staticmethod, classmethod)):
            pending.append(value.__func__)
            continue
        if isinstance(value, property):
            pending += [value.fget, value.fset, value.fdel]
            continue
        inner = getattr(value, "func", None)  # a zen Step keeps the function it wraps as .func
        if inspect.isfunction(inner):
            pending.append(inner)
            continue
        if inspect.isfunction(value):
            wrapped = getattr(value, "__wrapped__", None)
            if wrapped is not None:
                pending.append(wrapped)
            if value.__code__.co_filename == filename:
                yield value


def same_code(module: types.ModuleType, data: bytes) -> bool:
    """False when a function or method ``module`` defines in its file differs from the one ``data`` compiles
    to, or is missing from it; True otherwise (and when ``data`` does not compile)."""
    filename = getattr(module, "__file__", None)
    if not isinstance(filename, str):
        return True
    try:
        code = compile(data, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return True
    by_name: dict[str, list[types.CodeType]] = {}
    for found in _compiled(code):
        by_name.setdefault(found.co_qualname, []).append(found)
    for function in _functions(module, filename):
        if function.__code__ not in by_name.get(function.__code__.co_qualname, []):
            return False
    return True
