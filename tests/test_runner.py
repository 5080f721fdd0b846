import pyarrow as pa

from harness.bank import build_bank
from harness.runner import Batch, Dispatch, auto_batch_size, plan_batches, run_batches


def test_plan_covers_every_attempt_once_in_volume_order():
    batches = list(plan_batches(["a", "b"], attempts=10, batch_size=4))
    assert batches[:2] == [Batch("a", 0, 4), Batch("b", 0, 4)]
    for pid in ("a", "b"):
        covered = [i for b in batches if b.problem_id == pid for i in range(b.start, b.stop)]
        assert covered == list(range(10))
    assert auto_batch_size(problems=3, attempts=5, workers=2) == 1
    assert auto_batch_size(problems=10, attempts=10**6, workers=2) == 4_000


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
