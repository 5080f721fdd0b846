"""Verification speed per family, and the antiderivative check against plain simplify.

    .venv/bin/python benchmarks/verify_speed.py [--seconds 1.0]

Per family: verifications per second, in this process, over the labelled corpus
(tests/data/labelled.jsonl) plus random-solver candidates for the family's instances.
For expressions (antiderivatives), the harness check (numeric probes that only reject,
then an exact simplify) against the plain `sympy.simplify(F' - f) == 0` on the same
candidates: the verdicts must be identical, and the ratio of speeds is printed. Also the
cost of the time-bounded sandbox per verification, against verifying in-process.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import sympy

from harness.bank.banks import available_instance_lists, bank_entries, bank_spec
from harness.core.parse import ParseError
from harness.core.problem import verify_inline
from harness.engine.sandbox import SandboxVerifier
from harness.solvers import RandomSolver
from problems.antiderivative import X

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled.jsonl"


def rate(fn, items, seconds: float) -> float:
    """Calls per second of fn over items, cycling for at least `seconds`."""
    done, began = 0, time.perf_counter()
    while True:
        for item in items:
            fn(item)
        done += len(items)
        elapsed = time.perf_counter() - began
        if elapsed >= seconds:
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time spent per family")
    args = parser.parse_args()
    problems = {e.problem.id: e.problem for e in bank_entries(bank_spec(available_instance_lists()))}
    work = defaultdict(list)  # family -> [(problem, candidate)]
    for line in CORPUS.read_text().splitlines():
        row = json.loads(line)
        work[problems[row["problem_id"]].family].append((problems[row["problem_id"]], row["candidate"]))
    for problem in problems.values():
        work[problem.family] += [(problem, c) for c in RandomSolver().propose(problem, 0, 0, 30)]

    print(f"{'family':16s} {'candidates':>10s} {'verifications/s':>16s}")
    for family in sorted(work):
        per_s = rate(lambda pc: pc[0].verify(pc[1]), work[family], args.seconds)
        print(f"{family:16s} {len(work[family]):10d} {per_s:16.0f}")

    # The sandbox (a killable child process) against verifying in this process.
    cubes = problems["three_cubes/k=3,B=6"]
    batch = RandomSolver().propose(cubes, 0, 0, 20_000)
    with SandboxVerifier() as sandbox:
        sandbox.verify(cubes, batch[:10])  # start the child outside the timing
        began = time.perf_counter()
        sandbox.verify(cubes, batch)
        sandboxed = (time.perf_counter() - began) / len(batch)
    began = time.perf_counter()
    verify_inline(cubes, batch)
    inline = (time.perf_counter() - began) / len(batch)
    print(f"\nthree_cubes, {len(batch)} candidates: inline {inline * 1e6:.0f} us, "
          f"sandboxed {sandboxed * 1e6:.0f} us per verification (sandbox / inline = {sandboxed / inline:.2f})")

    cases = []
    for problem, text in work["antiderivative"]:
        try:
            cases.append((problem, text, problem.parse(text)))
        except ParseError:
            continue  # both checks need a parsed expression

    def plain(case):
        problem, _, F = case
        return sympy.simplify(sympy.diff(F, X) - problem.f) == 0

    def harness(case):
        problem, text, _ = case
        return problem.verify(text).tier.rank > 0

    agree = sum(plain(c) == harness(c) for c in cases)
    valid = sum(harness(c) for c in cases)
    print(f"\nantiderivative: {len(cases)} parsed candidates, {valid} valid; identical verdicts: {agree}/{len(cases)}")
    plain_rate = rate(plain, cases, args.seconds * 3)
    harness_rate = rate(harness, cases, args.seconds * 3)
    print(f"plain simplify(F' - f) == 0: {plain_rate:.0f}/s   harness: {harness_rate:.0f}/s (parse included)")
    print(f"harness / plain simplify = {harness_rate / plain_rate:.2f}")


if __name__ == "__main__":
    main()
