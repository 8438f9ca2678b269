"""Text the ``zen`` command prints for records: label/value pairs and lines (the library decides, the CLI
renders)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from zen_run._values import SmallValue
from zen_store import ArtifactRecord, Comparison, GcReport, Health, LineageGraph, RunDeletion, StepLogs, StepRunRecord

_LOG_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
"""Control characters of a step's output that are shown escaped: all but tab and the line breaks."""

__all__ = [
    "describe_artifact",
    "describe_comparison",
    "describe_deletion",
    "describe_failure",
    "describe_gc",
    "describe_health",
    "describe_lineage",
    "log_lines",
]


def describe_artifact(record: ArtifactRecord) -> list[tuple[str, object]]:
    """Label/value pairs of an artifact record."""
    return [
        ("id", record.artifact_id),
        ("name", record.name),
        ("version", record.version),
        ("uri", record.uri),
        ("type", record.value_type),
        *([("declared type", record.type_name)] if record.value_type != record.type_name else []),
        ("materializer", record.materializer),
        ("format", f"{record.format} v{record.format_version}"),
        ("kind", record.kind),
        ("content hash", record.content_hash),
        ("size", f"{record.size} bytes"),
        ("created", record.created_at.isoformat()),
        ("producer", record.producer_step_run_id),
        ("metadata", record.metadata),
    ]


def describe_comparison(comparison: Comparison) -> list[str]:
    """Lines describing what differs between two runs."""
    lines = [
        f"comparing run {comparison.run_a} ({comparison.pipeline_a}) with {comparison.run_b} ({comparison.pipeline_b})"
    ]
    if comparison.repo_a != comparison.repo_b:
        lines.append(
            f"  repository: {comparison.repo_a.head_sha or '-'}{' (dirty)' if comparison.repo_a.dirty else ''} -> "
            f"{comparison.repo_b.head_sha or '-'}{' (dirty)' if comparison.repo_b.dirty else ''}"
        )
    for name in comparison.only_in_a:
        lines.append(f"  step {name}: only in {comparison.run_a}")
    for name in comparison.only_in_b:
        lines.append(f"  step {name}: only in {comparison.run_b}")
    for diff in comparison.differences:
        if diff.field.startswith("outputs.") and diff.field.endswith(".value"):  # small values, as people read them
            lines.append(
                f"  step {diff.step_name}: {diff.field}: {SmallValue(diff.a).text} -> {SmallValue(diff.b).text}"
            )
        else:
            lines.append(f"  step {diff.step_name}: {diff.field}: {diff.a!r} -> {diff.b!r}")
    if comparison.same:
        lines.append("  no differences in steps, code, configs or outputs")
    return lines


def describe_deletion(deleted: Sequence[RunDeletion]) -> str:
    """One sentence on what deleting runs removed, and what frees the space."""
    runs = ", ".join(d.run_id for d in deleted)
    steps = sum(d.step_runs for d in deleted)
    artifacts = sum(len(d.artifacts) for d in deleted)
    kept = len({aid for d in deleted for aid in d.kept})
    sentence = f"deleted {len(deleted)} run(s) ({runs}) with {steps} step run(s) and {artifacts} artifact record(s)"
    if kept:
        sentence += f"; kept {kept} of their outputs that other runs use"
    return sentence + "; `zen gc --delete` frees the space of artifacts no run references."


def describe_lineage(graph: LineageGraph) -> list[str]:
    """Lines listing a lineage graph's step runs and the artifacts they read and wrote, by whole ids: a shorter
    prefix would be the millisecond the id was made, shared by everything a step recorded at once."""
    lines = [f"lineage of artifact {graph.root}:"]
    for step_id, step in sorted(graph.step_runs.items(), key=lambda kv: kv[1].started_at):
        reads = ", ".join(f"{n}={a.artifact_id}" for n, a in step.inputs.items()) or "-"
        writes = ", ".join(f"{n}={a.artifact_id}" for n, a in step.outputs.items()) or "-"
        lines.append(f"  step run {step_id} ({step.step_name} of run {step.run_id}): reads {reads}; writes {writes}")
    return lines


def describe_health(health: Health) -> list[str]:
    """Lines describing what ``zen doctor`` found."""
    lines: list[str] = []
    if not health.exists:
        lines.append(f"{health.path}: {'a folder, not a file' if Path(health.path).is_dir() else 'missing'}")
    elif health.problems:
        count = len(health.problems)
        lines.append(f"{health.path}: damaged ({count} {'problem' if count == 1 else 'problems'} found by SQLite)")
        lines += [f"  {problem}" for problem in health.problems[:10]]
    else:
        lines.append(f"{health.path}: integrity check ok")
    if health.marker is not None:
        lines.append(f"  marked damaged: {health.marker}")
    if health.backup is None:
        lines.append("  no backup yet (one is made after the first run and every 25 runs)")
    else:
        runs = "1 run" if health.backup_runs == 1 else f"{health.backup_runs} runs"
        lines.append(f"  backup: {health.backup} ({runs})")
    if not health.sound:
        lines.append(
            "  run `zen doctor --restore` to put the backup in its place (the damaged file is kept; rows it still "
            "holds are added back)"
            if health.backup
            else "  no backup to restore: `zen doctor --new-store` starts afresh"
        )
    return lines


def describe_gc(report: GcReport, *, deleted: bool) -> list[str]:
    """Lines describing a garbage-collection report."""
    verb = "deleted" if deleted else "would delete"
    lines = [f"{verb} {len(report.unreferenced)} unreferenced artifact(s), {report.bytes} bytes"]
    lines += [f"  {name}" for name in report.unreferenced]
    if report.too_recent:
        lines.append(
            f"kept {report.too_recent} unreferenced artifact(s) committed after gc began or while a run was in "
            f"progress ({report.live_writers} run(s) in progress now); a later gc removes them if still unreferenced"
        )
    if report.stale_staging:
        lines.append(f"{verb} {len(report.stale_staging)} unfinished write(s) left by killed writers")
        lines += [f"  {where}" for where in report.stale_staging]
    if not deleted and (report.unreferenced or report.stale_staging):
        lines.append("run `zen gc --delete` to delete them")
    return lines


def log_lines(text: str) -> list[str]:
    """A step's output as the lines a terminal would have shown: a line redrawn with carriage returns (a progress
    bar) shows its last state, and other control characters (terminal escapes) are written as escapes."""
    return [
        _LOG_CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), line)
        for line in StepLogs(text=text).lines()
    ]


def describe_failure(run_id: str, step: StepRunRecord, logs: StepLogs, *, tail: int) -> list[str]:
    """Lines for a step that did not complete: its error (with the traceback) and the last ``tail`` lines of its
    output."""
    lines = [f"step {step.step_name} {step.status}:"]
    lines += [f"  {line}" for line in (step.error or "").rstrip("\n").splitlines()]
    printed = log_lines(logs.text)
    if printed:
        cut = len(printed) > tail or logs.cut
        more = f" (the last {tail} lines; `zen logs {run_id} {step.step_name}` shows all)" if cut else ""
        lines.append(f"what it printed{more}:")
        lines += [f"  {line}" for line in printed[-tail:]]
    else:
        lines.append("it printed nothing.")
    return lines
