"""What a reviewer sees in the MLflow UI: the experiment's arranged chart view, and its link.

MLflow 3.17's UI opens an experiment on its GenAI overview whatever the experiment's kind tag
says (checked in headless Chromium, 2026-12-02), and lays out the chart view by itself: one
section per metric prefix in alphabetical order (cost, estimate, ..., yield last), a linear
step axis, the children of a parent run hidden behind it. A *shared view* fixes all of that:
an experiment tag `mlflow.sharedViewState.<key>` holding the view's state as JSON, opened by
`#/experiments/<id>/runs?viewStateShareKey=<key>&compareRunsMode=CHART`. This module writes
that state: the sections in harness.tracking.metric_names' order, yield curves first on a log step axis,
estimates with their bands, the summary scalars as table columns instead of one-point charts.

The state also groups the runs and sizes the charts. MLflow 3.17's UI keeps, of a shared view,
the keys of its runs-page state (main.*.js: selectedColumns, ..., `groupBy`, `groupsExpanded`,
`useGroupedValuesInCharts`, ...): `groupBy` = {aggregateFunction: min|average|max, groupByKeys:
[{mode: tag|param|dataset, groupByData: name}]} makes one row per value of the tag in the runs
list, and (`useGroupedValuesInCharts`) one averaged line per value in the charts. A group's colour is a hash of "tag.solver.<value>" into 29 colours, or one the
browser stored (localStorage only): "evolve" and "random" hash to the same brown. So the charts
draw the runs (`useGroupedValuesInCharts` false), each in its run's colour, which the UI reads
from the run tag `mlflow.runColor`: the sweep gives each solver (or arm) a colour of its own
(run_colours), all its runs (seeds) alike. A section of `compareRunSections` takes `columns` (charts per row, default 3) and `cardHeight` (px, default
360) (chunk 4751: RunsChartsDraggableCardsGridSection), so that the yield curves are large.
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
# Charts per row and card height (px) of each section: the default 3 per row beside the runs list
# and the UI's assistant panel leave ~170 px a chart, titles cut to "yi..."; 2 per row are ~300 px.
LAYOUT = {"yield": (2, 420), "estimate": (2, 420), "cost": (2, 360), "tiers": (3, 360), "speed": (3, 360)}
RUN_COLOUR_TAG = "mlflow.runColor"  # a run's colour in the UI's charts and runs list
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")  # matplotlib's C0..C9, the colours of compare.png and the report
GROUP_KEYS = ("arm", "solver")  # tags a view may group runs by (harness.run.job tags every job run)
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


def group_by(tag: str) -> dict:
    """MLflow's run grouping by the value of a run tag: one row per value in the runs list."""
    if tag not in GROUP_KEYS:
        raise ValueError(f"a view groups runs by one of {', '.join(GROUP_KEYS)}, not {tag!r}")
    return {"aggregateFunction": "average", "groupByKeys": [{"mode": "tag", "groupByData": tag}]}


def run_colours(values: dict[str, str]) -> dict[str, str]:
    """A colour per run (id -> its solver or arm): one per distinct value, in sorted order, so
    that runs of one value look alike and two values differ (up to 10 of them)."""
    order = {value: i for i, value in enumerate(sorted(set(values.values())))}
    return {run_id: PALETTE[order[value] % len(PALETTE)] for run_id, value in values.items()}


def sweep_group(arms: list[str]) -> str:
    """What a sweep's view groups its runs by: their arm where every run names one (configs/arm/),
    else their solver."""
    return "arm" if arms and all(arms) else "solver"


def view_state(search_filter: str = RUN_FILTER, group: str = "solver") -> dict:
    """The shared view of the runs `search_filter` selects, flat (ordered by novel yield, so
    MLflow does not nest children under their parent), every run on every chart, grouped by
    the tag `group` in the runs list, each run drawn in its own colour (run_colours: one per
    solver or arm), the yield curves two to a row."""
    sections = [{"uuid": f"harness-{name}", "name": name, "display": True, "isReordered": True,
                 "deleted": False, "isGenerated": False, "columns": LAYOUT[name][0], "cardHeight": LAYOUT[name][1]}
                for name in metrics.SECTIONS]
    return {
        "searchFilter": search_filter,
        "orderByKey": f"metrics.`{metrics.CURVE['novel']}`", "orderByAsc": False,
        "compareRunCharts": charts(), "compareRunSections": sections, "isAccordionReordered": True,
        "hideEmptyCharts": True, "runsHiddenMode": "SHOW_ALL",
        "groupBy": group_by(group), "useGroupedValuesInCharts": False, "groupsExpanded": {},
        "selectedColumns": [f"metrics.`{metrics.summary(name)}`" for name in SUMMARY_NAMES],
    }


def experiment_tags() -> dict[str, str]:
    """Tags every harness experiment carries: its kind, and the view of all its job runs."""
    return {KIND_TAG: KIND, VIEW_TAG + EXPERIMENT_VIEW: encoded(view_state())}


def sweep_view(parent_run_id: str, group: str = "solver") -> tuple[str, str]:
    """The tag (name, value) of a sweep's own view: the children of its parent run, grouped by `group`."""
    return VIEW_TAG + parent_run_id, encoded(view_state(f"tags.`mlflow.parentRunId` = '{parent_run_id}'", group))


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
