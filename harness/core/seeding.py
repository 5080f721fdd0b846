"""Per-attempt randomness: attempt i of problem p under seed s depends on (s, p, i) only."""
from __future__ import annotations

import hashlib
import random


def attempt_seed(seed: int, problem_id: str, attempt: int) -> int:
    digest = hashlib.blake2b(f"{seed}/{problem_id}/{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def attempt_rng(seed: int, problem_id: str, attempt: int) -> random.Random:
    """A fresh RNG for one attempt, so batch size and worker count cannot change it."""
    return random.Random(attempt_seed(seed, problem_id, attempt))
