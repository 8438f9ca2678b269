"""The fenced code blocks of the user-facing pages (README.md, docs/*.md), parsed for the tests that run them.

A block's info string is its language and, after it, what the tests do with it:

- ``python``, ``sh``, ``console``: code, run by ``tests/integration/test_docs.py`` in a fresh project (a page's
  Python blocks as one script in order, then its shell blocks in order; in a ``console`` block only the
  ``$ `` lines and their continuations are commands, the rest is output).
- ``python file=NAME``: the contents of a file the reader writes (``NAME`` in the project folder); written
  before the page's code runs, so its shell blocks can run it.
- ``... venv``: run in a fresh virtual environment with zen installed from this repository
  (``tests/integration/test_own_project.py``), not in the test suite's own environment.
- ``... no-run: REASON``: shown, never run; the reason is required and says why (and what runs it instead).
- ``text``, ``yaml``, ``toml``, ``ini``: output or the contents of a configuration file, not code.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import attrs

__all__ = ["CODE_LANGUAGES", "DATA_LANGUAGES", "Block", "blocks", "console_commands", "pages"]

ROOT = Path(__file__).resolve().parents[2]
CODE_LANGUAGES = frozenset({"python", "sh", "console"})
DATA_LANGUAGES = frozenset({"text", "yaml", "toml", "ini"})
_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<info>.*)$")


@attrs.frozen(kw_only=True)
class Block:
    """One fenced block: where it is, its language, what the tests do with it, and its text."""

    page: str
    line: int
    language: str
    text: str
    no_run: str | None = None
    """The reason it is never run, when it is marked ``no-run: REASON``."""
    file: str | None = None
    venv: bool = False
    problems: tuple[str, ...] = ()
    """What is wrong with its info string (an unknown language or attribute, a ``no-run`` without a reason)."""

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def runs_here(self) -> bool:
        """Run by the docs test in the suite's environment."""
        return self.language in CODE_LANGUAGES and self.no_run is None and self.file is None and not self.venv


def pages() -> list[Path]:
    """README.md and every page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _parse_info(info: str) -> tuple[str, str | None, str | None, bool, list[str]]:
    language, _, rest = info.strip().partition(" ")
    rest = rest.strip()
    problems: list[str] = []
    if language not in CODE_LANGUAGES | DATA_LANGUAGES:
        problems.append(f"language {language!r} is none of {sorted(CODE_LANGUAGES | DATA_LANGUAGES)}")
    if rest.startswith("no-run"):
        reason = rest.removeprefix("no-run").lstrip(":").strip()
        if not rest.startswith("no-run:") or not reason:
            problems.append("`no-run` needs a reason: ```LANG no-run: why it cannot run here")
        return language, reason or "", None, False, problems
    file: str | None = None
    venv = False
    for token in rest.split():
        if token.startswith("file="):
            file = token.removeprefix("file=")
        elif token == "venv":
            venv = True
        else:
            problems.append(f"unknown attribute {token!r} (known: no-run: REASON, file=NAME, venv)")
    if file is not None and language != "python":
        problems.append("file=NAME is for python blocks")
    return language, None, file, venv, problems


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, in order (fences indented in list items too)."""
    lines = page.read_text().splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opened = _FENCE.match(lines[index])
        if opened is None:
            index += 1
            continue
        indent, fence = opened["indent"], opened["fence"]
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        body = textwrap.dedent("\n".join(line.removeprefix(indent) for line in lines[index + 1 : end])) + "\n"
        language, no_run, file, venv, problems = _parse_info(opened["info"])
        found.append(
            Block(
                page=page.relative_to(ROOT).as_posix(),
                line=index + 1,
                language=language,
                text=body,
                no_run=no_run,
                file=file,
                venv=venv,
                problems=tuple(problems),
            )
        )
        index = end + 1
    return found


def console_commands(text: str) -> str:
    """The commands of a ``console`` block: each ``$ `` line and the lines continuing it (ending in ``\\``)."""
    commands: list[str] = []
    continuing = False
    for line in text.splitlines():
        if continuing or line.startswith("$ "):
            commands.append(line if continuing else line[2:])
            continuing = line.rstrip().endswith("\\")
    return "\n".join(commands) + "\n"
