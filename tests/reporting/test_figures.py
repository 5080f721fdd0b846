"""The report's figures can be read: one colour and marker per arm in every figure, legends naming
each thing once, one row of yield panels per problem set, the truth drawn where known."""
import random
from collections import Counter

import pytest
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D

from tests.conftest import BANK
from harness.reporting import equal_compute, figures, palette, science
from harness.reporting.arms import group_arms
from harness.reporting.sections import equal_cost

SWEEP = ["evolve_default", "evolve_llm", "gemma_constrained", "gemma_free", "heavy_tailed_cheap",
         "heavy_tailed_deep_batch", "heavy_tailed_volume", "llm_constrained", "llm_free", "random_cheap",
         "random_deep", "random_deep_batch", "random_deep_symbolic", "random_default", "random_small",
         "random_symbolic", "random_unreached", "random_volume", "smollm2_constrained", "smollm2_free", "synthetic"]
ROWS = [("golomb/m=4,L=6", "(0, 1, 4, 6)", 3, 3, None, 4, 4, 0), ("pell/D=2,B=20", "(3, 2)", 5, 5, None, 9, 9, 0),
        ("pell/D=2,B=20", "(17, 12)", 40, 40, None, 2, 2, 0)]
ONE_PELL = {**BANK, "name": "one_pell", "families": {"golomb": BANK["families"]["golomb"],
                                                     "pell": [{"d": 2, "bound": 20}]}}
SYNTHETIC = {"name": "urn", "instance_lists": [],
             "families": {"synthetic": [{"size": 20, "known_count": 5, "interesting_tail": 5}]}}


@pytest.fixture
def drawn(monkeypatch):
    """The figures the drawing functions make, kept open instead of saved."""
    kept = []

    def keep(fig, path):
        kept.append(fig)
        return path
    monkeypatch.setattr(figures, "_save", keep)
    yield kept
    figures.plt.close("all")


@pytest.fixture
def arms(run):
    """Four arms: two on the toy bank's two pell problems (one of them adaptive, both with the same
    solver, bank and volume as an evolve and a random arm would share a label), one on a bank with one
    pell problem, and the synthetic urn, whose truth is known."""
    made = [run(s, ROWS, arm=name, solver="random") for s in (0, 1) for name in ("rand_a", "rand_b")]
    for s in (0, 1):
        other = run(s, ROWS[:2], arm="one_pell")
        other.config["bank"], other.summary["bank"] = ONE_PELL, "one_pell"
        made.append(other)
        urn = run(s, [("synthetic/size=20", f"{j}", j + 1, j + 1, None, 3, 3, 0) for j in range(4)], arm="urn",
                  solver="synthetic", attempts=200)
        urn.config["bank"], urn.config["solver"], urn.summary["bank"] = SYNTHETIC, {
            "name": "synthetic", "hit_rate": 0.05, "zipf_exponent": 1.1}, "urn"
        made.append(urn)
    return group_arms(made)


def legends(fig):
    """Each legend of the figure: its labels and its handles (as drawn in the legend)."""
    found = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [([t.get_text() for t in legend.get_texts()], legend.legend_handles) for legend in found]


def arm_lines(fig, name):
    """(colour, marker) of every line of the figure whose legend label names arm `name`."""
    styles = set()
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label.split(":")[0].split(" (")[0] == name:
                line = handle.lines[0] if hasattr(handle, "lines") else handle
                styles.add((to_hex(line.get_color()), line.get_marker()))
    for labels, handles in legends(fig):
        for label, handle in zip(labels, handles):
            if label == name and isinstance(handle, Line2D):
                styles.add((to_hex(handle.get_color()), handle.get_marker()))
    return styles


def test_no_two_arms_of_a_21_arm_sweep_share_a_colour_and_marker():
    styles = palette.styles(SWEEP)
    assert len(set(styles.values())) == len(SWEEP) == 21
    assert all(colour in palette.COLOURS and marker in palette.MARKERS for colour, marker in styles.values())
    shuffled = random.Random(1).sample(SWEEP, len(SWEEP))
    assert palette.styles(shuffled) == styles  # by name, not by the order the arms come in
    assert all(palette.arm_style(name, shuffled) == styles[name] for name in SWEEP)
    big = palette.styles(f"arm{i:03d}" for i in range(80))
    assert len(set(big.values())) == 80


def test_an_arm_has_one_style_in_every_figure(arms, drawn, tmp_path):
    verdicts = science.verdicts(arms, n_boot=5)
    curves = __import__("pandas").concat([science.family_curve(a, f, n_boot=5) for a in arms for f in a.families])
    figures.slopes(verdicts, arms, tmp_path / "s.png")
    figures.family_yield(curves, arms, "pell", tmp_path / "y.png")
    figures.funnel(science.funnel(arms), arms, tmp_path / "f.png")
    slopes, yields, funnel = drawn
    expected = palette.styles(a.name for a in arms)
    for name in ("rand_a", "rand_b", "one_pell"):
        for fig in (slopes, yields, funnel):
            assert arm_lines(fig, name) == {expected[name]}, (name, fig.axes[0].get_title())
    assert expected["rand_a"] != expected["rand_b"]  # same solver, bank and volume: still told apart


def test_legends_name_each_thing_once(arms, drawn, tmp_path):
    spend = {arm.name: science.spend_curves(arm, 0.05) for arm in arms}
    for arm in arms:  # as if each had spent tokens, for the tokens figure
        spend[arm.name]["tokens"] = spend[arm.name]["attempts"] * 10
    cost = __import__("pandas").concat([science.equal_cost(arms, 0.05, axis) for axis in equal_cost.AXES])
    figures.slopes(science.verdicts(arms, n_boot=5), arms, tmp_path / "s.png")
    figures.funnel(science.funnel(arms), arms, tmp_path / "f.png")
    figures.equal_cost(spend, cost, arms, tmp_path / "e.png", 0.05)
    figures.tokens(spend, arms, tmp_path / "t.png")
    assert len(drawn) == 4
    for fig in drawn:
        for labels, _ in legends(fig):
            assert labels and not [label for label, n in Counter(labels).items() if n > 1], labels
    slopes_labels = legends(drawn[0])[0][0]
    assert len(slopes_labels) == len(arms)  # rand_a and rand_b, one label each although their labels agree
    assert any(label.startswith("rand_a: random on toy") for label in slopes_labels)


def test_the_yield_figure_has_one_row_per_problem_set_and_draws_the_truth_once(arms, drawn, tmp_path):
    import pandas as pd

    curves = pd.concat([science.family_curve(a, f, n_boot=5) for a in arms for f in a.families])
    figures.family_yield(curves, arms, "pell", tmp_path / "pell.png")
    figures.family_yield(curves, arms, "synthetic", tmp_path / "urn.png")
    pell, urn = drawn
    rows = [ax for ax in pell.axes if ax.get_legend()]  # one legend per row, beside its last panel
    assert len(rows) == 2 and len(pell.axes) == 2 * len(science.TIERS)
    in_row = [sorted(label.split(":")[0] for label in legends_of(ax) if not label.startswith("true")) for ax in rows]
    assert in_row == [["rand_a", "rand_b"], ["one_pell"]]  # the two problems first, then the one
    titles = [ax.get_title() for ax in pell.axes]
    assert titles[0] == "pell, 2 problems (bank toy): tier valid"
    assert titles[len(science.TIERS)] == "pell, pell/D=2,B=20: tier valid"
    assert pell.axes[0].get_xscale() == "log" and pell.axes[0].get_xlabel() == "attempts per problem"
    truth = [label for labels, _ in legends(urn) for label in labels if "true expected" in label]
    assert truth == ["true expected (urn's synthetic odds)"]
    [line] = [line for line in urn.axes[0].get_lines() if line.get_label() == truth[0]]
    assert to_hex(line.get_color()) == to_hex(palette.styles(a.name for a in arms)["urn"][0])  # its arm's colour
    assert line.get_linestyle() == "-." and line.get_visible() and len(line.get_xdata()) > 2
    # uniform search on pell, whose boxes are enumerated: its exact curve too, in every tier
    random_truths = {label for ax in pell.axes for label in ax.get_legend_handles_labels()[1] if "true" in label}
    assert random_truths == {"true expected (rand_a's random odds)", "true expected (rand_b's random odds)",
                             "true expected (one_pell's random odds)"}


def legends_of(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_equal_compute_draws_arms_in_their_colours(run, drawn, tmp_path):
    from tests.reporting.test_equal_compute import GOLOMB, iid_run

    made = [iid_run(run, s, {(GOLOMB, "(0, 1, 4, 6)"): 0.5}, arm=name, attempts=100, cpu=1.0, model=model)
            for s in (0, 1) for name, model in (("big", "big-270m.gguf"), ("small", "small-135m.gguf"))]
    made += [iid_run(run, s, {(GOLOMB, "(0, 1, 4, 6)"): 0.01}, arm="random", attempts=5000, cpu=0.01)
             for s in (0, 1)]
    arms = group_arms(made)
    assert equal_compute.figure(arms, equal_compute.table_of(arms, n_boot=5), tmp_path / "ec.png", n_boot=5)
    [fig] = drawn
    expected = palette.styles(a.name for a in arms)
    for name in ("big", "small", "random"):
        assert arm_lines(fig, name) == {expected[name]}
