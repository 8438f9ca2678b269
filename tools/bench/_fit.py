"""A run's time split into a fixed cost per run and a cost per step, each with a 95% interval.

Runs of several lengths (10, 50 and 200 steps) are timed many times each, interleaved. Each length's figure is its
**median**: the typical run, where the minimum would reward the one run whose fsyncs happened to meet an idle
disk (and would drift with the number of repeats), and the mean would follow the slowest runs of a busy machine.

The line through (length, median) is fitted by **weighted least squares**, each median weighted by the inverse of
its variance (estimated by resampling that length's runs). Without weights, the longest run's noise sets the
intercept: a 200-step run's few milliseconds of jitter, extrapolated back 200 steps, swung an unweighted fixed
cost between -2 ms and +15 ms. With them, the short runs (whose medians are known to a fraction of a millisecond)
pin the intercept and the long runs the slope.

Each figure comes with a percentile **bootstrap** interval: every length's runs are resampled with replacement,
the medians and the line are computed again, and the middle 95% of the refitted figures is the interval. A
budget is judged on the interval, not on the point (``_common.Budget``): an intercept near zero may be fitted
below it, and that says only that the fixed cost is too small to tell from zero, never that a budget failed.

A direct cross-check needs no line: the median of a 1-step run minus one step's cost (the fitted slope), with its
own interval. When the two disagree, the cost per step is not constant over the lengths; ``steepening`` measures
that: the cost per step between the two longest lengths over the one between the two shortest (1 for a line),
with its interval. It is above 1 when a cost comes every so many steps rather than every step (SQLite's WAL
checkpoint every ~1000 pages, an occasional lineage backup): the median short run holds none of them, the median
long run one or more; or when a disk's fsyncs slow down over a long burst of them.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import attrs

__all__ = ["MIN_RUNS", "Estimate", "LineFit", "fit_line", "fixed_by_difference", "steepening"]

RESAMPLES: Final = 2000
LEVEL: Final = 0.95
MIN_RUNS: Final = 5
"""Fewer timed runs of a length than this give no interval (it is unbounded): resampling two or three runs
would print a confident interval that means nothing."""
_SEED: Final = 20261205  # a fixed seed: the same timings always give the same interval

Samples = Mapping[int, Sequence[float]]


@attrs.frozen(kw_only=True)
class Estimate:
    """A figure and its 95% interval (``low <= high``; the figure need not lie in the middle; infinite bounds
    when too few runs were timed to tell)."""

    value: float
    low: float
    high: float

    def __contains__(self, figure: float) -> bool:
        return self.low <= figure <= self.high


@attrs.frozen(kw_only=True)
class LineFit:
    """The fixed cost per run (the intercept) and the cost per step (the slope) of a line over run lengths."""

    fixed: Estimate
    per_step: Estimate


def _weighted_line(points: Mapping[int, float], weights: Mapping[int, float]) -> tuple[float, float]:
    """(intercept, slope) of the weighted least-squares line through ``points`` (length -> time)."""
    sw = sum(weights[x] for x in points)
    sx = sum(weights[x] * x for x in points)
    sy = sum(weights[x] * y for x, y in points.items())
    sxx = sum(weights[x] * x * x for x in points)
    sxy = sum(weights[x] * x * y for x, y in points.items())
    determinant = sw * sxx - sx * sx
    if determinant <= 0:
        raise ValueError("a line needs runs of at least two different lengths")
    slope = (sw * sxy - sx * sy) / determinant
    return (sy - slope * sx) / sw, slope


def _medians(samples: Samples) -> dict[int, float]:
    return {length: statistics.median(times) for length, times in samples.items()}


def _resampled(samples: Samples, rng: random.Random) -> dict[int, list[float]]:
    return {length: rng.choices(times, k=len(times)) for length, times in samples.items()}


def _median_weights(samples: Samples, rng: random.Random) -> dict[int, float]:
    """The inverse variance of each length's median, estimated by resampling its runs. A length whose runs all
    took the same time gets a variance of a millionth of its median squared, not zero (no infinite weight)."""
    weights: dict[int, float] = {}
    for length, times in samples.items():
        medians = [statistics.median(rng.choices(times, k=len(times))) for _ in range(RESAMPLES // 4)]
        floor = (1e-6 * abs(statistics.median(times))) ** 2 or 1e-30
        weights[length] = 1 / max(statistics.pvariance(medians), floor)
    return weights


def _bootstrap(samples: Samples, statistic: Callable[[Samples], tuple[float, ...]]) -> tuple[Estimate, ...]:
    """Each figure ``statistic`` gives for the samples, and the middle ``LEVEL`` of it over resampled samples
    (unbounded with fewer than ``MIN_RUNS`` runs of some length)."""
    if any(len(times) < MIN_RUNS for times in samples.values()):
        return tuple(Estimate(value=value, low=-math.inf, high=math.inf) for value in statistic(samples))
    rng = random.Random(_SEED)
    replicates = [statistic(_resampled(samples, rng)) for _ in range(RESAMPLES)]
    tail = (1 - LEVEL) / 2
    estimates = []
    for index, value in enumerate(statistic(samples)):
        ordered = sorted(replicate[index] for replicate in replicates)
        low, high = ordered[int(tail * (RESAMPLES - 1))], ordered[int((1 - tail) * (RESAMPLES - 1))]
        estimates.append(Estimate(value=value, low=low, high=high))
    return tuple(estimates)


def _check(samples: Samples) -> None:
    if len(samples) < 2 or any(not times for times in samples.values()):
        raise ValueError("a line needs timed runs of at least two different lengths")


def fit_line(samples: Samples) -> LineFit:
    """The weighted line over the medians of ``samples`` (run length -> seconds of each timed run), with 95%
    bootstrap intervals for its intercept (the fixed cost per run) and slope (the cost per step)."""
    _check(samples)
    weights = _median_weights(samples, random.Random(_SEED))

    fixed, per_step = _bootstrap(samples, lambda drawn: _weighted_line(_medians(drawn), weights))
    return LineFit(fixed=fixed, per_step=per_step)


def fixed_by_difference(samples: Samples, *, short: int) -> Estimate:
    """The fixed cost measured directly: the median of the ``short`` runs (a 1-step pipeline) minus ``short``
    steps' cost, the slope fitted over the other lengths; with its 95% bootstrap interval."""
    lengths = {length: times for length, times in samples.items() if length != short}
    _check(lengths)
    if not samples.get(short):
        raise ValueError(f"no timed runs of {short} steps")
    weights = _median_weights(lengths, random.Random(_SEED))

    def difference(drawn: Samples) -> tuple[float]:
        medians = _medians(drawn)
        slope = _weighted_line({x: medians[x] for x in lengths}, weights)[1]
        return (medians[short] - short * slope,)

    return _bootstrap(samples, difference)[0]


def steepening(samples: Samples) -> Estimate:
    """The cost per step between the two longest lengths of ``samples`` over the cost per step between the two
    shortest (medians; 1 when a run's time is a line in its length), with its 95% bootstrap interval."""
    lengths = sorted(samples)
    if len(lengths) < 3 or any(not samples[length] for length in lengths):
        raise ValueError("a change of slope needs timed runs of at least three different lengths")
    (a, b), (c, d) = lengths[:2], lengths[-2:]

    def ratio(drawn: Samples) -> tuple[float]:
        medians = _medians(drawn)
        short = (medians[b] - medians[a]) / (b - a)
        long = (medians[d] - medians[c]) / (d - c)
        return (long / short if short > 0 else math.inf,)

    return _bootstrap(samples, ratio)[0]
