import pyarrow as pa
import pyarrow.compute as pc

from harness.bank import build_bank
from harness.attempts import attempt_table
from harness.runner import Batch, Dispatch, auto_batch_size, plan_batches, run_batches
from harness.problem import verify_inline
from harness.solvers import Proposal, RandomSolver


def test_plan_covers_every_attempt_once_in_volume_order():
    batches = list(plan_batches(["a", "b"], attempts=10, batch_size=4))
    assert batches[:2] == [Batch("a", 0, 4), Batch("b", 0, 4)]
    for pid in ("a", "b"):
        covered = [i for b in batches if b.problem_id == pid for i in range(b.start, b.stop)]
        assert covered == list(range(10))
    assert auto_batch_size(problems=3, attempts=5, workers=2) == 1
    assert auto_batch_size(problems=10, attempts=10**6, workers=2) == 4_000


def test_attempt_table_records_every_attempt(tiny_bank):
    problem = build_bank(tiny_bank)[0]
    table = attempt_table(problem, RandomSolver(), seed=1, start=10, stop=60)
    assert table["attempt"].to_pylist() == list(range(10, 60))
    assert set(table["problem_id"].to_pylist()) == {problem.id}
    tiers = set(table["tier"].to_pylist())
    assert "wrong" in tiers
    wrong = table.filter(pc.equal(table["tier"], "wrong"))
    assert all(wrong["error"].to_pylist()) and not any(wrong["canonical"].to_pylist())


def test_a_failing_solver_becomes_error_attempts(tiny_bank):
    class Broken:
        name, exchangeable = "broken", True

        def propose(self, problem, seed, start, stop):
            raise RuntimeError("no model")

    table = attempt_table(build_bank(tiny_bank)[0], Broken(), 0, 0, 5)
    assert table["tier"].to_pylist() == ["error"] * 5
    assert "no model" in table["error"][0].as_py()


def test_proposals_carry_their_cost_and_failed_ones_are_not_verified(tiny_bank):
    class Metered:
        name, exchangeable = "metered", True

        def propose(self, problem, seed, start, stop):
            return [Proposal("1, 1, 1", prompt_tokens=3, completion_tokens=4, solve_s=0.5, cost_usd=0.25),
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


def test_an_adaptive_solver_must_account_for_every_attempt(tiny_bank):
    class Short:
        name, exchangeable = "short", False

        def search(self, problem, seed, start, stop, verify):
            return ["1"], verify(problem, ["1"])

    table = attempt_table(build_bank(tiny_bank)[0], Short(), 0, 0, 4)
    assert table["tier"].to_pylist() == ["error"] * 4
    assert "1 candidates for 4 attempts" in table["error"][0].as_py()


def run_table(bank, workers, batch_size, seed=3, attempts=120):
    tables = []
    run_batches(plan_batches([p.id for p in build_bank(bank)], attempts, batch_size), bank,
                {"name": "random"}, seed, Dispatch(workers, batch_size), tables.append)
    return pa.concat_tables(tables).drop_columns(["verify_s"]).sort_by([("problem_id", "ascending"),
                                                                         ("attempt", "ascending")])


def test_same_seed_same_table_with_one_or_two_workers(ray_local, tiny_bank):
    one = run_table(tiny_bank, workers=1, batch_size=50)
    two = run_table(tiny_bank, workers=2, batch_size=7)
    assert one.num_rows == 3 * 120
    assert one.equals(two)
    assert not one.equals(run_table(tiny_bank, workers=2, batch_size=7, seed=4))


def worker_pids():
    import psutil

    return {p.pid for p in psutil.process_iter(["cmdline"])
            if any("ray::AttemptWorker" in part for part in p.info["cmdline"] or ())}


def test_a_killed_worker_is_replaced_and_its_batch_run_again(ray_local, tiny_bank):
    import os
    import signal

    tables, killed = [], []

    def kill_a_worker_once(table):
        tables.append(table)
        if not killed:
            killed.append(min(worker_pids()))
            os.kill(killed[0], signal.SIGKILL)

    run_batches(plan_batches([p.id for p in build_bank(tiny_bank)], 3000, 100), tiny_bank, {"name": "random"}, 0,
                Dispatch(2, 100), kill_a_worker_once)
    table = pa.concat_tables(tables)
    pairs = list(zip(table["problem_id"].to_pylist(), table["attempt"].to_pylist()))
    assert len(pairs) == len(set(pairs)) == 3 * 3000  # exactly the requested attempts, none twice
    assert killed and killed[0] not in worker_pids()
    assert table.drop_columns(["verify_s"]).sort_by([("problem_id", "ascending"), ("attempt", "ascending")]).equals(
        run_table(tiny_bank, 2, 100, seed=0, attempts=3000))
