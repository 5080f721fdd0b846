"""Fast exact verification beside a sympy reference (issue 39).

A family that mixes in FastVerify keeps its sympy-based parse/check/canonical as the reference
and adds `fast_verdict`: the verdict computed without sympy where it can be computed exactly as the
reference would give it, or None (or Defer) where it cannot, and the reference decides. Its
`checker` field says which path `verify` takes: "fast" (the default) or "sympy" (the reference
alone, for tests and benchmarks).

Verification is deterministic, and random expression search repeats itself at volume, so on the
fast path each problem keeps the verdicts of its last CACHE_SIZE distinct short candidate texts
(text, reason and canonical form within CACHED_CHARS): a repeated candidate gets the verdict its
first occurrence got.
"""
from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from typing import ClassVar

from harness.core.problem import Problem, Tier, Verdict
from harness.exact.mirror import Defer

CHECKERS = ("fast", "sympy")
CACHE_SIZE = 1 << 15  # verdicts per problem (about 14 MB): misses at 3x10^5 attempts fall 3-8% from 2^12 to 2^16
# An entry holds at most this many characters of text, reason and canonical form: with its objects
# at most about 700 B (measured; random search's average 420 B), so a cache is at most about 23 MB.
# A longer candidate (the parser admits 2,000 characters) or verdict is verified every time.
CACHED_CHARS = 400
CACHED_PROBLEMS = 32  # problems with a cache in one process (at most about 750 MB), the oldest dropped first

_caches: dict[Problem, _VerdictCache] = {}
_fallbacks: Counter[tuple[str, str]] = Counter()
log = logging.getLogger(__name__)


def fallbacks() -> dict[tuple[str, str], int]:
    """How many candidates a fast path that raised has left to the reference in this process, by
    (problem id, exception type): a fast path's bug, made visible (each is logged once too)."""
    return dict(_fallbacks)


def clear_caches() -> None:
    """Forget every cached verdict of this process (benchmarks start cold)."""
    _caches.clear()


class FastVerify:
    """Mixed into a Problem dataclass that has a `checker` field."""

    checker: ClassVar[str] = "fast"  # overridden by the family's dataclass field

    def check_checker(self) -> None:
        if self.checker not in CHECKERS:
            raise ValueError(f"checker must be one of {CHECKERS}, got {self.checker!r}")

    def fast_verdict(self, text: str) -> Verdict | None:
        """The verdict, exactly as the reference would give it, or None (or Defer raised): ask
        the reference."""
        raise NotImplementedError

    def decided(self, text: str) -> Verdict | None:
        """The fast verdict, or None where the fast path leaves the candidate to the reference."""
        try:
            return self.fast_verdict(text)
        except Defer:
            return None

    def verify(self, text: str) -> Verdict:
        if self.checker == "sympy":
            return Problem.verify(self, text)
        cache = _caches.get(self)
        if cache is None:
            if len(_caches) >= CACHED_PROBLEMS:
                del _caches[next(iter(_caches))]
            cache = _caches[self] = _VerdictCache(self.uncached_verify)
        return cache(text)

    def uncached_verify(self, text: str) -> Verdict:
        """The fast verdict, or the reference's where the fast path defers."""
        try:
            verdict = self.decided(text)
        except Exception as exc:  # a fast-path bug must not lose the attempt: the reference decides
            key = (self.id, type(exc).__name__)
            if not _fallbacks[key]:
                log.warning("%s: the fast path raised %s (%s) on %.80r; the reference decides (fast_verify.fallbacks() "
                            "counts them)", self.id, key[1], exc, text)
            _fallbacks[key] += 1
            verdict = None
        return Problem.verify(self, text) if verdict is None else verdict

    def solution(self, canonical: str, score: float | None, trivial: bool, why: str | None) -> Verdict:
        """The verdict of a valid candidate, as Problem.verify gives it."""
        if canonical in self.known or trivial:
            return Verdict(Tier.VALID, canonical, score, "known or trivial solution")
        if why is None:
            return Verdict(Tier.NOVEL, canonical, score, "not among the known solutions")
        return Verdict(Tier.INTERESTING, canonical, score, why)


class _VerdictCache:
    """One problem's verdicts of its last CACHE_SIZE distinct candidates (least recently used out),
    of those whose text, reason and canonical form have at most CACHED_CHARS characters."""

    __slots__ = ("verify", "entries")

    def __init__(self, verify) -> None:
        self.verify, self.entries = verify, OrderedDict()

    def __call__(self, text: str) -> Verdict:
        entries = self.entries
        verdict = entries.get(text) if type(text) is str else None
        if verdict is not None:
            entries.move_to_end(text)
            return verdict
        verdict = self.verify(text)
        if type(text) is str and len(text) + len(verdict.reason or "") + len(verdict.canonical or "") <= CACHED_CHARS:
            entries[text] = verdict
            if len(entries) > CACHE_SIZE:
                entries.popitem(last=False)
        return verdict
