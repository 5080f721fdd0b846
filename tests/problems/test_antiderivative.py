from harness.core.problem import Tier
from problems.antiderivative import make


def test_every_valid_form_is_one_discovery():
    p = make(integrand="sin(x)*cos(x)")
    forms = ["sin(x)**2/2", "-cos(x)**2/2", "sin(x)**2/2 + 7", "-cos(2*x)/4"]
    verdicts = [p.verify(f) for f in forms]
    assert all(v.tier.rank > 0 for v in verdicts), verdicts
    assert len({v.canonical for v in verdicts}) == 1


def test_wrong_candidates_are_rejected_with_a_reason():
    p = make(integrand="2*x")
    for text in ("x**3", "2*x", "x**2 + x", "sin(x)"):
        verdict = p.verify(text)
        assert verdict.tier is Tier.WRONG, text
        assert "probe point" in verdict.reason


def test_interesting_means_fewer_operations_than_sympy():
    p = make(integrand="x*exp(x)")  # sympy answers (x - 1)*exp(x)
    assert p.verify("x*exp(x) - exp(x)").tier is Tier.NOVEL
    assert make(integrand="2*x").verify("x**2 + 1").tier is Tier.NOVEL
    assert p.solutions() and p.verify(p.solutions()[0]).tier is Tier.NOVEL


def test_malformed_expression():
    verdict = make(integrand="cos(x)").verify("sin(x")
    assert verdict.tier is Tier.MALFORMED and verdict.reason
