"""Shared shape of benchmark results: a figure, and where there is one, the same-run baseline and the ratio."""

from __future__ import annotations

import statistics
import time
import typing
from collections.abc import Callable

import attrs

from zen_types import AnyFunction

__all__ = ["BenchRow", "generated_function", "median_s", "print_rows", "rows_to_markdown"]


@attrs.frozen(kw_only=True)
class BenchRow:
    """One measurement: zen's figure, the baseline's figure (same run) and their ratio."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    goal: str = ""

    @property
    def ratio(self) -> float | None:
        """``value / baseline`` (how many times the floor zen costs)."""
        return None if not self.baseline else self.value / self.baseline

    @classmethod
    def compare(cls, name: str, value: float, baseline: float, unit: str, goal: str = "") -> BenchRow:
        """A figure with its same-run baseline."""
        return cls(name=name, value=value, baseline=baseline, unit=unit, goal=goal)

    @classmethod
    def single(cls, name: str, value: float, unit: str, goal: str = "") -> BenchRow:
        """A figure without a baseline."""
        return cls(name=name, value=value, unit=unit, goal=goal)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.3f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.3g} {unit}"


def rows_to_markdown(rows: list[BenchRow]) -> str:
    """A Markdown table of the rows."""
    lines = ["| benchmark | zen | baseline (same run) | ratio | goal |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
        lines.append(
            f"| {row.name} | {_fmt(row.value, row.unit)} | {_fmt(row.baseline, row.unit)} | {ratio} | {row.goal} |"
        )
    return "\n".join(lines)


def print_rows(rows: list[BenchRow]) -> None:
    """Print the rows as a Markdown table."""
    print(rows_to_markdown(rows))


def generated_function(name: str, params: list[str], body: str, namespace: dict[str, object]) -> AnyFunction:
    """A function ``name(*params)`` with ``body``, for pipelines whose width is a benchmark parameter.

    ``namespace["__name__"]`` (default: this module) becomes its module, which code pinning records.
    """
    source = f"def {name}({', '.join(params)}):\n{body}"
    namespace.setdefault("__name__", __name__)
    exec(source, namespace)
    return typing.cast("AnyFunction", namespace[name])


def median_s(action: Callable[[], object], repeats: int = 50) -> float:
    """Median wall time of ``action`` in seconds over ``repeats`` calls."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
