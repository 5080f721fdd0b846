"""Search spaces: what stub solvers sample. Each turns a seeded RNG into candidate text.

`mutate` and `crossover` are the variation operators of the evolve solver. They read texts
the space itself wrote; anything else they cannot read is replaced by a fresh sample.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from harness.core import grammar


@runtime_checkable
class Variation(Protocol):
    """A space the evolve solver can vary: it reads texts it wrote, and writes new ones."""

    def mutate(self, text: str, rng: random.Random) -> str: ...

    def crossover(self, a: str, b: str, rng: random.Random) -> str: ...


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

    def grammar(self, version: int = grammar.GRAMMAR_VERSION) -> str:
        return grammar.integer_list(self.arity, self.lo, self.hi, version)

    def mutate(self, text: str, rng: random.Random) -> str:
        """Move one coordinate: often by one, sometimes by a step up to a quarter of the box."""
        values = self._read(text)
        if values is None:
            return self.sample(rng)
        i = rng.randrange(self.arity)
        reach = max(1, (self.hi - self.lo) // 4)
        step = rng.choice((-1, 1)) * (1 if rng.random() < 0.5 else rng.randint(1, reach))
        values[i] = min(self.hi, max(self.lo, values[i] + step))
        return self._write(values)

    def crossover(self, a: str, b: str, rng: random.Random) -> str:
        left, right = self._read(a), self._read(b)
        if left is None or right is None:
            return self.sample(rng)
        return self._write([x if rng.random() < 0.5 else y for x, y in zip(left, right)])

    def _read(self, text: str) -> list[int] | None:
        try:
            values = [int(part) for part in text.split(",")]
        except ValueError:
            return None
        return values if len(values) == self.arity else None

    def _write(self, values: list[int]) -> str:
        return ", ".join(map(str, values))


@dataclass(frozen=True)
class BitString:
    """Strings of `length` characters, each '0' or '1' with equal probability."""

    length: int

    def sample(self, rng: random.Random) -> str:
        return format(rng.getrandbits(self.length), f"0{self.length}b") if self.length else ""

    def grammar(self, version: int = grammar.GRAMMAR_VERSION) -> str:
        return grammar.bit_string(self.length, version)

    def mutate(self, text: str, rng: random.Random) -> str:
        """Flip one to three bits."""
        if len(text) != self.length or set(text) - {"0", "1"} or not self.length:
            return self.sample(rng)
        bits = list(text)
        for i in rng.sample(range(self.length), min(self.length, rng.randint(1, 3))):
            bits[i] = "1" if bits[i] == "0" else "0"
        return "".join(bits)

    def crossover(self, a: str, b: str, rng: random.Random) -> str:
        """One-point crossover."""
        if len(a) != self.length or len(b) != self.length:
            return self.sample(rng)
        cut = rng.randrange(self.length + 1)
        return a[:cut] + b[cut:]


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

    def grammar(self, version: int = grammar.GRAMMAR_VERSION) -> str:
        return grammar.expression(self.variable, self.functions, self.variable in self.powers, version)

    # Expressions have no cheap neighbourhood here: variation is a fresh sample or a parent.
    def mutate(self, text: str, rng: random.Random) -> str:
        return self.sample(rng)

    def crossover(self, a: str, b: str, rng: random.Random) -> str:
        return a if rng.random() < 0.5 else b

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
