"""Which problems yielded to volume, which to adaptive search, which to neither: the conclusion's
sentences per problem, read off the arms' own discoveries."""
from __future__ import annotations

from harness.reporting.arms import ADAPTIVE, UNIFORM, Arm, of_kind, problem_ids
from harness.reporting.markdown import num


def novel_problems(arm: Arm) -> set[str]:
    """Problems on which some seed of the arm made a novel discovery."""
    return {pid for d in arm.discoveries() for pid in d.loc[d["first_novel"].notna(), "problem_id"]}


def problem_sentences(arms: list[Arm]) -> list[str]:
    """Which problems yielded to volume (uniform search), which to adaptive search, which to neither.
    The sentences name the solvers of each kind (random, evolve)."""
    uniform, adaptive = of_kind(arms, UNIFORM), of_kind(arms, ADAPTIVE)
    by_uniform = set().union(*(novel_problems(a) for a in uniform))
    by_adaptive = set().union(*(novel_problems(a) for a in adaptive))
    volume, search = solvers(uniform) or UNIFORM, solvers(adaptive)
    attempted = sorted(set().union(*(problem_ids(a) for a in uniform + adaptive)))
    who = " or ".join(filter(None, (solvers(uniform), search)))
    out = [f"{len(by_uniform)} of the {len(attempted)} problems that {who} "
           f"attempted got a novel solution from {volume} search at some volume."]
    small = min(uniform, key=lambda a: a.attempts, default=None)
    for large in deepest(uniform):
        if large.attempts <= small.attempts:
            continue
        late = sorted(novel_problems(large) - novel_problems(small))
        shared = sorted(problem_ids(large) & set(attempted))
        out.append(f"Of the {len(shared)} problems given {large.attempts:,} attempts per seed, "
                   f"{len(late)} got their first novel solution only beyond {small.attempts:,}"
                   + (f": {', '.join(late)}." if late else "."))
        out += last_step(large, [a.attempts for a in uniform if small.attempts < a.attempts < large.attempts
                                 and problem_ids(a) & problem_ids(large)])
    if by_adaptive:
        only_adaptive, only_uniform = sorted(by_adaptive - by_uniform), sorted(by_uniform - by_adaptive)
        out.append(f"Problems with a novel solution: {len(by_adaptive)} by {search}, {len(by_uniform)} by {volume}; "
                   f"only by {search}: {len(only_adaptive)}"
                   f"{' (' + ', '.join(only_adaptive) + ')' if only_adaptive else ''}, "
                   f"only by {volume}: {len(only_uniform)}"
                   f"{' (' + ', '.join(only_uniform) + ')' if only_uniform else ''}.")
    by_any = set().union(*(novel_problems(a) for a in arms))
    untouched = [pid for pid in attempted if pid not in by_any]
    if untouched:
        out.append(f"No solver found anything novel on {len(untouched)}: {', '.join(untouched)}. Each has "
                   "solutions (problems/README.md gives the construction or search that finds them), rarer "
                   "than these volumes reach or outside the space the solvers sample (large heights, wide "
                   "boxes).")
    return [f"- {sentence}" for sentence in out]


def solvers(arms: list[Arm]) -> str:
    """The arms' solvers by name, as the sentences say who searched: "random", "evolve"."""
    return " or ".join(sorted({a.solver for a in arms}))


def deepest(arms: list[Arm]) -> list[Arm]:
    """The arms that gave each of their problems the most attempts of any arm that shares it
    (several, where arms went deepest on different problems), largest volume first."""
    return sorted((a for a in arms if all(b.attempts <= a.attempts for b in arms if problem_ids(b) & problem_ids(a))),
                  key=lambda a: -a.attempts)


def last_step(large: Arm, volumes_below: list[int]) -> list[str]:
    """What a deepest random arm's volume bought beyond the next volume below it on its problems,
    read off its own runs (a discovery's first novel attempt): the extra volume's share of its yield."""
    if not volumes_below:
        return []
    step = max(volumes_below)
    novel = [d.loc[d["first_novel"].notna()] for d in large.discoveries()]
    by_step = sum(int((d["first_novel"] < step).sum()) for d in novel) / len(novel)
    beyond = sum(len(d) for d in novel) / len(novel) - by_step
    on = sorted({pid for d in novel for pid in d.loc[d["first_novel"] >= step, "problem_id"]})
    first = sorted(set(on) - {pid for d in novel for pid in d.loc[d["first_novel"] < step, "problem_id"]})
    return [f"Beyond {step:,} attempts per seed, {large.name}'s {large.attempts:,} added {num(beyond)} novel "
            f"discoveries per seed to the {num(by_step)} found by then"
            + (f" ({num(100 * beyond / (beyond + by_step))}% of its yield, on {', '.join(on)})" if on else "")
            + f", and {len(first)} problem{'' if len(first) == 1 else 's'} got {'its' if len(first) == 1 else 'their'} "
              "first novel solution there"
            + (f": {', '.join(first)}." if first else ".")]
