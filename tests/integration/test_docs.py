"""The docs' Python code blocks run, in order, per page, in a fresh project: the docs cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)  # "```python no-run" blocks are illustrations only


def test_docs_pages_exist() -> None:
    """The pages the README and issues promise are there."""
    names = {p.name for p in PAGES}
    assert {"concepts.md", "tutorial.md", "materializers.md", "cli.md", "design.md", "typing.md"} <= names


@pytest.mark.parametrize("page", [p for p in PAGES if BLOCK.search(p.read_text())], ids=lambda p: p.name)
def test_code_blocks_run(page: Path, tmp_path: Path) -> None:
    """All Python blocks of a page, concatenated in order, run without error in a fresh project."""
    code = "\n".join(block for block in BLOCK.findall(page.read_text()))
    script = tmp_path / f"doc_{page.stem}.py"
    script.write_text(code)
    env = {**os.environ, "ZEN_ROOT": str(tmp_path / "project"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{page.name}:\n{done.stdout}\n{done.stderr}"


def test_cli_reference_lists_every_command() -> None:
    """docs/cli.md mentions every command zen has, its own and plugged-in ones, down to each group's verbs."""
    import click

    from zen_run._cli import zen

    text = (ROOT / "docs" / "cli.md").read_text()
    ctx = click.Context(zen, info_name="zen")
    for name in zen.list_commands(ctx):
        command = zen.get_command(ctx, name)
        assert command is not None
        assert f"zen {name}" in text, f"zen {name} is not documented in docs/cli.md"
        if isinstance(command, click.Group):
            for verb in command.list_commands(ctx):
                assert f"zen {name} {verb}" in text, f"zen {name} {verb} is not documented in docs/cli.md"
