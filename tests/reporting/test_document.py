"""REPORT.md from hand-made runs: every section, numbers as people read them, a conclusion that follows the data."""
import dataclasses
import re

import pandas as pd
import pytest

from harness.reporting import science
from harness.reporting.arms import group_arms
from harness.reporting.document import SECTIONS, render
from harness.reporting.findings import Findings, Settings
from harness.reporting.sections import answer
from harness.reporting.problems_found import deepest, last_step, problem_sentences
from tests.conftest import BANK


def findings_of(arms, figures, **more):
    """The findings of hand-made arms: the tables most sections read, and any `more` (name: table)."""
    curves = pd.concat([science.family_curve(a, f, n_boot=10) for a in arms for f in a.families])
    tables = {"curves": curves, "verdicts": science.verdicts(arms, n_boot=10), "funnel": science.funnel(arms),
              "equal_cost": science.equal_cost(arms), "calibration": science.calibration(arms, curves),
              "real_model": science.model_against_random(arms), **more}
    tables.update(answer.tables(arms, None, tables))  # the first screen, made from the tables above
    return Findings(arms, tables, figures, "hand-made runs", 0.04)


def test_report_has_every_section_and_a_conclusion_from_the_verdicts(run):
    # pell/D=2: one discovery made in nearly every attempt (saturated); golomb never solved.
    saturated = [("pell/D=2,B=20", "3,2", 0, 0, None, 990, 990, 0)]
    runs = [run(s, saturated, arm="random_a") for s in (0, 1, 2)]
    runs += [run(s, saturated, arm="evolve_a", solver="evolve", exchangeable=False) for s in (0, 1, 2)]
    arms = group_arms(runs)
    findings = dataclasses.replace(findings_of(arms, {"slopes": "slopes.png", "funnel": "funnel.png",
                                                      "equal_cost": "equal_cost.png"}),
                                   experiment="toy", description="Why this sweep.")
    text = render(findings, "2026-11-23")
    assert re.findall(r"^## (.+)$", text, flags=re.M) == list(SECTIONS)
    assert text.startswith("# Uniform search grew its yield in proportion to volume on 0 of 2 families at its "
                           "deepest volume (toy)") and "Why this sweep." in text
    conclusion = text.split("## What each search found")[1].split("## The sweep")[0]
    # one row per family, one column per arm, every column on the same problems
    assert "| pell | 1 (saturated) | 1 (saturated) |" in conclusion
    assert "| golomb | 0 (no discoveries) | 0 (no discoveries) |" in conclusion
    assert "- **Uniform search** (random_a, 1,000 attempts per problem per seed): over 2 families, 1 no discoveries, " \
           "1 saturated." in conclusion
    assert "- **Adaptive search** (evolve_a" in conclusion
    assert "No solver found anything novel on 2: golomb/m=4,L=6, pell/D=3,B=30." in conclusion
    assert "a novel solution: 1 by evolve, 1 by random; only by evolve: 0, only by random: 0." in conclusion
    # Long tables stay in their CSVs: the report shows the novel tier's decided verdicts and says what it left out.
    verdicts = findings["verdicts"]
    slopes = text.split("## Slope and verdict")[1].split("## Discoveries left undetected")[0]
    rows = [line for line in slopes.splitlines() if line.startswith("| pell |") or line.startswith("| golomb |")]
    assert rows == ["| pell | evolve_a | 1,000 | 1 | 0 (no spread) | saturated | 1 / 1 / 1 |",
                    "| pell | random_a | 3,000 | 1 | 0 (no spread) | saturated | 1 / 1 / 1 |"]
    assert f"{len(verdicts) - 2} more rows in `verdicts.csv`: the tiers other than novel, and the rows whose " \
           "verdict is no discoveries or undecided." in slopes
    left_out = verdicts[(verdicts["tier"] != "novel") | (verdicts["family"] == "golomb")]
    assert len(left_out) == len(verdicts) - 2 and (left_out["family"] == "golomb").sum() == 6  # in the CSV
    undetected = text.split("## Discoveries left undetected")[1].split("## Forecasts")[0]
    assert f"{len(verdicts)} more rows in `verdicts.csv`: the other tiers, rows that leave nothing undetected" \
           in undetected and not (verdicts["undetected"] > 0).any()  # a saturated sweep leaves nothing


def test_a_models_arm_is_set_beside_random_per_problem_at_equal_attempts_and_compute(run, tmp_path):
    # The model copies the statement's example (pell D=2: `3, 2` solves it) and finds nothing else;
    # random finds that and golomb's ruler at once, for a hundredth of the model's compute.
    copied = [("pell/D=2,B=20", "(3, 2)", 4, 4, None, 30, 30, 0)]
    model = [run(s, copied, arm="llm_a", solver="replay", spend=100.0) for s in (0, 1)]
    for r in model:
        r.summary.update(spend={"tokens": 5000, "server_cpu_s": 90.0}, tiers={"malformed": 300, "wrong": 2670,
                                                                              "novel": 30},
                         server={"name": "recording"})
        r.config.update(solver={"name": "replay", "constrain": True}, server={"name": "recording", "path": "rec"})
    both = [("pell/D=2,B=20", "(3, 2)", 0, 0, None, 900, 900, 0),
            ("golomb/m=4,L=6", "(0, 1, 4, 6)", 2, 2, None, 9, 9, 0)]
    randoms = [run(s, both, arm="random_a") for s in (0, 1)]
    arms = group_arms(model + randoms)
    table = science.model_against_random(arms).set_index("problem_id")
    assert list(table.index) == ["golomb/m=4,L=6", "pell/D=2,B=20", "pell/D=3,B=30"]
    pell = table.loc["pell/D=2,B=20"]
    assert pell["model_valid"] == 1 and pell["random_valid"] == 1 and pell["example_is_solution"]
    assert pell["model_beyond_example"] == 0  # its one solution is the prompt's example
    assert table.loc["golomb/m=4,L=6", "random_valid"] == 1 and table.loc["golomb/m=4,L=6", "model_valid"] == 0
    assert pell["random_capped"] and pell["random_attempts_at_compute"] == 1000  # random ran out before the model
    from harness.reporting import figures
    assert figures.real_model(table.reset_index(), tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert figures.real_model(table.iloc[:0], tmp_path / "none.png") is None
    findings = findings_of(arms, {"slopes": "slopes.png", "funnel": "funnel.png"})
    section = render(findings, "2026-12-01").split("## A real model")[1].split("## Calibration")[0]
    assert "| llm_a | replay | constrained (grammar) | 1,000 | 2 | 1.67 | 90 | 0.100 | recording |" in section
    assert ("llm_a: in 1,000 attempts per problem it found solutions (in some seed) on 1 of 3 problems (mean per "
            "seed: 1 distinct, 1 novel); random search at equal attempts on 2 (2, 2), at equal compute (1,000 "
            "attempts per problem; all it ran, 1 CPU s against this arm's 100) on 2 (2, 2). On 1 of its 1 solved "
            "problems the prompt's own example answer is a solution; beyond those examples: 0 distinct solutions "
            "per seed.") in section
    assert "model answers replayed from recordings in ." in render(findings, "2026-12-01")  # rec/ is in .
    # Per problem, the rows where the model or random search found something; pell D=3 (neither did) is in the CSV.
    assert "| pell/D=2,B=20 | llm_a |" in section and "| golomb/m=4,L=6 | llm_a |" in section
    assert "| pell/D=3,B=30 |" not in section and list(table.index).count("pell/D=3,B=30") == 1
    assert ("1 more row in `real_model.csv`: problems on which neither the model nor random search at equal "
            "attempts found a solution.") in section
    # Its runs predate statement_version: asked in the first wording, whose example solves pell D=2; said so.
    assert ("The model arms llm_a use the old prompts: they replay recordings asked in the statements' first "
            "wording (`solver.statement_version=1`" in section and "(here on golomb/m=4,L=6, pell/D=2,B=20:" in section)
    # Asked in the current wording, no example is a solution: no leak column, no old-prompts sentence.
    for r in model:
        r.config["solver"]["statement_version"] = 2
    current = science.model_against_random(arms)
    assert not current["example_is_solution"].any() and (current["statement_version"] == 2).all()
    section = render(dataclasses.replace(findings, tables={**findings.tables, "real_model": current}), "2026-12-01").split(
        "## A real model")[1].split("## Calibration")[0]
    assert "No prompt's example answer is a solution of its problem." in section
    assert "example" not in section.replace("No prompt's example answer", "") and "old prompts" not in section


def test_the_last_step_of_volume_is_credited_with_what_it_found_after_the_volume_below(run):
    # Each seed: pell's novel discovery by attempt 10, golomb's at 500, one not novel at all.
    rows = [("pell/D=2,B=20", "3,2", 1, 10, None, 990, 990, 0), ("golomb/m=4,L=6", "0,1,4,6", 500, 500, None, 1, 1, 0),
            ("pell/D=2,B=20", "17,12", 3, None, None, 1, 0, 0)]
    [large] = group_arms([run(s, rows, arm="random_big", attempts=1000) for s in (0, 1)])
    [said] = last_step(large, [20, 100])
    assert said.startswith("Beyond 100 attempts per seed, random_big's 1,000 added 1 novel discoveries per seed "
                           "to the 1 found by then (50% of its yield, on golomb/m=4,L=6)")
    assert said.endswith("1 problem got its first novel solution there: golomb/m=4,L=6.")
    assert last_step(large, []) == []


def test_every_arm_that_went_deepest_on_its_own_problems_says_what_its_volume_found(run):
    # Four volumes on three banks: 100 and 500 on all, 1,000 on pell alone, 10,000 on golomb alone.
    def on(families, seed, rows, **kw):
        made = run(seed, rows, **kw)
        bank = {**BANK, "families": {f: BANK["families"][f] for f in families}}
        return dataclasses.replace(made, config={**made.config, "bank": bank})
    pell_early, pell_late = ("pell/D=2,B=20", "3,2", 1, 10, None, 9, 9, 0), ("pell/D=2,B=20", "17,12", 1, 600, None, 1, 1, 0)
    golomb_late = ("golomb/m=4,L=6", "0,1,4,6", 5000, 5000, None, 1, 1, 0)
    runs = [on(["golomb", "pell"], s, [pell_early], arm="random_all", attempts=100) for s in (0, 1)]
    runs += [on(["golomb", "pell"], s, [pell_early], arm="random_mid", attempts=500) for s in (0, 1)]
    runs += [on(["pell"], s, [pell_early, pell_late], arm="random_pell", attempts=1000) for s in (0, 1)]
    runs += [on(["golomb"], s, [golomb_late], arm="random_golomb", attempts=10_000) for s in (0, 1)]
    arms = group_arms(runs)
    assert [a.name for a in deepest(arms)] == ["random_golomb", "random_pell"]  # random_mid is outdone on both
    said = problem_sentences(arms)
    assert ("- Of the 1 problems given 10,000 attempts per seed, 1 got their first novel solution only beyond 100: "
            "golomb/m=4,L=6.") in said
    assert any(s.startswith("- Beyond 500 attempts per seed, random_golomb's 10,000 added 1 novel") for s in said)
    assert "- Of the 2 problems given 1,000 attempts per seed, 0 got their first novel solution only beyond 100." in said
    assert any(s.startswith("- Beyond 500 attempts per seed, random_pell's 1,000 added 1 novel discoveries per seed to "
                            "the 1 found by then (50% of its yield, on pell/D=2,B=20)") for s in said)
    assert not any("random_mid's" in s for s in said)


def test_an_evolve_arm_with_a_model_counts_the_models_own_discoveries_apart(run):
    # Per seed: the model finds pell's (3, 2) first (the prompt's example in the first wording) and mutation
    # golomb's ruler; seed 1 also has the model find pell's (17, 12). An older arm's runs name no operator.
    rows = [("pell/D=2,B=20", "(3, 2)", 4, 4, None, 30, 30, 0),
            ("golomb/m=4,L=6", "(0, 1, 4, 6)", 10, 10, None, 3, 3, 0)]
    more = [*rows, ("pell/D=2,B=20", "(17, 12)", 50, 50, None, 1, 1, 0)]
    runs = [run(0, rows, arm="evolve_m", solver="evolve", exchangeable=False),
            run(1, more, arm="evolve_m", solver="evolve", exchangeable=False)]
    for r, operators, attempts in zip(runs, (["model", "mutation"], ["model", "mutation", "model"]),
                                      ({"model": 1200, "mutation": 1500, "fresh": 300},
                                       {"model": 1000, "mutation": 1600, "fresh": 400})):
        r.discoveries["operator"] = operators
        r.summary["operators"] = attempts
    older = [run(s, rows, arm="evolve_old", solver="evolve", exchangeable=False) for s in (0, 1)]
    for r in runs + older:
        r.summary.update(spend={"tokens": 5000, "server_cpu_s": 9.0}, tiers={"malformed": 30, "wrong": 2950,
                                                                              "novel": 20})
    arms = group_arms(runs + older + [run(s, rows, arm="random_a") for s in (0, 1)])
    table = science.model_operators(arms)
    assert sorted(set(table["arm"])) == ["evolve_m", "evolve_old"]  # model arms beside other operators only
    mine = table[table["arm"] == "evolve_m"].set_index("operator")
    assert list(mine.index) == ["model", "mutation", "fresh"]  # the model first
    assert mine["valid"].tolist() == [1.5, 1.0, 0.0] and mine["example"].tolist() == [1.0, 1.0, 0.0]
    assert mine["attempts"].tolist() == [1100, 1550, 350] and mine.loc["model", "valid_share"] == 1.5 / 2.5
    # Every discovery is credited once: the rows sum to the arm's distinct solutions per seed.
    arm = next(a for a in arms if a.name == "evolve_m")
    assert mine["valid"].sum() == science.found_by(arm, "pell/D=2,B=20", "valid", 3000) + science.found_by(
        arm, "golomb/m=4,L=6", "valid", 3000) == 2.5
    old = table[table["arm"] == "evolve_old"]
    assert old["operator"].tolist() == ["unknown"] and old["valid"].tolist() == [2.0]

    findings = findings_of(arms, {"slopes": "slopes.png", "funnel": "funnel.png"}, real_model_operators=table)
    text = render(findings, "2026-12-05")
    section = text.split("## A real model")[1].split("## Calibration")[0]
    assert "| evolve_m | model | 1,100 | 36.7 | 1.50 | 1.50 | 1 | 60 | 1.36 |" in section
    assert ("- evolve_m: the model's own discoveries, 1.50 distinct solutions per seed (1.50 novel; 1 of them the "
            "prompt's example answer), are 60% of the arm's, from 36.7% of its attempts; the other operators found "
            "1 (1 novel) in the rest.") in section
    assert "- evolve_old: its runs do not say which operator proposed each attempt" in section
    assert "1.50 of them found first by the model itself" in text.split("## The sweep")[0]


def test_equal_cost_is_shown_once_when_no_token_had_a_price_and_twice_when_one_did(run):
    from harness.reporting.sections import equal_cost

    rows = [("pell/D=2,B=20", "3,2", 1, 10, None, 99, 99, 0)]
    arms = group_arms([run(s, rows, arm=name, attempts=attempts, spend=spend) for s in (0, 1)
                       for name, attempts, spend in (("random_a", 1000, 1.0), ("random_b", 100, 5.0))])
    tables = {"equal_cost": equal_cost.tables(arms, Settings(runs=[]), {})["equal_cost"]}
    assert set(tables["equal_cost"]["axis"]) == {"usd", "compute_s", "attempts"}  # the CSV keeps every axis
    text = "\n".join(equal_cost.markdown(Findings(arms, tables)))
    assert ("On toy, no arm's tokens had a price, so a dollar is CPU seconds at one rate ($0.04 per core-hour) and "
            "equal cost is equal compute: it is shown once, as compute (`compute_s`; its dollar rows, the same "
            "numbers, are in `equal_cost.csv`).") in text
    assert "| toy | compute_s |" in text and "| toy | attempts |" in text and "| toy | usd |" not in text

    for r in arms[1].runs:  # a hosted model's tokens, priced: dollars are now more than its CPU
        r.curve["cost_usd"] = r.curve["attempts"] * 0.01
    tables = {"equal_cost": equal_cost.tables(arms, Settings(runs=[]), {})["equal_cost"]}
    text = "\n".join(equal_cost.markdown(Findings(arms, tables)))
    assert "Token prices make dollars more than compute on every bank here: both are shown." in text
    assert "| toy | usd |" in text and "| toy | compute_s |" in text and "shown once" not in text
