"""No class of zen-run is longer than ``MAX_LINES``: a class that grows past it holds more than one idea.

A class is measured from its first decorator to its last line, docstrings and blank lines included (what a
reader has to hold). When one outgrows the limit, split it by idea - as the artifact store's URI checks became
``StoreFinder`` and the return-value checks ``_returns.py`` - never by cutting it at an arbitrary line.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

ROOT = Path(__file__).resolve().parents[2]
ZEN_RUN: Final = ROOT / "packages" / "zen-run" / "src" / "zen_run"
MAX_LINES: Final = 150


def class_lengths(folder: Path) -> dict[str, int]:
    """Every class under ``folder`` (nested ones too), as ``file:Class`` (file relative to ``folder``), with its
    length in lines."""
    lengths: dict[str, int] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ClassDef):
                first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
                assert node.end_lineno is not None
                lengths[f"{path.relative_to(folder)}:{node.name}"] = node.end_lineno - first + 1
    return lengths


def test_no_zen_run_class_is_longer_than_the_limit() -> None:
    """Each class of zen-run fits in ``MAX_LINES`` lines."""
    lengths = class_lengths(ZEN_RUN)
    too_long = {name: length for name, length in lengths.items() if length > MAX_LINES}
    assert not too_long, f"classes over {MAX_LINES} lines (split them by idea): {too_long}"


def test_class_lengths_count_decorators_and_every_line(tmp_path: Path) -> None:
    """The measure counts from the first decorator to the last line, so a class cannot hide lines in them."""
    (tmp_path / "m.py").write_text("import attrs\n\n\n@attrs.frozen\nclass A:\n    x: int\n\n    y: int\n")
    assert class_lengths(tmp_path) == {"m.py:A": 5}
