"""Shell completion of what a project has recorded: run ids, step names, artifact names, ``NAME:VERSION``s and
artifact ids, pipeline names and tags (see docs/cli.md, "Shell completion").

Completion runs on every TAB, so it reads the lineage file directly, read-only, with one small query each, and
imports no store: nothing is created or migrated, and nothing is printed. Anything that stops it (no project, a
PostgreSQL lineage store, a file locked or damaged) completes nothing, quietly; the command itself says what is
wrong when it runs. Prefixes match literally (``_`` and ``%`` are not patterns) and case-sensitively, as ids do.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import sqlite3

    import click
    from click.shell_completion import CompletionItem

__all__ = [
    "complete_artifact_names",
    "complete_artifacts",
    "complete_pipeline_names",
    "complete_run_ids",
    "complete_step_names",
    "complete_tags",
    "use_bash_colon_words",
]

_LIMIT: Final = 200
"""At most this many candidates: a shell shows no more usefully, and the query stays short."""


@contextlib.contextmanager
def _lineage(ctx: click.Context) -> Iterator[sqlite3.Connection | None]:
    """The project's SQLite lineage file for the stack the command line names (or the active one), opened
    read-only; None when there is none to read."""
    import os
    import sqlite3  # here, as every import of this module: `zen --help` loads it, and must stay light

    from zen_run._project import Project
    from zen_types.errors import ZenError

    connection = None
    try:
        with warnings.catch_warnings():  # a warning about the project's folder belongs to commands, not to TAB
            warnings.simplefilter("ignore")
            project = Project.find()
        stack_name = ctx.meta.get("zen.stack") or os.environ.get("ZEN_STACK")  # --stack, if typed before
        location = str(project.zen_dir / "lineage.db")  # the default stack's, when no other stack is registered
        if project.config_path.exists() or stack_name:
            from zen_run._stack import StackRegistry  # a tenth of a second: only for projects with stacks

            registry = StackRegistry(project)
            stack = registry.get(stack_name) if isinstance(stack_name, str) else registry.active()
            location = stack.lineage_location(project)
        if "://" not in location and Path(location).is_file():
            connection = sqlite3.connect(f"{Path(location).as_uri()}?mode=ro", uri=True, timeout=0.5)
    except (ZenError, OSError, sqlite3.Error):
        connection = None
    try:
        yield connection
    finally:
        if connection is not None:
            connection.close()


def _rows(ctx: click.Context, sql: str, params: list[object]) -> list[tuple[object, ...]]:
    import sqlite3

    with _lineage(ctx) as connection:
        if connection is None:
            return []
        try:
            return list(connection.execute(sql, params))
        except sqlite3.Error:
            return []


def _item(value: str, description: str = "") -> CompletionItem[str]:
    from click.shell_completion import CompletionItem  # here: only completion needs it, not every `zen` start

    return CompletionItem(value, help=description or None)


def _when(stamp: object) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M") if isinstance(stamp, float) else ""


def complete_run_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem[str]]:
    """Run ids starting with ``incomplete``, newest first, each described by its pipeline, status and start."""
    rows = _rows(
        ctx,
        "SELECT run_id, pipeline_name, status, started_at FROM runs WHERE substr(run_id, 1, ?) = ? "
        "ORDER BY started_at DESC LIMIT ?",
        [len(incomplete), incomplete, _LIMIT],
    )
    return [_item(str(r[0]), f"{r[1]} {r[2]} {_when(r[3])}".strip()) for r in rows]


def complete_step_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem[str]]:
    """The step names of the run given before (its id or a unique prefix), in the order they ran."""
    run = ctx.params.get("run_id")
    if not isinstance(run, str) or not run:
        return []
    rows = _rows(
        ctx,
        "SELECT step_name, status FROM step_runs WHERE run_id = (SELECT run_id FROM runs WHERE substr(run_id, 1, ?) "
        "= ?) AND substr(step_name, 1, ?) = ? ORDER BY seq",
        [len(run), run, len(incomplete), incomplete],
    )
    return [_item(str(r[0]), str(r[1])) for r in rows]


def complete_pipeline_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem[str]]:
    """Names of pipelines with recorded runs, starting with ``incomplete``."""
    rows = _rows(
        ctx,
        "SELECT DISTINCT pipeline_name FROM runs WHERE substr(pipeline_name, 1, ?) = ? ORDER BY 1 LIMIT ?",
        [len(incomplete), incomplete, _LIMIT],
    )
    return [_item(str(r[0])) for r in rows]


def complete_tags(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem[str]]:
    """Tags runs were labelled with, starting with ``incomplete``, each described by how many runs carry it."""
    rows = _rows(
        ctx,
        "SELECT tag.value, count(*) FROM runs, json_each(runs.tags_json) AS tag WHERE substr(tag.value, 1, ?) = ? "
        "GROUP BY tag.value ORDER BY tag.value LIMIT ?",
        [len(incomplete), incomplete, _LIMIT],
    )
    return [_item(str(r[0]), f"{r[1]} run(s)") for r in rows]


def complete_artifact_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem[str]]:
    """Artifact names starting with ``incomplete``, each described by its latest version."""
    rows = _rows(
        ctx,
        "SELECT name, max(version) FROM artifacts WHERE name IS NOT NULL AND substr(name, 1, ?) = ? GROUP BY name "
        "ORDER BY name LIMIT ?",
        [len(incomplete), incomplete, _LIMIT],
    )
    return [_item(str(r[0]), f"latest version {r[1]}") for r in rows]


def complete_artifacts(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem[str]]:
    """An ``ARTIFACT``: after ``NAME:``, that name's versions (latest first); otherwise the names starting with
    ``incomplete`` and, once something is typed, the ids that do (newest first)."""
    name, colon, version = incomplete.rpartition(":")
    if colon:
        rows = _rows(
            ctx,
            "SELECT version, type_name, created_at FROM artifacts WHERE name = ? AND substr(CAST(version AS TEXT), "
            "1, ?) = ? ORDER BY version DESC LIMIT ?",
            [name, len(version), version, _LIMIT],
        )
        return [_item(f"{name}:{r[0]}", f"{r[1]} {_when(r[2])}".strip()) for r in rows]
    found = complete_artifact_names(ctx, param, incomplete)
    if incomplete:
        rows = _rows(
            ctx,
            "SELECT artifact_id, name, version FROM artifacts WHERE substr(artifact_id, 1, ?) = ? "
            "ORDER BY created_at DESC LIMIT ?",
            [len(incomplete), incomplete, _LIMIT],
        )
        found += [_item(str(r[0]), f"{r[1]}:{r[2]}" if r[1] is not None else "") for r in rows]
    return found


def use_bash_colon_words() -> None:
    """Make bash complete ``NAME:VERSION`` as one word. bash splits the command line at ``:`` too
    (``COMP_WORDBREAKS``), so ``iris_model:3`` arrives as ``iris_model``, ``:``, ``3``, and bash replaces only the
    part after the last ``:``: the words are joined back before completing, and each candidate is handed back
    without that part. (zsh and fish keep the word whole.)"""
    import os

    from click.shell_completion import BashComplete, add_completion_class, split_arg_string

    class ColonBash(BashComplete):
        """click's bash completion, with ``:``-split words joined back."""

        def get_completion_args(self) -> tuple[list[str], str]:
            words = split_arg_string(os.environ["COMP_WORDS"])
            cword = int(os.environ["COMP_CWORD"])
            typed = [*words[:cword], words[cword] if cword < len(words) else ""]
            joined: list[str] = []
            glue = False
            for word in typed:
                if word == ":" and joined:
                    joined[-1] += ":"
                    glue = True
                elif glue:
                    joined[-1] += word
                    glue = False
                else:
                    joined.append(word)
            incomplete = joined[-1]
            self.replaced = incomplete.rpartition(":")[0] + ":" if ":" in incomplete else ""
            return joined[1:-1], incomplete

        def format_completion(self, item: CompletionItem[str]) -> str:
            if self.replaced and item.value.startswith(self.replaced):
                item = _item(item.value[len(self.replaced) :], item.help or "")
            return super().format_completion(item)

    add_completion_class(ColonBash)
