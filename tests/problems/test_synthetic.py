import pytest

from harness.core.problem import Tier
from problems.synthetic import make


def test_labels_map_to_tiers():
    p = make(size=10, known_count=2, interesting_tail=3)
    tiers = [p.verify(str(label)).tier for label in range(-1, 11)]
    assert tiers == [Tier.WRONG, Tier.VALID, Tier.VALID, *[Tier.NOVEL] * 5,
                     *[Tier.INTERESTING] * 3, Tier.WRONG]
    assert len(p.solutions()) == 10
    assert p.verify("").tier is Tier.MALFORMED


def test_counts_outside_the_urn_are_refused():
    with pytest.raises(ValueError):
        make(size=5, known_count=6)
