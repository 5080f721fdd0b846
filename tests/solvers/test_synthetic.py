import numpy as np
import pytest
from problems.antiderivative import make as antiderivative
from problems.synthetic import make

from harness.solvers import SolverConfigError, SyntheticSolver, make_solver


def test_empirical_yield_matches_the_known_curve():
    problem, solver = make(size=50), SyntheticSolver(hit_rate=0.2, zipf_exponent=1.2)
    attempts = 400
    runs = []
    for seed in range(40):
        seen, curve = set(), []
        for text in solver.propose(problem, seed, 0, attempts):
            if text:
                seen.add(text)
            curve.append(len(seen))
        runs.append(curve)
    mean = np.mean(runs, axis=0)
    truth = solver.expected_discoveries(problem, np.arange(1, attempts + 1))
    # 40 replicates: the mean is within a few standard errors of the truth everywhere.
    assert np.max(np.abs(mean - truth)) < 1.0
    assert truth[-1] > 10


def test_misses_are_empty_and_hits_are_solutions():
    problem = make(size=5)
    candidates = SyntheticSolver(hit_rate=0.5).propose(problem, 0, 0, 500)
    assert 150 < candidates.count("") < 350
    assert set(candidates) - {""} <= set(problem.solutions())


def test_needs_enumerated_solutions():
    class NoTruth:
        id = "none/x"

        def solutions(self):
            return ()

    with pytest.raises(ValueError, match="enumerated solutions"):
        SyntheticSolver().propose(NoTruth(), 0, 0, 1)
    assert SyntheticSolver().propose(antiderivative(integrand="2*x"), 0, 0, 50)


def test_make_solver_lists_choices_and_settings():
    with pytest.raises(SolverConfigError, match="llm, random, replay, synthetic"):
        make_solver({"name": "oracle"})
    with pytest.raises(SolverConfigError, match="hit_rate, zipf_exponent"):
        make_solver({"name": "synthetic", "hitrate": 0.1})
    with pytest.raises(SolverConfigError, match="hit_rate must lie"):
        make_solver({"name": "synthetic", "hit_rate": 2})
    assert make_solver({"name": "synthetic", "hit_rate": 0.3}).hit_rate == 0.3
