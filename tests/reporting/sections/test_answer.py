"""The report's first screen: the answer as its title, one paragraph, one figure, one comparable table,
the terms it uses, within 60 lines, every number in it read back from the CSV files beside it."""
import dataclasses
import math
import re

import pandas as pd

from harness.reporting.arms import group_arms
from harness.reporting.markdown import num
from harness.reporting.sections import answer
from tests.conftest import BANK

PELL_EARLY = ("pell/D=2,B=20", "3,2", 1, 10, None, 9, 9, 0)
PELL_LATE = ("pell/D=2,B=20", "17,12", 1, 600, None, 1, 1, 0)
GOLOMB = ("golomb/m=4,L=6", "0,1,4,6", 50, 50, None, 1, 1, 0)


def on(run, families, seed, rows, **kw):
    """A hand-made run on some of BANK's families (each with all its problems)."""
    made = run(seed, rows, **kw)
    bank = {**BANK, "families": {f: BANK["families"][f] for f in families}}
    return dataclasses.replace(made, config={**made.config, "bank": bank})


def sweep(run):
    """Uniform search at 1,000 and 10,000 and evolve at 1,000 on both families; heavy-tailed search
    deeper still (100,000) but on pell alone; a model on pell alone."""
    runs = []
    for seed in (0, 1):
        runs += [on(run, ["golomb", "pell"], seed, [PELL_EARLY, GOLOMB], arm="random_small")]
        runs += [on(run, ["golomb", "pell"], seed, [PELL_EARLY, PELL_LATE, GOLOMB], arm="random_big", attempts=10_000)]
        runs += [on(run, ["golomb", "pell"], seed, [PELL_EARLY], arm="evolve_a", solver="evolve", exchangeable=False)]
        runs += [on(run, ["pell"], seed, [PELL_EARLY, PELL_LATE], arm="heavy_deep", solver="heavy_tailed",
                    attempts=100_000)]
    return runs


def test_each_family_gets_the_problem_set_most_kinds_attempted_and_each_kinds_deepest_arm_there(run):
    from harness.reporting import science

    arms = group_arms(sweep(run))
    table = answer.answer_table(arms, science.verdicts(arms, n_boot=10))
    # golomb: uniform and evolve; pell: uniform, heavy-tailed and evolve, all on pell's two problems
    assert sorted(zip(table["family"], table["kind"], table["arm"])) == [
        ("golomb", "adaptive", "evolve_a"), ("golomb", "uniform", "random_big"),
        ("pell", "adaptive", "evolve_a"), ("pell", "heavy-tailed", "heavy_deep"), ("pell", "uniform", "random_big")]
    assert set(table["problem_set"]) == {"golomb/m=4,L=6", "2 (toy)"}  # its banks named
    assert table.set_index(["family", "kind"]).loc[("pell", "heavy-tailed"), "attempts"] == 100_000
    tally = answer.tally(table).set_index("kind")
    assert tally.loc["uniform", "families"] == 2 and tally.loc["heavy-tailed", "families"] == 1
    assert tally.loc["uniform", ["least_attempts", "most_attempts"]].tolist() == [10_000, 10_000]
    assert tally.loc["uniform", answer.VERDICTS].sum() == 2  # each family's verdict counted once


def test_a_problem_set_fewer_kinds_attempted_is_not_chosen_however_deep(run):
    from harness.reporting import science

    runs = sweep(run) + [on(run, ["pell"], s, [PELL_EARLY], arm="random_pell2", attempts=10**6) for s in (0, 1)]
    # random_pell2 is on pell's two problems too: the same set, so it is uniform search's deepest there
    arms = group_arms(runs)
    table = answer.answer_table(arms, science.verdicts(arms, n_boot=10)).set_index(["family", "kind"])
    assert table.loc[("pell", "uniform"), "arm"] == "random_pell2"
    assert table.loc[("golomb", "uniform"), "arm"] == "random_big"  # it did not attempt golomb


def first_screen(markdown: str) -> str:
    """Everything above the report's second `## ` heading."""
    return markdown[:[m.start() for m in re.finditer(r"^## ", markdown, flags=re.M)][1]]


NUMBER = re.compile(r"(?<![\w/=.,\-])-?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?(?![\w=/])")


def csv_texts(folder) -> set[str]:
    """Every number of every CSV beside the report, as the report's formatter may write it."""
    texts = set()
    for path in folder.glob("*.csv"):
        if not path.read_text().strip():
            continue  # a table with no rows and no columns (e.g. no model in the sweep)
        frame = pd.read_csv(path)
        for column in frame.columns:
            for value in pd.to_numeric(frame[column], errors="coerce").dropna().unique():
                if math.isfinite(value):
                    texts.update({num(value, 2), num(value, 3), f"{int(value):,}" if value == int(value) else ""})
    return texts


def test_the_first_screen_is_the_answer_and_its_numbers_are_in_the_csv_files_beside_it(tmp_path, run):
    from harness.reporting.build import build_report

    out = tmp_path / "report"
    build_report(sweep(run), out, "hand-made runs", n_boot=10, progress=False)
    text = (out / "REPORT.md").read_text()
    screen = first_screen(text)
    assert len(screen.splitlines()) <= 60
    title = screen.splitlines()[0]
    assert re.fullmatch(r"# Uniform search grew its yield in proportion to volume on \d+ of 2 families at its "
                        r"deepest volume", title), title
    assert "## The answer" in screen and "Does spending more attempts buy proportionally more discoveries?" in screen
    assert screen.count("![") == 1 and (out / "answer.png").read_bytes()[:4] == b"\x89PNG"
    [table] = re.findall(r"^\| family \|.*?(?=\n\n)", screen, flags=re.M | re.S)
    assert table.splitlines()[0] == ("| family | problems | uniform search | heavy-tailed search | evolve (adaptive) |")
    assert len(table.splitlines()) == 2 + 2  # one row per family
    assert "**slope**" in screen and "**arm**" in screen  # the terms it uses, defined there
    measured = screen.split("Terms:")[0].split("\n", 3)[3]  # below the title and the made-by line
    numbers = NUMBER.findall(measured)
    assert len(numbers) >= 15, numbers
    known = csv_texts(out)
    assert [n for n in numbers if n not in known] == []


def test_the_numbers_check_fails_on_a_number_no_csv_holds(tmp_path, run):
    from harness.reporting.build import build_report

    out = tmp_path / "report"
    build_report(sweep(run), out, "hand-made runs", n_boot=10, progress=False)
    known = csv_texts(out)
    assert "123,457" not in known and NUMBER.findall("slope 0.45 [0.24, 0.78] at 123,457 (random_a2)") == [
        "0.45", "0.24", "0.78", "123,457"]
