"""A report a sweep's parent run holds, reused by harness-report (the command itself: tests/run/test_sweep.py)."""
import dataclasses

from tests.reporting.test_build import two_seeds


def test_a_parents_report_is_reused_only_for_exactly_its_children_none_finished_after_it(run, tmp_path):
    from mlflow.tracking import MlflowClient

    from harness.reporting.reuse import parent_with_report
    from harness.tracking.tracker import PARENT_TAG, SWEEP_TAG

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")  # a real local store
    experiment = client.create_experiment("x")

    def finished(tags, end):
        made = client.create_run(experiment, tags=tags)
        client.set_terminated(made.info.run_id, "FINISHED", end_time=end)
        return made.info.run_id

    parent = finished({SWEEP_TAG: "seed=0,1"}, 100_000)
    ids = [finished({PARENT_TAG: parent}, 50_000) for _ in (0, 1)]
    runs = [dataclasses.replace(r, run_id=i) for r, i in zip(two_seeds(run), ids)]
    assert parent_with_report(client, "x", runs) == parent
    assert parent_with_report(client, "x", runs[:1]) is None  # not exactly its children
    assert parent_with_report(client, "y", runs) is None  # no such experiment
    client.set_terminated(ids[1], "FINISHED", end_time=150_000)  # a job resumed after the parent's report
    assert parent_with_report(client, "x", runs) is None
    client.set_terminated(ids[1], "FINISHED", end_time=50_000)
    client.set_tag(parent, "harness.report", "not made (an arm whose runs differ)")
    assert parent_with_report(client, "x", runs) is None
