"""Which objects were loaded from git history, from which commit, and the source text of their classes.

Code that ``resolve`` loads from a commit keeps its real module names (so its fingerprint and cache keys match
the code when it ran), which means its module is not the one in ``sys.modules``: neither the pin nor the source
of such an object can be read through its module. The loader records here every function and class it
defines, so pinning such an object again (``zen rerun`` records the code it runs) gives the commit it came
from, and the source text of each class (``inspect.getsource`` finds a class through ``sys.modules``, so it
would fail, or read the working tree's version), so its fingerprint is the one it had when it ran. Functions
need no entry for their source: their code objects name the loaded file, which the loader put in ``linecache``.

The tables live as long as the process, like the loaded modules themselves (``resolve`` never unloads them);
nothing clears them.
"""

from __future__ import annotations

import ast
import inspect
import types

__all__ = ["pinned_class_source", "pinned_origin", "record_module"]

_BY_ID: dict[int, tuple[object, str]] = {}
"""id(object) -> (the object, kept alive so its id stays its own; the commit sha)."""

_CLASS_SOURCES: dict[int, tuple[object, str, str]] = {}
"""id(class) -> (the class, kept alive; the file name the loader gave its module; its source lines)."""


def _class_sources(text: str) -> dict[str, str]:
    """Each class a module's text defines (at any depth outside functions), by qualified name: its lines,
    decorators included, as ``inspect.getsource`` gives them."""
    lines = text.splitlines(keepends=True)
    found: dict[str, str] = {}
    pending: list[tuple[str, ast.AST]] = [("", ast.parse(text))]
    while pending:
        prefix, node = pending.pop()
        for child in getattr(node, "body", []):
            if isinstance(child, ast.ClassDef):
                qualname = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                found[qualname] = "".join(lines[first - 1 : child.end_lineno])
                pending.append((f"{qualname}.", child))
    return found


def record_module(module: types.ModuleType, sha: str, text: str) -> None:
    """Remember every function and class ``module`` defines (and the functions steps wrap) as from ``sha``;
    ``text`` is the module's source, from which each class's source is kept."""
    classes = _class_sources(text)
    filename = str(getattr(module, "__file__", ""))
    pending: list[object] = list(vars(module).values())
    while pending:
        value = pending.pop()
        if getattr(value, "__module__", None) != module.__name__ or id(value) in _BY_ID:
            continue
        if inspect.isclass(value):
            _BY_ID[id(value)] = (value, sha)
            source = classes.get(value.__qualname__)
            if source is not None:
                _CLASS_SOURCES[id(value)] = (value, filename, source)
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


def pinned_class_source(cls: object) -> tuple[str, str] | None:
    """``(file name, source)`` of a class loaded from history, or None for any other object."""
    found = _CLASS_SOURCES.get(id(cls))
    if found is None or found[0] is not cls:
        return None
    return found[1], found[2]
