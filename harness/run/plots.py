"""Plots of yield curves."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on workers or CI
# Titles and legends carry names from configs (arms, banks, solvers, instances): plain text,
# never mathtext, whose parser raises on a name such as `math$\frac$x`. Every figure of the
# harness (report, reporting.figures, compare) draws through this module's plt.
matplotlib.rcParams["text.parse_math"] = False
import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402
import pandas as pd  # noqa: E402

from harness.store.files import replaced  # noqa: E402
from harness.core.problem import DISCOVERY_TIERS  # noqa: E402


def save(fig, path: Path) -> None:
    """The figure as PNG at `path`, replacing the file there (never writing through a link)."""
    for ax in fig.axes:
        log_ticks(ax)
    with replaced(path, "wb") as out:
        fig.savefig(out, dpi=100, format="png")


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def volume_tick(value: float, _position=None) -> str:
    """A log axis' tick: a power of ten as 10 with a superscript (plain text: the harness draws no
    mathtext), 1 and 10 plainly; '' between decades."""
    if value <= 0 or not math.isfinite(value):
        return ""
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    k = int(round(exponent))
    return {0: "1", 1: "10"}.get(k, "10" + str(k).translate(SUPERSCRIPTS))


def between_tick(value: float, _position=None) -> str:
    """A minor tick on a log axis spanning under two decades: 2 and 5 times a power of ten, as 2×10³."""
    if value <= 0 or not math.isfinite(value):
        return ""
    k = math.floor(math.log10(value) + 1e-9)
    mantissa = round(value / 10 ** k, 6)
    if mantissa not in (2, 5):
        return ""
    return f"{value:g}" if -1 <= k <= 2 else f"{mantissa:g}×10" + str(k).translate(SUPERSCRIPTS)


def log_ticks(ax) -> None:
    """Readable ticks on whichever of `ax`'s axes are logarithmic: decades labelled 10^k (every
    second or third one when they are many), and 2 and 5 times them when the axis spans under two."""
    for axis, scale, limits in ((ax.xaxis, ax.get_xscale(), ax.get_xlim), (ax.yaxis, ax.get_yscale(), ax.get_ylim)):
        if scale != "log":
            continue
        low, high = sorted(limits())
        axis.set_major_locator(LogLocator(base=10, numticks=8))
        axis.set_major_formatter(FuncFormatter(volume_tick))
        axis.set_minor_locator(LogLocator(base=10, subs=tuple(range(2, 10)), numticks=12))
        narrow = low > 0 and high / low < 100
        axis.set_minor_formatter(FuncFormatter(between_tick) if narrow else NullFormatter())


def plot_yield(curve: pd.DataFrame, path: Path, title: str) -> Path:
    """Distinct discoveries per tier and problems solved, against attempts per problem."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for tier in DISCOVERY_TIERS:
        left.plot(curve["attempts"], curve[tier.value], marker=".", label=tier.value)
    left.set(xscale="log", xlabel="attempts per problem", ylabel="distinct discoveries",
             title="discoveries (at least this tier)")
    left.legend(title="tier")
    right.plot(curve["attempts"], curve["solved"], marker=".", color="black")
    right.set(xscale="log", xlabel="attempts per problem", ylabel="problems solved at least once",
              title="coverage")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    save(fig, path)
    plt.close(fig)
    return Path(path)


# The volume axes of a run's curve, with their units: yield can be compared at equal cost.
COST_AXES = ("tokens", "cost_usd", "compute_s")
VOLUME_AXES = {
    "attempts": "attempts per problem",
    "tokens": "tokens, prompt + completion (whole bank)",
    "cost_usd": "cost, US dollars (whole bank)",
    "compute_s": "compute seconds, solve + verify (whole bank)",
}


def plot_yield_by_cost(curve: pd.DataFrame, path: Path, title: str) -> Path | None:
    """Discoveries per tier against each cost axis the run spent on; None if it spent nothing."""
    axes_spent = [axis for axis in COST_AXES if curve[axis].iloc[-1] > 0]
    if not axes_spent:
        return None
    fig, axes = plt.subplots(1, len(axes_spent), figsize=(5 * len(axes_spent), 4), constrained_layout=True,
                             squeeze=False)
    for ax, axis in zip(axes[0], axes_spent):
        seen = curve[curve[axis] > 0]
        for tier in DISCOVERY_TIERS:
            ax.plot(seen[axis], seen[tier.value], marker=".", label=tier.value)
        ax.set(xscale="log", xlabel=VOLUME_AXES[axis], ylabel="distinct discoveries")
        ax.grid(True, which="both", alpha=0.3)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].legend(title="tier")
    fig.suptitle(title)
    save(fig, path)
    plt.close(fig)
    return Path(path)


def plot_run(curve: pd.DataFrame, run_dir: Path, what: str, which: str,
             estimates: pd.DataFrame | None = None) -> list[str]:
    """A run's figures (yield.png; yield_cost.png when it spent anything but attempts; estimate.png
    of its `estimates` curves, if any), titled `what` ("solver on bank") and `which` ("seed 0,
    3 problems"): the names of those made."""
    plot_yield(curve, run_dir / "yield.png", f"{what} ({which})")
    made = ["yield.png"]
    if plot_yield_by_cost(curve, run_dir / "yield_cost.png", f"{what}: yield by cost"):
        made.append("yield_cost.png")
    if estimates is not None:
        plot_estimates(estimates, run_dir / "estimate.png", f"{what}: estimated yield, 95% bands")
        made.append("estimate.png")
    return made


def plot_estimates(curves: pd.DataFrame, path: Path, title: str) -> Path:
    """Estimated yield per tier with its interval band; the extrapolated part dashed."""
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for tier, colour in zip(DISCOVERY_TIERS, ("C0", "C1", "C2")):
        part = curves[curves["tier"] == tier.value]
        ax.fill_between(part["m"], part["lower"], part["upper"], color=colour, alpha=0.2, linewidth=0)
        seen = part[part["method"] != "extrapolation"]
        ahead = part[part["m"] >= seen["m"].max()]
        ax.plot(seen["m"], seen["estimate"], color=colour, label=f"{tier.value} (rarefied)")
        ax.plot(ahead["m"], ahead["estimate"], color=colour, linestyle="--", label=f"{tier.value} (extrapolated)")
    ax.set(xscale="log", xlabel="attempts per problem", ylabel="distinct discoveries (expected)", title=title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small", ncol=2)
    save(fig, path)
    plt.close(fig)
    return Path(path)
