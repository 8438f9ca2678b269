"""The differences between two recorded runs, worked out once for every lineage back-end.

A comparison is a pure function of two runs and their step runs, so each ``LineageStore`` reads those and hands
them here; the back-ends cannot drift apart in what they call a difference.
"""

from __future__ import annotations

from collections.abc import Sequence

from zen_store._records import Comparison, RunRecord, StepDifference, StepRunRecord


def compare_runs(
    a: RunRecord, steps_a: Sequence[StepRunRecord], b: RunRecord, steps_b: Sequence[StepRunRecord]
) -> Comparison:
    """Differences between two runs: bound steps, code sources, configs, statuses, output hashes and metadata."""
    by_name_a = {s.step_name: s for s in steps_a}
    by_name_b = {s.step_name: s for s in steps_b}
    diffs: list[StepDifference] = []
    for name in [n for n in by_name_a if n in by_name_b]:
        sa, sb = by_name_a[name], by_name_b[name]
        for field, va, vb in (
            ("source", sa.source, sb.source),
            ("config", sa.config, sb.config),
            ("status", sa.status.value, sb.status.value),  # plain text: the JSON value of the status
        ):
            if va != vb:
                diffs.append(StepDifference(step_name=name, field=field, a=va, b=vb))
        for out in sorted(set(sa.outputs) | set(sb.outputs)):
            ha = sa.outputs[out].content_hash if out in sa.outputs else None
            hb = sb.outputs[out].content_hash if out in sb.outputs else None
            if ha != hb:
                diffs.append(StepDifference(step_name=name, field=f"outputs.{out}.content_hash", a=ha, b=hb))
            ma = sa.outputs[out].metadata if out in sa.outputs else None
            mb = sb.outputs[out].metadata if out in sb.outputs else None
            if ma != mb:
                diffs.append(StepDifference(step_name=name, field=f"outputs.{out}.metadata", a=ma, b=mb))
    return Comparison(
        run_a=a.run_id,
        run_b=b.run_id,
        pipeline_a=a.pipeline_name,
        pipeline_b=b.pipeline_name,
        differences=tuple(diffs),
        only_in_a=tuple(n for n in by_name_a if n not in by_name_b),
        only_in_b=tuple(n for n in by_name_b if n not in by_name_a),
        repo_a=a.repo,
        repo_b=b.repo,
    )
