import pyarrow as pa
import pytest

from harness.bank.banks import build_bank
from harness.engine.batches import WIDE_BATCH_CAP, Batch, auto_batch_size, auto_call_size, parcels, plan_batches
from harness.engine.runner import Dispatch, run_batches


def test_plan_covers_every_attempt_once_in_volume_order():
    batches = list(plan_batches(["a", "b"], attempts=10, batch_size=4))
    assert batches[:2] == [Batch("a", 0, 4), Batch("b", 0, 4)]
    for pid in ("a", "b"):
        covered = [i for b in batches if b.problem_id == pid for i in range(b.start, b.stop)]
        assert covered == list(range(10))
    assert auto_batch_size(problems=3, attempts=5, workers=2) == 1
    assert auto_batch_size(problems=10, attempts=10**6, workers=2) == 4_000
    assert auto_batch_size(problems=6, attempts=10**8, workers=2, cap=WIDE_BATCH_CAP) == WIDE_BATCH_CAP


def test_problems_checked_in_batches_get_wider_batches_in_the_same_volume_order():
    batches = list(plan_batches(["a", "b", "c"], attempts=12, batch_size=2, sizes={"b": 6}))
    for pid, size in (("a", 2), ("b", 6), ("c", 2)):
        mine = [(b.start, b.stop) for b in batches if b.problem_id == pid]
        assert mine == [(s, min(s + size, 12)) for s in range(0, 12, size)]
    starts = [b.start for b in batches]
    assert starts == sorted(starts) and batches[:3] == [Batch("a", 0, 2), Batch("b", 0, 6), Batch("c", 0, 2)]


def test_small_batches_of_many_problems_go_together_in_calls_in_order():
    batches = list(plan_batches([f"p{i}" for i in range(10)], attempts=1, batch_size=1))
    calls = list(parcels(iter(batches), size=4))
    assert [len(c) for c in calls] == [4, 4, 2] and [b for c in calls for b in c] == batches
    wide = [Batch("a", 0, 5), Batch("b", 0, 1), Batch("c", 0, 9), Batch("d", 0, 1)]
    assert list(parcels(iter(wide), size=4)) == [(wide[0],), (wide[1], wide[2]), (wide[3],)]
    assert auto_call_size(problems=100_000, attempts=1, workers=2) == 4_000  # batches of 1, calls of 4,000
    assert auto_batch_size(problems=100_000, attempts=1, workers=2) == 1


def run_table(bank, workers, batch_size, seed=3, attempts=120, call_size=0):
    tables = []
    problems = build_bank(bank)
    run_batches(plan_batches([p.id for p in problems], attempts, batch_size), problems, {"name": "random"}, seed,
                Dispatch(workers, batch_size, call_size=call_size), lambda recorded: tables.append(recorded.full))
    return pa.concat_tables(tables).drop_columns(["verify_s"]).sort_by([("problem_id", "ascending"),
                                                                         ("attempt", "ascending")])


def test_same_seed_same_table_with_one_or_two_workers(ray_local, tiny_bank):
    one = run_table(tiny_bank, workers=1, batch_size=50)
    two = run_table(tiny_bank, workers=2, batch_size=7)
    assert one.num_rows == 3 * 120
    assert one.equals(two)
    assert not one.equals(run_table(tiny_bank, workers=2, batch_size=7, seed=4))
    assert one.equals(run_table(tiny_bank, workers=2, batch_size=7, call_size=40))  # calls of several batches


def worker_pids():
    import psutil

    return {p.pid for p in psutil.process_iter(["cmdline"])
            if any("ray::AttemptWorker" in part for part in p.info["cmdline"] or ())}


def test_a_killed_worker_is_replaced_and_its_batch_run_again(ray_local, tiny_bank):
    import os
    import signal

    tables, killed = [], []

    def kill_a_worker_once(recorded):
        tables.append(recorded.full)
        if not killed:
            killed.append(min(worker_pids()))
            os.kill(killed[0], signal.SIGKILL)

    problems = build_bank(tiny_bank)
    run_batches(plan_batches([p.id for p in problems], 3000, 100), problems, {"name": "random"}, 0,
                Dispatch(2, 100), kill_a_worker_once)
    table = pa.concat_tables(tables)
    pairs = list(zip(table["problem_id"].to_pylist(), table["attempt"].to_pylist()))
    assert len(pairs) == len(set(pairs)) == 3 * 3000  # exactly the requested attempts, none twice
    assert killed and killed[0] not in worker_pids()
    assert table.drop_columns(["verify_s"]).sort_by([("problem_id", "ascending"), ("attempt", "ascending")]).equals(
        run_table(tiny_bank, 2, 100, seed=0, attempts=3000))


@pytest.mark.slow
def test_a_killed_worker_on_the_batch_path_loses_and_repeats_nothing(ray_local, tiny_bank):
    """records=compact: each batch arrives once, with all of its attempts, as in a run without the kill."""
    import os
    import signal

    def run(kill: bool) -> list:
        got, killed = [], []

        def collect(recorded):
            got.append(recorded)
            if kill and not killed:
                killed.append(min(worker_pids()))
                os.kill(killed[0], signal.SIGKILL)

        batches = plan_batches([p.id for p in build_bank(tiny_bank)], 200_000, 400, sizes=SIZES)
        run_batches(batches, build_bank(tiny_bank), {"name": "random"}, 0, Dispatch(2, 400, compact=True), collect)
        return sorted(got, key=lambda recorded: recorded.key)

    with_kill, without = run(kill=True), run(kill=False)
    assert [r.key for r in with_kill] == [r.key for r in without]
    assert len({r.key for r in with_kill}) == len(with_kill)  # no batch twice
    assert all(r.attempts == r.key[2] - r.key[1] for r in with_kill)
    assert sum(r.compact.num_rows for r in with_kill) > 0  # the batch path was taken
    for a, b in zip(with_kill, without):
        assert a.full.drop_columns(["verify_s"]).equals(b.full.drop_columns(["verify_s"]))
        # Pieces are cut by time, so the compact rows' ranges may differ; their counts may not.
        assert sum(a.compact["wrong"].to_pylist()) == sum(b.compact["wrong"].to_pylist())


SIZES = {"three_cubes/k=3,B=5": 50_000, "erdos_straus/n=5,B=12": 50_000}


def our_worker_pids() -> set[int]:
    """The AttemptWorker processes of this session's Ray (children of its raylet), not another's."""
    import psutil
    import ray

    [raylet] = ray._private.worker._global_node.all_processes["raylet"]
    pids = set()
    for process in psutil.Process(raylet.process.pid).children(recursive=True):
        try:  # a killed one may be a zombie until its parent reaps it: gone all the same
            if process.status() != psutil.STATUS_ZOMBIE and any("ray::AttemptWorker" in part
                                                               for part in process.cmdline()):
                pids.add(process.pid)
        except psutil.Error:
            pass
    return pids


@pytest.mark.slow
def test_a_frozen_worker_is_killed_after_its_deadline_and_its_batches_sent_again(ray_local, tiny_bank, capsys):
    """SIGSTOP one worker after the first result: the driver waits its deadline (measured time
    of finished batches, times a multiple, at least the floor), kills and restarts that worker,
    re-sends its batches, and counts each batch exactly once."""
    import os
    import signal
    import time

    tables, stopped = [], []

    def freeze_a_worker_once(recorded):
        tables.append(recorded.full)
        if not stopped:
            stopped.append(min(our_worker_pids()))
            os.kill(stopped[0], signal.SIGSTOP)

    began = time.perf_counter()
    try:
        resent = run_batches(plan_batches([p.id for p in build_bank(tiny_bank)], 3000, 100), build_bank(tiny_bank),
                             {"name": "random"}, 0, Dispatch(2, 100, stall_floor_s=2.0, stall_multiple=5.0),
                             freeze_a_worker_once)
        for _ in range(100):  # ray.kill ends the frozen process itself (asynchronously)
            gone = stopped[0] not in our_worker_pids()
            if gone:
                break
            time.sleep(0.1)
    finally:
        for pid in stopped:  # whatever happened, leave no stopped process behind
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    took = time.perf_counter() - began
    table = pa.concat_tables(tables)
    pairs = list(zip(table["problem_id"].to_pylist(), table["attempt"].to_pylist()))
    assert len(pairs) == len(set(pairs)) == 3 * 3000  # every attempt once, the frozen worker's late ones never
    assert resent.resent >= 1 and took < 60
    assert gone
    assert table.drop_columns(["verify_s"]).sort_by([("problem_id", "ascending"), ("attempt", "ascending")]).equals(
        run_table(tiny_bank, 2, 100, seed=0, attempts=3000))
    lines = [line for line in capsys.readouterr().err.splitlines() if "no result" in line]
    assert lines and all("killed and restarted" in line and "sent again" in line for line in lines)
