"""REPORT.md: the sweep, its figures and tables, and a plain-language conclusion."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from harness.core.problem import STATEMENT_VERSION
from harness.reporting import equal_compute
from harness.reporting.arms import Arm
from harness.reporting.equal_compute import answers
from harness.reporting.markdown import band, cell, interval as shown, num, table  # noqa: F401 (cell: used by callers)
from harness.reporting.science import REFERENCE_FUNNEL, TIERS, model_arms
from harness.reporting.truth_check import section as truth_section

SECTIONS = ("Conclusion", "The sweep", "Yield curves", "Slope and verdict", "Discoveries left undetected",
            "Forecasts", "The price of the next discovery", "Funnel", "Equal cost", "A real model", "Calibration",
            "Against the truth", "Verifier audit", "Reproducing")
TRUSTED_SHARE = 0.9  # a forecast reach is trusted when this share of its checked rows fell inside the band


@dataclass(frozen=True)
class Findings:
    arms: list[Arm]
    curves: pd.DataFrame
    verdicts: pd.DataFrame
    funnel: pd.DataFrame
    equal_cost: pd.DataFrame
    calibration: pd.DataFrame
    real_model: pd.DataFrame  # science.model_against_random
    figures: dict[str, str]  # figure key -> file name
    source: str
    usd_per_core_hour: float
    experiment: str = ""
    description: str = ""  # the runs' own `description` setting
    forecast_check: pd.DataFrame = field(default_factory=pd.DataFrame)  # forecasts.forecast_check
    solved_forecast: pd.DataFrame = field(default_factory=pd.DataFrame)  # forecasts.solved_forecast
    prices: pd.DataFrame = field(default_factory=pd.DataFrame)  # science.prices
    audit: pd.DataFrame = field(default_factory=pd.DataFrame)  # harness.audit.verdicts.audit_runs: per family
    disputes: pd.DataFrame = field(default_factory=pd.DataFrame)  # and the attempts it disputed
    truth_check: pd.DataFrame = field(default_factory=pd.DataFrame)  # truth_check.truth_check
    misses: pd.DataFrame = field(default_factory=pd.DataFrame)  # harness.audit.misses.audit_misses: per instance
    operators: pd.DataFrame = field(default_factory=pd.DataFrame)  # science.model_operators
    equal_compute: pd.DataFrame = field(default_factory=pd.DataFrame)  # equal_compute.table_of
    not_audited: list = field(default_factory=list)  # harness.audit.verdicts.not_audited: families without a checker


def reached(row) -> str:
    values = [row.get(f"reached_{share}") for share in ("0.5", "0.9", "0.99")]
    if row["verdict"] != "saturated" or any(v is None or not math.isfinite(v) for v in values):
        return ""
    return " / ".join(num(v) for v in values)


def interval(row) -> str:
    bounds = [row["slope_lower"], row["slope_upper"]]
    if math.isfinite(row["slope"]) and all(math.isfinite(b) for b in bounds) and bounds[1] - bounds[0] < 1e-9:
        return f"{num(row['slope'], 2)} (no spread)"  # the verdicts' own word for it (undecided)
    return shown(row["slope"], *bounds, digits=2)


def problem_ids(arm: Arm) -> set[str]:
    return {pid for members in arm.problems.values() for pid in members}


def widest(arms: list[Arm]) -> Arm:
    return max(arms, key=lambda a: (len(problem_ids(a)), a.name))


def studied(arms: list[Arm]) -> list[Arm]:
    """The arms on the problems under study: those of the arm with the most problems, and every arm
    whose problems are among them. Arms on other problems (a calibration urn, an LLM's small
    bank of its own) are side comparisons, reported in their own sections."""
    return [a for a in arms if problem_ids(a) <= problem_ids(widest(arms))]


def random_arms(arms: list[Arm], family: str) -> list[Arm]:
    """The i.i.d. random arms that attempted a family, smallest pooled volume first."""
    return sorted((a for a in arms if a.solver == "random" and a.exchangeable and family in a.families),
                  key=lambda a: (a.attempts * len(a.runs), a.name))


KIND_OF_SOLVER = {"random": "uniform search", "heavy_tailed": "heavy-tailed search", "synthetic": "calibration urn"}


def kind(arm: Arm, models: set[str]) -> str:
    """What kind of search an arm is: a model's (it spent tokens), adaptive, or its i.i.d. kind."""
    if arm.name in models:
        return "model"
    return KIND_OF_SOLVER.get(arm.solver, "i.i.d. search") if arm.exchangeable else "adaptive search"


def comparable(arm: Arm, main: Arm) -> bool:
    """Whether every family the arm attempted it attempted on exactly the main arm's problems."""
    return all(arm.problems[family] == main.problems.get(family) for family in arm.families)


def verdict_table(arms: list[Arm], novel: pd.DataFrame, by_problem: bool) -> pd.DataFrame:
    """Rows: families (or, for arms on one problem per family, that problem); columns: the arms;
    cells: novel discoveries found (seeds pooled) and the verdict."""
    rows: dict[str, dict[str, str]] = {}
    for arm in sorted(arms, key=lambda a: (a.attempts * len(a.runs), a.name)):
        for family in arm.families:
            ids = arm.problems[family]
            key = (ids[0] if len(ids) == 1 else f"{family} ({len(ids)} problems)") if by_problem else family
            row = novel.loc[(arm.name, family)]
            rows.setdefault(key, {"family": key})[arm.name] = f"{num(row['observed'])} ({row['verdict']})"
    return pd.DataFrame(sorted(rows.values(), key=lambda r: r["family"])).fillna("-")


def conclusion(f: Findings) -> str:
    """The answer per kind of search, from comparable rows only: one table of the arms on the studied
    bank's own problems (same problems in every column), one of the arms on its deep instances; then
    what that does and does not show. Arms on other banks (the model's, the urn) have their sections."""
    novel = f.verdicts[f.verdicts["tier"] == "novel"].set_index(["arm", "family"])
    study = studied(f.arms)
    main = widest(study)
    models = {a.name for a in model_arms(f.arms)}
    same = [a for a in study if comparable(a, main)]
    deep = [a for a in study if a not in same]
    volume = {a.name: f"{a.name} ({a.attempts:,}/problem)" for a in f.arms}
    lines = [f"The problems under study are the {len(problem_ids(main))} of the {main.bank} bank. Novel "
             "discoveries (valid, not known, not trivial), seeds pooled for i.i.d. arms (mean of seeds for "
             "adaptive ones), and the verdict of the slope of log yield on log volume over the last decade "
             "(proportional: its 95% interval holds 1; diminishing: below 1; saturated: wholly below 0.1; "
             "undecided: a few discoveries each seen once, or no spread). Every column on the same problems:", "",
             table(verdict_table(same, novel, by_problem=False),
                   {"family": "family", **{a.name: volume[a.name] for a in sorted(
                       same, key=lambda a: (a.attempts * len(a.runs), a.name))}}), ""]
    for bank in sorted({a.bank for a in deep}):  # other problem sets: a table each, named by its bank
        mine = sorted((a for a in deep if a.bank == bank), key=lambda a: (a.attempts * len(a.runs), a.name))
        models_here = " (the model's bank)" if any(a.name in models for a in mine) else ""
        lines += [f"On the {bank} bank{models_here}, {len(problem_ids(mine[0]))} of those problems:", "",
                  table(verdict_table(mine, novel, by_problem=True),
                        {"family": "problem", **{a.name: volume[a.name] for a in mine}}), ""]
    for what in ("uniform search", "heavy-tailed search", "adaptive search"):
        mine = [a for a in same if kind(a, models) == what]
        if not mine:
            continue
        arm = max(mine, key=lambda a: (a.attempts, a.name))
        counts = novel.loc[arm.name]["verdict"].value_counts()
        tally = ", ".join(f"{int(n)} {v}" for v, n in sorted(counts.items()))
        lines.append(f"- **{what.capitalize()}** ({arm.name}, {arm.attempts:,} attempts per problem per seed): "
                     f"over {len(arm.families)} families, {tally}.")
    own = f.operators[f.operators["operator"] == "model"].set_index("arm") if len(f.operators) else None
    for name, r in (f.real_model.groupby("arm", sort=True) if len(f.real_model) else []):
        mine = (f", {num(own.loc[name, 'novel'])} of them found first by the model itself"
                if own is not None and name in own.index else "")
        lines.append(f"- **A model** ({name}, {len(r)} problems of its own {r['bank'].iloc[0]} bank): "
                     f"{num(r['model_novel'].sum())} novel discoveries per seed{mine}, against uniform search's "
                     f"{num(r['random_novel_at_compute'].sum())} at equal compute (see A real model).")
    lines.append("")
    funnel = f.funnel[f.funnel["attempts"].notna() & (f.funnel["solved"] > 0)]
    if len(funnel):
        shares = ", ".join(f"{r['arm']} {num(r['interesting_share_of_solved'] * 100)}%" for _, r in funnel.iterrows())
        reference = REFERENCE_FUNNEL["interesting"] / REFERENCE_FUNNEL["solved"] * 100
        lines.append(f"Share of solved problems that got an interesting solution: {shares}; in the reference "
                     f"funnel {num(reference)}% ({REFERENCE_FUNNEL['interesting']} of {REFERENCE_FUNNEL['solved']}).")
    checked = trust(f.forecast_check) if len(f.forecast_check) else pd.DataFrame()
    observed = checked[checked["against"] == "observed"] if len(checked) else checked
    if len(observed):
        held = observed.groupby("reach")[["inside", "rows"]].sum()
        lines.append("Forecasts from the first 1% of each i.i.d. arm's attempts held the actual count inside their "
                     "95% band in " + ", ".join(f"{int(r['inside'])} of {int(r['rows'])} rows at {reach}x"
                                                for reach, r in held.iterrows()) + " (see Forecasts).")
    if len(f.audit):
        valid, disputed = int(f.audit["valid_checked"].sum()), int(f.audit["valid_disputed"].sum())
        wrong, against = int(f.audit["wrong_checked"].sum()), int(f.audit["wrong_disputed"].sum())
        lines.append(f"An independent checker re-checked all {valid:,} solution verdicts and {wrong:,} wrong ones: "
                     f"it disputed {disputed} and {against} (see Verifier audit).")
    enumerated = f.misses[f.misses["enumerated"]] if len(f.misses) else f.misses
    if len(enumerated):
        lines.append(f"Of the {int(enumerated['checked'].sum()):,} enumerated solution points checked on "
                     f"{len(enumerated)} instances, the verifier and its batch check missed "
                     f"{int(enumerated['missed'].sum())} (see Verifier audit).")
    solvers = ", ".join(sorted({a.solver for a in f.arms}))
    recordings = sorted({recording_of(r) for a in model_arms(f.arms) for r in a.runs if recorded(r)})
    scripted = f" (model answers replayed from recordings in {', '.join(recordings)})" if recordings else ""
    lines += ["", *problem_sentences(study), "", (
        "What this does not show: these are toy problems, verified exactly, attacked by the solvers "
        f"{solvers}{scripted}, "
        f"at volumes up to {max(a.attempts * len(a.runs) for a in f.arms):,} attempts per problem (seeds pooled). "
        "That yield "
        "grows, slows or stops here says how volume pays on problems of these shapes; the thesis about real "
        "models on real open problems is only as supported as the analogy between those and these.")]
    return "\n".join(lines)


def novel_problems(arm: Arm) -> set[str]:
    """Problems on which some seed of the arm made a novel discovery."""
    return {pid for d in arm.discoveries() for pid in d.loc[d["first_novel"].notna(), "problem_id"]}


def problem_sentences(arms: list[Arm]) -> list[str]:
    """Which problems yielded to volume, which to search, which to neither."""
    bank_arms = [a for a in arms if a.solver in ("random", "evolve")]
    attempted = sorted(set().union(*(problem_ids(a) for a in bank_arms)))
    by_random = set().union(*(novel_problems(a) for a in bank_arms if a.solver == "random"))
    by_evolve = set().union(*(novel_problems(a) for a in bank_arms if a.solver == "evolve"))
    out = [f"{len(by_random)} of the {len(attempted)} problems that random or evolve attempted got a novel "
           f"solution from random search at some volume."]
    deep = [a for a in bank_arms if a.solver == "random" and a.exchangeable]
    small = min(deep, key=lambda a: a.attempts, default=None)
    for large in deepest(deep):
        if large.attempts <= small.attempts:
            continue
        late = sorted(novel_problems(large) - novel_problems(small))
        shared = sorted(problem_ids(large) & set(attempted))
        out.append(f"Of the {len(shared)} problems given {large.attempts:,} attempts per seed, "
                   f"{len(late)} got their first novel solution only beyond {small.attempts:,}"
                   + (f": {', '.join(late)}." if late else "."))
        out += last_step(large, [a.attempts for a in deep if small.attempts < a.attempts < large.attempts
                                 and problem_ids(a) & problem_ids(large)])
    if by_evolve:
        only_evolve, only_random = sorted(by_evolve - by_random), sorted(by_random - by_evolve)
        out.append(f"Problems with a novel solution: {len(by_evolve)} by evolve, {len(by_random)} by random; "
                   f"only by evolve: {len(only_evolve)}{' (' + ', '.join(only_evolve) + ')' if only_evolve else ''}, "
                   f"only by random: {len(only_random)}{' (' + ', '.join(only_random) + ')' if only_random else ''}.")
    by_any = set().union(*(novel_problems(a) for a in arms))
    untouched = [pid for pid in attempted if pid not in by_any]
    if untouched:
        out.append(f"No solver found anything novel on {len(untouched)}: {', '.join(untouched)}. Each has "
                   "solutions (problems/README.md gives the construction or search that finds them), rarer "
                   "than these volumes reach or outside the space the solvers sample (large heights, wide "
                   "boxes).")
    return [f"- {sentence}" for sentence in out]


def deepest(arms: list[Arm]) -> list[Arm]:
    """The arms that gave each of their problems the most attempts of any arm that shares it
    (several, where arms went deepest on different problems), largest volume first."""
    return sorted((a for a in arms if all(b.attempts <= a.attempts for b in arms if problem_ids(b) & problem_ids(a))),
                  key=lambda a: -a.attempts)


def last_step(large: Arm, volumes_below: list[int]) -> list[str]:
    """What a deepest random arm's volume bought beyond the next volume below it on its problems,
    read off its own runs (a discovery's first novel attempt): the extra volume's share of its yield."""
    if not volumes_below:
        return []
    step = max(volumes_below)
    novel = [d.loc[d["first_novel"].notna()] for d in large.discoveries()]
    by_step = sum(int((d["first_novel"] < step).sum()) for d in novel) / len(novel)
    beyond = sum(len(d) for d in novel) / len(novel) - by_step
    on = sorted({pid for d in novel for pid in d.loc[d["first_novel"] >= step, "problem_id"]})
    first = sorted(set(on) - {pid for d in novel for pid in d.loc[d["first_novel"] < step, "problem_id"]})
    return [f"Beyond {step:,} attempts per seed, {large.name}'s {large.attempts:,} added {num(beyond)} novel "
            f"discoveries per seed to the {num(by_step)} found by then"
            + (f" ({num(100 * beyond / (beyond + by_step))}% of its yield, on {', '.join(on)})" if on else "")
            + f", and {len(first)} problem{'' if len(first) == 1 else 's'} got {'its' if len(first) == 1 else 'their'} "
              "first novel solution there"
            + (f": {', '.join(first)}." if first else ".")]


def recorded(run) -> bool:
    """Whether the run's model answered from a recording (server=recording)."""
    return (run.summary.get("server") or {}).get("name") == "recording"


def recording_of(run) -> str:
    """Where a replayed run's recordings live, as the run's config names it (relative)."""
    settings = run.config.get("solver", {})
    path = run.config.get("server", {}).get("path") or (settings.get("llm") or settings).get("record_dir") or "?"
    return str(PurePath(path).parent)


def model_table(arms: list[Arm]) -> pd.DataFrame:
    rows = []
    for arm in model_arms(arms):
        summaries = [r.summary for r in arm.runs]
        attempts = sum(s["attempts"] for s in summaries)
        rows.append({
            "arm": arm.name, "solver": arm.solver, "answers": answers(arm), "attempts": arm.attempts,
            "seeds": len(arm.runs), "tokens": sum(s["spend"]["tokens"] for s in summaries) / attempts,
            "server_cpu": sum(s["spend"]["server_cpu_s"] for s in summaries) / len(summaries),
            "malformed": sum(s["tiers"]["malformed"] for s in summaries) / attempts,
            "source": "recording" if all(recorded(r) for r in arm.runs) else "live"})
    return pd.DataFrame(rows)


def real_model_section(f: Findings) -> list[str]:
    """The model's arms beside random search on the same problems, per problem; then the models,
    the stubs and random search at equal compute."""
    return [*beside_random(f), "", *equal_compute.section(f.equal_compute, f.arms, f.figures.get("equal_compute"))]


def beside_random(f: Findings) -> list[str]:
    if not len(f.real_model):
        return ["No arm in this sweep spent tokens beside a random arm on its bank."]
    r = f.real_model
    leaked = bool(r["example_is_solution"].any())  # only in the statements' first wording
    lines = [
        "Arms whose candidates came (partly) from a language model, beside random search on the same "
        "problems. Compute is CPU seconds: verification plus the model server's own CPU (measured when "
        "recorded, counted per token on replay); equal compute means random search given the CPU seconds "
        "the model's whole arm used (mean of seeds). Per problem, mean per seed: distinct solutions (any "
        "tier) and novel ones. Table: `real_model.csv`.", "",
        *([f"![real model]({f.figures['real_model']})", ""] if "real_model" in f.figures else []),
        table(model_table(f.arms), {"arm": "arm", "solver": "solver", "answers": "answers",
                                    "attempts": "attempts per problem", "seeds": "seeds",
                                    "tokens": "tokens per attempt", "server_cpu": "server CPU s per seed",
                                    "malformed": "malformed share", "source": "answers from"}), "",
        table(r, {"problem_id": "problem", "arm": "arm", "model_valid": "solutions", "model_novel": "novel",
                  "random_valid": "random, equal attempts", "random_novel": "(novel)",
                  "random_attempts_at_compute": "random's attempts at equal compute",
                  "random_valid_at_compute": "random, equal compute", "random_novel_at_compute": "(novel) ",
                  **({"example_is_solution": "prompt's example solves it",
                      "model_beyond_example": "model, beyond the example"} if leaked else {})}), "",
        *old_prompts(r), *([] if leaked else ["No prompt's example answer is a solution of its problem.", ""])]
    for arm, part in r.groupby("arm", sort=True):
        total = lambda column: num(round(float(part[column].sum()), 9))  # noqa: E731 (means of thirds: 3, not 3.00)
        solved = int((part["model_valid"] > 0).sum())
        random_solved = int((part["random_valid"] > 0).sum())
        at_compute = int((part["random_valid_at_compute"] > 0).sum())
        first = part.iloc[0]
        echoed = part[part["example_is_solution"] & (part["model_valid"] > 0)]
        capped = (f"; all it ran, {num(first['random_compute_s'])} CPU s against this arm's "
                  f"{num(first['compute_s'])}" if first["random_capped"] else "")
        lines.append(
            f"- {arm}: in {first['attempts']:,} attempts per problem it found solutions (in some seed) on "
            f"{solved} of {len(part)} problems (mean per seed: {total('model_valid')} distinct, "
            f"{total('model_novel')} novel); random search at equal attempts on {random_solved} "
            f"({total('random_valid')}, {total('random_novel')}), at equal compute "
            f"({num(first['random_attempts_at_compute'])} attempts per problem{capped}) on {at_compute} "
            f"({total('random_valid_at_compute')}, {total('random_novel_at_compute')})."
            + (f" On {len(echoed)} of its {solved} solved problems the prompt's own example answer is a solution; "
               f"beyond those examples: {total('model_beyond_example')} distinct solutions per seed."
               if part["example_is_solution"].any() else ""))
    return lines


def operators_section(f: Findings) -> list[str]:
    """Who found what in the arms where a model proposed beside other operators (evolve's)."""
    if not len(f.operators):
        return []
    shown = f.operators.assign(attempt_share=f.operators["attempt_share"] * 100,
                               valid_share=f.operators["valid_share"] * 100)
    lines = [
        "Where a model proposed beside other operators (evolve's mutation, crossover, copies and fresh "
        "samples), each distinct solution is credited to the operator of the attempt that found it first "
        "(the attempt records' `operator` column; evolve's own random draws decide which attempts go to "
        "the model, so a replay asks it at exactly the recorded attempts). Mean per seed, all problems. "
        "Table: `real_model_operators.csv`.", "",
        table(shown, {"arm": "arm", "operator": "operator", "attempts": "attempts",
                      "attempt_share": "% of attempts", "valid": "solutions found first", "novel": "(novel)",
                      "example": "(the prompt's example)", "valid_share": "% of the arm's solutions",
                      "valid_per_1000": "solutions per 1,000 attempts"}), ""]
    for arm, part in f.operators.groupby("arm", sort=True):
        by = part.set_index("operator")
        if "model" not in by.index:
            lines.append(f"- {arm}: its runs do not say which operator proposed each attempt (made before the "
                         "records had an `operator` column): run it again, or replay its recording, to attribute.")
            continue
        model, others = by.loc["model"], by.drop(index="model")
        lines.append(
            f"- {arm}: the model's own discoveries, {num(model['valid'])} distinct solutions per seed "
            f"({num(model['novel'])} novel; {num(model['example'])} of them the prompt's example answer), are "
            f"{num(model['valid_share'] * 100)}% of the arm's, from {num(model['attempt_share'] * 100)}% of its "
            f"attempts; the other operators found {num(others['valid'].sum())} ({num(others['novel'].sum())} "
            f"novel) in the rest.")
    return [*lines, ""]


def old_prompts(r: pd.DataFrame) -> list[str]:
    """A sentence on model arms asked in an older wording of the statements than the current one."""
    old = r[r["statement_version"] < STATEMENT_VERSION] if "statement_version" in r else r.iloc[:0]
    if not len(old):
        return []
    arms = ", ".join(sorted(set(old["arm"])))
    leaks = ", ".join(sorted(set(old.loc[old["example_is_solution"], "problem_id"])))
    return [f"The model arms {arms} use the old prompts: they replay recordings asked in the statements' "
            f"first wording (`solver.statement_version=1`, pinned so that the recorded prompts are found), whose "
            "example answers were sometimes solutions"
            + (f" (here on {leaks}: the column \"prompt's example solves it\")" if leaks else "")
            + f". The current statements (version {STATEMENT_VERSION}) show the answer format with an example that "
            "is no solution; the recording is to be made again with them.", ""]


def forecast_table(f: Findings) -> pd.DataFrame:
    """Per i.i.d. arm and family, novel tier: found, extrapolated to 2x, forecast to 10x and 100x."""
    rows = []
    novel = f.curves[(f.curves["tier"] == "novel")]
    for (arm, family), part in novel.groupby(["arm", "family"], sort=True):
        ahead = part[part["method"] == "forecast"]
        if not len(ahead):
            continue
        at = part[part["method"] == "observed"].iloc[0]
        doubled = part[part["method"] == "extrapolation"].iloc[-1]
        ten = ahead.iloc[int(np.argmin(np.abs(ahead["m"] - 10 * at["m"])))]
        rows.append({"arm": arm, "family": family, "volume": at["m"], "found": at["estimate"],
                     "doubled": band(doubled), "ten": band(ten), "hundred": band(ahead.iloc[-1])})
    return pd.DataFrame(rows)


def trust(check: pd.DataFrame) -> pd.DataFrame:
    """Per arm, comparison and reach: rows checked, rows whose actual value lay inside the 95% band."""
    fitted = check[check["inside"].notna()]
    if not len(fitted):
        return pd.DataFrame()
    return (fitted.assign(inside=fitted["inside"].astype(bool))
            .groupby(["arm", "against", "reach"], sort=True)
            .agg(rows=("inside", "size"), inside=("inside", "sum")).reset_index()
            .assign(share=lambda d: d["inside"] / d["rows"]))


def trust_sentences(table: pd.DataFrame) -> list[str]:
    out = []
    for (arm, against), part in table.groupby(["arm", "against"], sort=True):
        held = part[part["share"] >= TRUSTED_SHARE]["reach"].tolist()
        shares = ", ".join(f"{int(r['inside'])} of {int(r['rows'])} at {int(r['reach'])}x" for _, r in part.iterrows())
        reaches = part["reach"].tolist()
        if held == reaches:
            verdict = f"it held at every reach checked: trust it to {max(reaches)}x on problems like these"
        elif held and held == reaches[:len(held)]:
            verdict = (f"it held to {max(held)}x and not beyond: trust it to {max(held)}x, and read the dotted part "
                       "of the curves beyond that as a guess")
        else:
            verdict = ("it did not hold even at the nearest reach: the dotted curves are not to be trusted "
                       "for problems like these")
        out.append(f"- {arm} (against the {against} value): bands held the actual value in {shares}; {verdict}.")
    return out


def forecasts_section(f: Findings) -> list[str]:
    lines = [
        "Beyond twice the volume, where Chao's extrapolation stops, each i.i.d. curve is forecast to 100x (dotted "
        "in the yield figures): the discoveries' detection rates fitted as gamma-distributed, so incidence counts "
        "are negative binomial (Fisher, Corbet & Williams 1943; near its log-series limit the growth is about "
        "logarithmic), zero-truncated, by maximum likelihood; 95% bands from a parametric bootstrap. Novel tier "
        "(all tiers in `curves.csv`, method `forecast`):", "",
        table(forecast_table(f), {"arm": "arm", "family": "family", "volume": "attempts (pooled)",
                                  "found": "novel found", "doubled": "2x (Chao)", "ten": "10x (forecast)",
                                  "hundred": "100x (forecast)"}), "",
        "### Checked against runs that went there", "",
        "Each i.i.d. arm forecast from the first 1% of its attempts (seeds pooled) to 10x and 100x that, against "
        "what its runs actually found by then; the synthetic arm forecast from its whole run to 10x and 100x "
        "against its true expected yield. The band is of an expected count, so an observed count (an integer) "
        "is inside when it lies within the band taken out to the integers around it. Rows with fewer than three "
        "discoveries at the origin are not fitted. "
        "Table: `forecast_check.csv`.", ""]
    check = f.forecast_check
    if not len(check):
        return lines + ["No i.i.d. arm in this sweep kept early counts (runs made before the check existed)."]
    summary = trust(check)
    if len(summary):
        lines += [table(summary, {"arm": "arm", "against": "against", "reach": "reach (x)", "rows": "rows fitted",
                                  "inside": "inside 95% band", "share": "share inside"}), "",
                  *trust_sentences(summary), ""]
    else:  # e.g. a short sweep
        lines += ["No row had three discoveries at its origin: nothing was fitted, so no forecast is checked.", ""]
    study = [a for a in f.arms if a.exchangeable and a.solver == "random"]
    deep = max(study, key=lambda a: (a.attempts, a.name)) if study else None
    shown = check[check["arm"].isin([deep.name] if deep else []) | (check["against"] == "true expected")]
    if len(shown):
        lines += [f"Per problem and tier, for {deep.name if deep else ''} and the synthetic urn:", "",
                  table(shown.assign(forecast=shown.apply(lambda r: band(r) if math.isfinite(r["estimate"])
                                                          else r["note"], axis=1)),
                        {"arm": "arm", "problem_id": "problem", "tier": "tier", "from": "from (pooled)",
                         "found_at_origin": "found there", "to": "to", "forecast": "forecast [95%]",
                         "actual": "actual", "inside": "inside"}), ""]
    solved = f.solved_forecast
    if len(solved):
        lines += [
            "### Problems solved", "",
            "The expected share of an arm's problems solved at least once, far beyond the run: each problem's "
            "chance per attempt fitted as Beta across problems to the problems' counts of solving attempts, unsolved "
            "ones included (beta-binomial, the distributional estimator of Schaeffer et al. 2025), 95% bootstrap "
            "over problems; beside it the power law -log(coverage) = a k^b of Brown et al. (2024) fitted to the "
            "rarefied coverage curve. Table: `solved_forecast.csv`.", "",
            table(solved.assign(forecast=solved.apply(lambda r: band(r, "share"), axis=1)),
                  {"arm": "arm", "problems": "problems", "reach": "x volume", "attempts": "attempts (pooled)",
                   "observed": "share solved", "forecast": "forecast [95%]", "power_law": "power law"}), ""]
    return lines


def prices_section(f: Findings) -> list[str]:
    if not len(f.prices):
        return ["No i.i.d. arm in this sweep."]
    novel = f.prices[(f.prices["tier"] == "novel") & (f.prices["observed"] > 0)]
    left = novel[novel["more_attempts"] > 0]
    rows = left.assign(
        more=left.apply(lambda r: (num(r["more_attempts"]) if math.isfinite(r["more_attempts"]) else "never")
                        + ("" if r["trusted"] else " (beyond 2x: untrusted)"), axis=1),
        each=left["per_discovery"].map(lambda x: num(x) if math.isfinite(x) else "-"))
    return [
        "For each i.i.d. arm and problem: to find 90% of what that solver can find there (Chao's asymptote), how "
        "many more attempts (pooled over seeds), by inverting the extrapolation the curves use (Chao et al. 2014; "
        "Chao's asymptote is a lower bound, so this is the price of 90% of at least that much); "
        "and the expected attempts per new discovery at the end of the run. Beyond twice the run's volume the "
        "extrapolation is not trusted, and the row says so. Novel tier, problems with a novel discovery and "
        f"something left to find ({len(novel) - len(left)} more are at 90% already); every tier in `prices.csv`.", "",
        table(rows, {"arm": "arm", "problem_id": "problem", "volume": "attempts (pooled)", "observed": "novel found",
                     "chao": "Chao", "more": "to find 90% of Chao's lower bound: more attempts",
                     "each": "attempts per new discovery now"}) if len(rows) else "Every row is at 90% already."]


def audit_section(f: Findings) -> list[str]:
    """What an independent checker said of the verifier's verdicts (harness.audit), and the miss
    check of every enumerated solution point."""
    unchecked = ([f"Not audited (no independent checker of the family): {', '.join(f.not_audited)}. Its verdicts "
                  "stand as the verifier gave them.", ""] if f.not_audited else [])
    if not len(f.audit):
        none_has_one = bool(f.not_audited) and {x for arm in f.arms for x in arm.families} <= set(f.not_audited)
        why = ("no family of these runs has one" if none_has_one
               else "the runs' attempt records (their Parquet shards) were not reachable from here")
        return [*unchecked, f"Not audited: {why}.", *([""] + misses_lines(f.misses) if len(f.misses) else [])]
    a = f.audit
    total = {column: int(a[column].sum()) for column in ("valid_checked", "valid_disputed", "wrong_checked",
                                                          "wrong_disputed")}
    columns = {"family": "family", "valid_checked": "valid checked", "valid_disputed": "checker disagrees",
               "false_valid_upper": "false-valid rate, 95% upper", "wrong_checked": "wrong checked",
               "wrong_disputed": "checker disagrees", "false_wrong_upper": "false-wrong rate, 95% upper"}
    if "misses" in a:
        columns["misses"] = "misses, enumerated solution points"
    return [
        "Stroebl et al. (2024, \"Inference Scaling fLaws\") show that a verifier's false positives cap what "
        "resampling can buy. Every attempt the verifier called valid (or better) in these runs, and a random "
        "sample of the ones it called wrong, were checked again by an independent checker per family "
        "(`harness/audit.py`: its own parsing and plain integer or rational arithmetic, no code shared with "
        "the verifiers). Upper bounds: exact binomial (Clopper-Pearson) 95%, one-sided. Table: `audit.csv`.", "",
        table(a, columns), "", *unchecked,
        f"In all: {total['valid_checked']:,} valid verdicts checked, {total['valid_disputed']} disputed; "
        f"{total['wrong_checked']:,} wrong verdicts checked, {total['wrong_disputed']} disputed"
        + (". The disputed attempts (all in `audit_disputes.csv`), each to be read as a possible verifier error:"
           if len(f.disputes) else "."),
        *([""] + [f"- {r['problem_id']}, verdict {r['tier']}: `{r['candidate']}` (run {r['run_id'][:8]})"
                  for _, r in f.disputes.head(10).iterrows()] if len(f.disputes) else []),
        *([""] + misses_lines(f.misses) if len(f.misses) else [])]


def misses_lines(misses: pd.DataFrame) -> list[str]:
    """Per enumerated instance: its solution points checked and missed (harness.audit.misses.miss_check)."""
    enumerated = misses[misses["enumerated"]]
    others = sorted(misses.loc[~misses["enumerated"], "problem_id"])
    missed = int(enumerated["missed"].sum())
    lines = [
        "A sample of wrong verdicts bounds the false-wrong rate, but cannot rule out rare misses, and rare hits are "
        "what the thesis counts. So wherever the solutions of an instance's box are enumerated (the exact truth, "
        "`Problem.solution_points`), every solution point, each ordering that is a solution, confirmed by the "
        "independent checker, was put to the family's scalar verifier (tier valid or better) and to its batch "
        "check (`batch_valid` over an int64 array): a miss is seen, not bounded. Where there are more than "
        "50,000 orderings (Golomb rulers of 5 marks or more), every point was checked in representative orderings, "
        "as the row says. Table: `audit_misses.csv`.", ""]
    if len(enumerated):
        lines += [table(enumerated, {"problem_id": "problem", "checked": "checked", "scalar_missed": "verifier missed",
                                     "batch_missed": "batch check missed", "misses": "misses"}), "",
                  f"In all: {missed} of {int(enumerated['checked'].sum()):,} enumerated solution points missed, on "
                  f"{len(enumerated)} instances ({int(enumerated['exhaustive'].sum())} exhaustive)"
                  + (": the missed points are in `audit_misses.csv`." if missed else ".")]
    if others:
        lines += ["", f"Not enumerated ({len(others)} instances; there the sampled false-wrong bound of the family "
                      f"is all the audit says): {', '.join(others)}."]
    return lines


def sweep_table(arms: list[Arm]) -> pd.DataFrame:
    rows = []
    for arm in arms:
        summaries = [r.summary for r in arm.runs]
        rows.append({
            "arm": arm.name, "solver": arm.solver, "bank": arm.bank,
            "problems": summaries[0]["problems"], "families": len(arm.families),
            "attempts": arm.attempts, "seeds": ", ".join(str(s) for s in arm.seeds),
            "kind": "i.i.d." if arm.exchangeable else "adaptive",
            "total": sum(s["attempts"] for s in summaries),
            "rate": sum(s["attempts_per_s"] for s in summaries) / len(summaries),
            "seconds": sum(s["elapsed_s"] + s.get("startup_s", 0) for s in summaries),
            "timeouts": sum(s["tiers"].get("timeout", 0) for s in summaries),
        })
    return pd.DataFrame(rows)


def render(f: Findings, created: str) -> str:
    v = f.verdicts.assign(slope_text=f.verdicts.apply(interval, axis=1), reached=f.verdicts.apply(reached, axis=1))
    exchangeable = v[v["chao"].notna()]
    detected = exchangeable[exchangeable["observed"] > 0].assign(
        chao_text=lambda d: d.apply(lambda r: shown(r["chao"], r["chao_lower"], r["chao_upper"]), axis=1))
    sweep = sweep_table(f.arms)
    parts = [
        f"# Yield against volume{': ' + f.experiment if f.experiment else ''}",
        "",
        f"Made by `harness-report` from {sum(len(a.runs) for a in f.arms)} runs ({f.source}) on {created}. "
        "Every number below is in the CSV files beside this report; `make report` regenerates all of it.",
        "",
        "## Conclusion", "", conclusion(f), "",
        "## The sweep", "",
        *([f.description, ""] if f.description else []),
        "One arm is one solver on one bank at one volume, run once per seed (`configs/arm/`).", "",
        table(sweep, {"arm": "arm", "solver": "solver", "bank": "bank", "problems": "problems",
                      "families": "families", "attempts": "attempts per problem", "seeds": "seeds",
                      "kind": "attempts", "total": "attempts, all seeds", "rate": "attempts/s (mean)",
                      "seconds": "seconds, all seeds", "timeouts": "timeouts"}), "",
        "## Yield curves", "",
        "Distinct discoveries per family against attempts per problem, one panel per tier (valid: "
        "correct; novel: correct, not known, not trivial; interesting: novel and notable). i.i.d. arms: "
        "seeds pooled, rarefied (solid) up to the pooled volume and extrapolated (dashed) to twice it, "
        "95% bootstrap bands. Adaptive arms: observed, mean of seeds, 95% seed-to-seed band. Table: "
        "`curves.csv`.", "",
    ]
    parts += [f"![{family}]({name})" for key, name in f.figures.items() if key.startswith("yield_")
              for family in [key.removeprefix("yield_")]]
    parts += [
        "", "## Slope and verdict", "",
        "Slope of log(discoveries) on log(attempts) over the last decade of volume: 1 is proportional "
        "(the volume thesis), below 1 diminishing returns. Verdict, from the slope's interval: faster than "
        "proportional if it lies above 1 (an adaptive search can), proportional if it contains 1, saturated if "
        "it lies wholly below 0.1, diminishing otherwise; undecided when it has no spread or when fewer than "
        "ten discoveries were each seen once (their rarefied curve is a straight line by construction); "
        "adaptive arms: saturated when no seed found anything new in the last decade. A saturated "
        "curve still has a slope when its last discoveries were first reached inside the window; the last "
        "column says by which volume it had reached 50%, 90% and 99% of its asymptote (`reason` in the table "
        "says it in words). "
        "Intervals: bootstrap 95%; for adaptive arms, each seed's discoveries resampled, seeds averaged. "
        "Table: `verdicts.csv`.", "",
        f"![slopes]({f.figures['slopes']})", "",
        table(v, {"family": "family", "tier": "tier", "arm": "arm", "volume": "volume",
                  "observed": "found", "slope_text": "slope [interval]", "verdict": "verdict",
                  "reached": "saturated: 50% / 90% / 99% of it by"}), "",
        "## Discoveries left undetected", "",
        "Chao's estimate of the distinct discoveries the i.i.d. arm would make with unlimited volume "
        "(Chao2 for incidence data, log-normal 95% interval), and what it leaves undetected; rows with "
        "at least one discovery. It is a lower bound (Chao 1984): read it as \"at least\"; where the truth "
        "is known, Against the truth sets it beside the discoveries in reach. Adaptive arms have none: their "
        "attempts are not exchangeable.", "",
        table(detected, {"family": "family", "tier": "tier", "arm": "arm", "observed": "found",
                         "chao_text": "Chao, at least [95%]", "undetected": "undetected", "coverage": "coverage"}), "",
        "## Forecasts", "", *forecasts_section(f), "",
        "## The price of the next discovery", "", *prices_section(f), "",
        "## Funnel", "",
        f"Per arm, mean per seed, beside the reported funnel of an LLM on about "
        f"{REFERENCE_FUNNEL['problems']} open problems: {REFERENCE_FUNNEL['solved']} solved, "
        f"{REFERENCE_FUNNEL['interesting']} interesting. Table: `funnel.csv`.", "",
        f"![funnel]({f.figures['funnel']})", "",
        table(f.funnel, {"arm": "arm", "attempts": "attempts", "attempts_valid": ">= valid",
                         "attempts_novel": ">= novel", "attempts_interesting": ">= interesting",
                         "problems": "problems", "solved": "solved", "problems_novel": "with novel",
                         "problems_interesting": "with interesting",
                         "interesting_share_of_solved": "interesting / solved"}), "",
        "## Equal cost", "",
        f"Arms on the same bank at the largest budget all of them reached: in dollars (token prices, "
        f"`solver.prices`, plus compute at an assumed ${f.usd_per_core_hour:g} per core-hour, "
        "`--usd-per-core-hour`), in compute alone (CPU seconds: verification, the solver's own work, and a "
        "model server's CPU in place of its requests' waiting) and in attempts. Mean of seeds. Table: "
        "`equal_cost.csv`.", "",
    ]
    parts += [f"![{key}]({f.figures[key]})\n" for key in ("equal_cost", "tokens") if key in f.figures]
    parts += [
        table(f.equal_cost, {"bank": "bank", "axis": "compared at equal", "arm": "arm", "budget": "budget",
                             "attempts": "attempts", "usd": "$", **{t: t for t in TIERS}, "tokens": "tokens",
                             "compute_s": "compute s", "full_usd": "whole arm, $"})
        if len(f.equal_cost) else "No two arms share a bank.", "",
        "## A real model", "", *real_model_section(f), "", *operators_section(f),
        "## Calibration", "",
        "The synthetic solver draws from a known distribution, so its true expected yield is known: "
        "the estimator's band should contain it, at a tenth of the pooled volume and at it (rarefaction) "
        "and at twice it (extrapolation). Table: `calibration.csv`.", "",
        table(f.calibration, {"arm": "arm", "family": "family", "m": "attempts", "method": "method",
                              "estimate": "estimate", "lower": "lower", "upper": "upper", "truth": "true",
                              "inside": "inside"}) if len(f.calibration) else "No synthetic arm in this sweep.", "",
        "## Against the truth", "", *truth_section(f.truth_check, f.verdicts, f.arms), "",
        "## Verifier audit", "", *audit_section(f), "",
        "## Reproducing", "",
        "`make report` deletes the sweep's runs, runs `harness-run experiment=volume_thesis` (same seeds) "
        "and this report again. Attempts are seeded per (seed, problem, attempt), so every count of "
        "attempts, tiers and discoveries, every curve, slope, verdict, Chao estimate, forecast and its check, "
        "price, funnel, calibration number and audit count is reproduced exactly; bootstrap bands and the "
        "audit's sample use fixed seeds too. What depends "
        "on the machine: timings (attempts/s, seconds, compute seconds) and so the dollar axis and the "
        "equal-cost budget, within about 30% between runs on a shared 2-core machine; the counts at "
        "that budget move with it. A verification slower than `verify_timeout_s` (5 s) on a loaded "
        f"machine would turn an attempt into tier timeout: this sweep had {num(sweep['timeouts'].sum())}.",
    ]
    return "\n".join(parts) + "\n"
