"""The report's figures: small PNGs, axes with units, log scales where data span decades."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from harness.reporting.arms import Arm
from harness.reporting.science import TIERS, truth_curve
from harness.run.plots import plt
from harness.store.files import replaced

DPI = 80


def _colours(arms: list[Arm]) -> dict[str, str]:
    return {arm.name: f"C{i % 10}" for i, arm in enumerate(arms)}


def _y_scale(ax, values) -> None:
    """Log when the positive values span two decades or more."""
    positive = np.asarray(values, dtype=float)
    positive = positive[np.isfinite(positive) & (positive > 0)]
    if len(positive) and positive.max() / positive.min() >= 100:
        ax.set_yscale("log")


def _save(fig, path: Path) -> Path:
    """A palette PNG: the figures are committed, and 64 colours make them a third of the size."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    plt.close(fig)
    with replaced(path, "wb") as out:  # never written through a link
        Image.open(buffer).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(
            out, format="PNG", optimize=True)
    return path


def family_yield(curves: pd.DataFrame, arms: list[Arm], family: str, path: Path) -> Path:
    """One panel per tier: each arm's curve with its band, observed solid, extrapolated dashed."""
    colours = _colours(arms)
    fig, axes = plt.subplots(1, len(TIERS), figsize=(13, 4.4), constrained_layout=True)
    for ax, tier in zip(axes, TIERS):
        for arm in (a for a in arms if family in a.families):
            part = curves[(curves["arm"] == arm.name) & (curves["family"] == family) & (curves["tier"] == tier)]
            colour = colours[arm.name]
            how = f"i.i.d., {len(arm.runs)} seeds pooled" if arm.exchangeable else f"adaptive, mean of {len(arm.runs)}"
            members = arm.problems[family]
            which = members[0] if len(members) == 1 else f"{len(members)} problems"
            near, far = part[part["method"] != "forecast"], part[part["method"] == "forecast"]
            ax.fill_between(near["m"], near["lower"], near["upper"], color=colour, alpha=0.18, linewidth=0)
            seen = near[near["method"] != "extrapolation"]
            ax.plot(seen["m"], seen["estimate"], color=colour, label=f"{arm.label}, {which} ({how})")
            ahead = near[near["m"] >= seen["m"].max()]
            if len(ahead) > 1:
                ax.plot(ahead["m"], ahead["estimate"], color=colour, linestyle="--")
            if len(far):  # the fitted forecast, from where the extrapolation ends, with a lighter band
                far = pd.concat([ahead.tail(1), far])
                ax.fill_between(far["m"], far["lower"], far["upper"], color=colour, alpha=0.08, linewidth=0)
                ax.plot(far["m"], far["estimate"], color=colour, linestyle=":")
            truth = truth_curve(arm, family, part["m"].to_numpy()) if tier == "valid" else None
            if truth is not None:
                ax.plot(part["m"], truth, color="black", linestyle=":", label=f"{arm.solver}: true expected")
        values = curves.loc[(curves["family"] == family) & (curves["tier"] == tier), "upper"]
        _y_scale(ax, values)
        if ax.get_yscale() == "log":
            ax.set_ylim(bottom=0.01)  # below a hundredth of a discovery the expectation says little
        ax.set(xscale="log", xlabel="attempts per problem", ylabel="distinct discoveries (expected)",
               title=f"{family}: tier {tier}")
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize="small",
               title="solver on bank, volume, problems (one panel per tier; dashed: extrapolated to 2x; "
                     "dotted: forecast to 100x; bands: 95%)", title_fontsize="small")
    return _save(fig, path)


def slopes(table: pd.DataFrame, arms: list[Arm], path: Path) -> Path:
    """Per tier: each family's slope of log yield on log volume with its interval, per arm."""
    colours = _colours(arms)
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
            ax.errorbar(part["slope"], y, xerr=[low, high], fmt="o", markersize=4, color=colours[arm.name],
                        label=f"{arm.label} ({part['interval'].iloc[0] if len(part) else ''})")
        ax.axvline(1, color="black", linewidth=0.8, linestyle="--")
        ax.axvline(0, color="grey", linewidth=0.8, linestyle=":")
        ax.set(xlabel="slope, d log(discoveries) / d log(attempts)", title=f"tier {tier}")
        ax.grid(True, axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(families)), families)
    fig.suptitle("Yield against volume over the last decade of attempts: 1 = proportional (dashed), 0 = saturated")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize="small",
               title="solver on bank, volume (interval)", title_fontsize="small")
    return _save(fig, path)


def funnel(table: pd.DataFrame, path: Path) -> Path:
    """Left: share of problems solved / with a novel / with an interesting solution, beside the
    reference ~700 -> 13 -> 1. Right: share of attempts reaching each tier."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), constrained_layout=True)
    stages = [("solved", "solved (valid)"), ("problems_novel", "novel solution"),
              ("problems_interesting", "interesting solution")]
    width = 0.8 / len(table)
    for i, row in enumerate(table.itertuples()):
        shares = [getattr(row, column) / row.problems * 100 for column, _ in stages]
        left.bar(np.arange(len(stages)) + i * width, shares, width, label=row.arm, color=f"C{i % 10}",
                 hatch="//" if row.arm.startswith("reference") else None)
    left.set_xticks(np.arange(len(stages)) + 0.4 - width / 2, [name for _, name in stages])
    left.set(yscale="log", ylabel="problems, % of those attempted (mean per seed)",
             title="problem funnel, beside ~700 problems -> 13 solved -> 1 interesting")
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize="small", title="arm (solver on bank)",
               title_fontsize="small")
    runs = table[table["attempts"].notna()]
    columns = [f"attempts_{t}" for t in TIERS]
    width = 0.8 / max(len(runs), 1)
    for i, row in enumerate(runs.itertuples()):
        right.bar(np.arange(len(columns)) + i * width, [getattr(row, c) / row.attempts * 100 for c in columns],
                  width, label=row.arm, color=f"C{i % 10}")
    right.set_xticks(np.arange(len(columns)) + 0.4 - width / 2, [f">= {t}" for t in TIERS])
    right.set(yscale="log", ylabel="attempts, % of all attempts", title="attempt funnel: attempts reaching each tier")
    for ax in (left, right):
        ax.grid(True, axis="y", which="both", alpha=0.3)
    return _save(fig, path)


def equal_cost(spend: dict[str, pd.DataFrame], table: pd.DataFrame, arms: list[Arm], path: Path,
               usd_per_core_hour: float) -> Path:
    """Per shared bank, per tier: discoveries against dollars (tokens priced, compute priced)."""
    colours = _colours(arms)
    table = table[table["axis"] == "usd"]
    banks = sorted(table["bank"].unique())
    fig, axes = plt.subplots(len(banks), len(TIERS), figsize=(13, 3.6 * len(banks)), squeeze=False,
                             constrained_layout=True)
    for row, bank in zip(axes, banks):
        shared = table[table["bank"] == bank]
        for ax, tier in zip(row, TIERS):
            for name in shared["arm"]:
                curve = spend[name][spend[name]["usd"] > 0]
                arm = next(a for a in arms if a.name == name)
                ax.plot(curve["usd"], curve[tier], color=colours[name], label=arm.label)
            ax.axvline(shared["budget"].iloc[0], color="black", linewidth=0.8, linestyle="--")
            _y_scale(ax, pd.concat([spend[n][tier] for n in shared["arm"]]))
            ax.set(xscale="log", xlabel=f"cost, US dollars (tokens + compute at ${usd_per_core_hour:g}/core-hour)",
                   ylabel="distinct discoveries (mean of seeds)", title=f"{bank} bank: tier {tier}")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize="x-small", title=f"solver (tier {tier}); dashed: equal budget",
                      title_fontsize="x-small")
    return _save(fig, path)


def tokens(spend: dict[str, pd.DataFrame], arms: list[Arm], path: Path) -> Path | None:
    """Discoveries per tier against tokens, for arms that spent tokens; None if none did."""
    spending = [a for a in arms if spend[a.name]["tokens"].iloc[-1] > 0]
    if not spending:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 3.8), constrained_layout=True)
    for i, arm in enumerate(spending):
        curve = spend[arm.name][spend[arm.name]["tokens"] > 0]
        for tier, style in zip(TIERS, ("-", "-.", ":")):
            ax.plot(curve["tokens"], curve[tier], color=f"C{i % 10}", linestyle=style, label=f"{arm.label}: {tier}")
    ax.set(xscale="log", xlabel="tokens, prompt + completion (whole bank)",
           ylabel="distinct discoveries (mean of seeds)", title="LLM arms: yield against tokens")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="x-small", title="solver: tier", title_fontsize="x-small")
    return _save(fig, path)


def real_model(table: pd.DataFrame, path: Path) -> Path | None:
    """Per problem: distinct solutions (mean per seed) of each model arm, beside random search at
    equal attempts and at equal compute; None when no model arm ran beside random."""
    if not len(table):
        return None
    problems = sorted(table["problem_id"].unique())
    bars = [(arm, part.set_index("problem_id")["model_valid"]) for arm, part in table.groupby("arm", sort=True)]
    random = table.drop_duplicates("problem_id").set_index("problem_id")
    bars += [("random, equal attempts", random["random_valid"]),
             ("random, equal compute (or all it ran, if less)",
              table.groupby("problem_id")["random_valid_at_compute"].max())]
    fig, ax = plt.subplots(figsize=(11, 4.8), constrained_layout=True)
    width = 0.8 / len(bars)
    for i, (label, values) in enumerate(bars):
        ax.bar(np.arange(len(problems)) + i * width, values.reindex(problems).fillna(0), width, label=label,
               color=f"C{i % 10}", hatch="//" if label.startswith("random") else None)
    ax.set_xticks(np.arange(len(problems)) + 0.4 - width / 2, problems, rotation=15, fontsize="small")
    ax.set(ylabel="distinct solutions (mean per seed)",
           title=f"a real model against random search, {int(table['attempts'].iloc[0]):,} attempts per problem")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)
