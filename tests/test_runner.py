import pyarrow as pa
import pyarrow.compute as pc

from harness.bank import build_bank
from harness.runner import Batch, Dispatch, attempt_table, auto_batch_size, plan_batches, run_batches
from harness.solvers import RandomSolver


def test_plan_covers_every_attempt_once_in_volume_order():
    batches = list(plan_batches(["a", "b"], attempts=10, batch_size=4))
    assert batches[:2] == [Batch("a", 0, 4), Batch("b", 0, 4)]
    for pid in ("a", "b"):
        covered = [i for b in batches if b.problem_id == pid for i in range(b.start, b.stop)]
        assert covered == list(range(10))
    assert auto_batch_size(problems=3, attempts=5, workers=2) == 1
    assert auto_batch_size(problems=10, attempts=10**6, workers=2) == 1_000


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


def run_table(bank, workers, batch_size, seed=3):
    tables = []
    run_batches(plan_batches([p.id for p in build_bank(bank)], 120, batch_size), bank,
                {"name": "random"}, seed, Dispatch(workers, batch_size), tables.append)
    return pa.concat_tables(tables).drop_columns(["verify_s"]).sort_by([("problem_id", "ascending"),
                                                                         ("attempt", "ascending")])


def test_same_seed_same_table_with_one_or_two_workers(ray_local, tiny_bank):
    one = run_table(tiny_bank, workers=1, batch_size=50)
    two = run_table(tiny_bank, workers=2, batch_size=7)
    assert one.num_rows == 3 * 120
    assert one.equals(two)
    assert not one.equals(run_table(tiny_bank, workers=2, batch_size=7, seed=4))
