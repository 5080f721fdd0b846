"""Search spaces: what stub solvers sample. Each turns a seeded RNG into candidate text."""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class IntBox:
    """Tuples of `arity` integers, each uniform in [lo, hi]."""

    arity: int
    lo: int
    hi: int

    def __post_init__(self) -> None:
        if self.arity < 1 or self.lo > self.hi:
            raise ValueError(f"empty box: {self}")

    def sample(self, rng: random.Random) -> str:
        values = [rng.randint(self.lo, self.hi) for _ in range(self.arity)]
        return ", ".join(map(str, values)) if self.arity > 1 else str(values[0])

    @property
    def size(self) -> int:
        return (self.hi - self.lo + 1) ** self.arity


@dataclass(frozen=True)
class BitString:
    """Strings of `length` characters, each '0' or '1' with equal probability."""

    length: int

    def sample(self, rng: random.Random) -> str:
        return format(rng.getrandbits(self.length), f"0{self.length}b") if self.length else ""


@dataclass(frozen=True)
class ExpressionGrammar:
    """Small random expressions in one variable, written in the candidate syntax."""

    variable: str = "x"
    max_depth: int = 3
    functions: tuple[str, ...] = ("sin", "cos", "exp", "log")
    constants: tuple[int, ...] = (1, 2, 3)
    powers: tuple[str, ...] = ("2", "3", "-1")  # exponents; may name the variable

    def sample(self, rng: random.Random) -> str:
        return self._grow(rng, self.max_depth)

    def _grow(self, rng: random.Random, depth: int) -> str:
        roll = rng.random()
        if depth == 0 or roll < 0.3:
            return self.variable if rng.random() < 0.6 else str(rng.choice(self.constants))
        if roll < 0.5 and self.functions:
            return f"{rng.choice(self.functions)}({self._grow(rng, depth - 1)})"
        if roll < 0.6:
            return f"({self._grow(rng, depth - 1)})**({rng.choice(self.powers)})"
        op = rng.choice(("+", "-", "*", "/"))
        return f"({self._grow(rng, depth - 1)}) {op} ({self._grow(rng, depth - 1)})"
