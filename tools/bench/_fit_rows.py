"""The rows a fitted benchmark prints for one side: its fixed cost per run and cost per step (a weighted fit over
the chains, see ``_fit``), the fixed cost measured directly from 1-step runs, and how straight the line is; each
with its 95% interval. Shared by the no-cache chains and the cached re-runs, which say "run" and "step" in their
own words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tools.bench._common import BenchRow
from tools.bench._fit import fit_line, fixed_by_difference, steepening

__all__ = ["split_rows"]


def split_rows(
    name: str,
    samples: Mapping[int, list[float]],
    lengths: Sequence[int],
    *,
    run: str = "run",
    one_run: str = "a 1-step run",
    step: str = "step",
) -> list[BenchRow]:
    """``name``'s rows from ``samples`` (seconds by chain length; ``lengths`` are fitted, length 1 is the direct
    measurement)."""
    fitted = {length: samples[length] for length in lengths}
    line = fit_line(fitted)
    direct = fixed_by_difference({**fitted, 1: samples[1]}, short=1)
    over = f"weighted fit over {'/'.join(map(str, lengths))} steps, medians of {len(samples[1])} runs"
    bent = steepening(fitted)
    a, b, c, d = (*lengths[:2], *lengths[-2:])
    return [
        BenchRow.estimated(
            f"{name}: fixed cost per {run} ({over})", line.fixed.value, (line.fixed.low, line.fixed.high), "s"
        ),
        BenchRow.estimated(
            f"{name}: fixed cost per {run}, direct ({one_run} minus one {step}'s cost)",
            direct.value,
            (direct.low, direct.high),
            "s",
        ),
        BenchRow.estimated(
            f"{name}: cost per {step} ({over})", line.per_step.value, (line.per_step.low, line.per_step.high), "s"
        ),
        BenchRow.estimated(
            f"{name}: cost per {step} from {c} to {d} steps over that from {a} to {b} (1 for a straight line)",
            bent.value,
            (bent.low, bent.high),
            "x",
        ),
    ]
