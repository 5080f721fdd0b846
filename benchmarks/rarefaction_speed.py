"""Rarefaction at volume: 10^6 attempts, 10^5 discoveries, 200 points.

    .venv/bin/python benchmarks/rarefaction_speed.py

Prints the time of `richness` (no bootstrap) and, as the baseline measured in the same run,
a plain Python loop over discoveries with math.lgamma at the same points,
extrapolated from a subset of discoveries; the target is under a second.
"""
import math
import time

import numpy as np

from harness.analysis import richness

T, D, POINTS = 10**6, 10**5, 200


def main() -> None:
    rng = np.random.default_rng(0)
    counts = np.minimum(rng.zipf(1.6, size=D), T)
    at = np.union1d(np.linspace(1, 2 * T, POINTS - 1).astype(np.int64), [T])
    began = time.perf_counter()
    table = richness(counts, sampling_units=T, at=at, n_boot=0)
    vectorised = time.perf_counter() - began

    subset = counts[:200]
    began = time.perf_counter()
    lg = math.lgamma
    for m in at[at <= T]:
        sum(1 - math.exp(lg(T - y + 1) - lg(T - y - m + 1) - lg(T + 1) + lg(T - m + 1)) if T - y >= m else 1
            for y in subset)
    loop = (time.perf_counter() - began) * len(counts) / len(subset)
    print(f"richness(): {vectorised:.3f} s for {D} discoveries x {len(at)} points "
          f"(estimate at T: {table.loc[table.m == T, 'estimate'].item():.0f})")
    print(f"python loop (extrapolated from {len(subset)} discoveries): {loop:.1f} s")
    print(f"loop / richness = {loop / vectorised:.0f}")


if __name__ == "__main__":
    main()
