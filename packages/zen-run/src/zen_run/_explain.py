"""Why a step run was or was not cached, component by component (``zen cache explain``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen_run._cache import CacheComponents, diff_components

if TYPE_CHECKING:
    from zen_run._client import Client
    from zen_types import RunView

__all__ = ["explain"]


def explain(client: Client, run_view: RunView, step_name: str) -> dict[str, object]:
    """Why ``step_name`` of ``run_view`` was or was not cached: ``lines`` to print, and the facts behind them."""
    run = client.get_run(run_view.id)
    step = run.steps[step_name]
    record = step.record
    lines: list[str] = []
    if record.status == "cached":
        lines.append(f"step {step_name} was cached: reused step run {record.cached_from} (same cache key).")
        return {"cached": True, "cached_from": record.cached_from, "lines": lines}
    now = CacheComponents.from_json(record.cache_components or {})
    if record.cache_key is None and record.status == "completed":
        lines.append(f"step {step_name} ran with caching turned off (per step, pipeline or run).")
    previous = client.context.stores.lineage.previous_step_run(run.pipeline_name, step_name, before_run=run.id)
    if previous is None:
        lines.append(f"step {step_name} was not cached: no earlier run of pipeline {run.pipeline_name} has this step.")
        return {"cached": False, "lines": lines}
    before = CacheComponents.from_json(previous.cache_components or {})
    reasons = diff_components(now, before)
    lines.append(f"step {step_name} was not cached; compared with run {previous.run_id}:")
    if reasons:
        lines.extend(f"  - {reason}" for reason in reasons)
    elif previous.status != "completed":
        lines.append(f"  - the earlier step run did not complete (status {previous.status}).")
    else:
        lines.append("  - same components, but the cached artifacts were missing or corrupt (a miss, not a failure).")
    return {"cached": False, "compared_with": previous.run_id, "reasons": reasons, "lines": lines}
