import pyarrow.compute as pc

from harness.bank.banks import build_bank
from harness.core.problem import verify_inline
from harness.engine.attempts import attempt_table
from harness.solvers import RandomSolver
from harness.solvers.proposal import Operator, Proposal


def test_attempt_table_records_every_attempt(tiny_bank):
    problem = build_bank(tiny_bank)[0]
    table = attempt_table(problem, RandomSolver(), seed=1, start=10, stop=60)
    assert table["attempt"].to_pylist() == list(range(10, 60))
    assert set(table["problem_id"].to_pylist()) == {problem.id}
    tiers = set(table["tier"].to_pylist())
    assert "wrong" in tiers
    wrong = table.filter(pc.equal(table["tier"], "wrong"))
    assert all(wrong["error"].to_pylist()) and not any(wrong["canonical"].to_pylist())
    assert table["operator"].to_pylist() == ["fresh"] * 50  # a stub solver's plain text: fresh samples


def test_a_failing_solver_becomes_error_attempts(tiny_bank):
    class Broken:
        name = "broken"

        def propose(self, problem, seed, start, stop):
            raise RuntimeError("no model")

    table = attempt_table(build_bank(tiny_bank)[0], Broken(), 0, 0, 5)
    assert table["tier"].to_pylist() == ["error"] * 5
    assert "no model" in table["error"][0].as_py()
    assert table["operator"].null_count == 5  # nothing proposed them: no operator to name


def test_proposals_carry_their_cost_and_failed_ones_are_not_verified(tiny_bank):
    class Metered:
        name = "metered"

        def propose(self, problem, seed, start, stop):
            return [Proposal("1, 1, 1", prompt_tokens=3, completion_tokens=4, solve_s=0.5, cost_usd=0.25,
                             operator=Operator.MODEL),
                    Proposal("", error="llm request failed: HTTP 500"), "1, 2, 3"]

    checked = []

    def verify(problem, candidates):
        checked.extend(candidates)
        return verify_inline(problem, candidates)

    table = attempt_table(build_bank(tiny_bank)[0], Metered(), 0, 0, 3, verify).to_pandas()
    assert checked == ["1, 1, 1", "1, 2, 3"]
    assert table["tier"].tolist() == ["valid", "error", "wrong"]
    assert table["error"][1] == "llm request failed: HTTP 500"
    assert table["prompt_tokens"].tolist() == [3, 0, 0] and table["cost_usd"].tolist() == [0.25, 0.0, 0.0]
    assert table["operator"].fillna("null").tolist() == ["model", "null", "fresh"]  # as each said, or nothing


def test_an_adaptive_solver_must_account_for_every_attempt(tiny_bank):
    class Short:
        name = "short"

        def search(self, problem, seed, start, stop, verify):
            return ["1"], verify(problem, ["1"])

    table = attempt_table(build_bank(tiny_bank)[0], Short(), 0, 0, 4)
    assert table["tier"].to_pylist() == ["error"] * 4
    assert "1 candidates for 4 attempts" in table["error"][0].as_py()
