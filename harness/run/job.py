"""One run, end to end: bank + solver -> Ray batches -> Parquet + aggregates -> curve -> MLflow."""
from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import ray
import yaml
from tqdm import tqdm

from harness.tracking import metric_names as metrics
from harness.analysis import DiscoveryLog, log_spaced_steps
from harness.analysis.observed import early_limit
from harness.analysis.forecast import fit_coverage_power_law
from harness.analysis.runs import (SeededRuns, analyse, curves_table, family_verdicts, prices, prices_summary,
                                  solved_curve)
from harness.analysis.runs import summary as analysis_summary
from harness.bank.banks import build_bank
from harness.run.config import JobConfig
from harness.store.locks import Busy, file_lock
from harness.core.problem import DISCOVERY_TIERS, Problem, Tier
from harness.tracking.publish import (PENDING, RUN_LOCK, Published, keep_unpublished, now_ms, publish,
                             command as publish_command)
from harness.engine.ray_session import cluster_cpus, ensure_ray, interrupted_by
from harness.store.files import refuse_links, replaced
from harness.store.records import (MANIFEST, SPEND_COLUMNS, Checkpoint, ShardWriter, check_shards, discard_unrecorded,
                            read_checkpoint, read_compact, read_shards, start_manifest, write_json)
from harness.run.plots import plot_estimates, plot_yield, plot_yield_by_cost
from harness.engine.batches import WIDE_BATCH_CAP, auto_batch_size, auto_call_size, plan_batches
from harness.engine.runner import Dispatch, run_batches
from harness.engine.sandbox import SandboxLimits, checks_in_batches
from harness.servers import CpuMeter, ProcessMeter, RecordedMeter, attach, record_provenance, record_server_cpu
from harness.solvers import Exchangeable, Solver, UsesServer, make_solver
from harness.tracking.tracker import PARENT_TAG, TrackingError, flatten, one_line, start_tracker


@dataclass(frozen=True)
class RunResult:
    run_id: str
    run_dir: Path
    summary: dict[str, Any]
    experiment_id: str | None = None  # its MLflow experiment; None when tracking is off


class RunStopped(Exception):
    """The run stopped before its end (SIGINT, SIGTERM, an OS error such as a full disk) with
    its finished work kept: the same command with resume=<run_id> completes it."""

    def __init__(self, run_id: str, why: str, exit_code: int) -> None:
        super().__init__(f"run {run_id} stopped: {why}")
        self.run_id, self.why, self.exit_code = run_id, why, exit_code


class RunFailed(RuntimeError):
    """The run ended, but every attempt of it is tier error: nothing was measured."""


class Unpublished(Exception):
    """The run finished, its results on disk, but its MLflow store could not take them (a
    tracking server lost mid-run): `command` publishes it once the store is back."""

    def __init__(self, result: RunResult, tracking_uri: str, why: str) -> None:
        super().__init__(f"run {result.run_id} finished, but the MLflow store at {tracking_uri} could not take it: "
                         f"{why}")
        self.result, self.tracking_uri, self.why = result, tracking_uri, why
        self.command = publish_command(result.run_dir)


def check_writable(directory: Path, min_free_gb: float = 0.0) -> None:
    """Fail before any attempt is spent if results cannot be written, or the disk is nearly full."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise RuntimeError(f"cannot write results to {directory}: {exc.strerror or exc}") from None
    free_gb = shutil.disk_usage(directory).free / 2**30
    if free_gb < min_free_gb:
        raise RuntimeError(f"only {free_gb:.2f} GiB free under {directory}, below min_free_gb={min_free_gb:g}: "
                           "free some space or point results_dir elsewhere")


# What a resumed run reads back from its shards to rebuild the driver's aggregates.
LOG_COLUMNS = ["problem_id", "attempt", "tier", "canonical", "operator", *SPEND_COLUMNS]
# Settings that may change between a run and its resumption: they do not change results.
RESUMABLE_CHANGES = {"resume", "workers", "checkpoint_s", "min_free_gb", "stall_floor_s", "stall_multiple"}


def own_run(owned: ExitStack, run_dir: Path) -> None:
    """Takes the run directory's lock until `owned` closes (the run's life): a second run or
    resume of the same run fails at once instead of writing the same batches twice."""
    try:
        owned.enter_context(file_lock(run_dir / RUN_LOCK, wait=False))
    except Busy as exc:
        raise RuntimeError(f"run {run_dir.name} is in use by another process ({exc}): "
                           "wait for it to end; a run is resumed by one process at a time") from None


def check_resumable(config: JobConfig, run_dir: Path) -> None:
    """Before anything starts, the run's lock held: it is unfinished, and asked for with its own settings."""
    if (run_dir / "summary.json").exists():
        if (run_dir / PENDING).exists():
            raise RuntimeError(f"run {config.resume} is complete but not yet in MLflow; publish it: "
                               f"{publish_command(run_dir)}")
        raise RuntimeError(f"run {config.resume} is complete; nothing to resume")
    if not (run_dir / MANIFEST).exists():
        raise RuntimeError(f"run {config.resume} has no {MANIFEST} (made before runs kept one): it cannot be resumed")
    # A damaged manifest, or a shard it lists that is missing, damaged or altered, is refused
    # before anything, Ray and MLflow included, is touched.
    check_shards(run_dir, read_checkpoint(run_dir))
    try:
        saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    except yaml.YAMLError:
        saved = None
    if not isinstance(saved, dict):
        raise RuntimeError(f"{run_dir / 'config.yaml'} is damaged: run {config.resume} cannot be resumed")
    if "server" in config.resolved:
        saved.setdefault("server", {"name": "none"})  # runs from before the setting had none
    if "records" in config.resolved:
        saved.setdefault("records", "full")  # runs from before the setting kept every row
    keys = (set(saved) | set(config.resolved)) - RESUMABLE_CHANGES
    changed = sorted(k for k in keys if saved.get(k) != config.resolved.get(k))
    if changed:
        raise RuntimeError(f"resume={config.resume} needs the run's own settings; these differ: {', '.join(changed)}")


def open_run(config: JobConfig, run_id: str, batch_size: int, wide_batch_size: int) -> tuple[Path, Checkpoint]:
    """A new run directory with its manifest; or the interrupted run's, without unlisted shards."""
    run_dir = config.results_dir / config.experiment / run_id
    if config.resume:
        checkpoint = read_checkpoint(run_dir)
        discard_unrecorded(run_dir, checkpoint)
        return run_dir, checkpoint
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(dict(config.resolved), sort_keys=False))
    start_manifest(run_dir, batch_size, config.attempts, wide_batch_size)
    return run_dir, Checkpoint(batch_size, config.attempts, shards=(), done=frozenset(),
                               wide_batch_size=wide_batch_size)


def estimate_yield(runs: SeededRuns, problems: list[str], config: JobConfig, solver: str,
                   run_dir: Path) -> tuple[dict, Published]:
    """Rarefied and extrapolated curves per tier, Chao estimates, prices and the thesis verdicts:
    their files in run_dir, their summary, and what of them MLflow gets."""
    analyses = analyse(runs, seed=config.seed)
    curves = curves_table(analyses)
    write_csv(curves, run_dir / "estimate.csv")
    plot_estimates(curves, run_dir / "estimate.png", f"{solver} on {config.bank_name}: estimated yield, 95% bands")
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
    solved = solved_curve(runs, problems, log_spaced_steps(config.attempts))
    write_csv(solved, run_dir / "solved.csv")
    try:  # -log(share solved) = a m^b, the power law of repeated-sampling coverage
        a, b = fit_coverage_power_law(solved["m"], solved["share"])
        values.update({metrics.summary(name): v for name, v in zip(metrics.FITS, (a, b))})
    except ValueError:
        a = b = None  # too few points strictly between 0 and 1
    per_problem = prices(runs, problems)
    write_csv(per_problem, run_dir / "prices.csv")
    summary = {**analysis_summary(analyses), "solved_powerlaw": {"a": a, "b": b},
               "by_family": family_verdicts(runs, problems, seed=config.seed), "prices": prices_summary(per_problem)}
    solved_metrics = solved.rename(columns={"solved": metrics.estimate("solved"),
                                            "share": metrics.estimate("solved_share")})
    return summary, Published(((wide, "m"), (solved_metrics, "m")), values,
                              {f"verdict_{a.tier}": a.verdict.verdict.value for a in analyses})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A run's table, replacing the file at `path` (never writing through a link)."""
    with replaced(path) as out:
        frame.to_csv(out, index=False)


def solver_settings(solver) -> dict[str, Any]:
    """The driver's solver as a spec for the workers: paths already resolved on the driver."""
    return {"name": solver.name, **dataclasses.asdict(solver)}


def run_job(config: JobConfig, progress: bool = True) -> RunResult:
    made = [d for d in (config.results_dir, config.results_dir / config.experiment) if not d.exists()]
    try:
        return own_and_execute(config, progress)
    except BaseException:
        for directory in reversed(made):  # a run that never began leaves no empty folders behind
            try:
                directory.rmdir()
            except OSError:
                break  # not empty (the run had started) or already gone
        raise


def own_and_execute(config: JobConfig, progress: bool) -> RunResult:
    check_writable(config.results_dir / config.experiment, config.min_free_gb)
    with ExitStack() as owned:
        if config.resume:
            run_dir = config.results_dir / config.experiment / config.resume
            if not (run_dir / "config.yaml").exists():
                raise RuntimeError(f"no run {config.resume} under {run_dir.parent}")
            refuse_links(run_dir, "a run folder")  # a resume writes and deletes there: never elsewhere
            own_run(owned, run_dir)
            check_resumable(config, run_dir)
        return execute(config, progress, owned)


@dataclass(frozen=True)
class Plan:
    """What a run will do, every setting checked before an attempt is spent."""
    problems: tuple[Problem, ...]
    solver: Solver
    meter: CpuMeter  # the server's CPU, counted as the run's compute (none for stub solvers)
    workers: int
    batch_size: int
    exchangeable: bool
    in_batches: frozenset[str] = frozenset()  # problems checked in batches (records=compact)
    wide_batch_size: int = 0  # their batches' size
    call_size: int = 0  # attempts per actor call (small batches of many problems go together)


def batch_checked(problems, solver, records: str) -> frozenset[str]:
    """The problems whose attempts the sandbox checks in batches, keeping wrong ones compact."""
    return frozenset(p.id for p in problems if checks_in_batches(p, solver, records == "compact"))


def plan_run(config: JobConfig) -> Plan:
    problems = build_bank(config.bank)  # validates the bank before Ray or MLflow start
    make_solver(config.solver)  # bad solver settings are named as the user wrote them, before any server starts
    # A managed server is started (or reused) and the solver pointed at it; a recording replaces it.
    settings, meter = attach(config.solver, config.server, config.results_dir / "servers")
    solver = make_solver(settings)
    if isinstance(solver, UsesServer):
        solver.preflight()  # an unreachable server fails the run before any attempt is spent
    ensure_ray()
    cpus = cluster_cpus()
    if config.workers > cpus:  # each worker claims a CPU: the extra ones would wait forever
        raise RuntimeError(f"workers={config.workers}, but the Ray cluster has {cpus} CPUs and each worker takes "
                           f"one: use workers={cpus} or less (0 means one per CPU)")
    workers = config.workers or cpus
    exchangeable = isinstance(solver, Exchangeable)
    in_batches = batch_checked(problems, solver, config.records)
    if exchangeable:
        scalar = len(problems) - len(in_batches) or len(problems)
        batch_size = config.batch_size or auto_batch_size(scalar, config.attempts, workers)
        wide_batch_size = config.batch_size or auto_batch_size(len(in_batches), config.attempts, workers,
                                                               cap=WIDE_BATCH_CAP)
    else:  # an adaptive solver's state lives in one call: all of a problem's attempts, in order
        batch_size = wide_batch_size = config.attempts
    call_size = config.batch_size or auto_call_size(len(problems), config.attempts, workers)
    return Plan(problems, solver, meter, workers, batch_size, exchangeable, in_batches, wide_batch_size, call_size)


@dataclass(frozen=True)
class Attempted:
    """What the execute step measured: every attempt in the log, and its time."""
    log: DiscoveryLog
    batch_size: int
    resumed_with: int  # attempts done before this process started (a resumed run)
    startup_s: float
    elapsed_s: float  # once the workers were up
    server_cpu_s: float
    tokens: int  # spent by this process
    batches_resent: int = 0  # sent again because their worker froze, died or lost its node (this process)
    nodes: dict = field(default_factory=dict)  # Ray node id -> attempts run there (this process)
    node_ips: dict = field(default_factory=dict)  # Ray node id -> its IP
    workers_lost: int = 0  # workers frozen, dead or on a lost node, and replaced (this process)
    calls: int = 0  # Ray calls to the workers (this process)


def run_params(config: JobConfig, plan: Plan) -> dict[str, str]:
    """MLflow params: the resolved config, and a replayed recording's provenance (`provenance.*`)."""
    if isinstance(plan.meter, RecordedMeter):
        return {**flatten(config.resolved), **flatten({"provenance": plan.meter.provenance})}
    return flatten(config.resolved)


def execute(config: JobConfig, progress: bool, owned: ExitStack) -> RunResult:
    """The run itself; a new run's directory is owned through `owned` as soon as it exists."""
    plan = plan_run(config)
    solver = plan.solver
    tags = {"solver": solver.name, "bank": config.bank_name, "seed": str(config.seed),
            "exchangeable": str(plan.exchangeable), "arm": config.arm,
            **({PARENT_TAG: config.parent_run} if config.parent_run else {})}
    tracker = start_tracker(config.tracking, config.results_dir, config.experiment,
                            run_name=f"{solver.name}-{config.bank_name}-s{config.seed}",
                            tags=tags, params=run_params(config, plan), resume=config.resume)
    status, closed = "FAILED", False
    try:
        run_dir, checkpoint = open_run(config, tracker.run_id, plan.batch_size, plan.wide_batch_size)
        if not config.resume:
            own_run(owned, run_dir)
        attempted = attempt_all(config, plan, run_dir, checkpoint, progress)
        summary, artifacts, published = write_outputs(config, plan, attempted, tracker.run_id, run_dir)
        log = attempted.log
        all_errors = summary["tiers"]["error"] == log.attempts
        unreached = publish_step(config, tracker, run_dir, published, artifacts,
                                 "FAILED" if all_errors else "FINISHED")
        closed = True
        if all_errors:
            raise RunFailed(f"run {tracker.run_id}: all {log.attempts} attempts ended in tier error, "
                            f"e.g. {first_error(run_dir)}")
        result = RunResult(tracker.run_id, run_dir, summary, tracker.experiment_id)
        if unreached is not None:
            raise Unpublished(result, config.tracking.resolved_uri(config.results_dir), unreached)
        return result
    except KeyboardInterrupt:
        status, stopped_by = "KILLED", interrupted_by()
        raise RunStopped(tracker.run_id, f"interrupted ({stopped_by.name})", 128 + stopped_by) from None
    except OSError as exc:  # a full disk, a lost connection: finished work is on disk
        status = "KILLED"
        raise RunStopped(tracker.run_id, f"{type(exc).__name__}: {exc.strerror or exc}", 1) from None
    finally:
        if not closed:
            try:
                tracker.finish(status)
            except Exception as exc:  # e.g. the disk is full for MLflow's store too
                print(f"harness-run: could not mark the MLflow run {status}: {exc}", file=sys.stderr)


def publish_step(config: JobConfig, tracker, run_dir: Path, published: Published, artifacts: list[str],
                 status: str) -> str | None:
    """The run's numbers and files to its MLflow run, which is then closed with `status`. What
    it gets is kept in the run's folder (PENDING) until the store has taken all of it, so that a
    store lost meanwhile (or a driver killed meanwhile) loses nothing: `python -m harness.app.publish`
    publishes it later. Returns None, or why the store could not take it."""
    if not config.tracking.enabled:
        return None
    uri, stamp = config.tracking.resolved_uri(config.results_dir), now_ms()
    keep = partial(keep_unpublished, run_dir, tracker.run_id, uri, published, artifacts, status, stamp)
    keep("the run ended while publishing")
    try:
        publish(tracker, published, [run_dir / name for name in artifacts], status=status, timestamp_ms=stamp)
    except TrackingError as exc:  # e.g. a tracking server lost mid-run
        keep(one_line(exc))
        return one_line(exc)
    (run_dir / PENDING).unlink()
    return None


def attempt_all(config: JobConfig, plan: Plan, run_dir: Path, checkpoint: Checkpoint, progress: bool) -> Attempted:
    """The execute step: every attempt not yet on disk, run on the workers, written to shards
    and counted in the log (which first reads back what a resumed run had done)."""
    solver, meter = plan.solver, plan.meter
    dispatch = Dispatch(plan.workers, checkpoint.batch_size, SandboxLimits(timeout_s=config.verify_timeout_s),
                        compact=config.records == "compact", stall_floor_s=config.stall_floor_s,
                        stall_multiple=config.stall_multiple, call_size=plan.call_size)
    log = DiscoveryLog(solving_is_compute=not meter.counts_cpu,  # else the server's CPU is counted
                       early=early_limit(config.attempts))
    for shard in read_shards(run_dir, checkpoint.shards, LOG_COLUMNS):
        log.update(shard)
    for compact in read_compact(run_dir, checkpoint.shards):
        log.update_compact(compact)
    resumed_with = log.attempts
    total = len(plan.problems) * config.attempts
    sizes = dict.fromkeys(plan.in_batches, checkpoint.wide_batch_size)
    todo = (b for b in plan_batches([p.id for p in plan.problems], config.attempts, dispatch.batch_size, sizes)
            if (b.problem_id, b.start, b.stop) not in checkpoint.done)
    launched = began = time.perf_counter()
    with ShardWriter(run_dir / "attempts", manifest=run_dir / MANIFEST, flush_s=config.checkpoint_s) as writer, tqdm(
        total=total, initial=resumed_with, unit="attempt", unit_scale=True, disable=not progress,
        mininterval=1.0, desc=f"{solver.name} on {config.bank_name}",
    ) as bar:
        def on_result(recorded):
            writer.write(recorded)
            log.record(recorded)
            bar.update(recorded.attempts)
            bar.set_postfix(discoveries=log.discoveries, refresh=False)

        def on_ready():
            nonlocal began
            began = time.perf_counter()

        tokens_before = log.tokens
        meter.begin()
        dispatched = run_batches(todo, plan.problems, solver_settings(solver), config.seed, dispatch, on_result,
                                 on_ready)
        server_cpu_s = meter.spent(log.tokens - tokens_before)
    elapsed = time.perf_counter() - began  # once the workers were up: start-up is reported apart
    if log.attempts != total:
        raise RuntimeError(f"{log.attempts} attempts recorded, {total} planned")
    return Attempted(log, dispatch.batch_size, resumed_with, began - launched, elapsed, server_cpu_s,
                     log.tokens - tokens_before, dispatched.resent, dict(dispatched.nodes), dict(dispatched.node_ips),
                     dispatched.lost, dispatched.calls)


def write_outputs(config: JobConfig, plan: Plan, attempted: Attempted, run_id: str,
                  run_dir: Path) -> tuple[dict, list[str], Published]:
    """The artifacts step: the run's files (curve, discoveries, summary, plots, estimates).
    Returns the summary, the files MLflow gets, and the rest of what it gets."""
    solver, log, problems = plan.solver, attempted.log, plan.problems
    curve = add_server_cpu(log.curve(log_spaced_steps(config.attempts)), attempted.server_cpu_s)
    if isinstance(plan.meter, ProcessMeter):  # a live server: its CPU is kept with the completions
        record_server_cpu(config.solver, {"run_id": run_id, "seed": config.seed,
                                          "server_cpu_s": round(attempted.server_cpu_s, 3),
                                          "tokens": attempted.tokens})
        record_provenance(config.solver, plan.meter, run_id)
    write_csv(curve, run_dir / "curve.csv")
    discoveries = log.discovery_table()
    write_csv(discoveries, run_dir / "discoveries.csv")
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
    plot_yield(curve, run_dir / "yield.png",
               f"{solver.name} on {config.bank_name} (seed {config.seed}, {len(problems)} problems)")
    published = Published(((curve.rename(columns=metrics.CURVE), "attempts"),), {
        metrics.tier("attempts"): log.attempts, **{metrics.tier(k): v for k, v in summary["tiers"].items()},
        **{metrics.speed(k): summary[k] for k in metrics.SPEED_NAMES}})
    artifacts = ["summary.json", "config.yaml", "curve.csv", "discoveries.csv", "yield.png"]
    if plot_yield_by_cost(curve, run_dir / "yield_cost.png", f"{solver.name} on {config.bank_name}: yield by cost"):
        artifacts.append("yield_cost.png")
    if plan.exchangeable:
        runs = SeededRuns((discoveries,), config.attempts, exchangeable=True, early=log.early)
        summary["analysis"], estimated = estimate_yield(runs, [p.id for p in problems], config, solver.name, run_dir)
        published = Published(published.curves + estimated.curves, {**published.values, **estimated.values},
                              estimated.tags)
        artifacts += ["estimate.csv", "estimate.png", "solved.csv", "prices.csv"]
    write_json(run_dir / "summary.json", summary)
    return summary, artifacts, published


def add_server_cpu(curve: pd.DataFrame, seconds: float) -> pd.DataFrame:
    """The server's CPU seconds over the run (measured, or as recorded), added to the curve's
    compute in proportion to the tokens spent so far (the server's work), so that comparisons
    at equal compute count the model's compute; requests' latency is then not counted."""
    if not seconds:
        return curve
    spent = curve["tokens"] if curve["tokens"].iloc[-1] > 0 else curve["attempts"]
    return curve.assign(compute_s=curve["compute_s"] + seconds * spent / spent.iloc[-1])


def first_error(run_dir: Path) -> str:
    """The reason recorded for the run's first attempt (when every attempt is an error)."""
    [first] = read_shards(run_dir, read_checkpoint(run_dir).shards[:1], ["error"])
    return str(first["error"][0].as_py())
