"""The arranged chart view: what the experiment's tags tell MLflow's UI to show."""
import json

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from harness.tracking import metric_names as metrics, review
from harness.tracking.tracker import TrackingSpec, start_tracker

MLFLOW_EXPERIMENT_TAG_LIMIT = 20_000  # mlflow.utils.validation.MAX_EXPERIMENT_TAG_VAL_LENGTH


def test_the_view_opens_on_the_yield_curves_then_the_other_sections_in_reading_order():
    state = json.loads(review.experiment_tags()[review.VIEW_TAG + review.EXPERIMENT_VIEW])
    assert [s["name"] for s in state["compareRunSections"]] == ["yield", "estimate", "cost", "tiers", "speed"]
    shown = [c for c in state["compareRunCharts"] if not c["deleted"]]
    assert [c["metricKey"] for c in shown[:4]] == ["yield/valid", "yield/novel", "yield/interesting", "yield/solved"]
    curves = [c for c in shown if c["type"] == "LINE"]
    assert all(c["xAxisScaleType"] == "log" and c["xAxisKey"] == "step" for c in curves)  # steps are log-spaced
    # no chart names a section the view does not have
    assert {c["metricSectionId"] for c in shown} == {s["uuid"] for s in state["compareRunSections"]}


def test_estimates_are_drawn_with_their_bands():
    state = review.view_state()
    novel = next(c for c in state["compareRunCharts"] if c["metricKey"] == "estimate/novel")
    assert novel["selectedMetricKeys"] == ["estimate/novel", "estimate/novel_lower", "estimate/novel_upper"]


def test_summary_scalars_are_table_columns_and_not_charts():
    state = review.view_state()
    summary = [c for c in state["compareRunCharts"] if metrics.section(c["metricKey"]) == metrics.SUMMARY]
    assert summary and all(c["deleted"] for c in summary)  # deleted: the UI does not make its own bar charts
    assert state["selectedColumns"] == [f"metrics.`{c['metricKey']}`" for c in summary]
    assert "metrics.`summary/chao_novel`" in state["selectedColumns"]


def test_the_views_fit_in_an_experiment_tag():
    tag, value = review.sweep_view("f" * 32)
    assert tag == review.VIEW_TAG + "f" * 32
    assert json.loads(value)["searchFilter"] == f"tags.`mlflow.parentRunId` = '{'f' * 32}'"
    for text in (value, *review.experiment_tags().values()):
        assert len(text) < MLFLOW_EXPERIMENT_TAG_LIMIT


def test_a_sweep_view_lists_its_children_flat():
    # MLflow nests children under their parent (hiding them from the charts) when runs are
    # ordered by start time; ordered by yield they are rows of their own.
    state = json.loads(review.sweep_view("abc")[1])
    assert state["orderByKey"] == "metrics.`yield/novel`" and state["runsHiddenMode"] == "SHOW_ALL"


def test_links_go_to_the_local_ui_or_to_the_tracking_server():
    assert review.ui_base("sqlite:////tmp/x/mlflow.db") == "http://127.0.0.1:5000"
    assert review.ui_base("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert review.chart_view_link("http://127.0.0.1:5000", "3") == (
        "http://127.0.0.1:5000/#/experiments/3/runs?viewStateShareKey=yield-curves&compareRunsMode=CHART")


def test_every_run_gets_the_experiment_kind_and_view_and_its_curves_the_viewed_names(tmp_path):
    spec = TrackingSpec()
    tracker = start_tracker(spec, tmp_path, "exp", "run", {"solver": "random"}, {})
    curve = pd.DataFrame({"attempts": [1, 10], "valid": [0, 2], "novel": [0, 1], "interesting": [0, 0],
                          "solved": [0, 1], "tokens": [0, 0], "cost_usd": [0.0, 0.0], "compute_s": [0.1, 0.2]})
    tracker.log_curve(curve.rename(columns=metrics.CURVE), step_column="attempts")
    tracker.finish("FINISHED")
    client = MlflowClient(spec.resolved_uri(tmp_path))
    experiment = client.get_experiment(tracker.experiment_id)
    assert experiment.tags[review.KIND_TAG] == "custom_model_development"
    state = json.loads(experiment.tags[review.VIEW_TAG + review.EXPERIMENT_VIEW])
    charted = {c["metricKey"] for c in state["compareRunCharts"] if not c["deleted"]}
    assert set(client.get_run(tracker.run_id).data.metrics) <= charted
    [shown] = client.search_runs([tracker.experiment_id], filter_string=state["searchFilter"])  # the filter parses
    assert shown.info.run_id == tracker.run_id


def test_the_view_groups_runs_by_solver_one_line_each():
    """MLflow 3.17 keeps `groupBy` of a shared view: one row per tag value in the runs list."""
    state = review.view_state()
    assert state["groupBy"] == {"aggregateFunction": "average",
                                "groupByKeys": [{"mode": "tag", "groupByData": "solver"}]}
    # the charts draw the runs, in their solver's colour: a group's colour is a hash, and
    # "tag.solver.evolve" and "tag.solver.random" hash to the same one
    assert state["useGroupedValuesInCharts"] is False
    by_arm = json.loads(review.sweep_view("abc", "arm")[1])
    assert by_arm["groupBy"]["groupByKeys"] == [{"mode": "tag", "groupByData": "arm"}]
    with pytest.raises(ValueError):
        review.group_by("seed")


def test_a_sweep_is_grouped_by_arm_only_where_every_run_names_one():
    assert review.sweep_group(["volume_a", "volume_b"]) == "arm"
    assert review.sweep_group(["volume_a", ""]) == "solver"  # the runs without one would share a group
    assert review.sweep_group(["", ""]) == "solver" and review.sweep_group([]) == "solver"


def test_the_yield_curves_are_two_to_a_row_and_tall_enough_to_read():
    """The UI's default, 3 charts a row beside the runs list, cut the titles to "yi..."."""
    sections = {s["name"]: s for s in review.view_state()["compareRunSections"]}
    assert sections["yield"]["columns"] == 2 and sections["yield"]["cardHeight"] >= 400
    assert all(1 <= s["columns"] <= 3 and 300 <= s["cardHeight"] <= 500 for s in sections.values())


def test_runs_of_one_solver_share_a_colour_and_solvers_differ():
    colours = review.run_colours({"r1": "random", "e1": "evolve", "r2": "random", "g": "grammar"})
    assert colours["r1"] == colours["r2"] and len({colours["r1"], colours["e1"], colours["g"]}) == 3
    assert colours["e1"] == review.PALETTE[0]  # sorted: evolve, grammar, random
    assert review.RUN_COLOUR_TAG == "mlflow.runColor"  # what MLflow 3.17's UI reads a run's colour from
