"""Models at equal compute: the report's comparison of real models, the stubs and random search.

Arms are compared per bank and answer mode (a model's constrained and free answers are separate comparisons; stubs
join both). The reference is the model arm whose whole run cost the fewest CPU seconds per problem, at its whole
volume; every other i.i.d. arm is taken at the volume that costs the same CPU seconds per problem: its pooled
attempts m = reference CPU / its CPU per attempt. So every model is taken within what it ran (measured, not
extrapolated), whichever costs more per attempt; a stub may be taken beyond its run, and the section says how far.
CPU is the run's compute_s: a model server's CPU (as recorded) plus verification.
Estimators are harness.analysis's: distinct discoveries by rarefaction (Chao's extrapolation to twice the run, the
fitted rate forecast beyond); a problem's chance of being solved by pass@k, its band from its solving count's
Poisson band; the share of these problems solved, the mean of those chances and of their bands; its forecasts to 10x
and 100x a model's volume by the beta-binomial of Schaeffer et al. (forecast_solved, bands over problems).
A model is the model file named in its runs' provenance; any number of models take part.
"""
from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd

from harness.analysis.forecast import MIN_DISCOVERIES, fit_beta_solving, forecast_richness, forecast_solved
from harness.analysis.observed import log_spaced_steps
from harness.analysis.richness import count_band, pass_at_k, richness
from harness.reporting import arms as kinds
from harness.reporting.arms import HEAVY_TAILED, UNIFORM, Arm, odds, of_kind
from harness.reporting.markdown import interval, num, table

STUBS = {HEAVY_TAILED: "heavy-tailed stub", UNIFORM: "random search"}  # the stubs beside the models, by their odds
REACH = (10, 100)  # solved-share forecasts at these multiples of each model's pooled volume
ALL = "all problems"
SOLVED = ("solved", "solved_lower", "solved_upper")
NO_PROVENANCE = "unknown model (no provenance)"


def answers(arm: Arm) -> str:
    settings = arm.runs[0].config.get("solver", {})
    llm = settings.get("llm") or settings
    return "constrained (grammar)" if llm.get("constrain") else "free"


def is_model(arm: Arm) -> bool:
    return arm.exchangeable and kinds.is_model(arm)  # i.i.d.: its volume can be rarefied to equal compute


def model_name(arm: Arm) -> str:
    """The model file its runs' provenance names; a stub's kind; NO_PROVENANCE for recordings without it."""
    if not is_model(arm):
        return STUBS.get(odds(arm), arm.solver)
    names = {str(((r.summary.get("server") or {}).get("provenance") or {}).get("model_file", "unknown"))
             for r in arm.runs} - {"unknown"}
    return " + ".join(sorted(names)) if names else NO_PROVENANCE


def cpu_per_attempt(arm: Arm) -> float:
    """CPU seconds per attempt (the curve's final compute_s over the run's attempts), mean of seeds."""
    return float(np.mean([r.curve["compute_s"].iloc[-1] / r.summary["attempts"] for r in arm.runs]))


def groups(arms: list[Arm]) -> list[tuple[str, str, list[Arm]]]:
    """(bank, answers, arms): each answer mode of the i.i.d. model arms on a bank, with the bank's stubs."""
    out = []
    for bank in sorted({a.bank for a in arms if is_model(a)}):
        stubs = [a for a in of_kind(arms, *STUBS) if a.bank == bank]
        models = [a for a in arms if a.bank == bank and is_model(a)]
        for mode in sorted({answers(a) for a in models}):
            out.append((bank, mode, [a for a in models if answers(a) == mode] + stubs))
    return out


def discoveries_at(counts: np.ndarray, units: int, m: int, n_boot: int, seed: int) -> tuple[float, float, float, str]:
    if m > 2 * units and len(counts) >= MIN_DISCOVERIES:
        f = forecast_richness(counts, units, [m], n_boot, seed=seed).iloc[0]
        return f["estimate"], f["lower"], f["upper"], "forecast"
    r = richness(counts, sampling_units=units, at=[m], n_boot=n_boot, seed=seed).iloc[0]
    return r["estimate"], r["lower"], r["upper"], r["method"]


def problem_solved(c: int, units: int, m: int) -> tuple[float, float, float]:
    """One problem's chance of being solved in m attempts, c of units having solved it: pass@m
    (exact within the run; beyond, at the observed rate), band from c's Poisson band."""
    chance = lambda rate: -math.expm1(m * math.log1p(-min(rate, 1.0))) if rate < 1 else 1.0  # noqa: E731
    estimate = pass_at_k(units, c, m) if m <= units else chance(c / units)
    lower, upper = (float(x[0]) for x in count_band(np.array([c])))
    return estimate, min(chance(lower / units), estimate), max(chance(upper / units), estimate)


def share_solved(solving: np.ndarray, units: int, at, n_boot: int, seed: int) -> pd.DataFrame:
    """forecast_solved, or no problem solved at any of `at` when nothing was (the fit needs one)."""
    if len(solving) < 2 or not (solving > 0).any():
        share = float(len(solving) == 1 and solving[0] > 0)
        return pd.DataFrame({"k": list(at), "share": share, "lower": share, "upper": share})
    return forecast_solved(solving, units, list(at), n_boot, seed=seed)


def table_of(arms: list[Arm], n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """equal_compute.csv: per bank, answer mode, problem (and all problems) and arm."""
    rows = []
    for bank, mode, members in groups(arms):
        models = [a for a in members if is_model(a)]
        reference = min(models, key=lambda a: (a.seeded().units * cpu_per_attempt(a), a.name))
        budget = reference.seeded().units * cpu_per_attempt(reference)  # CPU seconds per problem
        for arm in members:
            runs, cost = arm.seeded(), cpu_per_attempt(arm)
            m = max(int(round(budget / cost)), 1) if cost > 0 else runs.units
            ids = [pid for members_ in arm.problems.values() for pid in members_]
            solving = runs.solving(ids)
            base = {"bank": bank, "answers": mode, "reference": reference.name, "arm": arm.name,
                    "solver": arm.solver, "model": model_name(arm), "is_model": is_model(arm),
                    "cpu_per_attempt": cost, "cpu_s": m * cost, "volume": runs.units, "attempts": m}
            for pid, c in zip(ids, solving):
                d = discoveries_at(runs.restrict([pid]).counts("valid"), runs.units, m, n_boot, seed)
                s = problem_solved(int(c), runs.units, m)
                rows.append({**base, "problem_id": pid, "method": d[3], "discoveries": d[0], "discoveries_lower": d[1],
                             "discoveries_upper": d[2], **dict(zip(SOLVED, s))})
            d = discoveries_at(runs.counts("valid"), runs.units, m, n_boot, seed)
            shares = share_solved(solving, runs.units, [k * runs.units for k in REACH], n_boot, seed)
            ahead = {f"{key}_{k}x": shares.iloc[i][column] for i, k in enumerate(REACH)
                     for key, column in (("forecast", "share"), ("forecast_lower", "lower"),
                                         ("forecast_upper", "upper"))} if is_model(arm) else {}
            each = pd.DataFrame(rows[-len(ids):]) if ids else pd.DataFrame(columns=["solved"])
            rows.append({**base, "problem_id": ALL, "method": d[3], "discoveries": d[0], "discoveries_lower": d[1],
                         "discoveries_upper": d[2], **{c: each[c].mean() for c in SOLVED}, **ahead})
    columns = ["bank", "answers", "reference", "problem_id", "arm", "solver", "model", "is_model", "cpu_per_attempt",
               "cpu_s", "volume", "attempts", "method", "discoveries", "discoveries_lower", "discoveries_upper",
               *SOLVED, *(f"{key}_{k}x" for k in REACH for key in ("forecast", "forecast_lower", "forecast_upper"))]
    return pd.DataFrame(rows).reindex(columns=columns)


def winner(part: pd.DataFrame, column: str) -> tuple[str, str | None, list[str]]:
    """(best arm, the runner-up, the arms whose interval overlaps the best's: empty when it wins)."""
    ranked = part.sort_values([column, "arm"], ascending=[False, True])
    best, rest = ranked.iloc[0], ranked.iloc[1:]
    overlap = rest.loc[rest[f"{column}_upper"] >= best[f"{column}_lower"], "arm"].tolist()
    return best["arm"], (rest.iloc[0]["arm"] if len(rest) else None), overlap


def verdict(part: pd.DataFrame, column: str, what: str) -> str:
    """Which arm wins on `column` and by how much, with intervals; undecided where they overlap."""
    if len(part) < 2:
        return f"only {part.iloc[0]['arm']} here"
    best, second, overlap = winner(part, column)
    at = part.set_index("arm")
    shown = lambda arm: f"{arm} {interval(*at.loc[arm, [column, column + '_lower', column + '_upper']])}"  # noqa: E731
    if overlap:
        return f"undecided on {what}: {shown(best)} against {', '.join(shown(a) for a in overlap)} (intervals overlap)"
    ratio = at.loc[best, column] / at.loc[second, column] if at.loc[second, column] > 0 else math.inf
    return (f"{best} wins on {what}: {shown(best)} against {shown(second)}"
            + (f", {num(ratio)}x" if math.isfinite(ratio) else ", which has none"))


def crossing(a: pd.Series, b: pd.Series, solving: dict[str, np.ndarray], budget: float) -> str:
    """Where two models' forecast solved-share curves, on CPU seconds per problem, cross (up to 100x)."""
    grid = np.geomspace(budget, 100 * budget, 200)
    fits = {}
    for row in (a, b):
        if not (solving[row["arm"]] > 0).any():
            return f"{row['arm']} solved nothing, so no forecast crossing is drawn"
        fits[row["arm"]] = fit_beta_solving(solving[row["arm"]], int(row["volume"]))
    gap = (fits[a["arm"]].share_solved(grid / a["cpu_per_attempt"])
           - fits[b["arm"]].share_solved(grid / b["cpu_per_attempt"]))
    flips = np.flatnonzero(np.sign(gap[1:]) != np.sign(gap[:-1]))
    if not len(flips):
        ahead = a["arm"] if gap[-1] > 0 else b["arm"]
        return (f"forecast solved shares of {a['arm']} and {b['arm']} do not cross up to 100x this compute "
                f"({num(100 * budget)} CPU s per problem): {ahead} stays ahead")
    return (f"forecast solved shares of {a['arm']} and {b['arm']} cross at about {num(grid[flips[0] + 1])} CPU s "
            f"per problem ({num(grid[flips[0] + 1] / budget)}x this compute)")


def section(t: pd.DataFrame, arms: list[Arm], figure: str | None = None) -> list[str]:
    """The report's equal-compute paragraphs: per comparison, who wins overall and per problem."""
    if not len(t):
        return ["No i.i.d. model arm in this sweep: no comparison at equal compute."]
    lines = ["### At equal compute", "",
             "Per bank and answer mode, the model arm whose whole run cost the fewest CPU seconds per problem, at "
             "its whole volume (attempts pooled over seeds), and every other model, the heavy-tailed stub and "
             "random search at the attempts that cost the same CPU seconds per problem (the model server's CPU "
             "as recorded, plus verification): every model within what it ran. Distinct discoveries: rarefied "
             "(Chao's extrapolation to twice a run, the fitted forecast beyond); solved: a problem's chance "
             "(pass@k), overall their mean; "
             "forecast to 10x and 100x each model's volume by the beta-binomial of Schaeffer et al.; 95% bands. "
             "An arm wins where its band lies above every other's, else undecided. Table: `equal_compute.csv`.", "",
             *([f"![equal compute]({figure})", ""] if figure else [])]
    for (bank, mode), part in t.groupby(["bank", "answers"], sort=True):
        overall = part[part["problem_id"] == ALL]
        ref = overall[overall["arm"] == overall["reference"]].iloc[0]
        models = overall[overall["is_model"]]
        lines += [f"**{bank}, {mode} answers**: {ref['arm']} ({ref['model']}) at {ref['volume']:,} attempts per "
                  f"problem, {num(ref['cpu_s'])} CPU s per problem.", "",
                  table(overall, {"arm": "arm", "model": "model", "attempts": "attempts at equal CPU",
                                  "discoveries": "distinct", "discoveries_lower": "lo", "discoveries_upper": "hi",
                                  "solved": "solved share", "solved_lower": "lo ", "solved_upper": "hi ",
                                  "forecast_10x": "forecast 10x", "forecast_100x": "forecast 100x"}), ""]
        if models["model"].nunique() < 2:
            lines.append(f"- Only one model here ({models['model'].iloc[0]}): the second model has no recording "
                         f"on {bank} with {mode} answers yet, so which model wins at equal compute is not measured; "
                         "this comparison sets it against the stubs only.")
        lines += [f"- No {name} arm on {bank}: it is missing from this comparison." for name in STUBS.values()
                  if name not in set(overall["model"])]
        lines += [f"- {far['arm']} is taken at {num(far['attempts'] / far['volume'])}x the volume it ran "
                  f"({far['method']}): its band is that far from its data."
                  for _, far in overall[overall["attempts"] > 2 * overall["volume"]].iterrows()]
        lines += [f"- Overall: {verdict(overall, 'discoveries', 'distinct discoveries')}; "
                  f"{verdict(overall, 'solved', 'solved share')}."]
        for _, m in models.iterrows():
            lines.append(f"- {m['arm']} ({m['model']}) forecast solved share: " + ", ".join(
                f"{interval(m[f'forecast_{k}x'], m[f'forecast_lower_{k}x'], m[f'forecast_upper_{k}x'])} "
                f"at {k}x its volume" for k in REACH) + ".")
        solving = {a.name: a.seeded().solving([p for ids in a.problems.values() for p in ids])
                   for a in arms if a.name in set(models["arm"])}
        lines += [f"- {crossing(a, b, solving, ref['cpu_s'])}."
                  for (_, a), (_, b) in combinations(models.iterrows(), 2) if a["model"] != b["model"]]
        said = {pid: verdict(one, "discoveries", "distinct discoveries")  # per problem: the decided ones only
                for pid, one in part[part["problem_id"] != ALL].groupby("problem_id", sort=True)}
        undecided = [pid for pid, v in said.items() if v.startswith("undecided")]
        lines += [*(f"- {pid}: {v}." for pid, v in said.items() if pid not in undecided),
                  *([f"- Undecided on distinct discoveries (intervals overlap) on {len(undecided)} of {len(said)} "
                     "problems: their rows are in `equal_compute.csv`."] if undecided else []), ""]
    return lines


def figure(arms: list[Arm], t: pd.DataFrame, path, n_boot: int = 50):
    """Distinct discoveries (all problems) against CPU seconds per problem, one panel per comparison; None if none."""
    from harness.reporting.figures import EVERY, _save, plt
    from harness.reporting.palette import styles

    if not len(t):
        return None
    keys = sorted({(b, a) for b, a in zip(t["bank"], t["answers"])})
    by_name, style = {a.name: a for a in arms}, styles(a.name for a in arms)
    fig, axes = plt.subplots(1, len(keys), figsize=(6.5 * len(keys), 4.4), constrained_layout=True, squeeze=False)
    for ax, (bank, mode) in zip(axes[0], keys):
        part = t[(t["bank"] == bank) & (t["answers"] == mode) & (t["problem_id"] == ALL)]
        for _, row in part.iterrows():
            runs = by_name[row["arm"]].seeded()
            curve = richness(runs.counts("valid"), sampling_units=runs.units, at=log_spaced_steps(2 * runs.units),
                             n_boot=n_boot)
            x = curve["m"] * row["cpu_per_attempt"]
            colour, marker = style[row["arm"]]
            ax.fill_between(x, curve["lower"], curve["upper"], color=colour, alpha=0.15, linewidth=0)
            ax.plot(x, curve["estimate"], color=colour, marker=marker, markevery=EVERY, markersize=5,
                    label=f"{row['arm']} ({row['model']})")
        ax.axvline(part["cpu_s"].max(), color="grey", linestyle=":", label="equal compute")
        ax.set(xscale="log", xlabel="CPU seconds per problem (server + verification)",
               ylabel="distinct discoveries, all problems", title=f"{bank}, {mode} answers")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return _save(fig, path)
