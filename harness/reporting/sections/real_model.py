"""A real model: the arms whose candidates came from a language model, beside random search and the stubs."""
from __future__ import annotations

from pathlib import PurePath

import pandas as pd

from harness.core.problem import STATEMENT_VERSION
from harness.reporting import equal_compute, figures as draw, science
from harness.reporting.arms import MODEL, Arm, of_kind
from harness.reporting.equal_compute import answers
from harness.reporting.markdown import num, some, table

TITLE = "A real model"


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    return {"real_model": science.model_against_random(arms), "real_model_operators": science.model_operators(arms),
            "equal_compute": equal_compute.table_of(arms, n_boot=settings.n_boot)}


def figures(f, out) -> dict[str, str]:
    drawn = {}
    if draw.real_model(f["real_model"], out / "real_model.png", f.arms):
        drawn["real_model"] = "real_model.png"
    if equal_compute.figure(f.arms, f["equal_compute"], out / "equal_compute.png"):
        drawn["equal_compute"] = "equal_compute.png"
    return drawn


def recorded(run) -> bool:
    """Whether the run's model answered from a recording (server=recording)."""
    return (run.summary.get("server") or {}).get("name") == "recording"


def recording_of(run) -> str:
    """Where a replayed run's recordings live, as the run's config names it (relative)."""
    settings = run.config.get("solver", {})
    path = run.config.get("server", {}).get("path") or (settings.get("llm") or settings).get("record_dir") or "?"
    return str(PurePath(path).parent)


def model_table(arms: list[Arm]) -> pd.DataFrame:
    rows = []
    for arm in of_kind(arms, MODEL):
        summaries = [r.summary for r in arm.runs]
        attempts = sum(s["attempts"] for s in summaries)
        rows.append({
            "arm": arm.name, "solver": arm.solver, "answers": answers(arm), "attempts": arm.attempts,
            "seeds": len(arm.runs), "tokens": sum(s["spend"]["tokens"] for s in summaries) / attempts,
            "server_cpu": sum(s["spend"]["server_cpu_s"] for s in summaries) / len(summaries),
            "malformed": sum(s["tiers"]["malformed"] for s in summaries) / attempts,
            "source": "recording" if all(recorded(r) for r in arm.runs) else "live"})
    return pd.DataFrame(rows)


def markdown(f) -> list[str]:
    """The model's arms beside random search on the same problems, per problem; then the models,
    the stubs and random search at equal compute; then who found what where a model was one operator."""
    operators = operators_section(f)
    return [*beside_random(f), "", *equal_compute.section(f["equal_compute"], f.arms, f.figures.get("equal_compute")),
            *([""] + operators[:-1] if operators else [])]


def beside_random(f) -> list[str]:
    if not len(f["real_model"]):
        return ["No arm in this sweep spent tokens beside a random arm on its bank."]
    r = f["real_model"]
    leaked = bool(r["example_is_solution"].any())  # only in the statements' first wording
    lines = [
        "Arms whose candidates came (partly) from a language model, beside random search on the same "
        "problems. Compute is CPU seconds: verification plus the model server's own CPU (measured when "
        "recorded, counted per token on replay); equal compute means random search given the CPU seconds "
        "the model's whole arm used (mean of seeds). Per problem, mean per seed: distinct solutions (any "
        "tier) and novel ones. Table: `real_model.csv`.", "",
        *([f"![real model]({f.figures['real_model']})", ""] if "real_model" in f.figures else []),
        table(model_table(f.arms), {"arm": "arm", "solver": "solver", "answers": "answers",
                                    "attempts": "attempts per problem", "seeds": "seeds",
                                    "tokens": "tokens per attempt", "server_cpu": "server CPU s per seed",
                                    "malformed": "malformed share", "source": "answers from"}), "",
        *some(r, (r["model_valid"] > 0) | (r["random_valid"] > 0),
              {"problem_id": "problem", "arm": "arm", "model_valid": "solutions", "model_novel": "novel",
               "random_valid": "random, equal attempts", "random_novel": "(novel)",
               "random_attempts_at_compute": "random's attempts at equal compute",
               "random_valid_at_compute": "random, equal compute", "random_novel_at_compute": "(novel) ",
               **({"example_is_solution": "prompt's example solves it",
                   "model_beyond_example": "model, beyond the example"} if leaked else {})},
              "real_model.csv", "problems on which neither the model nor random search at equal attempts found "
              "a solution"), "",
        *old_prompts(r), *([] if leaked else ["No prompt's example answer is a solution of its problem.", ""])]
    for arm, part in r.groupby("arm", sort=True):
        total = lambda column: num(round(float(part[column].sum()), 9))  # noqa: E731 (means of thirds: 3, not 3.00)
        solved = int((part["model_valid"] > 0).sum())
        random_solved = int((part["random_valid"] > 0).sum())
        at_compute = int((part["random_valid_at_compute"] > 0).sum())
        first = part.iloc[0]
        echoed = part[part["example_is_solution"] & (part["model_valid"] > 0)]
        capped = (f"; all it ran, {num(first['random_compute_s'])} CPU s against this arm's "
                  f"{num(first['compute_s'])}" if first["random_capped"] else "")
        lines.append(
            f"- {arm}: in {first['attempts']:,} attempts per problem it found solutions (in some seed) on "
            f"{solved} of {len(part)} problems (mean per seed: {total('model_valid')} distinct, "
            f"{total('model_novel')} novel); random search at equal attempts on {random_solved} "
            f"({total('random_valid')}, {total('random_novel')}), at equal compute "
            f"({num(first['random_attempts_at_compute'])} attempts per problem{capped}) on {at_compute} "
            f"({total('random_valid_at_compute')}, {total('random_novel_at_compute')})."
            + (f" On {len(echoed)} of its {solved} solved problems the prompt's own example answer is a solution; "
               f"beyond those examples: {total('model_beyond_example')} distinct solutions per seed."
               if part["example_is_solution"].any() else ""))
    return lines


def operators_section(f) -> list[str]:
    """Who found what in the arms where a model proposed beside other operators (evolve's)."""
    if not len(f["real_model_operators"]):
        return []
    shown = f["real_model_operators"].assign(attempt_share=f["real_model_operators"]["attempt_share"] * 100,
                               valid_share=f["real_model_operators"]["valid_share"] * 100)
    lines = [
        "Where a model proposed beside other operators (evolve's mutation, crossover, copies and fresh "
        "samples), each distinct solution is credited to the operator of the attempt that found it first "
        "(the attempt records' `operator` column; evolve's own random draws decide which attempts go to "
        "the model, so a replay asks it at exactly the recorded attempts). Mean per seed, all problems. "
        "Table: `real_model_operators.csv`.", "",
        table(shown, {"arm": "arm", "operator": "operator", "attempts": "attempts",
                      "attempt_share": "% of attempts", "valid": "solutions found first", "novel": "(novel)",
                      "example": "(the prompt's example)", "valid_share": "% of the arm's solutions",
                      "valid_per_1000": "solutions per 1,000 attempts"}), ""]
    for arm, part in f["real_model_operators"].groupby("arm", sort=True):
        by = part.set_index("operator")
        if "model" not in by.index:
            lines.append(f"- {arm}: its runs do not say which operator proposed each attempt (made before the "
                         "records had an `operator` column): run it again, or replay its recording, to attribute.")
            continue
        model, others = by.loc["model"], by.drop(index="model")
        lines.append(
            f"- {arm}: the model's own discoveries, {num(model['valid'])} distinct solutions per seed "
            f"({num(model['novel'])} novel; {num(model['example'])} of them the prompt's example answer), are "
            f"{num(model['valid_share'] * 100)}% of the arm's, from {num(model['attempt_share'] * 100)}% of its "
            f"attempts; the other operators found {num(others['valid'].sum())} ({num(others['novel'].sum())} "
            f"novel) in the rest.")
    return [*lines, ""]


def old_prompts(r: pd.DataFrame) -> list[str]:
    """A sentence on model arms asked in an older wording of the statements than the current one."""
    old = r[r["statement_version"] < STATEMENT_VERSION] if "statement_version" in r else r.iloc[:0]
    if not len(old):
        return []
    arms = ", ".join(sorted(set(old["arm"])))
    leaks = ", ".join(sorted(set(old.loc[old["example_is_solution"], "problem_id"])))
    return [f"The model arms {arms} use the old prompts: they replay recordings asked in the statements' "
            f"first wording (`solver.statement_version=1`, pinned so that the recorded prompts are found), whose "
            "example answers were sometimes solutions"
            + (f" (here on {leaks}: the column \"prompt's example solves it\")" if leaks else "")
            + f". The current statements (version {STATEMENT_VERSION}) show the answer format with an example that "
            "is no solution; the recording is to be made again with them.", ""]
