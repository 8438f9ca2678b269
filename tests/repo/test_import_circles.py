"""No two modules of the packages, the tests or the tools import each other, directly or around a circle, not
even lazily.

Every import counts, wherever it is written (a function body's too): a circle hidden in a function still ties
the modules together. An import names module ``m`` when ``m`` is a module of the packages: ``import a.b``
names ``a.b``; ``from a import b`` names ``a`` and, if it is a module, ``a.b``. A module importing a package it
lies in (``from zen_run import _render`` in ``zen_run._cli``) is not counted as importing that package's
``__init__``: the ``__init__`` imports its parts, and the part reaches its sibling (which is counted).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).parts
    parts = relative[3:] if relative[0] == "packages" else relative  # packages/zen-x/src/zen_x/...
    return ".".join([*parts[:-1], *(() if parts[-1] == "__init__.py" else (parts[-1].removesuffix(".py"),))])


SOURCES: Final = {_module_name(path): path for path in sorted(ROOT.glob("packages/*/src/**/*.py"))}
TEST_AND_TOOL_SOURCES: Final = {
    _module_name(path): path for path in sorted([*ROOT.glob("tests/**/*.py"), *ROOT.glob("tools/**/*.py")])
}


def imports_of(name: str, tree: ast.Module, modules: set[str] | dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that module ``name`` imports anywhere in ``tree``."""
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            named.add(node.module)
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in named if m in modules and m != name and not name.startswith(f"{m}.")}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_import_circles_among_the_packages_modules() -> None:
    """The module graph of every package has no circle."""
    graph = {
        name: imports_of(name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), SOURCES)
        for name, path in SOURCES.items()
    }
    assert graph.get("zen_run._steps"), "the graph was not built from the sources"
    assert circles(graph) == [], "modules importing each other in a circle (split out what both need)"


def test_no_import_circles_among_the_tests_and_tools_modules() -> None:
    """Tests and tools too: a helper module and the one using it never import each other (a shared part moves
    into a third module, or a command runs the other as a process)."""
    every = {**SOURCES, **TEST_AND_TOOL_SOURCES}
    graph = {
        name: imports_of(name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), every)
        for name, path in every.items()
    }
    assert graph.get("tests.typing.table"), "the graph was not built from the tests"
    assert circles(graph) == [], "modules importing each other in a circle (split out what both need)"


def test_a_lazy_import_closing_a_circle_is_found() -> None:
    """An import inside a function counts: two modules importing each other that way are a circle."""
    a = ast.parse("import b\n")
    b = ast.parse("def later():\n    from a import thing\n")
    modules = {"a", "b", "c"}
    graph = {"a": imports_of("a", a, modules), "b": imports_of("b", b, modules), "c": set()}
    assert circles(graph) == [["a", "b"]]
