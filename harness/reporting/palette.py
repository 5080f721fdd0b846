"""One colour and marker per arm, the same in every figure of a report; legends without repeats.
(Log axes' ticks, 10² not unparsed mathtext, are harness.run.plots' for every figure.)"""
from __future__ import annotations

import math
from collections.abc import Iterable


# tab10, the qualitative palette, as hex (its grey, #7f7f7f, is kept: black is the truth's, not an arm's)
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")  # 10 x 8 = 80 arms before a pair repeats
TRUTH = {"color": "black", "linestyle": "-.", "linewidth": 2.2, "zorder": 5}  # the exact curve (drawn in its arm's colour)


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
