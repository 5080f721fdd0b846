"""Ramsey colourings: a red/blue colouring of the edges of K_n with no monochromatic K_k.

The candidate is n(n-1)/2 characters '0' (red) or '1' (blue), one per edge in the order
(0,1), (0,2), ..., (0,n-1), (1,2), ...; it is read character by character, never evaluated.
Colourings equal up to relabelling the vertices or swapping the colours are one discovery;
the canonical form is a colour-refinement (Weisfeiler-Lehman) fingerprint, which merges
isomorphic colourings exactly and could at worst merge two rare non-isomorphic ones.
Random colourings of K_17 avoiding K_4 are astronomically rare; the Paley graph on 17
vertices is one (`construct`). `interesting` means balanced: as many red edges as blue.

Batch-checkable (harness.core.batch): for an array of colourings packed into 64-bit words (bit j is
edge j), `batch_valid` tests the k-subsets of the vertices a block at a time, each as a mask of
its edges (monochromatic: no edge of the mask set, or every one), keeping only the colourings
that no block has refuted: most random colourings die in the first block.
"""
from __future__ import annotations

import hashlib
import itertools
import math
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from harness.core.batch import unpacked
from harness.core.parse import ParseError
from harness.core.problem import Problem
from harness.core.space import BitString

MAX_CHARS = 2_000
MAX_BATCH_SUBSETS = 100_000  # k-subsets checked as masks; beyond, each colouring by the scalar check
FIRST_BLOCK = 32  # subsets in the first block; each later block doubles, as fewer colourings remain


@dataclass(frozen=True)
class RamseyColouring(Problem):
    family = "ramsey"
    n: int
    k: int
    known_solutions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (3 <= self.k <= self.n <= 60):
            raise ValueError("need 3 <= k <= n <= 60")

    @property
    def instance(self) -> str:
        return f"n={self.n},k={self.k}"

    @cached_property
    def edges(self) -> tuple[tuple[int, int], ...]:
        return tuple(itertools.combinations(range(self.n), 2))

    @property
    def statement(self) -> str:
        return (
            f"Colour the edges of the complete graph on {self.n} vertices red or blue so that no "
            f"{self.k} vertices have all their edges the same colour. Answer with "
            f"{len(self.edges)} characters, 0 for red and 1 for blue, one per edge in the order "
            "(0,1), (0,2), ..., (0,n-1), (1,2), (1,3), ..."
        )

    @property
    def space(self) -> BitString:
        return BitString(len(self.edges))

    def parse(self, text: str) -> tuple[int, ...]:
        if not isinstance(text, str):
            raise ParseError("candidate must be text")
        bits = text.strip()
        if len(bits) > MAX_CHARS:
            raise ParseError(f"candidate has {len(bits)} characters, limit {MAX_CHARS}")
        if not re.fullmatch(r"[01]*", bits, flags=re.ASCII):
            raise ParseError("only the characters 0 and 1 are allowed")
        if len(bits) != len(self.edges):
            raise ParseError(f"expected {len(self.edges)} characters, got {len(bits)}")
        return tuple(map(int, bits))

    def _neighbours(self, colours: tuple[int, ...], colour: int) -> list[int]:
        masks = [0] * self.n
        for (i, j), c in zip(self.edges, colours):
            if c == colour:
                masks[i] |= 1 << j
                masks[j] |= 1 << i
        return masks

    def _cliques(self, masks: list[int], size: int, limit: int) -> int:
        """Count cliques of `size` vertices (stopping at `limit`), by bitmask extension."""
        found = 0

        def grow(candidates: int, depth: int) -> None:
            nonlocal found
            while candidates and found < limit:
                v = candidates.bit_length() - 1
                candidates &= ~(1 << v)
                if depth + 1 == size:
                    found += 1
                else:
                    grow(candidates & masks[v], depth + 1)

        grow((1 << self.n) - 1, 0)
        return found

    def check(self, colours: tuple[int, ...]) -> tuple[float, str | None]:
        bad = sum(self._cliques(self._neighbours(colours, c), self.k, 1000) for c in (0, 1))
        return 0.0 - bad, None if bad == 0 else f"{bad} monochromatic K_{self.k} (counted to 1000 per colour)"

    def canonical(self, colours: tuple[int, ...]) -> str:
        return min(self._fingerprint(self._neighbours(colours, c)) for c in (0, 1))

    def _fingerprint(self, masks: list[int]) -> str:
        neighbours = [[u for u in range(self.n) if m >> u & 1] for m in masks]
        labels = [len(around) for around in neighbours]
        for _ in range(self.n):
            refined = [hash((labels[v], tuple(sorted([labels[u] for u in around]))))
                       for v, around in enumerate(neighbours)]
            ranks = {label: r for r, label in enumerate(sorted(set(refined)))}
            refined = [ranks[label] for label in refined]
            if len(set(refined)) == len(set(labels)):
                labels = refined
                break
            labels = refined
        signature = sorted((labels[v], sorted([labels[u] for u in around])) for v, around in enumerate(neighbours))
        return hashlib.blake2b(repr(signature).encode(), digest_size=10).hexdigest()

    int64_safe = True  # the batch check does no arithmetic: masks and comparisons of bits

    @cached_property
    def subset_masks(self) -> np.ndarray:
        """(C(n, k), words) uint64: each k-subset's edges as bits of a packed colouring, in a fixed
        shuffled order (consecutive subsets then share few edges, so a block refutes more)."""
        index = {edge: i for i, edge in enumerate(self.edges)}
        words = -(-len(self.edges) // 64)
        masks = np.zeros((math.comb(self.n, self.k), words), dtype=np.uint64)
        for row, subset in enumerate(itertools.combinations(range(self.n), self.k)):
            for edge in itertools.combinations(subset, 2):
                masks[row, index[edge] // 64] |= np.uint64(1 << (index[edge] % 64))
        return masks[np.random.default_rng(0).permutation(len(masks))]

    def batch_valid(self, words: np.ndarray) -> np.ndarray:
        """Per row of packed colourings (harness.core.batch.packed): no monochromatic K_k?"""
        if math.comb(self.n, self.k) > MAX_BATCH_SUBSETS:
            bits = unpacked(words, len(self.edges))
            return np.array([self.check(tuple(row))[1] is None for row in bits.tolist()], dtype=bool)
        masks = self.subset_masks
        alive = np.arange(len(words))
        first, size = 0, FIRST_BLOCK
        while first < len(masks) and len(alive):
            block = masks[first:first + size]
            red = blue = None
            for j in range(masks.shape[1]):  # all red: no edge's bit set; all blue: every one
                seen = words[alive, j:j + 1] & block[:, j]  # (alive, block)
                red = seen == 0 if red is None else red & (seen == 0)
                blue = seen == block[:, j] if blue is None else blue & (seen == block[:, j])
            mono = (red | blue).any(axis=1)
            alive = alive[~mono]
            first, size = first + size, 2 * size
        valid = np.zeros(len(words), dtype=bool)
        valid[alive] = True
        return valid

    def interesting(self, colours: tuple[int, ...]) -> str | None:
        return "balanced: as many red edges as blue" if 2 * sum(colours) == len(colours) else None

    def construct(self) -> str | None:
        """The Paley colouring (red = quadratic residue difference) when n is a prime 1 mod 4,
        or its restriction to the first n vertices of the next such prime."""
        p = self.n
        while not (p % 4 == 1 and all(p % q for q in range(2, int(p**0.5) + 1))):
            p += 1
        residues = {(x * x) % p for x in range(1, p)}
        return "".join("0" if (j - i) % p in residues else "1" for i, j in self.edges)


def make(*, known_solutions=(), **params) -> RamseyColouring:
    return RamseyColouring(known_solutions=tuple(known_solutions), **params)
