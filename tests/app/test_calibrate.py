from harness.app.calibrate import calibrate, decades, markdown_table, measured_regime


def test_decades_and_the_regime_rule():
    assert decades(200_000) == [1_000, 10_000, 100_000, 200_000]
    assert decades(500) == [500]
    assert measured_regime([0, 0, 0]) == "unreachable"
    assert measured_regime([1, 3, 3]) == "saturating"
    assert measured_regime([1, 3, 4]) == "growing"


def test_calibrate_counts_novel_discoveries_per_decade(ray_local, tmp_path):
    table = calibrate(["synthetic"], attempts=3_000, results_dir=tmp_path)
    [row] = table.to_dict("records")
    assert row["problem"] == "synthetic/K=200"
    # the random solver names a label uniformly in [0, 400): 180 novel labels, most found by 3000
    assert 0 < row["novel@1e3"] <= row["novel@3e3"] <= 180
    assert row["valid"] > row["novel@3e3"]  # the 20 known labels are valid, not novel
    assert markdown_table(table).startswith("| problem | declared |")
