"""Nothing is public by accident: every public module's namespace holds exactly the names its ``__all__`` lists.

A name a module imports for its own use (``Path``, ``Sequence``, a helper from a sibling) would otherwise be
importable from it, and users who import it would break when the module stops needing it. Left out of the
comparison: ``from __future__`` features, ``TYPE_CHECKING``, and modules (the package's own submodules, which
Python sets as attributes, and libraries imported whole, which nobody mistakes for the module's own API).
"""

from __future__ import annotations
import __future__

import importlib
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p.name.replace("-", "_") for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").exists())


def _public_submodules(package: str) -> list[str]:
    src = ROOT / "packages" / package.replace("_", "-") / "src" / package
    modules = [f"{package}.{path.stem}" for path in sorted(src.glob("*.py")) if not path.name.startswith("_")]
    modules += [
        f"{package}.{sub.name}"
        for sub in sorted(src.iterdir())
        if sub.is_dir() and not sub.name.startswith("_") and (sub / "__init__.py").exists()
    ]
    return modules


def _members(module: types.ModuleType) -> list[str]:
    """The names a user sees in the module (``dir``, which a package importing its names on first use answers
    too): not private, not a module, not an import-time device."""
    return sorted(
        name
        for name in dir(module)
        if not name.startswith("_")
        and name != "TYPE_CHECKING"
        and not isinstance(getattr(module, name), types.ModuleType | __future__._Feature)
    )


def _import(name: str) -> types.ModuleType:
    if name.startswith("zen_types.mypy"):
        pytest.importorskip("mypy")
    return importlib.import_module(name)


def test_every_package_is_checked() -> None:
    """The six packages, from zen-types at the bottom to the dashboard on top."""
    assert PACKAGES == ["zen_git", "zen_materialize", "zen_run", "zen_store", "zen_types", "zen_ui"]


@pytest.mark.parametrize("package", PACKAGES)
def test_package_exports_exactly_its_all(package: str) -> None:
    """``import zen_x`` offers what ``zen_x.__all__`` lists (sorted), and nothing else."""
    module = _import(package)
    assert module.__all__ == sorted(module.__all__), f"{package}.__all__ is not sorted"
    assert _members(module) == sorted(module.__all__)


@pytest.mark.parametrize("name", [m for p in PACKAGES for m in _public_submodules(p)])
def test_public_submodule_exports_exactly_its_all(name: str) -> None:
    """A public submodule (``errors``, ``testing``, ``torch``...) offers what its ``__all__`` lists, and nothing
    else: what it imports for its own use stays out of reach."""
    module = _import(name)
    assert _members(module) == sorted(module.__all__)


@pytest.mark.parametrize("package", ["zen_git", "zen_materialize", "zen_store", "zen_types"])
def test_every_error_zen_run_passes_on_is_importable_from_zen_run_errors(package: str) -> None:
    """Users catch errors where they import zen: every error and warning a package below zen-run exports (and
    zen-run's APIs let through, like ``RunInProgressError`` from ``Client().delete_run``) is the same class in
    ``zen_run.errors``."""
    errors = importlib.import_module("zen_run.errors")
    module = _import(package)
    raised = [
        name
        for name in module.__all__
        if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), Exception)
    ]
    assert raised, f"{package} exports no error"
    assert {name: getattr(errors, name, None) for name in raised} == {name: getattr(module, name) for name in raised}
    assert set(raised) <= set(errors.__all__)


def test_zen_run_errors_loads_the_lower_packages_errors_only_when_asked() -> None:
    """``import zen_run.errors`` stays light (the CLI imports it at start-up): a lower package's error is
    imported on first use, then found like any attribute."""
    import subprocess
    import sys

    code = (
        "import sys, zen_run.errors as e; assert 'zen_store' not in sys.modules, 'early'; "
        "from zen_run.errors import RunInProgressError; import zen_store; "
        "assert RunInProgressError is zen_store.RunInProgressError is e.RunInProgressError"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
