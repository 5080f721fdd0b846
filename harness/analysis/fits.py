"""Fits to yield curves, and the verdict on the volume thesis.

The slope of log(distinct discoveries) on log(attempts) over a window says how yield grows:
1 is proportional to volume (the volume thesis), below 1 diminishing returns. Its interval
comes from a bootstrap over attempts (each discovery's incidence count redrawn from
Binomial(T, Y/T)), centred on the point estimate, not from OLS errors on the points of one
curve, which are correlated.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.analysis.richness import chao, estimates, sample

SATURATED_COVERAGE = 0.99


@dataclass(frozen=True)
class Slope:
    slope: float
    lower: float
    upper: float
    window: tuple[int, int]


@dataclass(frozen=True)
class ThesisVerdict:
    verdict: str  # proportional | diminishing | saturated | no discoveries
    slope: Slope | None
    coverage: float
    chao: float
    observed: int
    reason: str


def fit_coverage_power_law(k, coverage) -> tuple[float, float]:
    """Fit the exponentiated power law log c = a k^b used for repeated-sampling coverage
    (pass@k): a straight line through log(-log c) against log k. Returns (a, b)."""
    k, c = np.asarray(k, dtype=float), np.asarray(coverage, dtype=float)
    keep = (c > 0) & (c < 1) & (k > 0)
    if keep.sum() < 2:
        raise ValueError("need at least two points with coverage strictly between 0 and 1")
    b, intercept = np.polyfit(np.log(k[keep]), np.log(-np.log(c[keep])), 1)
    return -float(np.exp(intercept)), float(b)


def _slope_of(counts: np.ndarray, units: int, m: np.ndarray) -> float:
    s = sample(counts, units, "incidence")
    richness, _ = estimates(s, m)
    if richness[0] <= 0:
        return 0.0
    return float(np.polyfit(np.log(m), np.log(np.maximum(richness, 1e-12)), 1)[0])


def yield_slope(counts, sampling_units: int, window: tuple[int, int] | None = None,
                n_boot: int = 200, confidence: float = 0.95, seed: int = 0) -> Slope:
    """Log-log slope of rarefied yield over `window` (default: the last decade of volume)."""
    lo, hi = window or (max(1, sampling_units // 10), sampling_units)
    if not 1 <= lo < hi <= sampling_units:
        raise ValueError(f"window must lie within 1..{sampling_units}, got {(lo, hi)}")
    m = np.unique(np.geomspace(lo, hi, 12).astype(np.int64))
    counts = np.asarray(counts, dtype=np.int64)
    point = _slope_of(counts, sampling_units, m)
    rng = np.random.default_rng(seed)
    boots = [_slope_of(rng.binomial(sampling_units, counts / sampling_units), sampling_units, m)
             for _ in range(n_boot)]
    if not boots:
        return Slope(point, point, point, (int(lo), int(hi)))
    # Resampling drops rare discoveries, which biases every replicate's slope the same way;
    # centre the spread of the replicates on the point estimate instead.
    tail = (1 - confidence) / 2 * 100
    lower, upper = point + np.percentile(np.asarray(boots) - np.mean(boots), [tail, 100 - tail])
    return Slope(point, float(lower), float(upper), (int(lo), int(hi)))


def thesis_verdict(counts, sampling_units: int, n_boot: int = 200, seed: int = 0) -> ThesisVerdict:
    """Proportional (slope interval contains 1), diminishing (below 1), or saturated
    (coverage near 1 and the Chao estimate reached), with the numbers that decided it."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.sum() == 0:
        return ThesisVerdict("no discoveries", None, 0.0, 0.0, 0, "nothing was found")
    s = sample(counts, sampling_units, "incidence")
    coverage = float(estimates(s, np.array([sampling_units]))[1][0])
    asymptote = chao(counts, sampling_units=sampling_units)
    if sampling_units < 20:
        return ThesisVerdict("no discoveries" if not len(counts) else "undecided", None, coverage,
                             asymptote.estimate, s.observed, "fewer than 20 attempts")
    slope = yield_slope(counts, sampling_units, n_boot=n_boot, seed=seed)
    numbers = (f"slope {slope.slope:.2f} [{slope.lower:.2f}, {slope.upper:.2f}] over attempts "
               f"{slope.window[0]}-{slope.window[1]}, coverage {coverage:.3f}, "
               f"Chao {asymptote.estimate:.1f} vs {s.observed} observed")
    if coverage >= SATURATED_COVERAGE and asymptote.estimate - s.observed < 0.5:
        return ThesisVerdict("saturated", slope, coverage, asymptote.estimate, s.observed, numbers)
    verdict = "proportional" if slope.lower <= 1 <= slope.upper else "diminishing"
    return ThesisVerdict(verdict, slope, coverage, asymptote.estimate, s.observed, numbers)
