"""The vectorised loop, the new limit of issue 17, against the scalar plain loop, per family.

    .venv/bin/python benchmarks/vectorised_loop.py [--attempts 10000000] [--rounds 3]

For one instance of each batch-checkable family (the deep bank's, and three_cubes k=3, B=50 as
in throughput.py), in this one process:
1. the scalar plain loop of throughput.py: the random solver's texts, each verified in-process;
2. the vectorised loop: harness.core.batch's Philox sampler and the family's batch check over numpy
   arrays, 10^6 attempts a chunk, every row it calls valid confirmed by the scalar verifier.
Best of --rounds; the ratio is printed on its own line per family. The batch harness against
this loop (R and S of issue 17) is in throughput.py.
"""
from __future__ import annotations

import argparse

from throughput import bank_of, batch_problems, plain_loop, vectorised_loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000_000, help="per family, vectorised loop")
    parser.add_argument("--plain-attempts", type=int, default=100_000, help="per family, scalar plain loop")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    problems = batch_problems()
    print(f"one process; vectorised {args.attempts} attempts, plain {args.plain_attempts}, best of {args.rounds}")
    for problem in problems:
        bank = bank_of(problem)
        plain = fast = 0.0
        for _ in range(args.rounds):
            plain = max(plain, plain_loop(bank, args.plain_attempts))
            rate, valid = vectorised_loop(problem, args.attempts)
            fast = max(fast, rate)
        print(f"{problem.id:28s} plain loop {plain:9.0f}, vectorised loop {fast:11.0f} attempts/s, "
              f"valid {valid / args.attempts:.2e} of attempts")
        print(f"{problem.id:28s} vectorised loop / plain loop = {fast / plain:.0f}")


if __name__ == "__main__":
    main()
