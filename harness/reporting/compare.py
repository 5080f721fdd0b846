"""Yield curves of several runs side by side (harness-compare, harness/app/compare.py): each
run's curve as harness.analysis gives it, at equal attempts or at equal cost, in one figure
and one table."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

from harness.analysis.observed import spend_at  # noqa: E402
from harness.analysis.runs import TIERS, SeededRuns, verdict, yield_curve  # noqa: E402
from harness.core.problem import DISCOVERY_TIERS  # noqa: E402
from harness.run.plots import COST_AXES, VOLUME_AXES, plt, save  # noqa: E402
from harness.reporting.arms import group_arms  # noqa: E402
from harness.reporting.runs import RunData  # noqa: E402
from harness.reporting.science import spend_curves  # noqa: E402


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
    save(fig, figure)
    plt.close(fig)
    curves.to_csv(table, index=False)
    return figure, table
