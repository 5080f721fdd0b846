"""Each batch-checkable family's vectorised check against its scalar verifier: on random
candidates of every bank instance, on whole small boxes, on every known solution, and at the
edges of the largest box where its int64 arithmetic is proved safe (ramsey, on bit strings, does
no arithmetic: whole small spaces and every Paley colouring instead)."""
import itertools

import numpy as np
import pytest

from harness.bank.banks import bank_from_config_name
from harness.core import batch
from harness.core.batch import INT64_LIMIT, BatchCheck
from problems.egyptian import make as egyptian
from problems.erdos_straus import make as erdos_straus
from problems.golomb import make as golomb
from problems.pell import make as pell
from problems.ramsey import make as ramsey
from problems.taxicab import make as taxicab
from problems.three_cubes import make as three_cubes

BANK = [*bank_from_config_name("default"), *bank_from_config_name("deep")]
CHECKABLE = sorted({p.id: p for p in BANK if isinstance(p, BatchCheck)}.values(), key=lambda p: p.id)
FAMILIES = sorted({p.family for p in CHECKABLE})


BOXED = [p for p in CHECKABLE if p.family != "ramsey"]


def scalar_valid(problem, values: np.ndarray) -> np.ndarray:
    return np.array([problem.verify(text).tier.rank > 0 for text in batch.texts(values, problem.space)])


def test_seven_cheap_families_are_batch_checkable():
    assert FAMILIES == ["egyptian", "erdos_straus", "golomb", "pell", "ramsey", "taxicab", "three_cubes"]
    assert all(batch.batch_capable(p) for p in CHECKABLE)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_the_batch_check_agrees_with_the_verifier_on_100000_random_candidates(family):
    instances = [p for p in CHECKABLE if p.family == family]
    per = -(-100_000 // len(instances))
    for problem in instances:
        values = batch.sample(problem.space, 7, problem.id, 0, per)
        assert np.array_equal(problem.batch_valid(values), scalar_valid(problem, values)), problem.id


@pytest.mark.parametrize("problem", [three_cubes(k=3, bound=6), egyptian(a=5, b=6, terms=3, bound=30),
                                     pell(d=2, bound=20), taxicab(bound=12), golomb(marks=4, bound=7),
                                     erdos_straus(n=5, bound=30)], ids=lambda p: p.id)
def test_the_batch_check_agrees_with_the_verifier_on_a_whole_box(problem):
    box = problem.space
    values = np.array(list(itertools.product(range(box.lo, box.hi + 1), repeat=box.arity)), dtype=np.int64)
    valid = problem.batch_valid(values)
    assert np.array_equal(valid, scalar_valid(problem, values))
    assert valid.sum() > 0  # the box has solutions: both answers were exercised


def known_texts(problem) -> list[str]:
    texts = [*problem.solutions(), *problem.known_solutions]
    if problem.family == "pell" or (problem.family == "three_cubes" and problem.k in (1, 2)):
        texts += [problem.construct()] if problem.family == "pell" else [problem.construct(t) for t in range(1, 30)]
    return texts


@pytest.mark.parametrize("n, k", [(5, 3), (4, 3), (4, 4)])
def test_the_ramsey_check_agrees_with_the_verifier_on_every_colouring(n, k):
    problem = ramsey(n=n, k=k)
    length = problem.space.length
    every = batch.packed((np.arange(2**length)[:, None] >> np.arange(length)) & 1)
    valid = problem.batch_valid(every)
    assert np.array_equal(valid, scalar_valid(problem, every))
    assert valid.sum() > 0 and (~valid).sum() > 0


@pytest.mark.parametrize("n", range(4, 19))
def test_every_paley_colouring_passes_the_ramsey_check_exactly_where_the_verifier_says(n):
    problem = ramsey(n=n, k=4)  # a Paley colouring avoids K_4 up to n = 17 (R(4, 4) = 18)
    bits = batch.packed([[int(c) for c in problem.construct()]])
    assert problem.batch_valid(bits).tolist() == scalar_valid(problem, bits).tolist() == [n <= 17]


def test_past_its_mask_bound_the_ramsey_check_asks_the_scalar_check():
    problem = ramsey(n=60, k=5)  # C(60, 5) = 5,461,512 subsets: no masks
    bits = batch.sample(problem.space, 0, problem.id, 0, 3)
    assert problem.batch_valid(bits).tolist() == scalar_valid(problem, bits).tolist() == [False] * 3


@pytest.mark.parametrize("problem", BOXED, ids=lambda p: p.id)
def test_every_known_solution_inside_the_box_passes_the_batch_check(problem):
    box = problem.space
    values = np.array([problem.parse(text) for text in known_texts(problem)], dtype=object).reshape(-1, box.arity)
    inside = values[np.all((values >= box.lo) & (values <= box.hi), axis=1)].astype(np.int64)
    assert problem.batch_valid(inside).all()
    assert np.array_equal(scalar_valid(problem, inside), np.ones(len(inside), bool))


def test_the_bank_holds_known_solutions_inside_int64_and_past_it():
    pell_109 = next(p for p in CHECKABLE if p.id == "pell/D=109,B=1000000000000000")
    assert not pell_109.int64_safe  # x^2 reaches 1e30: computed in exact ints
    assert len([t for t in known_texts(pell_109) if max(pell_109.parse(t)) <= pell_109.bound]) >= 2


# Each family at a box size B, with parameters as large as the bank's, for the overflow edges.
AT_BOUND = {"three_cubes": lambda b: three_cubes(k=1, bound=b), "pell": lambda b: pell(d=109, bound=b),
            "taxicab": lambda b: taxicab(bound=b), "erdos_straus": lambda b: erdos_straus(n=97, bound=b),
            "egyptian": lambda b: egyptian(a=7, b=15, terms=4, bound=b)}


def largest_safe_bound(make) -> int:
    lo, hi = 2, 2
    while make(hi).int64_safe:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if make(mid).int64_safe else (lo, mid)
    return lo


def edges(box) -> np.ndarray:
    ends = (box.lo, box.lo + 1, box.hi - 1, box.hi)
    return np.array(list(itertools.product(ends, repeat=box.arity)), dtype=np.int64)


@pytest.mark.parametrize("family", sorted(AT_BOUND))
def test_int64_arithmetic_is_exact_to_the_edges_of_the_largest_safe_box(family):
    bound = largest_safe_bound(AT_BOUND[family])
    safe, past = AT_BOUND[family](bound), AT_BOUND[family](bound + 1)
    assert safe.int64_safe and not past.int64_safe
    corners = edges(safe.space)
    in_int64 = safe.batch_residual(corners)
    assert in_int64.dtype == np.int64
    exact = safe.batch_residual(corners.astype(object))  # the same formula in Python ints
    assert [int(v) for v in in_int64] == [int(v) for v in exact]
    assert max(abs(int(v)) for v in exact) < INT64_LIMIT
    # one past it, the family computes in Python ints and still agrees with its verifier
    corners = edges(past.space)
    assert past.batch_residual(corners).dtype == object
    assert np.array_equal(past.batch_valid(corners), scalar_valid(past, corners))


def test_golomb_marks_stay_far_inside_int64():
    assert golomb(marks=10, bound=10**15).int64_safe
