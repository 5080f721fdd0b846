"""`harness-compare`: yield curves of several MLflow runs side by side, in one figure and one table.

    harness-compare RUN_ID RUN_ID ...
    harness-compare --experiment NAME [--filter "tags.solver = 'random'"]

Each run contributes its estimated curve (artifact estimate.csv: rarefied, extrapolated,
with bands) or, for adaptive solvers, its observed curve (curve.csv). The comparison is at
equal attempts per problem; runs carry no cost record yet, so equal-cost comparison waits
for solvers that report cost.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

from mlflow.tracking import MlflowClient  # noqa: E402

from harness.problem import DISCOVERY_TIERS  # noqa: E402
from harness.report import plt  # noqa: E402
from harness.tracking import TrackingSpec  # noqa: E402


def run_curves(client: MlflowClient, run_id: str) -> pd.DataFrame:
    """One run's curves in long form: run, label, tier, m, estimate, lower, upper, method."""
    run = client.get_run(run_id)
    tags = run.data.tags
    label = f"{tags.get('solver', '?')} s{tags.get('seed', '?')} ({run_id[:8]})"
    names = {a.path for a in client.list_artifacts(run_id)}
    with tempfile.TemporaryDirectory() as scratch:
        if "estimate.csv" in names:
            table = pd.read_csv(client.download_artifacts(run_id, "estimate.csv", scratch))
        elif "curve.csv" in names:
            observed = pd.read_csv(client.download_artifacts(run_id, "curve.csv", scratch))
            table = observed.melt(id_vars="attempts", value_vars=[t.value for t in DISCOVERY_TIERS],
                                  var_name="tier", value_name="estimate").rename(columns={"attempts": "m"})
            table = table.assign(lower=table["estimate"], upper=table["estimate"], method="observed")
        else:
            raise SystemExit(f"harness-compare: error: run {run_id} has no curve artifacts")
    return table.assign(run_id=run_id, label=label, verdict=table["tier"].map(
        lambda t: tags.get(f"verdict_{t}", "")))


def find_runs(client: MlflowClient, experiment: str, filter_string: str) -> list[str]:
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise SystemExit(f"harness-compare: error: no experiment {experiment!r}")
    runs = client.search_runs([found.experiment_id], filter_string=filter_string)
    return [r.info.run_id for r in runs if r.info.status == "FINISHED"]


def compare(curves: pd.DataFrame, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, len(DISCOVERY_TIERS), figsize=(15, 4.5), constrained_layout=True)
    for ax, tier in zip(axes, DISCOVERY_TIERS):
        for i, (label, part) in enumerate(curves[curves["tier"] == tier.value].groupby("label", sort=True)):
            colour = f"C{i % 10}"
            ax.fill_between(part["m"], part["lower"], part["upper"], color=colour, alpha=0.15, linewidth=0)
            seen = part[part["method"] != "extrapolation"]
            ax.plot(seen["m"], seen["estimate"], color=colour, label=label)
            ahead = part[part["m"] >= seen["m"].max()]
            ax.plot(ahead["m"], ahead["estimate"], color=colour, linestyle="--")
        ax.set(xscale="log", xlabel="attempts per problem", ylabel="distinct discoveries",
               title=f"{tier.value} (dashed: extrapolated)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize="small", title="solver, seed (run)")
    figure, table = out / "compare.png", out / "compare.csv"
    fig.savefig(figure, dpi=100)
    plt.close(fig)
    curves.to_csv(table, index=False)
    return figure, table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="harness-compare", description=__doc__.splitlines()[0])
    parser.add_argument("run_ids", nargs="*", help="MLflow run ids")
    parser.add_argument("--experiment", help="compare every finished run of this experiment")
    parser.add_argument("--filter", default="", help="MLflow filter, e.g. \"tags.solver = 'random'\"")
    parser.add_argument("--tracking-uri", help="default: the local store under --results-dir")
    parser.add_argument("--results-dir", type=Path, default=Path("results"))
    parser.add_argument("--out", type=Path, help="default: <results-dir>/compare/<time>")
    args = parser.parse_args(argv)
    if bool(args.run_ids) == bool(args.experiment):
        parser.error("give run ids or --experiment (with an optional --filter)")
    client = MlflowClient(args.tracking_uri or TrackingSpec().resolved_uri(args.results_dir))
    run_ids = args.run_ids or find_runs(client, args.experiment, args.filter)
    if not run_ids:
        raise SystemExit("harness-compare: error: no finished runs match")
    curves = pd.concat([run_curves(client, r) for r in run_ids], ignore_index=True)
    out = args.out or args.results_dir / "compare" / time.strftime("%Y-%m-%d_%H-%M-%S")
    figure, table = compare(curves, out)
    print(f"compared {len(run_ids)} runs\n  figure: {figure}\n  table:  {table}", file=sys.stdout)


if __name__ == "__main__":
    main()
