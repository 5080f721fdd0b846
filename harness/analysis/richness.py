"""How many distinct discoveries a volume of attempts buys: species-accumulation estimators.

Attempts are sampling units and distinct discoveries are species. Formulas follow Chao et al.
(2014, Ecological Monographs 84:45-67) and Chao & Jost (2012) as implemented in iNEXT, for
abundance data (counts: how often each discovery was made, n = their sum) and incidence data
(counts: in how many of T sampling units each discovery appeared).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

KINDS = ("abundance", "incidence")


@dataclass(frozen=True)
class Sample:
    """Frequencies of the detected discoveries and the sample size (n or T)."""

    counts: np.ndarray
    size: int
    kind: str

    @property
    def observed(self) -> int:
        return int(len(self.counts))

    def f(self, k: int) -> int:
        return int(np.sum(self.counts == k))

    @property
    def total(self) -> int:
        """n for abundance, U (the sum of incidences) for incidence."""
        return int(self.counts.sum())


def sample(counts, sampling_units: int | None, kind: str) -> Sample:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    counts = np.asarray(counts, dtype=np.int64)
    counts = counts[counts > 0]
    if kind == "abundance":
        size = int(counts.sum())
    else:
        if sampling_units is None:
            raise ValueError("incidence data need sampling_units (the number of attempts T)")
        size = int(sampling_units)
        if len(counts) and counts.max() > size:
            raise ValueError("an incidence count exceeds the number of sampling units")
    return Sample(counts, size, kind)


def undetected(s: Sample) -> float:
    """Chao1 (abundance) / Chao2 (incidence) estimate of discoveries not yet made, f0-hat."""
    f1, f2, n = s.f(1), s.f(2), s.size
    if n <= 1:
        return 0.0
    k = (n - 1) / n
    return k * f1 * f1 / (2 * f2) if f2 > 0 else k * f1 * (f1 - 1) / 2


@dataclass(frozen=True)
class ChaoEstimate:
    estimate: float
    se: float
    lower: float
    upper: float
    observed: int


def chao(counts, *, sampling_units: int | None = None, kind: str = "incidence",
         confidence: float = 0.95) -> ChaoEstimate:
    """Asymptotic richness (observed + undetected), its standard error and log-normal interval."""
    s = sample(counts, sampling_units, kind)
    f0, f1, f2, n = undetected(s), s.f(1), s.f(2), s.size
    k = (n - 1) / n if n > 0 else 0.0
    if f2 > 0:
        r = f1 / f2
        var = f2 * (k / 2 * r**2 + k**2 * r**3 + k**2 / 4 * r**4)
    elif f0 > 0:
        var = k * f1 * (f1 - 1) / 2 + k**2 * f1 * (2 * f1 - 1) ** 2 / 4 - k**2 * f1**4 / 4 / f0
    else:
        var = 0.0
    var = max(var, 0.0)
    z = _z(confidence)
    if f0 > 0 and var > 0:
        spread = math.exp(z * math.sqrt(math.log(1 + var / f0**2)))
        lower, upper = s.observed + f0 / spread, s.observed + f0 * spread
    else:
        lower = upper = s.observed + f0
    return ChaoEstimate(s.observed + f0, math.sqrt(var), lower, upper, s.observed)


def additional_attempts(counts, *, sampling_units: int | None = None, kind: str = "incidence",
                        fraction: float = 0.9) -> float:
    """Further attempts after which the expected yield reaches `fraction` of Chao's asymptote:
    the extrapolation S(T + t) = S_obs + f0 [1 - (1 - f1 / (T f0 + f1))^t] (as `estimates`
    draws it, f0 as `chao` estimates it) solved for t, rounded up. 0 when S_obs already reaches
    that share; inf for fraction 1 while anything is left undetected."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}")
    s = sample(counts, sampling_units, kind)
    f0, f1, n = undetected(s), s.f(1), s.size
    missing = fraction * (s.observed + f0) - s.observed  # still to find
    if missing <= 1e-9 or f0 == 0:
        return 0.0
    if missing >= f0:
        return math.inf
    step = 1.0 - f1 / (n * f0 + f1)
    return float(math.ceil(math.log1p(-missing / f0) / math.log(step) - 1e-9))


def attempts_per_discovery(counts, *, sampling_units: int | None = None, kind: str = "incidence") -> float:
    """Expected attempts per new discovery at the end of the run: 1 / (S(T + 1) - S(T)) of the same
    extrapolation, (T f0 + f1) / (f0 f1); inf when nothing is left to find (f1 = 0 or f0 = 0)."""
    s = sample(counts, sampling_units, kind)
    f0, f1, n = undetected(s), s.f(1), s.size
    return math.inf if f0 == 0 or f1 == 0 else (n * f0 + f1) / (f0 * f1)


def pass_at_k(n: int, c: int, k: int) -> float:
    """P(at least one of k draws without replacement from n attempts, c of them correct, is
    correct) = 1 - C(n-c, k)/C(n, k), as a stable product."""
    if not 0 <= c <= n or not 0 <= k <= n:
        raise ValueError("need 0 <= c <= n and 0 <= k <= n")
    if n - c < k:
        return 1.0
    return 1.0 - float(np.prod(1.0 - k / np.arange(n - c + 1, n + 1, dtype=float)))


def _ln_factorial(j: np.ndarray | int) -> np.ndarray:
    """ln(j!), evaluated only where needed: a table up to the sample size would take
    O(size) memory (320 MB at 10^7 attempts per problem)."""
    return gammaln(np.asarray(j, dtype=float) + 1.0)


def _miss_probability(counts: np.ndarray, size: int, m: np.ndarray) -> np.ndarray:
    """C(size - count, m) / C(size, m) for each count (rows) and each m (columns)."""
    rest = size - counts[:, None]
    ok = rest >= m[None, :]
    safe = np.where(ok, rest - m[None, :], 0)
    log_p = _ln_factorial(rest) - _ln_factorial(safe) - _ln_factorial(size) + _ln_factorial(size - m)[None, :]
    return np.where(ok, np.exp(log_p), 0.0)


def estimates(s: Sample, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected distinct discoveries and sample coverage at each sample size m."""
    m = np.asarray(m, dtype=np.int64)
    n, f1 = s.size, s.f(1)
    richness, coverage = np.zeros(len(m)), np.zeros(len(m))
    if s.total == 0:  # nothing found: no discoveries at any volume, coverage undefined
        return richness, np.full(len(m), np.nan)
    values, multiplicity = np.unique(s.counts, return_counts=True)  # few distinct frequencies
    inside = m <= n
    if inside.any():
        mi = m[inside]
        miss = _miss_probability(values, n, mi)
        richness[inside] = (multiplicity[:, None] * (1.0 - miss)).sum(axis=0)
        # coverage: 1 - sum (X/n) C(n - X, m) / C(n - 1, m)
        ratio = np.where(mi < n, n / np.maximum(n - mi, 1), 0.0)
        cov_miss = (multiplicity[:, None] * values[:, None] / s.total * miss).sum(axis=0) * ratio
        coverage[inside] = 1.0 - cov_miss
        at_n = mi == n
        coverage[np.flatnonzero(inside)[at_n]] = 1.0 - f1 / s.total * _a(s) if n > 0 else 0.0
    outside = ~inside
    if outside.any():
        f0 = undetected(s)
        extra = (m[outside] - n).astype(float)
        if f1 == 0 or f0 == 0:
            richness[outside] = s.observed
        else:
            richness[outside] = s.observed + f0 * (1.0 - (1.0 - f1 / (n * f0 + f1)) ** extra)
        coverage[outside] = 1.0 - f1 / s.total * _a(s) ** (extra + 1)
    return richness, coverage


def _a(s: Sample) -> float:
    f1, f2, n = s.f(1), s.f(2), s.size
    if f2 > 0:
        return (n - 1) * f1 / ((n - 1) * f1 + 2 * f2)
    if f1 > 0:
        return (n - 1) * (f1 - 1) / ((n - 1) * (f1 - 1) + 2)
    return 1.0


def bootstrap_assemblage(s: Sample) -> np.ndarray:
    """Detection probabilities of the detected discoveries, plus ceil(f0) undetected ones
    sharing the undetected mass (Chao et al. 2014, as iNEXT builds it)."""
    n, f1 = s.size, s.f(1)
    f0 = math.ceil(undetected(s))
    x = s.counts.astype(float)
    a_ = n * f0 / (n * f0 + f1) if f1 > 0 else 1.0
    a = f1 / n * a_
    b = float(np.sum(x / n * (1 - x / n) ** n))
    w = a / b if f0 > 0 and b > 0 else 0.0
    detected = x / n * (1 - w * (1 - x / n) ** n)
    return np.concatenate([detected, np.full(f0, a / f0)]) if f0 > 0 else detected


def _z(confidence: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + confidence / 2)


def richness(counts, *, sampling_units: int | None = None, kind: str = "incidence", at=None,
             confidence: float = 0.95, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Rarefied, observed and extrapolated richness with bootstrap intervals and coverage.

    `at` are the sample sizes m (attempts); by default 40 points up to twice the sample size.
    """
    s = sample(counts, sampling_units, kind)
    if at is None:
        at = np.unique(np.round(np.linspace(1, 2 * s.size, 40)).astype(np.int64))
        at = np.union1d(at, [s.size])
    m = np.asarray(at, dtype=np.int64)
    if (m < 1).any():
        raise ValueError("sample sizes must be at least 1")
    estimate, coverage = estimates(s, m)
    spread = np.zeros(len(m))
    if n_boot > 0 and s.observed > 0:
        probabilities = bootstrap_assemblage(s)
        rng = np.random.default_rng(seed)
        draws = np.empty((n_boot, len(m)))
        for b in range(n_boot):
            if kind == "abundance":
                boot = rng.multinomial(s.size, probabilities / probabilities.sum())
            else:
                boot = rng.binomial(s.size, np.clip(probabilities, 0, 1))
            draws[b] = estimates(sample(boot, s.size, kind), m)[0]
        spread = draws.std(axis=0, ddof=1)
    z = _z(confidence)
    method = np.where(m < s.size, "rarefaction", np.where(m == s.size, "observed", "extrapolation"))
    # What the bootstrap cannot see: discoveries not yet made. Nothing found in T attempts still
    # allows up to count_band(0) (3.7 at 95%) expected by T; m attempts, m / T of that.
    unseen = count_band(np.zeros(1), confidence)[1][0] * m / max(s.size, 1)
    return pd.DataFrame({
        "m": m, "estimate": estimate, "lower": np.maximum(estimate - z * spread, 0.0),
        "upper": np.maximum(estimate + z * spread, estimate + unseen), "method": method, "coverage": coverage,
    })


def count_band(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The exact (Garwood) Poisson band of the mean behind an observed count, gamma quantiles for
    a fractional one. `richness` takes its upper end after nothing found (3.7 at 95%) as what
    discoveries not yet made may still add, which the bootstrap cannot show (it gives [0, 0]
    after nothing found, and misses the 0.03 by which 1.03 expected exceeds 1 found)."""
    count = np.asarray(count, dtype=float)
    tail = (1 - confidence) / 2
    lower = np.where(count > 0, stats.gamma.ppf(tail, np.maximum(count, 1e-12)), 0.0)
    return lower, stats.gamma.ppf(1 - tail, count + 1)
