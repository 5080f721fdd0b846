"""The vectorised loop, the new limit of issue 17, against the scalar plain loop, per family.

    .venv/bin/python benchmarks/vectorised_loop.py [--attempts 10000000] [--rounds 3]

For one instance of each batch-checkable family (the deep bank's, and three_cubes k=3, B=50 as
in throughput.py), in this one process:
1. the scalar plain loop of throughput.py: the random solver's texts, each verified in-process;
2. the vectorised loop: harness.batch's Philox sampler and the family's batch check over numpy
   arrays, 10^6 attempts a chunk, every row it calls valid confirmed by the scalar verifier.
Best of --rounds; the ratio is printed on its own line per family. The batch harness (Ray
workers, sandbox, compact records) is not built yet: its R and S of issue 17 are not measured.
"""
from __future__ import annotations

import argparse
import time

from harness import batch
from harness.bank import bank_from_config_name, build_bank
from throughput import BANKS, plain_loop

CHUNK = 1_000_000


def vectorised_loop(problem, attempts: int) -> tuple[float, int]:
    """(attempts per second, valid attempts confirmed by the scalar verifier)."""
    valid = 0
    began = time.perf_counter()
    for start in range(0, attempts, CHUNK):
        values = batch.sample(problem.space, 0, problem.id, start, min(attempts, start + CHUNK))
        hits = values[problem.batch_valid(values)]
        valid += sum(problem.verify(text).tier.rank > 0 for text in batch.texts(hits))
    return attempts / (time.perf_counter() - began), valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000_000, help="per family, vectorised loop")
    parser.add_argument("--plain-attempts", type=int, default=100_000, help="per family, scalar plain loop")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    problems = [build_bank(BANKS["three_cubes"])[0],
                *(p for p in bank_from_config_name("deep") if isinstance(p, batch.BatchCheck))]
    print(f"one process; vectorised {args.attempts} attempts, plain {args.plain_attempts}, best of {args.rounds}")
    for problem in problems:
        bank = {problem.family: [{k: getattr(problem, k) for k in problem.__dataclass_fields__}]}
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
