from harness.core.problem import Tier
from problems.three_cubes import make


def test_solutions_are_the_complete_set_in_the_box():
    p = make(k=3, bound=6)
    brute = {
        tuple(sorted((x, y, z)))
        for x in range(-6, 7) for y in range(-6, 7) for z in range(-6, 7)
        if x**3 + y**3 + z**3 == 3
    }
    assert {p.canonical(p.parse(s)) for s in p.solutions()} == {str(s) for s in brute}


def test_reordered_tuples_are_one_discovery():
    p = make(k=3, bound=6)
    verdicts = [p.verify(t) for t in ("4, 4, -5", "(-5, 4, 4)", "[4, -5, 4]")]
    assert {v.canonical for v in verdicts} == {"(-5, 4, 4)"}
    assert all(v.tier is Tier.NOVEL for v in verdicts)


def test_known_trivial_and_interesting():
    p = make(k=1, bound=40, known_solutions=["1, 0, 0"], interesting_height=8)
    assert p.verify("0, 0, 1").tier is Tier.VALID  # known, in another order
    assert p.verify("-7, 7, 1").tier is Tier.VALID  # trivial: x = -y
    assert p.verify("9, -6, -8").tier is Tier.INTERESTING  # 9t^4 family, height 9 > 8
    wrong = p.verify("1, 1, 1")
    assert wrong.tier is Tier.WRONG and wrong.score < 0 and "= 2" in wrong.reason
