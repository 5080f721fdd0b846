"""Forecasts far beyond a run: distinct discoveries of one assemblage, and problems solved.

Distinct discoveries. Each discovery has a detection rate, lambda = T p expected hits in the
run's T attempts; the rates are modelled as gamma-distributed (shape k, scale theta) and each
discovery's incidence count as Poisson given its rate, so counts are negative binomial: the
species-abundance model of Fisher, Corbet & Williams (1943, J. Anim. Ecol. 12:42-58), whose
limit k -> 0 is Fisher's log series. It is fitted by maximum likelihood to the detected
discoveries (zero-truncated). A discovery is missed by m attempts with probability
P0(m) = (1 + theta m / T)^-k, so the expected distinct discoveries after m attempts are
S_obs (1 - P0(m)) / (1 - P0(T)): growth that slows without a hard ceiling (about log m in the
log-series limit). The Poisson stands in for the binomial count; they differ only for common
discoveries, which are found at any volume and do not move the forecast. Bands: a parametric
bootstrap (the fitted assemblage sampled again and refitted). A Poisson-lognormal (Bulmer 1974)
was tried first and forecast far more growth than the synthetic urn has (its 95% band held the
truth in half the replicates at 100x). Chao's extrapolation is trusted to about twice the run;
the fitted shape is carried to 100x, and how far it holds is checked against runs that went
there (the report).

Problems solved. Each problem's chance p that one attempt solves it is modelled as
Beta(a, b) across problems, its count of solving attempts as BetaBinomial(T, a, b), unsolved
problems included as zeros; the expected share solved after k attempts is
1 - B(a, b + k) / B(a, b): the distributional estimator of Schaeffer et al. (2025, "How Do
Large Language Monkeys Get Their Power (Laws)?"). Beside it the power law
-log(coverage) = a k^b of Brown et al. (2024, "Large Language Monkeys"). Bands: bootstrap over
problems.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

MIN_DISCOVERIES = 3  # below this the shape of the rate distribution is not identified
SHAPE_FLOOR = 1e-4  # k at this floor is Fisher's log series to four digits
TABLED = 4096  # simulated counts below this are read off a table of the survival function


@dataclass(frozen=True)
class GammaRates:
    """Fitted detection rates per T attempts ~ Gamma(k, theta); `observed` discoveries detected."""

    k: float
    theta: float
    observed: int
    units: int  # T

    def detected(self, m) -> np.ndarray:
        """1 - P0(m): the chance that m attempts find a given discovery (expm1 keeps tiny chances)."""
        return -np.expm1(-self.k * np.log1p(self.theta * np.asarray(m, dtype=float) / self.units))

    @property
    def richness(self) -> float:
        """Discoveries at unlimited volume, detected or not (very large near the log-series limit)."""
        return self.observed / float(self.detected(self.units))

    def expected(self, m) -> np.ndarray:
        """Expected distinct discoveries after m attempts."""
        return self.observed * self.detected(m) / float(self.detected(self.units))

    def counts(self) -> stats.rv_discrete:
        return stats.nbinom(self.k, 1 / (1 + self.theta))

    @cached_property
    def survival(self) -> np.ndarray:
        """counts().sf of 0 .. TABLED - 1, made once: a bootstrap simulates one model n_boot times."""
        return self.counts().sf(np.arange(TABLED))


def fit_gamma_rates(counts, sampling_units: int) -> GammaRates:
    """Maximum-likelihood zero-truncated negative binomial of the detected discoveries' counts."""
    counts = np.asarray(counts, dtype=np.int64)
    counts = counts[counts > 0]
    if len(counts) < MIN_DISCOVERIES:
        raise ValueError(f"a forecast needs at least {MIN_DISCOVERIES} discoveries, got {len(counts)}")
    values, multiplicity = np.unique(counts, return_counts=True)

    start = [0.0, float(np.log(counts.mean()))]
    best = optimize.minimize(gamma_rates_loss, start, args=(values, multiplicity), jac=True, method="L-BFGS-B",
                             bounds=[(float(np.log(SHAPE_FLOOR)), 8.0), (-12.0, 30.0)])
    k, scale = np.exp(best.x)
    return GammaRates(float(k), float(scale), len(counts), int(sampling_units))


def gamma_rates_loss(theta, values: np.ndarray, multiplicity: np.ndarray) -> tuple[float, np.ndarray]:
    """The zero-truncated negative binomial's negative log-likelihood at theta = (log k, log scale),
    and its gradient (analytic: numerical differences took three evaluations per step). With
    p = 1 / (1 + scale), log pmf(x) = lnG(k + x) - lnG(x + 1) - lnG(k) - k log(1 + s) + x log(s / (1 + s)),
    and the truncation adds log(1 - (1 + s)^-k) per discovery."""
    k, scale = np.exp(theta)
    n = multiplicity.sum()
    log1p_s = np.log1p(scale)
    missed = np.exp(-k * log1p_s)  # (1 + s)^-k
    detected = max(-np.expm1(-k * log1p_s), 1e-300)
    loss = -(multiplicity * nbinom_logpmf(values, k, 1 / (1 + scale))).sum() + n * np.log(detected)
    d_k = -(multiplicity * (special.digamma(k + values) - special.digamma(k) - log1p_s)).sum() \
        + n * missed * log1p_s / detected
    share = scale / (1 + scale)  # s d/ds, kept finite for tiny and huge s
    d_log_s = -(multiplicity * (values / (1 + scale) - k * share)).sum() + n * k * share * missed / detected
    return float(loss), np.array([k * d_k, d_log_s])


def nbinom_logpmf(x: np.ndarray, n: float, p: float) -> np.ndarray:
    """stats.nbinom.logpmf for counts x >= 1, by scipy's own formula without its per-call argument
    handling, which was most of a fit's time (a fit evaluates it hundreds of times)."""
    return special.gammaln(n + x) - special.gammaln(x + 1) - special.gammaln(n) + n * np.log(p) \
        + special.xlog1py(x, -p)


def inverse_survival(dist: stats.rv_discrete, q: np.ndarray, survival: np.ndarray) -> np.ndarray:
    """dist.isf(q): the smallest count j with dist.sf(j) <= q. Below TABLED it is looked up in
    `survival`, dist.sf of 0 .. TABLED - 1 (nearly every count of a fitted assemblage), above it
    left to dist.isf, whose per-value inversion was most of a bootstrap's time."""
    if not np.isfinite(survival).all():
        return dist.isf(q)
    drawn = np.searchsorted(-survival, -q, side="left").astype(float)
    beyond = drawn >= TABLED
    drawn[beyond] = dist.isf(q[beyond])
    return drawn


def simulate(model: GammaRates, rng: np.random.Generator) -> np.ndarray:
    """Incidence counts of the discoveries one new run of T attempts detects, drawn from the
    fitted assemblage: each of round(richness) discoveries detected with probability 1 - P0(T),
    a detected one's count from the zero-truncated negative binomial (by inversion)."""
    n = rng.binomial(int(min(round(model.richness), 2**62)), min(float(model.detected(model.units)), 1.0))
    dist = model.counts()
    drawn = inverse_survival(dist, rng.random(n) * dist.sf(0), model.survival)
    return np.clip(np.nan_to_num(drawn, nan=1.0), 1, model.units).astype(np.int64)


def forecast_richness(counts, sampling_units: int, at, n_boot: int = 200, confidence: float = 0.95,
                      seed: int = 0) -> pd.DataFrame:
    """Expected distinct discoveries at volumes `at` (any size, typically 2T to 100T) with a
    parametric-bootstrap percentile band: m, estimate, lower, upper."""
    m = np.asarray(at, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    if not (counts > 0).any():  # nothing found: nothing forecast
        zero = np.zeros(len(m))
        return pd.DataFrame({"m": m, "estimate": zero, "lower": zero, "upper": zero})
    model = fit_gamma_rates(counts, sampling_units)
    point = model.expected(m)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        again = simulate(model, rng)
        draws.append(fit_gamma_rates(again, sampling_units).expected(m) if len(again) >= MIN_DISCOVERIES
                     else np.full(len(m), float(len(again))))  # too few to fit: what it found stays
    tail = (1 - confidence) / 2 * 100
    lower, upper = np.percentile(draws, [tail, 100 - tail], axis=0) if len(draws) > 1 else (point, point)
    # The expected curve of i.i.d. attempts is concave from 0, so m attempts find at most m / T
    # times what T found: no forecast beyond proportional growth. Discoveries all seen once
    # identify no rate distribution: the band is then everything between no growth and that cap.
    observed = int((counts > 0).sum())
    cap = np.maximum(observed * m / sampling_units, observed)
    if (counts[counts > 0] == 1).all():
        lower, upper = np.full(len(m), float(observed)), cap
    return pd.DataFrame({"m": m, "estimate": np.minimum(point, cap), "lower": np.minimum(lower, cap),
                         "upper": np.minimum(upper, cap)})


@dataclass(frozen=True)
class BetaSolving:
    """Per-problem solve probabilities ~ Beta(a, b), fitted to solving counts out of T attempts."""

    a: float
    b: float
    problems: int

    def share_solved(self, k) -> np.ndarray:
        """Expected share of problems solved at least once in k attempts: 1 - B(a, b + k) / B(a, b)."""
        k = np.asarray(k, dtype=float)
        return -np.expm1(special.betaln(self.a, self.b + k) - special.betaln(self.a, self.b))


def beta_solving_loss(theta, solving: np.ndarray, n: int) -> tuple[float, np.ndarray]:
    """The beta-binomial's negative log-likelihood at theta = (log a, log b) and its analytic gradient:
    log pmf(x) = log C(n, x) + lnB(x + a, n - x + b) - lnB(a, b) (stats.betabinom's, without its
    per-call argument handling, which was most of a fit's time)."""
    a, b = np.exp(theta)
    x = solving
    choose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    loss = -(choose + special.betaln(x + a, n - x + b) - special.betaln(a, b)).sum()
    both = special.digamma(n + a + b) - special.digamma(a + b)
    d_a = -(special.digamma(x + a) - special.digamma(a) - both).sum()
    d_b = -(special.digamma(n - x + b) - special.digamma(b) - both).sum()
    return float(loss), np.array([a * d_a, b * d_b])


def fit_beta_solving(solving, sampling_units: int) -> BetaSolving:
    """Maximum-likelihood beta-binomial of each problem's count of solving attempts (zeros included)."""
    solving = np.asarray(solving, dtype=np.int64)
    if len(solving) < 2:
        raise ValueError("fitting solve probabilities across problems needs at least two problems")
    if not (solving > 0).any():
        raise ValueError("no problem was solved: the distribution of solve probabilities is not identified")

    mean = (solving.mean() + 0.5) / (sampling_units + 1)
    best = optimize.minimize(beta_solving_loss, [np.log(0.5 * mean / (1 - mean)), np.log(0.5)],
                             args=(solving, sampling_units), jac=True, method="L-BFGS-B",
                             bounds=[(-25.0, 15.0), (-25.0, 30.0)])
    return BetaSolving(float(np.exp(best.x[0])), float(np.exp(best.x[1])), len(solving))


def forecast_solved(solving, sampling_units: int, at, n_boot: int = 200, confidence: float = 0.95,
                    seed: int = 0) -> pd.DataFrame:
    """Expected share of problems solved at volumes `at`, with a bootstrap band over problems:
    k, share, lower, upper."""
    solving = np.asarray(solving, dtype=np.int64)
    k = np.asarray(at, dtype=np.int64)
    point = fit_beta_solving(solving, sampling_units).share_solved(k)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        again = rng.choice(solving, len(solving))
        if (again > 0).any():
            draws.append(fit_beta_solving(again, sampling_units).share_solved(k))
        else:
            draws.append(np.zeros(len(k)))
    tail = (1 - confidence) / 2 * 100
    lower, upper = np.percentile(draws, [tail, 100 - tail], axis=0) if len(draws) > 1 else (point, point)
    return pd.DataFrame({"k": k, "share": point, "lower": lower, "upper": upper})


def fit_coverage_power_law(k, coverage) -> tuple[float, float]:
    """Brown et al.'s power law of repeated-sampling coverage, -log c = a k^b (so c = exp(-a k^b)):
    a straight line through log(-log c) against log k. Returns (a, b)."""
    k, c = np.asarray(k, dtype=float), np.asarray(coverage, dtype=float)
    keep = (c > 0) & (c < 1) & (k > 0)
    if keep.sum() < 2:
        raise ValueError("need at least two points with coverage strictly between 0 and 1")
    b, intercept = np.polyfit(np.log(k[keep]), np.log(-np.log(c[keep])), 1)
    return float(np.exp(intercept)), float(b)
