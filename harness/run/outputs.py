"""The run's outputs step: its files (curve, discoveries, estimates, figures, summary) and what of
them its MLflow run gets."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import ray

from harness.analysis import log_spaced_steps
from harness.analysis.runs import RunEstimates, SeededRuns, run_estimates
from harness.core.problem import DISCOVERY_TIERS, Tier
from harness.run.attempt import Attempted
from harness.run.config import JobConfig
from harness.run.plan import Plan
from harness.run.plots import plot_run
from harness.store.files import replaced
from harness.store.records import write_json
from harness.tracking import metric_names as metrics
from harness.tracking.publish import Published


def estimated(estimates: RunEstimates) -> Published:
    """What the run's MLflow run gets of its estimates: curves per tier, Chao estimates, prices,
    the power-law fit and the thesis verdicts."""
    analyses = estimates.analyses
    wide = pd.DataFrame({"m": analyses[0].curve["m"]})
    for a in analyses:
        for column in ("estimate", "lower", "upper"):
            wide[metrics.estimate(a.tier, column)] = a.curve[column].to_numpy()
    finite = lambda x: x if np.isfinite(x) else -1.0  # noqa: E731 (MLflow keeps no infinity: -1 says "never")
    values = {metrics.summary(name): value for name, value in {
        **{f"chao_{a.tier}": a.chao.estimate for a in analyses},
        **{f"coverage_{a.tier}": a.verdict.coverage for a in analyses},
        **{f"slope_{a.tier}": a.verdict.slope.slope for a in analyses if a.verdict.slope},
        **{f"more_attempts_90_{a.tier}": finite(a.price.more_attempts) for a in analyses},
        **{f"attempts_per_discovery_{a.tier}": finite(a.price.per_discovery) for a in analyses},
    }.items()}
    if estimates.power_law is not None:
        values.update({metrics.summary(name): v for name, v in zip(metrics.FITS, estimates.power_law)})
    solved_metrics = estimates.solved.rename(columns={"solved": metrics.estimate("solved"),
                                                      "share": metrics.estimate("solved_share")})
    return Published(((wide, "m"), (solved_metrics, "m")), values,
                     {f"verdict_{a.tier}": a.verdict.verdict.value for a in analyses})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A run's table, replacing the file at `path` (never writing through a link)."""
    with replaced(path) as out:
        frame.to_csv(out, index=False)


def write_outputs(config: JobConfig, plan: Plan, attempted: Attempted, run_id: str,
                  run_dir: Path) -> tuple[dict, list[str], Published]:
    """The artifacts step: the run's tables, estimates (rarefied and extrapolated curves per tier,
    Chao estimates, prices, verdicts: for exchangeable solvers) and figures, computed, then
    drawn, then written, summary.json last (it marks the run complete). Returns the summary, the
    files MLflow gets, and the rest of what it gets."""
    solver, log, problems = plan.solver, attempted.log, plan.problems
    steps = log_spaced_steps(config.attempts)
    curve = add_server_cpu(log.curve(steps), attempted.server_cpu_s)
    discoveries = log.discovery_table()
    estimates = None
    if plan.exchangeable:
        runs = SeededRuns((discoveries,), config.attempts, exchangeable=True, early=log.early)
        estimates = run_estimates(runs, [p.id for p in problems], steps, seed=config.seed)
    figures = plot_run(curve, run_dir, f"{solver.name} on {config.bank_name}",
                       f"seed {config.seed}, {len(problems)} problems", None if estimates is None else estimates.curves)
    final = curve.iloc[-1]
    summary = {
        "run_id": run_id, "experiment": config.experiment, "arm": config.arm, "solver": solver.name,
        "bank": config.bank_name, "exchangeable": plan.exchangeable, "seed": config.seed,
        "problems": len(problems), "attempts_per_problem": config.attempts, "attempts": log.attempts,
        "tiers": {t.value: log.tiers.get(t.value, 0) for t in Tier},
        "operators": dict(sorted(log.operators.items())),  # attempts per operator that proposed them
        "discoveries": {t.value: int(final[t.value]) for t in DISCOVERY_TIERS},
        "problems_solved": int(final["solved"]), "workers": plan.workers,
        "spend": {"tokens": int(final["tokens"]), "cost_usd": float(final["cost_usd"]),
                  "compute_s": round(float(final["compute_s"]), 3),
                  "server_cpu_s": round(attempted.server_cpu_s, 3)},
        "server": plan.meter.describe(),
        "batch_size": attempted.batch_size, "startup_s": round(attempted.startup_s, 3),
        "elapsed_s": round(attempted.elapsed_s, 3),
        "attempts_per_s": round((log.attempts - attempted.resumed_with) / attempted.elapsed_s, 1),
        "run_dir": str(run_dir), "resumed_with": attempted.resumed_with, "early_attempts": log.early,
        "batches_resent": attempted.batches_resent, "workers_lost": attempted.workers_lost, "calls": attempted.calls,
        # Where this process's attempts ran (a resumed run: the attempts of this process only).
        "nodes": attempted.nodes, "node_ips": attempted.node_ips,
        "ray_node_id": ray.get_runtime_context().get_node_id(),  # one Ray per process
    }
    published = Published(((curve.rename(columns=metrics.CURVE), "attempts"),), {
        metrics.tier("attempts"): log.attempts, **{metrics.tier(k): v for k, v in summary["tiers"].items()},
        **{metrics.speed(k): summary[k] for k in metrics.SPEED_NAMES}})
    tables = {"curve.csv": curve, "discoveries.csv": discoveries}
    if estimates is not None:
        summary["analysis"] = estimates.summary
        more = estimated(estimates)
        published = Published(published.curves + more.curves, {**published.values, **more.values}, more.tags)
        tables |= {"estimate.csv": estimates.curves, "solved.csv": estimates.solved, "prices.csv": estimates.prices}
    for name, frame in tables.items():
        write_csv(frame, run_dir / name)
    write_json(run_dir / "summary.json", summary)
    return summary, ["summary.json", "config.yaml", *tables, *figures], published


def add_server_cpu(curve: pd.DataFrame, seconds: float) -> pd.DataFrame:
    """The server's CPU seconds over the run (measured, or as recorded), added to the curve's
    compute in proportion to the tokens spent so far (the server's work), so that comparisons
    at equal compute count the model's compute; requests' latency is then not counted."""
    if not seconds:
        return curve
    spent = curve["tokens"] if curve["tokens"].iloc[-1] > 0 else curve["attempts"]
    return curve.assign(compute_s=curve["compute_s"] + seconds * spent / spent.iloc[-1])
