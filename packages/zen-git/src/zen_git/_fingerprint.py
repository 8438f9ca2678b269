"""Code fingerprints for caching: the step function and the in-repository code it calls, normalised.

The fingerprint of a function is a digest of its AST (so formatting, comments and docstrings do not matter)
together with the fingerprints of every function and class it references through its globals, closures or
attributes of in-project modules, transitively, as long as they are defined under the project root and not in
an installed package. Each part is kept, so a cache explanation can name the function that changed. Code
loaded from git history is read as it was loaded (see ``_origins``), so a re-run of a pinned run has the
fingerprints of the original.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import textwrap
import types
import weakref
from collections.abc import Mapping
from pathlib import Path

import attrs

from zen_git._origins import pinned_class_source

__all__ = ["CodeFingerprint", "code_fingerprint"]


@attrs.frozen(kw_only=True)
class CodeFingerprint:
    """A digest over the parts, and each part's digest by qualified name (``module.qualname``), read-only."""

    digest: str
    parts: Mapping[str, str]


class _Strip(ast.NodeTransformer):
    """Drops docstrings so documentation edits do not invalidate caches."""

    def _body(self, node: ast.AST) -> ast.AST:
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]  # checked by getattr just above
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Module = _body


def _normalised(obj: object) -> str | None:
    pinned = pinned_class_source(obj)
    if pinned is not None:
        source = pinned[1]
    else:
        try:
            source = inspect.getsource(obj)  # type: ignore[arg-type]  # functions and classes only reach here
        except (OSError, TypeError):
            return None
    tree = _Strip().visit(ast.parse(textwrap.dedent(source)))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            node.decorator_list = []
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def _in_project(obj: object, root: Path) -> bool:
    pinned = pinned_class_source(obj)
    try:
        file = pinned[0] if pinned is not None else inspect.getsourcefile(obj)  # type: ignore[arg-type]  # functions, classes and modules only
    except TypeError:
        return False
    if file is None:
        return False
    path = Path(file).resolve()
    return (root in path.parents) and "site-packages" not in path.parts


def _unwrap(obj: object) -> object:
    inner = getattr(obj, "func", None)  # zen Step objects keep the undecorated function as .func
    if inspect.isfunction(inner):
        return inner
    return inspect.unwrap(obj) if callable(obj) else obj


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _references(obj: object) -> list[object]:
    found: list[object] = []
    if inspect.isclass(obj):
        for value in vars(obj).values():
            member = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
            if inspect.isfunction(member):
                found.append(member)
        return found
    if not inspect.isfunction(obj):
        return found
    names = _names(obj.__code__)
    scope: dict[str, object] = dict(obj.__globals__)
    if obj.__closure__:
        for name, cell in zip(obj.__code__.co_freevars, obj.__closure__, strict=False):
            try:
                scope[name] = cell.cell_contents
            except ValueError:
                continue
    for name in sorted(names | set(obj.__code__.co_freevars)):
        value = scope.get(name)
        if isinstance(value, types.ModuleType):
            for attr in sorted(names):
                member = getattr(value, attr, None)
                if inspect.isfunction(member) or inspect.isclass(member):
                    found.append(member)
        elif value is not None:
            found.append(value)
    return found


# Per function object (weakly, so a reloaded module's new functions never meet a stale entry), per root.
_CACHE: weakref.WeakKeyDictionary[object, dict[Path, CodeFingerprint]] = weakref.WeakKeyDictionary()


@functools.cache
def _resolved(root: str) -> Path:
    return Path(root).resolve()


def code_fingerprint(func: object, *, root: Path | str) -> CodeFingerprint:
    """Fingerprint ``func`` (a function, class or zen step) and the in-project code it reaches."""
    project = _resolved(str(root))
    try:
        per_root = _CACHE.setdefault(func, {})
    except TypeError:  # not weak-referenceable: compute every time
        per_root = {}
    cached = per_root.get(project)
    if cached is not None:
        return cached
    parts: dict[str, str] = {}
    pending: list[object] = [_unwrap(func)]
    seen: set[int] = set()
    while pending:
        obj = _unwrap(pending.pop())
        if id(obj) in seen or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        seen.add(id(obj))
        if obj is not _unwrap(func) and not _in_project(obj, project):
            continue
        text = _normalised(obj)
        if text is None:
            continue
        name = f"{obj.__module__}.{obj.__qualname__}"
        parts[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
        pending.extend(_references(obj))
    digest = hashlib.sha256("".join(f"{k}={v};" for k, v in sorted(parts.items())).encode()).hexdigest()
    result = CodeFingerprint(digest=f"sha256:{digest}", parts=types.MappingProxyType(dict(sorted(parts.items()))))
    per_root[project] = result
    return result
