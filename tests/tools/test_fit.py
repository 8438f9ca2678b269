"""The benchmarks' split of a run's time into a fixed cost and a cost per step (``tools/bench/_fit.py``), on
synthetic timings whose true line is known."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.bench._common import BenchRow, Budget, Verdict, rows_to_markdown
from tools.bench._fit import MIN_RUNS, fit_line, fixed_by_difference, steepening

LENGTHS = (10, 50, 200)


def _timings(fixed: float, per_step: float, *, noise: float, seed: int, runs: int = 15) -> dict[int, list[float]]:
    """Runs whose jitter grows with their length (``noise`` seconds per step, one standard deviation), as a long
    run's does: more fsyncs, more chances to be interrupted."""
    rng = random.Random(seed)
    return {
        length: [fixed + per_step * length + rng.gauss(0, noise * length) for _ in range(runs)]
        for length in (1, *LENGTHS)
    }


@given(
    fixed=st.floats(min_value=-0.01, max_value=0.05),
    per_step=st.floats(min_value=1e-5, max_value=0.01),
)
def test_noiseless_runs_give_back_the_line_exactly(fixed: float, per_step: float) -> None:
    timings = {length: [fixed + per_step * length] * MIN_RUNS for length in LENGTHS}
    line = fit_line(timings)
    assert line.fixed.value == pytest.approx(fixed, abs=1e-12)
    assert line.per_step.value == pytest.approx(per_step, rel=1e-9)
    assert line.fixed.low == pytest.approx(line.fixed.high, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_the_fixed_cost_interval_holds_the_true_fixed_cost_when_long_runs_are_noisy(seed: int) -> None:
    timings = _timings(0.001, 0.0012, noise=2e-5, seed=seed)
    line = fit_line({length: timings[length] for length in LENGTHS})
    assert 0.001 in line.fixed
    assert 0.0012 in line.per_step
    assert 0.001 in fixed_by_difference(timings, short=1)


def test_weighting_keeps_one_noisy_long_run_from_setting_the_fixed_cost() -> None:
    timings = _timings(0.001, 0.0012, noise=1e-6, seed=0)
    del timings[1]
    timings[200] = [t + (0.004 if i % 2 else -0.004) * (i % 3) for i, t in enumerate(timings[200])]  # ±8 ms jitter
    medians = {length: statistics.median(runs) for length, runs in timings.items()}
    mean_x = statistics.fmean(LENGTHS)
    mean_y = statistics.fmean(medians.values())
    slope = sum((x - mean_x) * (medians[x] - mean_y) for x in LENGTHS) / sum((x - mean_x) ** 2 for x in LENGTHS)
    unweighted = mean_y - slope * mean_x
    weighted = fit_line(timings).fixed.value
    assert abs(weighted - 0.001) < abs(unweighted - 0.001)
    assert weighted == pytest.approx(0.001, abs=1e-4)


def test_a_fit_needs_two_lengths() -> None:
    with pytest.raises(ValueError, match="at least two different lengths"):
        fit_line({10: [0.01, 0.02]})
    with pytest.raises(ValueError, match="no timed runs of 1 steps"):
        fixed_by_difference({10: [0.01], 50: [0.05]}, short=1)


@pytest.mark.parametrize(
    ("interval", "verdict"),
    [
        ((-0.002, 0.002), Verdict.MET),
        ((0.001, 0.004), Verdict.UNDECIDED),
        ((0.0031, 0.004), Verdict.NOT_MET),
    ],
    ids=["all-below", "spans-the-limit", "all-above"],
)
def test_an_estimated_figure_is_judged_on_its_interval(interval: tuple[float, float], verdict: Verdict) -> None:
    row = BenchRow.estimated("fixed cost", -0.0005, interval, "s", budget=Budget(limit=0.003))
    assert row.met is verdict


def test_a_negative_figure_without_an_interval_is_undecided_and_shown_as_such() -> None:
    row = BenchRow.single("fixed cost", -0.002, "s", budget=Budget(limit=0.003))
    assert row.met is Verdict.UNDECIDED
    assert "| undecided |" in rows_to_markdown([row])


def test_an_estimated_figure_is_printed_beside_its_interval() -> None:
    row = BenchRow.estimated("fixed cost", 0.001, (0.0005, 0.0015), "s")
    assert "1.000 ms (95%: 0.500 ms to 1.500 ms)" in rows_to_markdown([row])


def test_too_few_runs_give_an_unbounded_interval_and_no_verdict() -> None:
    line = fit_line({length: [0.001 + 0.001 * length] * (MIN_RUNS - 1) for length in LENGTHS})
    assert (line.fixed.low, line.fixed.high) == (-math.inf, math.inf)
    row = BenchRow.estimated(
        "fixed cost", line.fixed.value, (line.fixed.low, line.fixed.high), "s", budget=Budget(limit=0.003)
    )
    assert row.met is Verdict.UNDECIDED
    assert "(95%: unbounded)" in rows_to_markdown([row])


def test_steepening_is_one_for_a_line_and_above_one_when_long_runs_cost_more_per_step() -> None:
    line = _timings(0.001, 0.0012, noise=1e-7, seed=0)
    del line[1]
    assert 1.0 in steepening(line)
    bent = {length: [t + 1e-8 * length**2 for t in runs] for length, runs in line.items()}  # +0.4 ms at 200
    assert steepening(bent).low > 1.0


def test_steepening_needs_three_lengths() -> None:
    with pytest.raises(ValueError, match="at least three different lengths"):
        steepening({10: [0.01], 50: [0.05]})
