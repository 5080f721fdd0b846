"""Issue 34 item 4: statements show the answer format, never an answer."""
import re
from pathlib import Path

import pytest

from harness.bank import bank_from_config_name
from harness.problem import Tier

REPO = Path(__file__).resolve().parents[1]
BANKS = sorted(p.stem for p in (REPO / "configs" / "bank").glob("*.yaml"))


def examples(statement: str) -> list[str]:
    """The example answers a statement shows: the quoted texts after its `e.g.`."""
    _, _, tail = statement.partition("e.g.")
    return re.findall(r"`([^`]+)`", tail)


@pytest.mark.parametrize("bank", BANKS)
def test_no_example_in_any_statement_of_any_bank_is_a_solution(bank):
    """Every instance of every bank config: each example is in the answer format (it parses) and is
    no solution of that problem (the verifier says wrong)."""
    shown = []
    for problem in bank_from_config_name(bank):
        for example in examples(problem.statement):
            verdict = problem.verify(example)
            shown.append(example)
            assert verdict.tier is Tier.WRONG, (problem.id, example, verdict)
    assert shown or bank == "synthetic"
