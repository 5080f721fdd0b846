"""The audit's sample of wrong verdicts depends on the run's wrong attempts alone: not on how the
run cut its records into shards and ranges, which follows the clock."""
import numpy as np
import pandas as pd
import pytest

from harness.audit import checkers
from harness.audit.checkers import solves
from harness.audit.sample import attempt_keys, attempts_to_audit
from harness.audit.verdicts import audit_runs
from harness.store.manifest import read_checkpoint


def test_the_lowest_keys_are_a_uniform_sample():
    attempts = np.arange(100_000)
    for salt in (0, 1):
        lowest = np.sort(np.argsort(attempt_keys(["p"] * len(attempts), attempts, salt))[:10_000])
        per_decile = np.bincount(lowest // 10_000, minlength=10)
        assert per_decile.min() > 880 and per_decile.max() < 1120  # 1000 each, 4 binomial sd
    keys = [attempt_keys(["p", "q"], [7, 7], salt) for salt in (0, 1)]
    assert keys[0][0] != keys[0][1] and (keys[0] != keys[1]).all()  # the problem and the salt both count


@pytest.mark.parametrize("records", ["compact", "full"])
def test_the_same_attempts_cut_differently_give_the_same_audit(records, tmp_path, ray_local, tiny_bank, monkeypatch):
    from harness.reporting.runs import read_run
    from harness.run.config import JobConfig
    from harness.run.job import run_job
    from harness.tracking.tracker import TrackingSpec

    def job(checkpoint_s: float):
        config = JobConfig(experiment="sample", attempts=6000, seed=3, workers=1, batch_size=500, records=records,
                           checkpoint_s=checkpoint_s, verify_timeout_s=5.0, results_dir=tmp_path / str(checkpoint_s),
                           solver={"name": "random"}, bank_name="tiny", bank=tiny_bank,
                           tracking=TrackingSpec(enabled=False),
                           resolved={"attempts": 6000, "bank": {"instance_lists": [], "families": tiny_bank},
                                     "solver": {"name": "random"}, "seed": 3})
        return run_job(config, progress=False).run_dir

    cut_finely, cut_coarsely = job(1e-6), job(600.0)
    assert len(read_checkpoint(cut_finely).shards) > 3 * len(read_checkpoint(cut_coarsely).shards)
    families = {family: ids for family, ids in read_run(cut_finely).problems.items() if checkers.audited(family)}
    assert len(families) >= 2
    samples = [attempts_to_audit(run_dir, families, 40, salt=9).to_pandas() for run_dir in (cut_finely, cut_coarsely)]
    pd.testing.assert_frame_equal(*samples)
    wrong = samples[0][samples[0]["tier"] == "wrong"]
    assert 30 * len(families) <= len(wrong) <= 40 * len(families)  # up to 40 a family; repeats dropped
    assert wrong["attempt"].nunique() > 20
    assert (samples[0]["tier"] != "wrong").sum() > 0  # every solution comes too

    def audited(run_dir) -> tuple[pd.DataFrame, list]:
        calls = []
        monkeypatch.setattr(checkers, "solves", lambda problem, candidate: calls.append((problem.id, candidate))
                            or solves(problem, candidate))
        return audit_runs([read_run(run_dir)], wrong_sample=40)[0], sorted(calls)

    (fine, checked), (coarse, checked_again) = audited(cut_finely), audited(cut_coarsely)
    pd.testing.assert_frame_equal(fine, coarse)
    assert checked == checked_again and fine["wrong_checked"].sum() > 0
