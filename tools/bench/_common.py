"""Shared shape of benchmark results: a figure, and where there is one, the same-run baseline, the ratio, and the
budget the figure must stay within."""

from __future__ import annotations

import enum
import math
import statistics
import time
import typing
from collections.abc import Callable

import attrs

from zen_types import AnyFunction

__all__ = ["BenchRow", "Budget", "Verdict", "generated_function", "median_s", "print_rows", "rows_to_markdown"]


class Verdict(enum.Enum):
    """What a row's figure says of its budget."""

    MET = "yes"
    NOT_MET = "**no**"
    UNDECIDED = "undecided"
    """The figure's interval reaches both sides of the limit, or a figure that can only be positive was estimated
    below zero: the measurement cannot tell, and says so rather than pass or fail."""


@attrs.frozen(kw_only=True)
class Budget:
    """A limit a row's figure must stay within: its ratio to the same-run baseline (``on_ratio``), or its value in
    the row's unit; ``inclusive`` reads "at most", otherwise "under"."""

    limit: float
    on_ratio: bool = False
    inclusive: bool = False

    def _within(self, figure: float) -> bool:
        return figure <= self.limit if self.inclusive else figure < self.limit

    def met(self, row: BenchRow) -> Verdict:
        """Whether ``row`` stays within the limit. A row with an interval is judged on the whole interval: met
        when all of it is within the limit, not met when none of it is, undecided otherwise. A ratio budget on a
        row without a baseline is not met; a negative figure without an interval is undecided (a cost estimated
        below zero proves nothing either way)."""
        if self.on_ratio:
            ratio = row.ratio
            if ratio is None:
                return Verdict.NOT_MET
            return Verdict.MET if self._within(ratio) else Verdict.NOT_MET
        if row.interval is not None:
            low, high = row.interval
            if self._within(high):
                return Verdict.MET
            return Verdict.UNDECIDED if self._within(low) else Verdict.NOT_MET
        if row.value < 0:
            return Verdict.UNDECIDED
        return Verdict.MET if self._within(row.value) else Verdict.NOT_MET

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
    interval: tuple[float, float] | None = None
    """``(low, high)``: the 95% interval of an estimated figure (a fixed cost fitted over run lengths), in the
    figure's unit; shown beside it, and what its budget is judged on."""

    @property
    def ratio(self) -> float | None:
        """``value / baseline`` (how many times the floor zen costs)."""
        return None if not self.baseline else self.value / self.baseline

    @property
    def goal_text(self) -> str:
        """The goal as the table shows it."""
        return self.goal or (self.budget.text(self.unit) if self.budget is not None else "")

    @property
    def met(self) -> Verdict | None:
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

    @classmethod
    def estimated(
        cls, name: str, value: float, interval: tuple[float, float], unit: str, *, budget: Budget | None = None
    ) -> BenchRow:
        """An estimated figure with its 95% interval ``(low, high)``."""
        return cls(name=name, value=value, unit=unit, interval=interval, budget=budget)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.3f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.3g} {unit}"


def _figure(row: BenchRow) -> str:
    if row.interval is None:
        return _fmt(row.value, row.unit)
    low, high = row.interval
    if math.isinf(low) and math.isinf(high):
        return f"{_fmt(row.value, row.unit)} (95%: unbounded)"
    return f"{_fmt(row.value, row.unit)} (95%: {_fmt(low, row.unit)} to {_fmt(high, row.unit)})"


def rows_to_markdown(rows: list[BenchRow]) -> str:
    """A Markdown table of the rows; a row with a budget says whether it is met."""
    lines = ["| benchmark | zen | baseline (same run) | ratio | goal | met |", "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
        met = "" if row.met is None else row.met.value
        figures = f"{_figure(row)} | {_fmt(row.baseline, row.unit)} | {ratio}"
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
