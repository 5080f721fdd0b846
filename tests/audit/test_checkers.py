"""The independent checkers against the verifiers, and the audit of a real run's records."""
import pytest

from harness.audit import checkers as audit
from harness.audit.checkers import CHECKERS, Unreadable, audit_runs, integers, polynomial, solves, tree, upper_bound
from harness.bank.banks import available_instance_lists, bank_spec, build_bank
from harness.solvers.random import RandomSolver

SAMPLES = 300  # random candidates per problem from its own search space


@pytest.fixture(scope="module")
def bank():
    return build_bank(bank_spec(available_instance_lists()))


def test_every_family_has_an_independent_checker(bank):
    assert {p.family for p in bank} | {"synthetic"} <= set(CHECKERS)


def test_the_checkers_agree_with_the_verifiers_on_solutions_and_on_random_candidates(bank):
    disagreements = []
    for problem in bank:
        known = list(problem.solutions())[:50]
        candidates = known + RandomSolver().propose(problem, seed=0, start=0, stop=SAMPLES)
        for text in candidates:
            if (problem.verify(text).tier.rank > 0) != solves(problem, text):
                disagreements.append((problem.id, text))
        assert all(solves(problem, text) for text in known[:5]), problem.id
    assert disagreements == []


def test_the_checkers_read_text_their_own_way_and_refuse_the_rest():
    assert integers(" (1, -2, +3) ", 3) == (1, -2, 3) and integers("[4, 5]", 2) == (4, 5)
    for bad in ("(1, 2", "1, 2, 3", "__import__('os')", "(1, 2.0)", "1e3, 2"):
        with pytest.raises(Unreadable):
            integers(bad, 2)
    assert polynomial("(x - 1)*(x + 1)").c == polynomial("x**2 - 1").c
    assert tree("-2**n") == ("neg", ("**", ("num", 2), ("name", "n")))  # as Python reads it
    with pytest.raises(Unreadable):
        tree("x.__class__")


def test_a_lying_verdict_would_be_caught():
    [pell] = build_bank(bank_spec(families={"pell": [{"d": 2, "bound": 20}]}))
    assert solves(pell, "(3, 2)") and not solves(pell, "(3, 1)") and not solves(pell, "(-3, 2)")


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
        monkeypatch.setattr(audit, "solves", lambda problem, candidate: calls.append((problem.id, candidate))
                            or solves(problem, candidate))
        audit_runs(runs, wrong_sample=30)
        return sorted(calls, key=repr)

    assert checked([run, other]) == checked([other, run])
    assert audit_runs([run.__class__(**{**run.__dict__, "summary": {**run.summary, "run_dir": "/nowhere"}})])[0].empty
