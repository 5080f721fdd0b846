"""Fits to yield curves, and the verdict on the volume thesis.

The slope of log(distinct discoveries) on log(attempts) over the last decade of volume says how
yield grows: 1 is proportional to volume (the volume thesis), below 1 diminishing returns.
Exchangeable solvers: the slope of the rarefied curve, its interval from a bootstrap over
attempts (each discovery's incidence count redrawn from Binomial(T, Y/T)), centred on the
point estimate, not from OLS errors on the points of one curve, which are correlated.
Adaptive solvers: the slope of the seed-mean observed curve, its interval from resampling each
seed's discoveries (their first attempts).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from harness.analysis.richness import chao, estimates, sample

SATURATION_SHARES = (0.5, 0.9, 0.99)  # a saturated verdict says when the curve reached these of its asymptote


SATURATED_SLOPE = 0.1  # saturated: the slope's whole interval lies below this
FEW_SINGLETONS = 10  # fewer discoveries than this, each seen once, decide nothing


class YieldVerdict(str, Enum):
    """What the yield curve says of the volume thesis (beside Tier, the verdict on one candidate)."""

    FASTER = "faster than proportional"  # the slope's interval lies above 1 (an adaptive solver can)
    PROPORTIONAL = "proportional"  # the slope's interval contains 1
    DIMINISHING = "diminishing"  # it lies below 1, not wholly below SATURATED_SLOPE
    SATURATED = "saturated"  # it lies below SATURATED_SLOPE: the last decade of volume bought ~nothing
    NO_DISCOVERIES = "no discoveries"
    UNDECIDED = "undecided"  # too few attempts, a zero-width interval, or every discovery seen once

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Slope:
    slope: float
    lower: float
    upper: float
    window: tuple[int, int]


@dataclass(frozen=True)
class ThesisVerdict:
    verdict: YieldVerdict
    slope: Slope | None
    coverage: float  # sample coverage (nan for adaptive solvers)
    chao: float  # Chao's asymptote (nan for adaptive solvers)
    observed: float  # distinct discoveries (mean of seeds for adaptive solvers)
    reason: str
    saturation: tuple[tuple[float, int], ...] = ()  # saturated: (share of asymptote, attempts to reach it)


def last_decade(volume: int) -> tuple[int, int]:
    """The window every slope is fitted over: the last decade of volume."""
    return max(1, volume // 10), volume


def window_steps(window: tuple[int, int]) -> np.ndarray:
    return np.unique(np.geomspace(*window, 12).astype(np.int64))


def log_log_slope(m, n) -> float:
    """Least-squares slope of log n on log m, over the points with n > 0 (nan if under two)."""
    m, n = np.asarray(m, dtype=float), np.asarray(n, dtype=float)
    keep = n > 0
    if keep.sum() < 2 or len(np.unique(m[keep])) < 2:
        return float("nan")
    return float(np.polyfit(np.log(m[keep]), np.log(n[keep]), 1)[0])


def _slope_of(counts: np.ndarray, units: int, m: np.ndarray) -> float:
    richness, _ = estimates(sample(counts, units, "incidence"), m)
    return 0.0 if richness[0] <= 0 else log_log_slope(m, np.maximum(richness, 1e-12))


def yield_slope(counts, sampling_units: int, window: tuple[int, int] | None = None,
                n_boot: int = 200, confidence: float = 0.95, seed: int = 0) -> Slope:
    """Log-log slope of rarefied yield over `window` (default: the last decade of volume)."""
    lo, hi = window or last_decade(sampling_units)
    if not 1 <= lo < hi <= sampling_units:
        raise ValueError(f"window must lie within 1..{sampling_units}, got {(lo, hi)}")
    m = window_steps((lo, hi))
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


def reached(curve, asymptote: float, volume: int) -> tuple[tuple[float, int], ...]:
    """The smallest volumes (1..volume) at which a non-decreasing `curve(m)` reached each share
    of `asymptote` (SATURATION_SHARES), by bisection."""
    out = []
    for share in SATURATION_SHARES:
        lo, hi = 1, volume
        if curve(np.array([hi]))[0] < share * asymptote - 1e-9:
            out.append((share, volume))
            continue
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (mid + 1, hi) if curve(np.array([mid]))[0] < share * asymptote - 1e-9 else (lo, mid)
        out.append((share, lo))
    return tuple(out)


def saturation_reason(numbers: str, slope: Slope | None, volumes: tuple[tuple[float, int], ...]) -> str:
    when = ", ".join(f"{share:.0%} by {m:,}" for share, m in volumes)
    why = ""
    if slope is not None and math.isfinite(slope.slope) and slope.slope > 0.05:
        why = (f"; the slope {slope.slope:.2f} measures the last of these discoveries being reached within "
               "the window, not growth beyond them")
    return f"{numbers}; reached its asymptote ({when} attempts){why}"


def slope_verdict(slope: Slope) -> tuple[YieldVerdict, str]:
    """The verdict a slope's interval supports, and why when it supports none. The rules, in
    order: an interval of zero width decides nothing (one discovery, or all found at one attempt
    of an adaptive run) unless it sits at no growth (everything found before the window, in
    every replicate); wholly above 1 is faster than proportional; containing 1 proportional; wholly below
    SATURATED_SLOPE saturated; otherwise diminishing."""
    if not (math.isfinite(slope.lower) and math.isfinite(slope.upper)):
        return YieldVerdict.UNDECIDED, "no interval"
    if slope.upper - slope.lower < 1e-9 and not slope.upper < SATURATED_SLOPE:
        return YieldVerdict.UNDECIDED, "the interval has zero width"
    if slope.lower > 1:
        return YieldVerdict.FASTER, ""
    if slope.lower <= 1 <= slope.upper:
        return YieldVerdict.PROPORTIONAL, ""
    return (YieldVerdict.SATURATED if slope.upper < SATURATED_SLOPE else YieldVerdict.DIMINISHING), ""


def thesis_verdict(counts, sampling_units: int, n_boot: int = 200, seed: int = 0) -> ThesisVerdict:
    """The verdict of an exchangeable solver's rarefied curve from the slope's interval over the
    last decade (`slope_verdict`), with the numbers that decided it. A few discoveries each seen
    once decide nothing: the rarefied curve of singletons is a straight line by construction,
    and one singleton at 10^9 attempts is no evidence of saturation either. Many singletons and
    no repeat are evidence: a curve that bends would have repeated some."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.sum() == 0:
        return ThesisVerdict(YieldVerdict.NO_DISCOVERIES, None, 0.0, 0.0, 0, "nothing was found")
    s = sample(counts, sampling_units, "incidence")
    coverage = float(estimates(s, np.array([sampling_units]))[1][0])
    asymptote = chao(counts, sampling_units=sampling_units)
    if sampling_units < 20:
        return ThesisVerdict(YieldVerdict.UNDECIDED, None, coverage, asymptote.estimate, s.observed,
                             "fewer than 20 attempts")
    slope = yield_slope(counts, sampling_units, n_boot=n_boot, seed=seed)
    numbers = (f"slope {slope.slope:.2f} [{slope.lower:.2f}, {slope.upper:.2f}] over attempts "
               f"{slope.window[0]}-{slope.window[1]}, coverage {coverage:.3f}, "
               f"Chao at least {asymptote.estimate:.1f} vs {s.observed} observed")
    if s.f(1) == s.observed < FEW_SINGLETONS:
        return ThesisVerdict(YieldVerdict.UNDECIDED, slope, coverage, asymptote.estimate, s.observed,
                             f"{numbers}; only {s.observed} discover{'y' if s.observed == 1 else 'ies'}, each "
                             "seen once: too few to tell a straight line from a saturated one")
    verdict, why = slope_verdict(slope)
    if verdict is YieldVerdict.SATURATED:
        volumes = reached(lambda m: estimates(s, m)[0], float(s.observed), sampling_units)
        return ThesisVerdict(verdict, slope, coverage, asymptote.estimate, s.observed,
                             saturation_reason(numbers, None, volumes), volumes)
    return ThesisVerdict(verdict, slope, coverage, asymptote.estimate, s.observed,
                         f"{numbers}; {why}" if why else numbers)


def adaptive_verdict(firsts: list[np.ndarray], attempts: int, n_boot: int = 200, seed: int = 0) -> ThesisVerdict:
    """The verdict of an adaptive solver from each seed's discoveries' first attempts: the slope of
    the seed-mean observed curve over the last decade, its interval a bootstrap (each seed's
    discoveries resampled, the seeds averaged); saturated when no seed found anything new there."""
    firsts = [np.sort(np.asarray(f, dtype=np.int64)) for f in firsts]
    window = last_decade(attempts)
    steps = window_steps(window)

    def mean_curve(sets, m) -> np.ndarray:
        return np.mean([np.searchsorted(f, m, side="left") for f in sets], axis=0).astype(float)

    per_seed = np.vstack([np.searchsorted(f, steps, side="left") for f in firsts]).astype(float)
    mean = per_seed.mean(axis=0)
    rng = np.random.default_rng(seed)
    boots = np.array([log_log_slope(steps, mean_curve([np.sort(rng.choice(f, len(f))) if len(f) else f
                                                       for f in firsts], steps)) for _ in range(n_boot)])
    boots = boots[np.isfinite(boots)]
    lower, upper = np.percentile(boots, [2.5, 97.5]) if len(boots) > 1 else (np.nan, np.nan)
    point = log_log_slope(steps, mean)
    slope = Slope(point, float(lower), float(upper), window)
    numbers = (f"slope {point:.2f} [{lower:.2f}, {upper:.2f}] over attempts {window[0]}-{window[1]} of the "
               f"mean of {len(firsts)} seeds, {mean[-1]:g} found")
    nan = float("nan")
    if mean[-1] == 0:
        return ThesisVerdict(YieldVerdict.NO_DISCOVERIES, None, nan, nan, 0.0, "nothing was found")
    if np.array_equal(per_seed[:, -1], per_seed[:, 0]) and per_seed[:, -1].sum() > 1:
        volumes = reached(lambda m: mean_curve(firsts, m), float(mean[-1]), attempts)
        return ThesisVerdict(YieldVerdict.SATURATED, slope, nan, nan, float(mean[-1]),
                             saturation_reason(f"{numbers}; nothing new in the last decade", None, volumes), volumes)
    if not math.isfinite(point) or not math.isfinite(lower):
        return ThesisVerdict(YieldVerdict.UNDECIDED, slope, nan, nan, float(mean[-1]), numbers)
    verdict, why = slope_verdict(slope)
    return ThesisVerdict(verdict, slope, nan, nan, float(mean[-1]), f"{numbers}; {why}" if why else numbers)
