"""Each family's enumerated solutions against its own verifier, over whole small boxes."""
import itertools

import pytest

from harness.bank.banks import available_instance_lists, bank_entries, bank_spec
from harness.core.problem import Tier
from problems.egyptian import make as egyptian
from problems.golomb import make as golomb
from problems.pell import make as pell
from problems.ramsey import make as ramsey
from problems.taxicab import make as taxicab
from problems.three_cubes import make as three_cubes

SMALL_BOXES = [
    three_cubes(k=3, bound=6),
    egyptian(a=5, b=6, terms=3, bound=30),
    pell(d=2, bound=20),
    taxicab(bound=12),
    golomb(marks=4, bound=7),
]


@pytest.mark.parametrize("problem", SMALL_BOXES, ids=lambda p: p.id)
def test_the_whole_box_finds_exactly_the_enumerated_solutions(problem):
    box = problem.space
    found = set()
    for values in itertools.product(range(box.lo, box.hi + 1), repeat=box.arity):
        verdict = problem.verify(", ".join(map(str, values)))
        if verdict.tier.rank > 0:
            found.add(verdict.canonical)
    assert found == {problem.canonical(problem.parse(s)) for s in problem.solutions()}
    assert found


def test_every_ramsey_colouring_of_k5_without_triangles_is_the_pentagon():
    problem = ramsey(n=5, k=3)
    verdicts = [problem.verify(format(bits, "010b")) for bits in range(1 << 10)]
    valid = [v for v in verdicts if v.tier.rank > 0]
    assert len(valid) == 12  # the labelled pentagons: 4!/2 = 12
    assert {v.canonical for v in valid} == {valid[0].canonical}


@pytest.mark.slow
def test_every_enumerated_solution_in_the_bank_verifies():
    for entry in bank_entries(bank_spec(available_instance_lists())):
        problem = entry.problem
        if problem.family in ("antiderivative", "sequence", "factor", "ramsey"):
            continue  # symbolic or exponential families ship no enumeration
        verdicts = [problem.verify(s) for s in problem.solutions()]
        assert all(v.tier.rank > 0 for v in verdicts), problem.id
        assert len({v.canonical for v in verdicts}) == len(verdicts), problem.id  # one per discovery


def test_structured_constructions_reach_the_unreachable():
    assert pell(d=61, bound=10**10).verify(pell(d=61, bound=10**10).construct()).tier is Tier.INTERESTING
    for n in (12, 17):
        problem = ramsey(n=n, k=4)
        assert problem.verify(problem.construct()).tier.rank > 0
    assert ramsey(n=18, k=4).verify(ramsey(n=18, k=4).construct()).tier is Tier.WRONG  # R(4,4) = 18
    cubes = three_cubes(k=1, bound=100_000, interesting_height=10_000)
    assert cubes.verify(cubes.construct(6)).tier is Tier.INTERESTING
