"""A private name is used only by the module that defines it; a private module only inside its package.

The rules, checked by parsing every module of the packages, the tests and the tools:

- A name is *private* when it starts with one underscore: ``_cache``, ``_Call``. Dunder names (``__all__``) and
  sunder names (``_repr_html_``, a protocol other code is meant to call) are not.
- **Private names stay in their module.** ``from m import _name`` and ``m._name`` are refused unless ``m._name``
  is itself a module (``from zen_run import _render`` imports a module, not a module's private name). A name
  that siblings share goes public inside the package: no underscore, in a private module, out of ``__all__``.
- **Private attributes stay with their class's module.** ``obj._attr`` is refused when no code in the same
  module defines ``_attr``: reaching into an object from elsewhere couples to its insides. A few standard-library
  names are public despite their underscore (``sys._getframe``, ``os._exit``, a named tuple's ``_make``).
- **Private modules stay in their package.** Package code imports another zen package only through its public
  modules (``zen_store``, ``zen_store.errors``), never ``zen_store._sqlite``. Tests and tools may import a
  package's private modules - they test and measure its parts - but only their public-inside-package names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import attrs

ROOT = Path(__file__).resolve().parents[2]
STANDARD_EXCEPTIONS: Final = frozenset({"sys._getframe", "os._exit", "__future__._Feature"})
"""Standard-library names documented for use despite their underscore (see the module docstring)."""
NAMEDTUPLE_API: Final = frozenset({"_make", "_replace", "_asdict", "_fields", "_field_defaults"})


@attrs.frozen
class Source:
    """One module: its dotted name, its file, and its syntax tree."""

    name: str
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name.split(".")[0]

    @property
    def in_package_code(self) -> bool:
        return self.path.is_relative_to(ROOT / "packages")

    def where(self, node: ast.stmt | ast.expr) -> str:
        return f"{self.path.relative_to(ROOT)}:{node.lineno}"


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT)
    parts = relative.parts[3:] if relative.parts[0] == "packages" else relative.parts  # packages/zen-x/src/zen_x
    dotted = [*parts[:-1], *(() if parts[-1] == "__init__.py" else (parts[-1].removesuffix(".py"),))]
    return ".".join(dotted)


def _sources() -> list[Source]:
    paths = [*sorted(ROOT.glob("packages/*/src/**/*.py")), *sorted(ROOT.glob("tests/**/*.py"))]
    paths += sorted(ROOT.glob("tools/**/*.py"))
    return [Source(_module_name(p), p, ast.parse(p.read_text(encoding="utf-8"), filename=str(p))) for p in paths]


SOURCES: Final = _sources()
MODULES: Final = frozenset(source.name for source in SOURCES)


def is_private(name: str) -> bool:
    """One leading underscore, and not a dunder or sunder name."""
    return name.startswith("_") and not name.endswith("_")


def _imports(source: Source) -> Iterator[tuple[ast.Import | ast.ImportFrom, str, str | None]]:
    """(node, module, name) for every import: ``name`` is None for ``import module``."""
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{source.where(node)}: relative import (the house imports absolutely)"
            assert node.module is not None
            for alias in node.names:
                yield node, node.module, alias.name


def _module_aliases(source: Source) -> dict[str, str]:
    """Local names bound to modules: ``import a.b`` binds ``a``, ``from a import b`` binds ``b`` if ``a.b`` is a
    module."""
    bound: dict[str, str] = {}
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES:
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _defined_here(source: Source) -> set[str]:
    """Every name this module defines or assigns anywhere: functions, classes, variables, attributes, arguments."""
    names: set[str] = set()
    for node in ast.walk(source.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)  # __slots__ entries, attrs' alias=, getattr(self, "_x")
    return names


def test_no_module_imports_another_modules_private_names() -> None:
    """``from m import _name`` and ``m._name`` only where ``m._name`` is a module."""
    found: list[str] = []
    for source in SOURCES:
        for node, module, name in _imports(source):
            if name is not None and is_private(name) and f"{module}.{name}" not in MODULES:
                found.append(f"{source.where(node)}: from {module} import {name}")
        aliases = _module_aliases(source)
        for attribute in ast.walk(source.tree):
            if not isinstance(attribute, ast.Attribute) or not isinstance(attribute.value, ast.Name):
                continue
            owner = aliases.get(attribute.value.id)
            spelled = f"{attribute.value.id}.{attribute.attr}"
            if (
                owner is not None
                and is_private(attribute.attr)
                and f"{owner}.{attribute.attr}" not in MODULES
                and spelled not in STANDARD_EXCEPTIONS
            ):
                found.append(f"{source.where(attribute)}: {spelled} (private name of {owner})")
    assert not found, "private names used outside their module:\n" + "\n".join(found)


def test_no_module_reads_private_attributes_it_does_not_define() -> None:
    """``obj._attr`` only in the module whose code defines ``_attr``."""
    found: list[str] = []
    for source in SOURCES:
        defined = _defined_here(source)
        for node in ast.walk(source.tree):
            if not isinstance(node, ast.Attribute) or not is_private(node.attr) or node.attr in defined:
                continue
            spelled = f"{ast.unparse(node.value)}.{node.attr}"
            if spelled not in STANDARD_EXCEPTIONS and node.attr not in NAMEDTUPLE_API:
                found.append(f"{source.where(node)}: {spelled}")
    assert not found, "private attributes read outside the module defining them:\n" + "\n".join(found)


def test_package_code_imports_other_packages_only_through_public_modules() -> None:
    """``zen_run`` may import ``zen_run._steps``, never ``zen_store._sqlite``."""
    found: list[str] = []
    for source in SOURCES:
        if not source.in_package_code:
            continue
        for node, module, name in _imports(source):
            dotted = module.split(".") + ([name] if name is not None and f"{module}.{name}" in MODULES else [])
            if dotted[0] != source.package and dotted[0].startswith("zen_") and any(map(is_private, dotted)):
                found.append(f"{source.where(node)}: {'.'.join(dotted)}")
    assert not found, "package code importing another package's private modules:\n" + "\n".join(found)


def test_the_checks_see_every_package_module() -> None:
    """The checks parse the code they are about (a moved source tree would make them pass vacuously)."""
    names = {source.name for source in SOURCES if source.in_package_code}
    for expected in ("zen_types", "zen_run._steps", "zen_store._sqlite", "zen_materialize.errors", "zen_ui"):
        assert expected in names
    assert is_private("_Call") and not is_private("__all__") and not is_private("_repr_html_")
