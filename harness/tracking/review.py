"""What a reviewer sees in the MLflow UI: the experiment's arranged chart view, and its link.

MLflow 3.17's UI opens an experiment on its GenAI overview whatever the experiment's kind tag
says (checked in headless Chromium, 2026-12-02), and lays out the chart view by itself: one
section per metric prefix in alphabetical order (cost, estimate, ..., yield last), a linear
step axis, the children of a parent run hidden behind it. A *shared view* fixes all of that:
an experiment tag `mlflow.sharedViewState.<key>` holding the view's state as JSON, opened by
`#/experiments/<id>/runs?viewStateShareKey=<key>&compareRunsMode=CHART`. This module writes
that state: the sections in harness.tracking.metric_names' order, yield curves first on a log step axis,
estimates with their bands, the summary scalars as table columns instead of one-point charts.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from harness.core.problem import DISCOVERY_TIERS, Tier
from harness.tracking import metric_names as metrics

KIND_TAG = "mlflow.experimentKind"
KIND = "custom_model_development"  # the UI's "Model training" kind, not GenAI
VIEW_TAG = "mlflow.sharedViewState."
EXPERIMENT_VIEW = "yield-curves"  # the key of every job run of an experiment, sweeps or not
UI = "http://127.0.0.1:5000"  # where `mlflow ui` listens as the closing lines start it
RUN_FILTER = "tags.solver != ''"  # job runs carry their solver; a sweep's parent run does not

TIER_NAMES = [t.value for t in DISCOVERY_TIERS]
YIELD = [*TIER_NAMES, "solved"]
COST = ["compute_s", "tokens", "cost_usd"]
TIERS = ["attempts", *(t.value for t in Tier)]
SUMMARY_NAMES = [f"{name}_{tier}" for name in metrics.PER_TIER for tier in TIER_NAMES] + list(metrics.FITS)


def line(key: str, section: str, keys: list[str] | None = None) -> dict:
    """A line chart of `keys` (default: `key` alone) against step on a log axis."""
    return {"uuid": f"harness-{key}", "type": "LINE", "metricSectionId": f"harness-{section}", "metricKey": key,
            "selectedMetricKeys": keys or [key], "displayName": key, "isGenerated": False, "deleted": False,
            "runsCountToCompare": 100, "xAxisKey": "step", "xAxisScaleType": "log", "scaleType": "linear",
            "lineSmoothness": 0, "useGlobalXaxisKey": False, "useGlobalLineSmoothing": False,
            "selectedXAxisMetricKey": "", "yAxisKey": "metric", "yAxisExpressions": [], "ignoreOutliers": False,
            "range": {}}


def bar(key: str, section: str, deleted: bool = False) -> dict:
    """A bar chart of one value per run; `deleted` keeps the UI from making one by itself."""
    return {"uuid": f"harness-{key}", "type": "BAR", "metricSectionId": f"harness-{section}", "metricKey": key,
            "dataAccessKey": key, "displayName": key, "isGenerated": False, "deleted": deleted,
            "runsCountToCompare": 100}


def charts() -> list[dict]:
    return [
        *(line(metrics.CURVE[name], "yield") for name in YIELD),
        *(line(metrics.estimate(t), "estimate", [metrics.estimate(t, c) for c in ("estimate", "lower", "upper")])
          for t in TIER_NAMES),
        *(line(metrics.estimate(t), "estimate") for t in ("solved", "solved_share")),
        *(line(metrics.CURVE[name], "cost") for name in COST),
        *(bar(metrics.tier(name), "tiers") for name in TIERS),
        *(bar(metrics.speed(name), "speed") for name in metrics.SPEED_NAMES),
        *(bar(metrics.summary(name), metrics.SUMMARY, deleted=True) for name in SUMMARY_NAMES),
    ]


def view_state(search_filter: str = RUN_FILTER) -> dict:
    """The shared view of the runs `search_filter` selects, flat (ordered by novel yield, so
    MLflow does not nest children under their parent), every run on every chart."""
    sections = [{"uuid": f"harness-{name}", "name": name, "display": True, "isReordered": True,
                 "deleted": False, "isGenerated": False} for name in metrics.SECTIONS]
    return {
        "searchFilter": search_filter,
        "orderByKey": f"metrics.`{metrics.CURVE['novel']}`", "orderByAsc": False,
        "compareRunCharts": charts(), "compareRunSections": sections, "isAccordionReordered": True,
        "hideEmptyCharts": True, "runsHiddenMode": "SHOW_ALL",
        "selectedColumns": [f"metrics.`{metrics.summary(name)}`" for name in SUMMARY_NAMES],
    }


def experiment_tags() -> dict[str, str]:
    """Tags every harness experiment carries: its kind, and the view of all its job runs."""
    return {KIND_TAG: KIND, VIEW_TAG + EXPERIMENT_VIEW: encoded(view_state())}


def sweep_view(parent_run_id: str) -> tuple[str, str]:
    """The tag (name, value) of a sweep's own view: the children of its parent run."""
    return VIEW_TAG + parent_run_id, encoded(view_state(f"tags.`mlflow.parentRunId` = '{parent_run_id}'"))


def encoded(state: dict) -> str:
    """Compact JSON: MLflow keeps at most 20,000 characters in an experiment tag."""
    return json.dumps(state, separators=(",", ":"))


def ui_base(tracking_uri: str) -> str:
    """The UI of a tracking server is the server itself; a local store's is `mlflow ui`'s."""
    return tracking_uri.rstrip("/") if tracking_uri.startswith(("http://", "https://")) else UI


def opening_lines(tracking_uri: str) -> list[str]:
    """The store and, for a local one, the command that starts its UI: the closing lines of a
    single run, or of a whole sweep (its jobs leave them to the parent, once)."""
    base = ui_base(tracking_uri)
    lines = [f"  MLflow:  {tracking_uri}"]
    if base == UI:  # a local store: the UI is started by hand
        lines += [f"  open it: mlflow ui --backend-store-uri {tracking_uri} --host 127.0.0.1 --port 5000"
                  f"  (then {base})"]
    return lines


def chart_view_link(base: str, experiment_id: str, key: str = EXPERIMENT_VIEW) -> str:
    return f"{base}/#/experiments/{experiment_id}/runs?viewStateShareKey={quote(key)}&compareRunsMode=CHART"


def artifact_link(base: str, experiment_id: str, run_id: str, path: str) -> str:
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}/artifacts/{path}"


def run_link(base: str, experiment_id: str, run_id: str) -> str:
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}"
