"""Exact truth against brute force and against simulation."""
import itertools

import numpy as np
import pytest

from harness.analysis.truth import expected_total, found_chance, solved_share, truth
from harness.core.space import IntBox
from harness.solvers import HeavyTailedSolver, RandomSolver, SyntheticSolver
from problems import egyptian, erdos_straus, golomb, pell, ramsey, taxicab, three_cubes
from problems import synthetic

SMALL = [three_cubes.make(k=3, bound=6, known_solutions=["1, 1, 1"]), three_cubes.make(k=17, bound=12),
         erdos_straus.make(n=5, bound=30), egyptian.make(a=5, b=6, terms=3, bound=30),
         egyptian.make(a=7, b=15, terms=4, bound=25), pell.make(d=2, bound=20), taxicab.make(bound=16),
         golomb.make(marks=4, bound=10), golomb.make(marks=5, bound=11)]


def brute_force(problem, solver) -> dict[str, tuple[float, int]]:
    """Every point of the box verified: canonical -> (odds, tier rank)."""
    box, law = problem.space, solver.law(problem.space)
    found: dict[str, list] = {}
    values = np.array(list(itertools.product(range(box.lo, box.hi + 1), repeat=box.arity)), dtype=np.int64)
    for row in values[problem.batch_valid(values)].tolist():  # the batch check, then the verifier
        verdict = problem.verify(", ".join(map(str, row)))
        assert verdict.tier.rank, row
        entry = found.setdefault(verdict.canonical, [0.0, verdict.tier.rank])
        entry[0] += float(np.prod([float(law.probability(v)) for v in row]))
    return {k: (v[0], v[1]) for k, v in found.items()}


@pytest.mark.parametrize("problem", SMALL, ids=lambda p: p.id)
@pytest.mark.parametrize("solver", [RandomSolver(), HeavyTailedSolver()], ids=lambda s: s.name)
def test_enumerated_solution_points_give_the_truth_of_the_whole_box(problem, solver):
    exact, whole = truth(solver, problem), brute_force(problem, solver)
    assert exact.canonical == tuple(sorted(whole))
    assert exact.odds == pytest.approx([whole[c][0] for c in exact.canonical], rel=1e-12)
    assert exact.rank.tolist() == [whole[c][1] for c in exact.canonical]


@pytest.mark.parametrize("problem", [three_cubes.make(k=3, bound=6, known_solutions=["1, 1, 1"]),
                                     golomb.make(marks=4, bound=10), pell.make(d=2, bound=20)],
                         ids=lambda p: p.id)
@pytest.mark.parametrize("solver", [RandomSolver(), HeavyTailedSolver()], ids=lambda s: s.name)
def test_the_exact_curve_is_the_mean_of_simulated_runs(problem, solver):
    """Many runs of the solver's own sampler: the mean distinct discoveries at m attempts lies
    within 3 standard errors of E[S(m)], per tier, and so does the share of runs that solved it."""
    exact, runs, m = truth(solver, problem), 300, np.array([10, 100, 1_000])
    found = {tier: np.zeros((runs, len(m))) for tier in ("valid", "novel")}
    solved = np.zeros((runs, len(m)))
    for seed in range(runs):
        values = solver.values(problem, seed, 0, int(m[-1]))
        first: dict[tuple[str, int], int] = {}
        for i in np.flatnonzero(problem.batch_valid(values)).tolist():
            verdict = problem.verify(", ".join(map(str, values[i].tolist())))
            first.setdefault((verdict.canonical, verdict.tier.rank), i)
        for tier, rank in (("valid", 1), ("novel", 2)):
            at = np.array([i for (_, r), i in first.items() if r >= rank])
            found[tier][seed] = [(at < k).sum() for k in m]
        solved[seed] = [min(first.values(), default=m[-1]) < k for k in m]
    for tier in ("valid", "novel"):
        # the standard error under the truth: each discovery found by m with chance q
        q = found_chance(exact.of(tier), m)
        se = np.sqrt((q * (1 - q)).sum(axis=0) / runs)
        mean = found[tier].mean(axis=0)
        assert np.all(np.abs(mean - exact.expected(tier, m)) <= 3 * se + 1e-9), (tier, mean, exact.expected(tier, m))
    se = np.sqrt(exact.solved(m) * (1 - exact.solved(m)) / runs)
    assert np.all(np.abs(solved.mean(axis=0) - exact.solved(m)) <= 3 * se + 1e-9)


def test_families_and_shares_add_up_and_tiny_odds_stay_exact():
    parts = [truth(RandomSolver(), p) for p in SMALL[:3]]
    m = np.array([1, 10**6, 10**12])
    assert expected_total(parts, "valid", m) == pytest.approx(sum(t.expected("valid", m) for t in parts))
    assert solved_share(parts, 10**12)[0] == pytest.approx(1.0)
    wide = truth(RandomSolver(), pell.make(d=109, bound=10**15))  # odds 1e-30: no underflow to 0
    assert wide.expected("valid", 10**9)[0] == pytest.approx(2 * 10**9 / (10**15 + 1) ** 2, rel=1e-9)


def test_no_truth_where_odds_or_solutions_are_unknown():
    assert truth(RandomSolver(), three_cubes.make(k=1, bound=100_000)) is None  # too wide to enumerate
    assert truth(RandomSolver(), ramsey.make(n=8, k=4)) is None  # 2^28 colourings
    ramsey5 = truth(RandomSolver(), ramsey.make(n=5, k=3))  # 2^10 colourings, each verified
    assert ramsey5.points == 1024 and ramsey5.total("valid") == 1 and ramsey5.solve_odds == pytest.approx(12 / 1024)


def test_the_synthetic_urns_truth_is_its_own_zipf_odds():
    urn, solver = synthetic.make(size=20, known_count=5, interesting_tail=5), SyntheticSolver(0.1, 1.0)
    exact = truth(solver, urn)
    assert exact.total("valid") == 20 and exact.solve_odds == pytest.approx(0.1)
    m = np.array([10, 1000])
    assert exact.expected("valid", m) == pytest.approx(solver.expected_discoveries(urn, m))


def test_a_solver_of_unknown_odds_has_no_truth_even_when_it_cannot_be_hashed():
    from dataclasses import dataclass, field

    @dataclass(frozen=True)
    class Model:  # like the replay solver: settings in a dict
        settings: dict = field(default_factory=dict)

        def propose(self, problem, seed, start, stop): ...

    assert truth(Model(), three_cubes.make(k=3, bound=6)) is None
