"""The answer: the report's first screen. A title that is the answer, one paragraph in plain words,
one figure and one table (a row per family, every column on the same problems), and the terms
they use. Its numbers are its own tables' (answer.csv, answer_tally.csv) and equal_compute.csv's."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.analysis.fits import SATURATED_SLOPE, YieldVerdict
from harness.reporting.arms import ADAPTIVE, HEAVY_TAILED, MODEL, UNIFORM, Arm, kind, problem_sets
from harness.reporting.equal_compute import ALL
from harness.reporting.figures import _save, plt
from harness.reporting.markdown import interval, num, table

TITLE = "The answer"
SUMMARISES = True  # its tables are made from the other sections' (build.py computes them last)
KINDS = (UNIFORM, HEAVY_TAILED, ADAPTIVE, MODEL)  # the table's columns, in order
NAMES = {UNIFORM: "uniform search", HEAVY_TAILED: "heavy-tailed search", ADAPTIVE: "evolve (adaptive)",
         MODEL: "a language model"}
TIER = "novel"
SLOPE = ("slope", "slope_lower", "slope_upper")
SLOPE_DECIMALS = 4  # a slope of -1.8e-18 is 0 to any reader (and to answer.csv, whose numbers these are)
VERDICTS = [v.value for v in YieldVerdict]
PROPORTIONAL = (YieldVerdict.PROPORTIONAL.value, YieldVerdict.FASTER.value)


def comparable_set(arms: list[Arm], family: str) -> tuple[tuple[str, ...], list[Arm]] | None:
    """The family's problem set that the most kinds of search attempted, the deepest volume breaking ties."""
    sets = problem_sets([a for a in arms if kind(a) in KINDS], family)
    if not sets:
        return None
    return max(sets, key=lambda item: (len({kind(a) for a in item[1]}), max(a.attempts for a in item[1]), item[0]))


def answer_table(arms: list[Arm], verdicts: pd.DataFrame) -> pd.DataFrame:
    """One row per family and kind of search: on the family's comparable problem set, that kind's
    deepest arm, its novel discoveries (seeds pooled) and the slope of log yield on log volume."""
    novel = verdicts[verdicts["tier"] == TIER].set_index(["arm", "family"])
    rows = []
    for family in sorted({f for arm in arms for f in arm.families}):
        chosen = comparable_set(arms, family)
        if chosen is None:
            continue
        problems, on_set = chosen
        for what in KINDS:
            mine = [a for a in on_set if kind(a) == what]
            if not mine:
                continue
            arm = max(mine, key=lambda a: (a.attempts, a.name))
            v = novel.loc[(arm.name, family)]
            banks = ", ".join(sorted({a.bank for a in on_set}))
            rows.append({"family": family, "problems": len(problems),
                         "problem_set": problems[0] if len(problems) == 1 else f"{len(problems)} ({banks})",
                         "kind": what, "arm": arm.name, "attempts": arm.attempts, "seeds": len(arm.runs),
                         "novel": v["observed"], **{c: round(float(v[c]), SLOPE_DECIMALS) for c in SLOPE},
                         "verdict": v["verdict"]})
    return pd.DataFrame(rows, columns=["family", "problems", "problem_set", "kind", "arm", "attempts", "seeds",
                                       "novel", "slope", "slope_lower", "slope_upper", "verdict"])


def tally(answer: pd.DataFrame) -> pd.DataFrame:
    """Per kind of search: the families in the answer's table, how many of each verdict, and the
    volumes its deepest arms ran (attempts per problem per seed)."""
    rows = []
    for what in KINDS:
        mine = answer[answer["kind"] == what]
        if not len(mine):
            continue
        counts = mine["verdict"].value_counts()
        rows.append({"kind": what, "families": len(mine), "least_attempts": mine["attempts"].min(),
                     "most_attempts": mine["attempts"].max(),
                     **{verdict: int(counts.get(verdict, 0)) for verdict in VERDICTS}})
    return pd.DataFrame(rows, columns=["kind", "families", "least_attempts", "most_attempts", *VERDICTS])


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    answer = answer_table(arms, done["verdicts"])
    return {"answer": answer, "answer_tally": tally(answer)}


def figure(answer: pd.DataFrame, path) -> bool:
    """Each kind's slope per family with its 95% interval, beside proportional (1) and saturated."""
    shown = answer[np.isfinite(answer["slope"].astype(float))]
    if not len(shown):
        return False
    families = sorted(answer["family"].unique())
    fig, ax = plt.subplots(figsize=(11, 4.6), constrained_layout=True)
    for i, what in enumerate(KINDS):
        mine = shown[shown["kind"] == what]
        if not len(mine):
            continue
        x = np.array([families.index(f) for f in mine["family"]]) + (i - 1.5) * 0.16
        y = mine["slope"].astype(float).to_numpy()
        low = np.clip(y - mine["slope_lower"].astype(float).to_numpy(), 0, None)
        high = np.clip(mine["slope_upper"].astype(float).to_numpy() - y, 0, None)
        ax.errorbar(x, y, yerr=[low, high], fmt="osD^"[i], color=f"C{i}", capsize=3, label=NAMES[what])
    ax.axhline(1, color="black", linewidth=0.8, linestyle="--", label="proportional (slope 1)")
    ax.axhline(SATURATED_SLOPE, color="grey", linewidth=0.8, linestyle=":", label=f"saturated below {SATURATED_SLOPE}")
    ax.set_xticks(range(len(families)), families, rotation=20)
    ax.set_ylabel("slope of log novel discoveries\non log attempts (last decade)")
    ax.set_title("Does yield grow in proportion to volume? Each kind's deepest arm, 95% intervals")
    ax.legend(fontsize=8, ncol=6, loc="upper center", bbox_to_anchor=(0.5, -0.16))  # below: no point hidden
    _save(fig, path)
    return True


def figures(f, out) -> dict[str, str]:
    return {"answer": "answer.png"} if figure(f["answer"], out / "answer.png") else {}


def volumes(row) -> str:
    low, high = int(row["least_attempts"]), int(row["most_attempts"])
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def kind_sentence(row) -> str:
    counts = [(v, int(row[v])) for v in VERDICTS if int(row[v])]
    said = ", ".join(f"{n} {v}" for v, n in counts)
    return (f"{NAMES[row['kind']].capitalize()} ({volumes(row)} attempts per problem): of {int(row['families'])} "
            f"families, {said}.")


def headline(f) -> str:
    """The report's title, the answer in one line: how many families the kind of search with the most
    families in the answer's table (uniform search, where it ran) grew in proportion at its deepest."""
    counts = f["answer_tally"]
    if not len(counts):
        return "No arm of this sweep has a yield curve to answer with"
    widest = counts.loc[counts["families"].idxmax()]
    growing = sum(int(widest[v]) for v in PROPORTIONAL)
    return (f"{NAMES[widest['kind']].capitalize()} grew its yield in proportion to volume on {growing} of "
            f"{int(widest['families'])} families at its deepest volume")


def models_sentence(f) -> list[str]:
    """At equal CPU, each model's and stub's distinct discoveries over its bank (constrained answers first)."""
    t = f["equal_compute"]
    if not len(t):
        return []
    overall = t[t["problem_id"] == ALL]
    models = overall[overall["is_model"].astype(bool)].groupby(["bank", "answers"])["model"].nunique()
    if (models >= 2).any():  # the comparisons of models against each other, where the sweep has them
        overall = overall.set_index(["bank", "answers"]).loc[models[models >= 2].index].reset_index()
    said = []
    for (bank, answers), part in overall.groupby(["bank", "answers"], sort=True):
        cells = "; ".join(f"{r['arm']} {interval(r['discoveries'], r['discoveries_lower'], r['discoveries_upper'])}"
                          for _, r in part.sort_values("discoveries", ascending=False).iterrows())
        said.append(f"At equal CPU on the {bank} bank ({answers} answers; {num(part['cpu_s'].iloc[0])} CPU s, "
                    f"the cheapest model's whole run), distinct solutions found: {cells}.")
    return said


GLOSSARY = [
    "- **attempt**: one candidate proposed and verified exactly; **volume**: attempts per problem.",
    "- **arm**: one solver on one **bank** (a set of problems) at one volume, run once per seed; i.i.d. arms' "
    "seeds are pooled, adaptive arms' averaged.",
    "- **novel discovery**: a distinct valid solution that is neither known nor trivial.",
    "- **slope**: of log novel discoveries on log attempts over the last decade of volume, with its 95% "
    "bootstrap interval. **proportional**: the interval holds 1 (ten times the attempts, ten times the "
    f"discoveries); **diminishing**: below 1; **saturated**: wholly below {SATURATED_SLOPE}; **undecided**: too "
    "few discoveries to tell.",
    "- **uniform / heavy-tailed search**: random candidates from the problem's box, every candidate equally "
    "likely / small numbers far likelier; **evolve**: mutates what verified; **a language model**: real model "
    "answers, replayed from recordings.",
    "- **equal compute**: each arm taken at the attempts that cost the same CPU seconds per problem.",
]


def markdown(f) -> list[str]:
    answer, counts = f["answer"], f["answer_tally"]
    if not len(answer):
        return ["No arm of this sweep attempted a family with a yield curve."]
    cells = answer.assign(cell=answer.apply(
        lambda r: f"{r['verdict']}: {interval(r['slope'], r['slope_lower'], r['slope_upper'], digits=2)}; "
                  f"{num(r['novel'])} found at {int(r['attempts']):,} ({r['arm']})"
        if math.isfinite(float(r["slope"])) else f"{r['verdict']}: {num(r['novel'])} found at "
                                                 f"{int(r['attempts']):,} ({r['arm']})", axis=1))
    wide = cells.pivot(index=["family", "problem_set"], columns="kind", values="cell").reset_index().fillna("-")
    shown = [k for k in KINDS if k in wide.columns]
    lines = [
        "Does spending more attempts buy proportionally more discoveries? Per family, on the problem set that "
        "the most kinds of search attempted, each kind's deepest arm: "
        + " ".join(kind_sentence(r) for _, r in counts.iterrows())
        + (" " + " ".join(models_sentence(f)) if models_sentence(f) else ""), ""]
    if "answer" in f.figures:
        lines += [f"![The slope of yield on volume per family and kind of search]({f.figures['answer']})", ""]
    lines += [table(wide, {"family": "family", "problem_set": "problems", **{k: NAMES[k] for k in shown}}), "",
              "Terms:", "", *GLOSSARY, "",
              "The evidence follows: what each arm found (the next section), the curves, how the estimators "
              "did against exact truth, and the verifier's audit. Tables: `answer.csv`, `answer_tally.csv`."]
    return lines
