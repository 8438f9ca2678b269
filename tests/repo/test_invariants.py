"""Repo-wide invariants: package markers, declared sibling dependencies, one-way layering, clean ``__all__``."""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").exists())

# zen-types at the bottom; materialize, store and git on it; run on them; the dashboard (ui) on top. Same-level
# siblings never import each other.
LAYER = {"zen_types": 0, "zen_materialize": 1, "zen_store": 1, "zen_git": 1, "zen_run": 2, "zen_ui": 3}


def _module(pkg: Path) -> str:
    return pkg.name.replace("-", "_")


def _declared(pkg: Path) -> set[str]:
    project = tomllib.loads((pkg / "pyproject.toml").read_text())["project"]
    deps: list[str] = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        deps.extend(extra)
    names = {re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0] for dep in deps}
    return {name.replace("-", "_") for name in names}


def _zen_imports(pkg: Path) -> dict[str, list[str]]:
    """Every ``zen_*`` top-level module imported anywhere in the package's source, with where."""
    found: dict[str, list[str]] = {}
    for path in (pkg / "src").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top.startswith("zen_"):
                    found.setdefault(top, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.name)
def test_every_package_has_py_typed_and_readme(pkg: Path) -> None:
    """Each package ships py.typed (its types are visible to users' mypy) and a README."""
    assert (pkg / "src" / _module(pkg) / "py.typed").is_file()
    assert (pkg / "README.md").is_file()


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.name)
def test_sibling_imports_are_declared_and_point_down(pkg: Path) -> None:
    """A package imports only zen packages below it, and declares each one as a dependency."""
    me = _module(pkg)
    declared = _declared(pkg)
    for imported, where in _zen_imports(pkg).items():
        if imported == me:
            continue
        assert imported in LAYER, f"{me} imports unknown zen module {imported} at {where[0]}"
        assert LAYER[imported] < LAYER[me], f"{me} imports {imported} (not below it) at {where[0]}"
        assert imported in declared, f"{me} imports {imported} at {where[0]} but does not declare it"


def test_layer_table_covers_every_package() -> None:
    """The layering table names exactly the packages that exist, so a new package cannot skip the check."""
    assert {_module(p) for p in PACKAGES} == set(LAYER)


def _public_modules() -> list[str]:
    mods: list[str] = []
    for pkg in PACKAGES:
        src = pkg / "src" / _module(pkg)
        mods.append(_module(pkg))
        for path in sorted(src.glob("*.py")):
            if not path.name.startswith("_"):
                mods.append(f"{_module(pkg)}.{path.stem}")
        for sub in sorted(src.iterdir()):
            if sub.is_dir() and not sub.name.startswith("_") and (sub / "__init__.py").exists():
                mods.append(f"{_module(pkg)}.{sub.name}")
    return mods


@pytest.mark.parametrize("name", _public_modules())
def test_all_is_sorted_and_resolves(name: str) -> None:
    """Every public module's ``__all__`` is sorted (plain string order) and each name exists."""
    if name.endswith(".mypy"):
        pytest.importorskip("mypy")
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list), f"{name} has no __all__ list"
    assert exported == sorted(exported), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names {attr}, which does not exist"


def test_zen_run_reexports_the_user_facing_names() -> None:
    """The facade users import from offers every name the quickstart needs."""
    zen_run = importlib.import_module("zen_run")
    for attr in ("BaseStepConfig", "Input", "Output", "Slot", "pipeline", "step", "Client"):
        assert hasattr(zen_run, attr), f"zen_run does not export {attr}"
