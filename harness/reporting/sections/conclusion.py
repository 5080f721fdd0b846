"""What each search found: the answer's evidence per bank, from comparable rows, then what it does and does not show."""
from __future__ import annotations

import pandas as pd

from harness.reporting.arms import ADAPTIVE, HEAVY_TAILED, MODEL, UNIFORM, Arm, kind, of_kind, problem_ids
from harness.reporting.markdown import num, table
from harness.reporting.problems_found import problem_sentences
from harness.reporting.science import REFERENCE_FUNNEL
from harness.reporting.sections.forecasts import trust
from harness.reporting.sections.real_model import recorded, recording_of

TITLE = "What each search found"


def widest(arms: list[Arm]) -> Arm:
    return max(arms, key=lambda a: (len(problem_ids(a)), a.name))


def studied(arms: list[Arm]) -> list[Arm]:
    """The arms on the problems under study: those of the arm with the most problems, and every arm
    whose problems are among them. Arms on other problems (a calibration urn, an LLM's small
    bank of its own) are side comparisons, reported in their own sections."""
    return [a for a in arms if problem_ids(a) <= problem_ids(widest(arms))]


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


def markdown(f) -> list[str]:
    """The answer per kind of search, from comparable rows only: one table of the arms on the studied
    bank's own problems (same problems in every column), one of the arms on its deep instances; then
    what that does and does not show. Arms on other banks (the model's, the urn) have their sections."""
    novel = f["verdicts"][f["verdicts"]["tier"] == "novel"].set_index(["arm", "family"])
    study = studied(f.arms)
    main = widest(study)
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
        models_here = " (the model's bank)" if of_kind(mine, MODEL) else ""
        lines += [f"On the {bank} bank{models_here}, {len(problem_ids(mine[0]))} of those problems:", "",
                  table(verdict_table(mine, novel, by_problem=True),
                        {"family": "problem", **{a.name: volume[a.name] for a in mine}}), ""]
    for what in (UNIFORM, HEAVY_TAILED, ADAPTIVE):
        mine = [a for a in same if kind(a) == what]
        if not mine:
            continue
        arm = max(mine, key=lambda a: (a.attempts, a.name))
        counts = novel.loc[arm.name]["verdict"].value_counts()
        tally = ", ".join(f"{int(n)} {v}" for v, n in sorted(counts.items()))
        lines.append(f"- **{what.capitalize()} search** ({arm.name}, {arm.attempts:,} attempts per problem per seed): "
                     f"over {len(arm.families)} families, {tally}.")
    own = f["real_model_operators"][f["real_model_operators"]["operator"] == "model"].set_index("arm") if len(f["real_model_operators"]) else None
    for name, r in (f["real_model"].groupby("arm", sort=True) if len(f["real_model"]) else []):
        mine = (f", {num(own.loc[name, 'novel'])} of them found first by the model itself"
                if own is not None and name in own.index else "")
        lines.append(f"- **A model** ({name}, {len(r)} problems of its own {r['bank'].iloc[0]} bank): "
                     f"{num(r['model_novel'].sum())} novel discoveries per seed{mine}, against uniform search's "
                     f"{num(r['random_novel_at_compute'].sum())} at equal compute (see A real model).")
    lines.append("")
    funnel = f["funnel"][f["funnel"]["attempts"].notna() & (f["funnel"]["solved"] > 0)]
    if len(funnel):
        shares = ", ".join(f"{r['arm']} {num(r['interesting_share_of_solved'] * 100)}%" for _, r in funnel.iterrows())
        reference = REFERENCE_FUNNEL["interesting"] / REFERENCE_FUNNEL["solved"] * 100
        lines.append(f"Share of solved problems that got an interesting solution: {shares}; in the reference "
                     f"funnel {num(reference)}% ({REFERENCE_FUNNEL['interesting']} of {REFERENCE_FUNNEL['solved']}).")
    checked = trust(f["forecast_check"]) if len(f["forecast_check"]) else pd.DataFrame()
    observed = checked[checked["against"] == "observed"] if len(checked) else checked
    if len(observed):
        held = observed.groupby("reach")[["inside", "rows"]].sum()
        lines.append("Forecasts from the first 1% of each i.i.d. arm's attempts held the actual count inside their "
                     "95% band in " + ", ".join(f"{int(r['inside'])} of {int(r['rows'])} rows at {reach}x"
                                                for reach, r in held.iterrows()) + " (see Forecasts).")
    if len(f["audit"]):
        valid, disputed = int(f["audit"]["valid_checked"].sum()), int(f["audit"]["valid_disputed"].sum())
        wrong, against = int(f["audit"]["wrong_checked"].sum()), int(f["audit"]["wrong_disputed"].sum())
        lines.append(f"An independent checker re-checked all {valid:,} solution verdicts and {wrong:,} wrong ones: "
                     f"it disputed {disputed} and {against} (see Verifier audit).")
    enumerated = f["audit_misses"][f["audit_misses"]["enumerated"]] if len(f["audit_misses"]) else f["audit_misses"]
    if len(enumerated):
        lines.append(f"Of the {int(enumerated['checked'].sum()):,} enumerated solution points checked on "
                     f"{len(enumerated)} instances, the verifier and its batch check missed "
                     f"{int(enumerated['missed'].sum())} (see Verifier audit).")
    solvers = ", ".join(sorted({a.solver for a in f.arms}))
    recordings = sorted({recording_of(r) for a in of_kind(f.arms, MODEL) for r in a.runs if recorded(r)})
    scripted = f" (model answers replayed from recordings in {', '.join(recordings)})" if recordings else ""
    lines += ["", *problem_sentences(study), "", (
        "What this does not show: these are toy problems, verified exactly, attacked by the solvers "
        f"{solvers}{scripted}, "
        f"at volumes up to {max(a.attempts * len(a.runs) for a in f.arms):,} attempts per problem (seeds pooled). "
        "That yield "
        "grows, slows or stops here says how volume pays on problems of these shapes; the thesis about real "
        "models on real open problems is only as supported as the analogy between those and these.")]
    return lines
