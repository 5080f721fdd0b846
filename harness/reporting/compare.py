"""`harness-compare`: yield curves of several MLflow runs side by side, in one figure and one table.

    harness-compare RUN_ID RUN_ID ...
    harness-compare --experiment NAME [--filter "tags.solver = 'random'"]
        [--x attempts|tokens|cost_usd|compute_s] [--problem ID] [--mean-over-seeds]

Each run's curve is the one harness.analysis gives (the same as harness-report's): for an
i.i.d. solver rarefied and extrapolated to twice its volume, with bands; for an adaptive one its
observed accumulation. With --problem, that one problem's curve. --x puts the runs at equal cost
instead of equal attempts (the run's own spend, interpolated between its logged steps and
extrapolated at its average rate). --mean-over-seeds takes the runs of each arm (one solver on
one bank at one volume) together, as the report does: i.i.d. seeds pooled as more attempts,
adaptive seeds averaged with a seed-to-seed 95% band.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

from harness.analysis.observed import spend_at  # noqa: E402
from harness.analysis.runs import TIERS, SeededRuns, verdict, yield_curve  # noqa: E402
from harness.core.problem import DISCOVERY_TIERS  # noqa: E402
from harness.run.plots import COST_AXES, VOLUME_AXES, plt  # noqa: E402
from harness.reporting.arms import group_arms  # noqa: E402
from harness.reporting.runs import ReportError, RunData, runs_from_mlflow  # noqa: E402
from harness.reporting.science import spend_curves  # noqa: E402
from harness.tracking.tracker import TrackingError, TrackingSpec, open_client  # noqa: E402


def curves_of(runs: SeededRuns, spend: pd.DataFrame, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """The analysis' curve of each tier, its verdict, and the spend at m on every cost axis
    (`spend`: attempts and the cost columns, as a run's curve.csv; per seed for pooled runs)."""
    table = pd.concat([yield_curve(runs, tier, n_boot, seed).assign(
        tier=tier, verdict=verdict(runs, tier, n_boot, seed).verdict.value) for tier in TIERS], ignore_index=True)
    seeds = len(runs.discoveries) if runs.exchangeable else 1
    for axis in COST_AXES:  # m pooled attempts cost what m / seeds attempts of one seed cost, seeds times
        table[axis] = seeds * spend_at(spend, table["m"].to_numpy() / seeds, axis) if axis in spend else 0.0
    return table


def run_curves(run: RunData, problem: str | None = None, n_boot: int = 200) -> pd.DataFrame:
    """One run's curves in long form: run, label, solver, seed, tier, m, estimate, lower, upper,
    method, verdict and the spend at m on every cost axis."""
    runs = SeededRuns((run.discoveries,), run.attempts, run.exchangeable)
    table = curves_of(runs.restrict([problem]) if problem else runs, run.curve, n_boot, seed=run.seed)
    return table.assign(run_id=run.run_id, solver=run.solver, seed=str(run.seed),
                        label=f"{run.solver} s{run.seed} ({run.run_id[:8]})")


def arm_curves(runs: list[RunData], problem: str | None = None, n_boot: int = 200) -> pd.DataFrame:
    """Each arm's runs taken together, as the report takes them (seed 0 for the bootstrap)."""
    out = []
    for arm in group_arms(runs):
        seeded = arm.seeded()
        spend = spend_curves(arm)  # the report's spend of the arm: the mean of its seeds at each step
        how = f"{len(arm.runs)} seeds pooled" if arm.exchangeable else f"mean of {len(arm.runs)} seeds"
        out.append(curves_of(seeded.restrict([problem]) if problem else seeded, spend, n_boot).assign(
            run_id="", solver=arm.solver, seed="", arm=arm.name, label=f"{arm.name} ({how})"))
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
    try:
        runs = runs_from_mlflow(client, args.experiment, filter_string=args.filter, run_ids=args.run_ids)
        curves = (arm_curves(runs, args.problem) if args.mean_over_seeds else
                  pd.concat([run_curves(r, args.problem) for r in runs], ignore_index=True))
    except ReportError as exc:
        raise SystemExit(f"harness-compare: error: {exc}") from None
    except KeyError as exc:  # an artifact that parses but lacks its columns
        raise SystemExit(f"harness-compare: error: a run's artifacts lack the column {exc}") from None
    out = args.out or args.results_dir / "compare" / time.strftime("%Y-%m-%d_%H-%M-%S")
    figure, table = compare(curves, out, args.x, args.problem or "")
    print(f"compared {len(runs)} runs\n  figure: {figure}\n  table:  {table}", file=sys.stdout)


if __name__ == "__main__":
    main()
