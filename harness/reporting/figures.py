"""The report's figures: small PNGs, axes with units, log scales where data span decades. Each arm
has one colour and marker in every figure (harness.reporting.palette); each legend names it once."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from harness.reporting.arms import Arm, problem_sets
from harness.reporting.palette import COLOURS, TRUTH, styles, unique_legend
from harness.reporting.science import TIERS
from harness.reporting.truth_check import true_curve
from harness.run.plots import log_ticks, plt
from harness.store.files import replaced

DPI = 80
EVERY = 0.12  # a marker along a curve every eighth of the axes or so: the arm's marker, not a data point


def _name(arm: Arm) -> str:
    """An arm in a legend: its name (unique in a sweep), then solver, bank and volume."""
    return f"{arm.name}: {arm.label}"


def _y_scale(ax, values) -> None:
    """Log when the positive values span two decades or more."""
    positive = np.asarray(values, dtype=float)
    positive = positive[np.isfinite(positive) & (positive > 0)]
    if len(positive) and positive.max() / positive.min() >= 100:
        ax.set_yscale("log")


def _save(fig, path: Path) -> Path:
    """A palette PNG: the figures are committed, and 64 colours make them a third of the size. The
    arms' colours are in the palette as they are (a median cut alone merges a thin line's into grey)."""
    for ax in fig.axes:
        log_ticks(ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    plt.close(fig)
    image = Image.open(buffer).convert("RGB")
    fixed = [bytes.fromhex(c.lstrip("#")) for c in (*COLOURS, "#000000", "#ffffff")]
    cut = image.quantize(colors=64 - len(fixed), method=Image.Quantize.MEDIANCUT).getpalette()[:3 * (64 - len(fixed))]
    palette = Image.new("P", (1, 1))
    palette.putpalette(b"".join(fixed) + bytes(cut))
    with replaced(path, "wb") as out:  # never written through a link
        image.quantize(palette=palette, dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return path


def family_yield(curves: pd.DataFrame, arms: list[Arm], family: str, path: Path) -> Path:
    """One row per problem set of the family (the arms that ran on it), one panel per tier: each arm's
    curve with its band, observed solid, extrapolated dashed, forecast dotted; the truth where known."""
    style, sets = styles(a.name for a in arms), problem_sets(arms, family)
    fig, axes = plt.subplots(len(sets), len(TIERS), figsize=(16, 3.3 * len(sets) + 0.9), squeeze=False,
                             constrained_layout=True)
    for row, (members, on) in zip(axes, sets):
        which = members[0] if len(members) == 1 else \
            f"{len(members)} problems (bank {', '.join(sorted({a.bank for a in on}))})"
        for ax, tier in zip(row, TIERS):
            for arm in on:
                part = curves[(curves["arm"] == arm.name) & (curves["family"] == family) & (curves["tier"] == tier)]
                colour, marker = style[arm.name]
                how = f"i.i.d., {len(arm.runs)} seeds pooled" if arm.exchangeable else \
                    f"adaptive, mean of {len(arm.runs)}"
                near, far = part[part["method"] != "forecast"], part[part["method"] == "forecast"]
                ax.fill_between(near["m"], near["lower"], near["upper"], color=colour, alpha=0.15, linewidth=0)
                seen = near[near["method"] != "extrapolation"]
                ax.plot(seen["m"], seen["estimate"], color=colour, marker=marker, markevery=EVERY, markersize=5,
                        label=f"{_name(arm)} ({how})")
                ahead = near[near["m"] >= seen["m"].max()]
                if len(ahead) > 1:
                    ax.plot(ahead["m"], ahead["estimate"], color=colour, linestyle="--")
                if len(far):  # the fitted forecast, from where the extrapolation ends, with a lighter band
                    far = pd.concat([ahead.tail(1), far])
                    ax.fill_between(far["m"], far["lower"], far["upper"], color=colour, alpha=0.07, linewidth=0)
                    ax.plot(far["m"], far["estimate"], color=colour, linestyle=":")
                truth = true_curve(arm, family, part["m"].to_numpy(), tier=tier)
                if truth is not None:
                    ax.plot(part["m"], truth, **{**TRUTH, "color": colour},  # its own: odds differ by solver
                            label=f"true expected ({arm.name}'s {arm.solver} odds)")
            shown = curves[curves["arm"].isin([a.name for a in on]) & (curves["family"] == family)
                           & (curves["tier"] == tier)]
            _y_scale(ax, shown["upper"])
            if ax.get_yscale() == "log":
                ax.set_ylim(bottom=0.01)  # below a hundredth of a discovery the expectation says little
            ax.set(xscale="log", xlabel="attempts per problem", ylabel="distinct discoveries (expected)",
                   title=f"{family}, {which}: tier {tier}")
            ax.title.set_fontsize("small")
            ax.grid(True, which="both", alpha=0.3)
        handles, labels = unique_legend(row)
        row[-1].legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="x-small",
                       title=f"arms on {which}", title_fontsize="x-small")
    fig.suptitle(f"{family}: one row per problem set; solid: observed, dashed: extrapolated to 2x, "
                 "dotted: forecast to 100x, bands: 95%, thick dash-dot: the exact truth in the arm's colour", fontsize="small")
    return _save(fig, path)


def slopes(table: pd.DataFrame, arms: list[Arm], path: Path) -> Path:
    """Per tier: each family's slope of log yield on log volume with its interval, per arm."""
    style = styles(a.name for a in arms)
    families = sorted(table["family"].unique())
    fig, axes = plt.subplots(1, len(TIERS), figsize=(13, 0.35 * len(families) + 0.3 * len(arms) + 2.2),
                             sharey=True, constrained_layout=True)
    offsets = np.linspace(-0.3, 0.3, max(len(arms), 1))
    for ax, tier in zip(axes, TIERS):
        for offset, arm in zip(offsets, arms):
            part = table[(table["arm"] == arm.name) & (table["tier"] == tier) & table["slope"].notna()]
            y = np.array([families.index(f) for f in part["family"]]) + offset
            low = (part["slope"] - part["slope_lower"]).clip(lower=0).fillna(0)
            high = (part["slope_upper"] - part["slope"]).clip(lower=0).fillna(0)
            colour, marker = style[arm.name]
            interval = ", ".join(sorted(set(table.loc[table["arm"] == arm.name, "interval"])))
            ax.errorbar(part["slope"], y, xerr=[low, high], fmt=marker, markersize=5, color=colour,
                        label=f"{_name(arm)} ({interval})")
        ax.axvline(1, color="black", linewidth=0.8, linestyle="--")
        ax.axvline(0, color="grey", linewidth=0.8, linestyle=":")
        ax.set(xlabel="slope, d log(discoveries) / d log(attempts)", title=f"tier {tier}")
        ax.grid(True, axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(families)), families)
    fig.suptitle("Yield against volume over the last decade of attempts: 1 = proportional (dashed), 0 = saturated")
    handles, labels = unique_legend(axes)
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize="small",
               title="arm: solver on bank, volume (interval)", title_fontsize="small")
    return _save(fig, path)


def _bars(ax, x, heights, width, colour, marker, label, hatch=None) -> tuple:
    """Bars in the arm's colour, its marker on top of each; the legend handle shows both."""
    bars = ax.bar(x, heights, width, color=colour, alpha=0.85, hatch=hatch, edgecolor="white" if hatch else None)
    (dots,) = ax.plot(x, heights, linestyle="none", marker=marker, color=colour, markeredgecolor="black",
                      markeredgewidth=0.5, markersize=6, label=label)
    return bars.patches[0], dots


def funnel(table: pd.DataFrame, arms: list[Arm], path: Path) -> Path:
    """Left: share of problems solved / with a novel / with an interesting solution, beside the
    reference ~700 -> 13 -> 1. Right: share of attempts reaching each tier."""
    style = styles(a.name for a in arms)
    reference = ("black", "*")  # the reported funnel: not an arm of the sweep
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True)
    stages = [("solved", "solved (valid)"), ("problems_novel", "novel solution"),
              ("problems_interesting", "interesting solution")]
    width, legend = 0.8 / len(table), {}
    for i, row in enumerate(table.itertuples()):
        shares = [getattr(row, column) / row.problems * 100 for column, _ in stages]
        legend.setdefault(row.arm, _bars(left, np.arange(len(stages)) + i * width, shares, width,
                                         *style.get(row.arm, reference), row.arm, None if row.arm in style else "//"))
    left.set_xticks(np.arange(len(stages)) + 0.4 - width / 2, [name for _, name in stages])
    left.set(yscale="log", ylabel="problems, % of those attempted (mean per seed)",
             title="problem funnel, beside ~700 problems -> 13 solved -> 1 interesting")
    runs = table[table["attempts"].notna()]
    columns = [f"attempts_{t}" for t in TIERS]
    width = 0.8 / max(len(runs), 1)
    for i, row in enumerate(runs.itertuples()):
        _bars(right, np.arange(len(columns)) + i * width, [getattr(row, c) / row.attempts * 100 for c in columns],
              width, *style.get(row.arm, reference), row.arm)
    right.set_xticks(np.arange(len(columns)) + 0.4 - width / 2, [f">= {t}" for t in TIERS])
    right.set(yscale="log", ylabel="attempts, % of all attempts", title="attempt funnel: attempts reaching each tier")
    for ax in (left, right):
        ax.grid(True, axis="y", which="both", alpha=0.3)
    fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncol=4, fontsize="small",
               title="arm (solver on bank)", title_fontsize="small")
    return _save(fig, path)


def equal_cost(spend: dict[str, pd.DataFrame], table: pd.DataFrame, arms: list[Arm], path: Path,
               usd_per_core_hour: float) -> Path:
    """Per shared bank, per tier: discoveries against dollars (tokens priced, compute priced)."""
    style = styles(a.name for a in arms)
    table = table[table["axis"] == "usd"]
    banks = sorted(table["bank"].unique())
    fig, axes = plt.subplots(len(banks), len(TIERS), figsize=(15, 3.6 * len(banks)), squeeze=False,
                             constrained_layout=True)
    fig.suptitle(f"Cost: tokens at their prices + compute at ${usd_per_core_hour:g}/core-hour; dashed: the "
                 "largest budget every arm on the bank reached", fontsize="small")
    for row, bank in zip(axes, banks):
        shared = table[table["bank"] == bank]
        for ax, tier in zip(row, TIERS):
            for name in shared["arm"]:
                curve = spend[name][spend[name]["usd"] > 0]
                arm = next(a for a in arms if a.name == name)
                colour, marker = style[name]
                ax.plot(curve["usd"], curve[tier], color=colour, marker=marker, markevery=EVERY, markersize=5,
                        label=_name(arm))
            ax.axvline(shared["budget"].iloc[0], color="black", linewidth=0.8, linestyle="--")
            _y_scale(ax, pd.concat([spend[n][tier] for n in shared["arm"]]))
            ax.set(xscale="log", xlabel="cost, US dollars", ylabel="distinct discoveries (mean of seeds)",
                   title=f"{bank} bank: tier {tier}")
            ax.grid(True, which="both", alpha=0.3)
        handles, labels = unique_legend(row)
        row[-1].legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="x-small",
                       title=f"arms on {bank}", title_fontsize="x-small")
    return _save(fig, path)


def tokens(spend: dict[str, pd.DataFrame], arms: list[Arm], path: Path) -> Path | None:
    """Discoveries per tier against tokens, for arms that spent tokens; None if none did."""
    spending = [a for a in arms if spend[a.name]["tokens"].iloc[-1] > 0]
    if not spending:
        return None
    fig, ax, style = *plt.subplots(figsize=(7.5, 4.2), constrained_layout=True), styles(a.name for a in arms)
    for arm in spending:
        curve = spend[arm.name][spend[arm.name]["tokens"] > 0]
        colour, marker = style[arm.name]
        for tier, line in zip(TIERS, ("-", "-.", ":")):
            ax.plot(curve["tokens"], curve[tier], color=colour, linestyle=line, marker=marker, markevery=EVERY,
                    markersize=4, label=f"{arm.name}: {tier}")
    ax.set(xscale="log", xlabel="tokens, prompt + completion (whole bank)",
           ylabel="distinct discoveries (mean of seeds)", title="LLM arms: yield against tokens")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(*unique_legend([ax]), fontsize="x-small", title="arm: tier (solid valid, dash-dot novel, "
              "dotted interesting)", title_fontsize="x-small", loc="upper left", bbox_to_anchor=(1.02, 1))
    return _save(fig, path)


def real_model(table: pd.DataFrame, path: Path, arms: list[Arm] | None = None) -> Path | None:
    """Per problem: distinct solutions (mean per seed) of each model arm, beside random search at
    equal attempts and at equal compute (in the random arm's colour, hatched, ▼ and ▲); None when no model arm
    ran beside random. `arms`: the sweep's, whose names fix the colours (else the table's arms)."""
    if not len(table):
        return None
    style, randoms = styles([a.name for a in arms] if arms else table["arm"]), set(table.get("random_arm", []))
    random = style.get(min(randoms), ("grey",))[0] if len(randoms) == 1 else "grey"  # else: several, in grey
    problems = sorted(table["problem_id"].unique())
    bars = [(arm, part.set_index("problem_id")["model_valid"], style[arm], None)
            for arm, part in table.groupby("arm", sort=True)]
    by_problem = table.drop_duplicates("problem_id").set_index("problem_id")
    bars += [("random, equal attempts", by_problem["random_valid"], (random, "v"), "//"),  # two bars, two marks
             ("random, equal compute (or all it ran, if less)",
              table.groupby("problem_id")["random_valid_at_compute"].max(), (random, "^"), "xx")]
    fig, ax = plt.subplots(figsize=(11, 4.8), constrained_layout=True)
    width, legend = 0.8 / len(bars), {}
    for i, (label, values, (colour, marker), hatch) in enumerate(bars):
        legend.setdefault(label, _bars(ax, np.arange(len(problems)) + i * width, values.reindex(problems).fillna(0),
                                       width, colour, marker, label, hatch))
    ax.set_xticks(np.arange(len(problems)) + 0.4 - width / 2, problems, rotation=15, fontsize="small")
    ax.set(ylabel="distinct solutions (mean per seed)",
           title=f"a real model against random search, {int(table['attempts'].iloc[0]):,} attempts per problem")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(list(legend.values()), list(legend), fontsize="small")
    return _save(fig, path)
