from problems.three_cubes import make

from harness.solvers import RandomSolver


def test_attempt_i_depends_on_seed_problem_and_i_only():
    solver, problem = RandomSolver(), make(k=3, bound=50)
    whole = solver.propose(problem, seed=7, start=0, stop=100)
    pieces = [c for a, b in ((0, 33), (33, 61), (61, 100)) for c in solver.propose(problem, 7, a, b)]
    assert whole == pieces
    assert solver.propose(problem, 8, 0, 100) != whole
    assert solver.propose(make(k=4, bound=50), 7, 0, 100) != whole
    assert len(set(whole)) > 90  # samples, not one repeated value


def test_samples_stay_in_the_search_space():
    problem = make(k=3, bound=2)
    for text in RandomSolver().propose(problem, 0, 0, 200):
        assert all(-2 <= v <= 2 for v in problem.parse(text))
