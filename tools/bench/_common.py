"""Shared shape of benchmark results: a figure, and where there is one, the same-run baseline, the ratio, and the
budget the figure must stay within."""

from __future__ import annotations

import statistics
import time
import typing
from collections.abc import Callable

import attrs

from zen_types import AnyFunction

__all__ = ["BenchRow", "Budget", "generated_function", "median_s", "print_rows", "rows_to_markdown"]


@attrs.frozen(kw_only=True)
class Budget:
    """A limit a row's figure must stay within: its ratio to the same-run baseline (``on_ratio``), or its value in
    the row's unit; ``inclusive`` reads "at most", otherwise "under"."""

    limit: float
    on_ratio: bool = False
    inclusive: bool = False

    def met(self, row: BenchRow) -> bool:
        """Whether ``row`` stays within the limit. Not met: a ratio budget on a row without a baseline, and a
        negative figure (a fixed cost fitted through times too noisy to split proves nothing)."""
        figure = row.ratio if self.on_ratio else row.value
        if figure is None or figure < 0:
            return False
        return figure <= self.limit if self.inclusive else figure < self.limit

    def text(self, unit: str) -> str:
        """``<= 0.8x``, ``< 10 ms``: the goal as the table shows it."""
        sign = "<=" if self.inclusive else "<"
        if self.on_ratio:
            return f"{sign} {self.limit:g}x"
        if unit == "s":
            return f"{sign} {self.limit * 1000:g} ms" if self.limit < 0.1 else f"{sign} {self.limit:g} s"
        return f"{sign} {self.limit:g} {unit}"


@attrs.frozen(kw_only=True)
class BenchRow:
    """One measurement: zen's figure, the baseline's figure (same run) and their ratio."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    goal: str = ""
    """The goal in words; a row with a ``budget`` and no words shows the budget's."""
    budget: Budget | None = None
    """The limit the figure is checked against (``met``), for the budgets a change must keep."""

    @property
    def ratio(self) -> float | None:
        """``value / baseline`` (how many times the floor zen costs)."""
        return None if not self.baseline else self.value / self.baseline

    @property
    def goal_text(self) -> str:
        """The goal as the table shows it."""
        return self.goal or (self.budget.text(self.unit) if self.budget is not None else "")

    @property
    def met(self) -> bool | None:
        """Whether the figure is within its budget; None for a row without one."""
        return None if self.budget is None else self.budget.met(self)

    @classmethod
    def compare(
        cls, name: str, value: float, baseline: float, unit: str, goal: str = "", *, budget: Budget | None = None
    ) -> BenchRow:
        """A figure with its same-run baseline."""
        return cls(name=name, value=value, baseline=baseline, unit=unit, goal=goal, budget=budget)

    @classmethod
    def single(cls, name: str, value: float, unit: str, goal: str = "", *, budget: Budget | None = None) -> BenchRow:
        """A figure without a baseline."""
        return cls(name=name, value=value, unit=unit, goal=goal, budget=budget)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.3f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.3g} {unit}"


def rows_to_markdown(rows: list[BenchRow]) -> str:
    """A Markdown table of the rows; a row with a budget says whether it is met."""
    lines = ["| benchmark | zen | baseline (same run) | ratio | goal | met |", "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        figures = f"{_fmt(row.value, row.unit)} | {_fmt(row.baseline, row.unit)} | {ratio}"
        lines.append(f"| {row.name} | {figures} | {row.goal_text} | {met} |")
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
