"""One colour and marker per arm, the same in every figure of a report; legends without repeats;
log axes whose ticks read as volumes (10², 10⁴), not as unparsed mathtext."""
from __future__ import annotations

import math
from collections.abc import Iterable

from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

# tab10, the qualitative palette, as hex (its grey, #7f7f7f, is kept: black is the truth's, not an arm's)
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")  # 10 x 8 = 80 arms before a pair repeats
TRUTH = {"color": "black", "linestyle": "-.", "linewidth": 1.6, "zorder": 5}  # the exact curve, where known


def styles(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each of the sweep's arm names -> (colour, marker): the i-th name in sorted order gets colour
    i mod 10 and marker i div 10, so one sweep's arms never share a pair (up to 80 of them) and an
    arm is drawn alike in every figure given the same names."""
    ordered = sorted(set(names))
    return {name: (COLOURS[i % len(COLOURS)], MARKERS[(i // len(COLOURS)) % len(MARKERS)])
            for i, name in enumerate(ordered)}


def arm_style(name: str, names: Iterable[str]) -> tuple[str, str]:
    """(colour, marker) of arm `name` among the sweep's arm `names`."""
    return styles([*names, name])[name]


def unique_legend(axes) -> tuple[list, list[str]]:
    """The handles and labels of all `axes`, each label once (the first handle drawn under it)."""
    seen: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    return list(seen.values()), list(seen)


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
