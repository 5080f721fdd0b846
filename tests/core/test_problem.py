from dataclasses import dataclass

from harness.core.parse import parse_int_tuple
from harness.core.problem import DISCOVERY_TIERS, Problem, Tier, Verdict
from harness.core.space import IntBox


@dataclass(frozen=True)
class Square(Problem):
    """x * x == n, with a check that fails loudly on 13 to exercise the error tier."""

    family = "square"
    n: int
    known_solutions: tuple[str, ...] = ("2",)

    instance = property(lambda self: f"n={self.n}")
    statement = property(lambda self: f"Find x with x*x = {self.n}.")
    space = property(lambda self: IntBox(1, -5, 5))

    def parse(self, text):
        return parse_int_tuple(text, 1)[0]

    def check(self, value):
        if value == 13:
            raise ArithmeticError("boom")
        return (0.0, None) if value * value == self.n else (-1.0, f"{value}^2 != {self.n}")

    def canonical(self, value):
        return str(abs(value))

    def interesting(self, value):
        return "negative root" if value < 0 else None


def test_tiers_rank_solutions_above_failures():
    assert [t.rank for t in DISCOVERY_TIERS] == [1, 2, 3]
    assert {t.rank for t in (Tier.MALFORMED, Tier.WRONG, Tier.TIMEOUT, Tier.ERROR)} == {0}


def test_verify_walks_every_tier():
    p = Square(4)
    assert p.id == "square/n=4"
    assert p.verify("2") == Verdict(Tier.VALID, "2", 0.0, "known or trivial solution")
    assert p.verify("-2").tier is Tier.VALID  # same canonical as the known 2
    assert p.verify("3") == Verdict(Tier.WRONG, None, -1.0, "3^2 != 4")
    assert p.verify("two").tier is Tier.MALFORMED
    error = p.verify("13")
    assert error.tier is Tier.ERROR and "boom" in error.reason


def test_novel_and_interesting_come_from_the_family():
    p = Square(9, known_solutions=())
    assert p.verify("3").tier is Tier.NOVEL
    assert p.verify("-3") == Verdict(Tier.INTERESTING, "3", 0.0, "negative root")


def test_verify_never_raises_on_non_text():
    assert Square(4).verify(None).tier is Tier.MALFORMED  # type: ignore[arg-type]
