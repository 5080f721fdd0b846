"""Issue 34 item 4: statements show the answer format, never an answer."""
import re
from pathlib import Path

import pytest

from harness.bank.banks import bank_from_config_name
from harness.core.problem import Tier

REPO = Path(__file__).resolve().parents[2]
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


@pytest.mark.parametrize("bank", BANKS)
def test_no_few_shot_example_in_any_prompt_of_any_bank_shows_a_solution(bank):
    """Issue 36: the completions endpoint's few-shot prompts (configs/solver/llm.yaml's table), as
    sent for every instance of every bank config: no answer block and no quoted example in it is
    a solution of the problem the prompt asks, and every prompt shows worked examples."""
    from harness.solvers import make_solver
    from harness.solvers.prompting import ANSWER_BLOCK
    from harness.bank.yamlfile import read_yaml

    settings = read_yaml(REPO / "configs" / "solver" / "llm.yaml")
    solver = make_solver({**settings, "endpoint": "completions"})
    for problem in bank_from_config_name(bank):
        prompt = solver.prompt(problem)
        assert prompt.endswith(f"Problem: {problem.statement}\nAnswer:\n"), problem.id
        answers = [block.strip() for block in ANSWER_BLOCK.findall(prompt)]
        assert answers, problem.id  # examples are shown (the default ones if the family's all show a solution)
        for text in answers + re.findall(r"`([^`\n]+)`", prompt):
            assert problem.verify(text).tier.rank == 0, (problem.id, text)
