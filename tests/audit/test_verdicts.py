"""The audit of a real run's records: every solution and a sample of the wrong verdicts, with exact bounds."""
import pytest

from harness.audit import checkers
from harness.audit.checkers import solves
from harness.audit.verdicts import audit_runs, upper_bound


def test_upper_bounds_are_exact_binomial():
    assert upper_bound(0, 10_000) == pytest.approx(1 - 0.05 ** (1 / 10_000), rel=1e-6)  # (1 - u)^n = 0.05
    assert upper_bound(3, 3) == 1.0 and upper_bound(0, 0) != upper_bound(0, 0)  # nan: nothing checked


def test_the_audit_of_a_real_run_checks_every_solution(tmp_path, ray_local, tiny_bank, monkeypatch):
    from harness.run.config import JobConfig
    from harness.run.job import run_job
    from harness.reporting.runs import read_run
    from harness.tracking.tracker import TrackingSpec

    def job(seed: int):
        config = JobConfig(experiment="audit", attempts=400, seed=seed, workers=1, batch_size=200,
                           verify_timeout_s=5.0, results_dir=tmp_path, solver={"name": "random"}, bank_name="tiny",
                           bank=tiny_bank, tracking=TrackingSpec(enabled=False),
                           resolved={"attempts": 400, "bank": {"instance_lists": [], "families": tiny_bank},
                                     "solver": {"name": "random"}, "seed": seed})
        return run_job(config, progress=False)

    result = job(0)
    run = read_run(result.run_dir)
    table, disputes = audit_runs([run], wrong_sample=100)
    solutions = sum(result.summary["tiers"][t] for t in ("valid", "novel", "interesting"))
    assert table["valid_checked"].sum() == solutions > 0 and len(disputes) == 0
    assert (table["wrong_checked"] <= 100).all() and table["wrong_checked"].sum() > 0
    # A sample of fewer wrong attempts than the runs hold is the same whichever order the runs come in
    # (MLflow and a directory list them differently).
    other = read_run(job(1).run_dir)

    def checked(runs) -> list:
        calls = []
        monkeypatch.setattr(checkers, "solves", lambda problem, candidate: calls.append((problem.id, candidate))
                            or solves(problem, candidate))
        audit_runs(runs, wrong_sample=30)
        return sorted(calls, key=repr)

    assert checked([run, other]) == checked([other, run])
    assert audit_runs([run.__class__(**{**run.__dict__, "summary": {**run.summary, "run_dir": "/nowhere"}})])[0].empty
