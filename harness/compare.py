"""`harness-compare`: yield curves of several MLflow runs side by side, in one figure and one table.

    harness-compare RUN_ID RUN_ID ...
    harness-compare --experiment NAME [--filter "tags.solver = 'random'"]
        [--x attempts|tokens|cost_usd|compute_s] [--problem ID] [--mean-over-seeds]

Each run contributes its estimated curve (artifact estimate.csv: rarefied, extrapolated,
with bands) or, for adaptive solvers, its observed curve (curve.csv); with --problem, the
observed curve of that one problem (discoveries.csv). --x puts the runs at equal cost
instead of equal attempts (the run's own spend, interpolated between its logged steps and
extrapolated at its average rate). --mean-over-seeds averages the runs of each solver, with
a seed-to-seed 95% band: how adaptive solvers are compared.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

from mlflow.tracking import MlflowClient  # noqa: E402

from harness.analysis.observed import seed_average, spend_at  # noqa: E402
from harness.problem import DISCOVERY_TIERS  # noqa: E402
from harness.report import COST_AXES, VOLUME_AXES, plt  # noqa: E402
from harness.tracking import TrackingError, TrackingSpec, one_line, open_client  # noqa: E402

TIERS = [t.value for t in DISCOVERY_TIERS]


def problem_curve(discoveries: pd.DataFrame, problem: str, steps: np.ndarray) -> pd.DataFrame:
    """The observed discoveries of one problem, per tier, within the first m attempts."""
    found = discoveries[discoveries["problem_id"] == problem]
    rows = [{"tier": tier, "m": m, "estimate": float((found[f"first_{tier}"].dropna() < m).sum())}
            for tier in TIERS for m in steps]
    table = pd.DataFrame(rows)
    return table.assign(lower=table["estimate"], upper=table["estimate"], method="observed")


def run_curves(client: MlflowClient, run_id: str, problem: str | None = None) -> pd.DataFrame:
    """One run's curves in long form: run, label, solver, seed, tier, m, estimate, lower,
    upper, method, and the spend at m on every cost axis."""
    try:
        run = client.get_run(run_id)
    except Exception as exc:  # MLflow raises its own exception for an unknown id
        raise SystemExit(f"harness-compare: error: no run {run_id} in {client.tracking_uri} ({one_line(exc)})") \
            from None
    tags = run.data.tags
    names = {a.path for a in client.list_artifacts(run_id)}
    if "curve.csv" not in names:
        raise SystemExit(f"harness-compare: error: run {run_id} has no curve artifacts")
    with tempfile.TemporaryDirectory() as scratch:
        def read(name: str) -> pd.DataFrame:
            try:
                return pd.read_csv(client.download_artifacts(run_id, name, scratch))
            except (ValueError, UnicodeDecodeError) as exc:  # pandas' parser errors are ValueErrors
                raise SystemExit(f"harness-compare: error: run {run_id}: {name} is damaged ({one_line(exc)})") \
                    from None

        observed = read("curve.csv")
        if problem is not None:
            table = problem_curve(read("discoveries.csv"), problem, observed["attempts"].to_numpy())
        elif "estimate.csv" in names:
            table = read("estimate.csv")
        else:
            table = observed.melt(id_vars="attempts", value_vars=TIERS, var_name="tier",
                                  value_name="estimate").rename(columns={"attempts": "m"})
            table = table.assign(lower=table["estimate"], upper=table["estimate"], method="observed")
    for axis in COST_AXES:
        table[axis] = spend_at(observed, table["m"].to_numpy(), axis) if axis in observed else 0.0
    solver, seed = tags.get("solver", "?"), tags.get("seed", "?")
    return table.assign(run_id=run_id, solver=solver, seed=seed, label=f"{solver} s{seed} ({run_id[:8]})",
                        verdict=table["tier"].map(lambda t: tags.get(f"verdict_{t}", "")))


def mean_over_seeds(curves: pd.DataFrame) -> pd.DataFrame:
    """Each solver's runs averaged at equal attempts, with a seed-to-seed band."""
    out = []
    for (solver, tier), part in curves.groupby(["solver", "tier"], sort=True):
        runs = [r.rename(columns={"m": "attempts"}) for _, r in part.groupby("run_id")]
        if len(runs) < 2:
            out.append(part.assign(label=f"{solver} (1 seed)"))
            continue
        mean = seed_average(runs, "estimate")
        spend = pd.concat(runs).groupby("attempts")[list(COST_AXES)].mean().reset_index()
        merged = mean.merge(spend, on="attempts").rename(columns={"attempts": "m", "mean": "estimate"})
        method = runs[0][["attempts", "method"]].rename(columns={"attempts": "m"})  # keeps extrapolation dashed
        out.append(merged.merge(method, on="m").assign(
            tier=tier, solver=solver, label=f"{solver} (mean of {len(runs)} seeds)", run_id="", seed="", verdict=""))
    return pd.concat(out, ignore_index=True)


def compare(curves: pd.DataFrame, out: Path, x: str = "attempts", title: str = "") -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    column = "m" if x == "attempts" else x
    fig, axes = plt.subplots(1, len(DISCOVERY_TIERS), figsize=(15, 4.5), constrained_layout=True)
    for ax, tier in zip(axes, DISCOVERY_TIERS):
        for i, (label, part) in enumerate(curves[curves["tier"] == tier.value].groupby("label", sort=True)):
            colour = f"C{i % 10}"
            part = part[part[column] > 0]
            ax.fill_between(part[column], part["lower"], part["upper"], color=colour, alpha=0.15, linewidth=0)
            seen = part[part["method"] != "extrapolation"]
            ax.plot(seen[column], seen["estimate"], color=colour, label=label)
            ahead = part[part["m"] >= seen["m"].max()]
            ax.plot(ahead[column], ahead["estimate"], color=colour, linestyle="--")
        ax.set(xscale="log", xlabel=VOLUME_AXES[x], ylabel="distinct discoveries",
               title=f"{tier.value} (dashed: extrapolated)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize="small", title="solver, seed (run)")
    if title:
        fig.suptitle(title)
    figure, table = out / "compare.png", out / "compare.csv"
    fig.savefig(figure, dpi=100)
    plt.close(fig)
    curves.to_csv(table, index=False)
    return figure, table


def find_runs(client: MlflowClient, experiment: str, filter_string: str) -> list[str]:
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise SystemExit(f"harness-compare: error: no experiment {experiment!r}")
    runs = client.search_runs([found.experiment_id], filter_string=filter_string)
    return [r.info.run_id for r in runs if r.info.status == "FINISHED"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="harness-compare", description=__doc__.splitlines()[0])
    parser.add_argument("run_ids", nargs="*", help="MLflow run ids")
    parser.add_argument("--experiment", help="compare every finished run of this experiment")
    parser.add_argument("--filter", default="", help="MLflow filter, e.g. \"tags.solver = 'random'\"")
    parser.add_argument("--x", choices=sorted(VOLUME_AXES), default="attempts", help="the volume axis")
    parser.add_argument("--problem", help="compare the observed curves of this one problem id")
    parser.add_argument("--mean-over-seeds", action="store_true", help="average each solver's runs")
    parser.add_argument("--tracking-uri", help="default: the local store under --results-dir")
    parser.add_argument("--results-dir", type=Path, default=Path("results"))
    parser.add_argument("--out", type=Path, help="default: <results-dir>/compare/<time>")
    args = parser.parse_args(argv)
    if bool(args.run_ids) == bool(args.experiment):
        parser.error("give run ids or --experiment (with an optional --filter)")
    try:
        client = open_client(args.tracking_uri or TrackingSpec().resolved_uri(args.results_dir), must_exist=True)
    except TrackingError as exc:
        raise SystemExit(f"harness-compare: error: {exc}") from None
    run_ids = args.run_ids or find_runs(client, args.experiment, args.filter)
    if not run_ids:
        raise SystemExit("harness-compare: error: no finished runs match")
    try:
        curves = pd.concat([run_curves(client, r, args.problem) for r in run_ids], ignore_index=True)
    except KeyError as exc:  # an artifact that parses but lacks its columns
        raise SystemExit(f"harness-compare: error: a run's curve artifacts lack the column {exc}") from None
    if args.mean_over_seeds:
        curves = mean_over_seeds(curves)
    out = args.out or args.results_dir / "compare" / time.strftime("%Y-%m-%d_%H-%M-%S")
    figure, table = compare(curves, out, args.x, args.problem or "")
    print(f"compared {len(run_ids)} runs\n  figure: {figure}\n  table:  {table}", file=sys.stdout)


if __name__ == "__main__":
    main()
