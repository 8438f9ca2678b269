"""Every code block of README.md and docs/*.md runs, in order, per page, in a fresh project: the docs cannot
rot. A block that cannot run here says why in its info string (see ``tests/common/markdown.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.common.markdown import Block, blocks, console_commands, pages

ROOT = Path(__file__).resolve().parents[2]
PAGES = pages()
DOCS = [p for p in PAGES if p.parent.name == "docs"]


def test_docs_pages_exist() -> None:
    """The pages the README and issues promise are there."""
    names = {p.name for p in DOCS}
    assert {"concepts.md", "tutorial.md", "materializers.md", "cli.md", "design.md", "typing.md"} <= names


def test_every_block_is_run_or_says_why_not() -> None:
    """Each fenced block is code the tests run, a file or output shown, or marked ``no-run: REASON``."""
    problems = [f"{b.where}: {problem}" for page in PAGES for b in blocks(page) for problem in b.problems]
    assert not problems, "\n".join(problems)


def test_readme_sets_up_zens_workspace_with_exactly_two_commands() -> None:
    """The README's "Set up" section has two commands (the quickstart end to end, and every check); starting a
    project of your own is its own section."""
    text = (ROOT / "README.md").read_text()
    set_up = text[text.index("\n## Set up\n") : text.index("\n## ", text.index("\n## Set up\n") + 1)]
    commands = [b for b in blocks(ROOT / "README.md") if b.language == "sh" and b.text.strip() in set_up]
    assert [len(b.text.strip().splitlines()) for b in commands] == [1, 1]
    assert "\n## Start your own project\n" in text


def _runs(page: Path) -> bool:
    return any(b.runs_here or b.file is not None for b in blocks(page))


def _shell(block: Block) -> str:
    return console_commands(block.text) if block.language == "console" else block.text


@pytest.mark.parametrize("page", [p for p in PAGES if _runs(p)], ids=lambda p: p.name)
def test_code_blocks_run(page: Path, tmp_path: Path) -> None:
    """A page's files are written, its Python blocks run as one script in order, then its shell blocks in order,
    with ``zen`` on the PATH, in a fresh project folder (holding one run named ``nightly`` for the shell)."""
    project = tmp_path / "project"
    project.mkdir()
    found = blocks(page)
    for block in found:
        if block.file is not None and not block.venv:
            (project / block.file).write_text(block.text)
    env = {
        **os.environ,
        "ZEN_ROOT": str(project),
        "PYTHONPATH": str(ROOT),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    code = "\n".join(b.text for b in found if b.runs_here and b.language == "python")
    if code:
        script = project / f"doc_{page.stem}.py"
        script.write_text(code)
        _run([sys.executable, str(script)], project, env, f"{page.name} (its Python blocks)")
    shell = [b for b in found if b.runs_here and b.language != "python"]
    if shell:  # commands that look at runs find one: the quickstart's pipeline, run and tag named "nightly"
        _run(
            ["zen", "run", "examples.seed000:instance", "--run-name", "nightly", "--tag", "nightly", "-q"],
            project,
            env,
            "",
        )
    for block in shell:
        _run(["bash", "-euo", "pipefail", "-c", _shell(block)], project, env, f"{block.where}:\n{_shell(block)}")


def _run(argv: list[str], cwd: Path, env: dict[str, str], where: str) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{where}\n{done.stdout}\n{done.stderr}"


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
