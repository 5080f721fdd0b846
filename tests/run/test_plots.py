"""Plots of one run and of a comparison: names in titles and legends are plain text."""
import pandas as pd
import pytest

from harness.run import plots

NAMES = ["math$\\frac$x", "$x^{$ and $"]


@pytest.mark.parametrize("name", NAMES)
def test_a_runs_plots_take_dollar_signs_in_titles(tmp_path, name):
    from harness.run.plots import plot_yield, plot_yield_by_cost

    steps = [1, 10, 100]
    curve = pd.DataFrame({"attempts": steps, "valid": [0, 1, 2], "novel": [0, 1, 1], "interesting": 0,
                          "solved": [0, 1, 1], "tokens": [5, 50, 500], "cost_usd": [0.0, 0.1, 1.0],
                          "compute_s": [0.1, 1.0, 10.0]})
    assert plot_yield(curve, tmp_path / "y.png", name).read_bytes()[:4] == b"\x89PNG"
    plot_yield_by_cost(curve, tmp_path / "c.png", name)


@pytest.mark.parametrize("name", NAMES)
def test_a_comparisons_legend_takes_dollar_signs(tmp_path, run, name):
    from harness.reporting.compare import arm_curves, compare

    rows = [["pell/D=2,B=20", "(3, 2)", 0, 0, None, 10, 10, 0]]
    curves = arm_curves([run(0, rows, arm=name), run(1, rows, arm=name)])
    figure, _ = compare(curves, tmp_path, title=name)
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_log_axes_read_as_volumes(tmp_path):
    assert [plots.volume_tick(v) for v in (0.01, 1, 10, 100, 1e4, 1e9, 3e3)] == [
        "10⁻²", "1", "10", "10²", "10⁴", "10⁹", ""]
    fig, ax = plots.plt.subplots()
    ax.plot([1, 1e6], [1, 2])
    ax.set_xscale("log")
    plots.log_ticks(ax)
    fig.canvas.draw()
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "10²" in shown and not any("mathdefault" in t or "$" in t for t in shown)
    plots.plt.close(fig)
    with_ticks = plots.plt.subplots()[0]  # every figure the harness saves gets them: a run's plots too
    with_ticks.axes[0].plot([1, 1e6], [1, 2])
    with_ticks.axes[0].set_xscale("log")
    plots.save(with_ticks, tmp_path / "run.png")
    assert "10²" in [t.get_text() for t in with_ticks.axes[0].get_xticklabels()]
    plots.plt.close(with_ticks)
