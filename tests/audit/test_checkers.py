"""The independent checkers against the verifiers."""
import pytest

from harness.audit.checkers import CHECKERS, solves
from harness.audit.polynomials import polynomial
from harness.audit.reader import Unreadable, integers, tree
from harness.bank.banks import available_instance_lists, bank_spec, build_bank
from harness.solvers.random import RandomSolver

SAMPLES = 300  # random candidates per problem from its own search space


@pytest.fixture(scope="module")
def bank():
    return build_bank(bank_spec(available_instance_lists()))


def test_every_family_has_an_independent_checker(bank):
    assert {p.family for p in bank} | {"synthetic"} <= set(CHECKERS)


def test_the_checkers_agree_with_the_verifiers_on_solutions_and_on_random_candidates(bank):
    disagreements = []
    for problem in bank:
        known = list(problem.solutions())[:50]
        candidates = known + RandomSolver().propose(problem, seed=0, start=0, stop=SAMPLES)
        for text in candidates:
            if (problem.verify(text).tier.rank > 0) != solves(problem, text):
                disagreements.append((problem.id, text))
        assert all(solves(problem, text) for text in known[:5]), problem.id
    assert disagreements == []


def test_the_checkers_read_text_their_own_way_and_refuse_the_rest():
    assert integers(" (1, -2, +3) ", 3) == (1, -2, 3) and integers("[4, 5]", 2) == (4, 5)
    for bad in ("(1, 2", "1, 2, 3", "__import__('os')", "(1, 2.0)", "1e3, 2"):
        with pytest.raises(Unreadable):
            integers(bad, 2)
    assert polynomial("(x - 1)*(x + 1)").c == polynomial("x**2 - 1").c
    assert tree("-2**n") == ("neg", ("**", ("num", 2), ("name", "n")))  # as Python reads it
    with pytest.raises(Unreadable):
        tree("x.__class__")


def test_a_lying_verdict_would_be_caught():
    [pell] = build_bank(bank_spec(families={"pell": [{"d": 2, "bound": 20}]}))
    assert solves(pell, "(3, 2)") and not solves(pell, "(3, 1)") and not solves(pell, "(-3, 2)")
