"""The intervals against a known truth: the synthetic solver's expected yield curve."""
import numpy as np
import pytest

from harness.analysis import richness
from harness.solvers import SyntheticSolver
from problems.synthetic import make


@pytest.mark.slow
def test_95_percent_intervals_cover_the_truth_at_observed_and_doubled_volume():
    problem, solver = make(size=200), SyntheticSolver(hit_rate=0.05, zipf_exponent=1.1)
    p = solver.probabilities(problem)
    attempts = 2_000
    at = np.array([attempts, 2 * attempts])
    truth = solver.expected_discoveries(problem, at)
    rng = np.random.default_rng(1)
    covered = np.zeros(2)
    replicates = 200
    for r in range(replicates):
        # one attempt finds at most one discovery: incidence counts are multinomial
        found = rng.multinomial(attempts, np.append(p, 1 - p.sum()))[:-1]
        table = richness(found, sampling_units=attempts, at=at, n_boot=100, seed=r)
        covered += (table["lower"].to_numpy() <= truth) & (truth <= table["upper"].to_numpy())
    rate = covered / replicates
    print(f"95% interval coverage of the true curve over {replicates} replicates: "
          f"{rate[0]:.3f} at the observed size, {rate[1]:.3f} at twice it")
    assert ((0.90 <= rate) & (rate <= 0.99)).all()
