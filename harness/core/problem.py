"""Core vocabulary: Tier, Verdict and the Problem base class (see DESIGN.md)."""
from __future__ import annotations

import random
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any, Callable, ClassVar, Iterable, Protocol, Sequence

from harness.core.grammar import GRAMMAR_VERSION, HasGrammar
from harness.core.parse import ParseError


class Tier(str, Enum):
    """What the verifier says of one candidate, weakest first."""

    MALFORMED = "malformed"  # could not be parsed safely
    WRONG = "wrong"  # parsed, fails the conditions
    VALID = "valid"  # verifies exactly
    NOVEL = "novel"  # valid and not a known or trivial solution
    INTERESTING = "interesting"  # novel and meets the problem's stricter criterion
    TIMEOUT = "timeout"  # the verifier ran out of time
    ERROR = "error"  # the solver or the verifier failed

    @property
    def rank(self) -> int:
        """0 for every non-solution, then 1 valid < 2 novel < 3 interesting."""
        return _RANK.get(self, 0)


# Wordings of the statements: 1 the first (some examples were answers: three_cubes k=20's
# `1, -2, 3`, pell D=2's `3, 2`, ...), 2 examples that are no solution of their problem. Recorded
# prompts (results/reference/) were asked in version 1: `solver.statement_version=1` replays them.
STATEMENT_VERSION = 2
STATEMENT_VERSIONS = (1, 2)
_RANK = {Tier.VALID: 1, Tier.NOVEL: 2, Tier.INTERESTING: 3}
DISCOVERY_TIERS: tuple[Tier, ...] = (Tier.VALID, Tier.NOVEL, Tier.INTERESTING)


@dataclass(frozen=True)
class Verdict:
    tier: Tier
    canonical: str | None = None  # the discovery this candidate is, when valid
    score: float | None = None  # graded closeness, higher is better
    reason: str = ""


class SearchSpace(Protocol):
    """What stub solvers sample: candidate text from a seeded RNG."""

    def sample(self, rng: random.Random) -> str: ...


class Problem(ABC):
    """One toy open problem. A family subclasses this as a frozen dataclass of its parameters.

    Subclasses supply parsing, the exact check, the canonical form and the stricter
    criterion; `verify` turns those into a Verdict and never raises.
    """

    family: ClassVar[str]

    @property
    @abstractmethod
    def instance(self) -> str:
        """The instance part of the id, e.g. 'k=30'."""

    @property
    def id(self) -> str:
        return f"{self.family}/{self.instance}"

    @property
    def statement(self) -> str:
        """Prompt text, including the exact answer format (the current wording, STATEMENT_VERSION).
        A family with one wording defines this; one whose wording changed defines `statement_of`."""
        return self.statement_of(STATEMENT_VERSION)

    def statement_of(self, version: int) -> str:
        """The statement in a version of the wordings (STATEMENT_VERSIONS). Version 1 is the first,
        whose example answers were sometimes solutions (kept: recorded prompts are looked up by
        their text); from version 2 on a statement's example shows the format and is no solution
        (`format_example`)."""
        if version not in STATEMENT_VERSIONS:
            raise ValueError(f"statement_version is one of {STATEMENT_VERSIONS}, got {version!r}")
        if type(self).statement is Problem.statement:
            raise NotImplementedError(f"{type(self).__name__} defines neither statement nor statement_of")
        return self.statement  # one wording in every version

    def format_example(self, candidates: Iterable[str]) -> str:
        """The first of `candidates` that is in the answer format and no solution of this problem
        (the verifier calls it wrong): what a statement may show as its example."""
        for text in candidates:
            if self.verify(text).tier is Tier.WRONG:
                return text
        raise ValueError(f"{self.id}: none of the candidate examples is a wrong answer in the format")

    @property
    @abstractmethod
    def space(self) -> SearchSpace:
        """The search space stub solvers sample."""

    @abstractmethod
    def parse(self, text: str) -> Any:
        """Untrusted text to a checked object; raises ParseError."""

    @abstractmethod
    def check(self, obj: Any) -> tuple[float, str | None]:
        """Exact check: (score, None) if valid, else (score, why it fails)."""

    @abstractmethod
    def canonical(self, obj: Any) -> str:
        """One string per distinct solution; equal solutions give equal strings."""

    #: Known solutions as candidate text; families declare it as a dataclass field.
    known_solutions: tuple[str, ...] = ()

    @cached_property
    def known(self) -> frozenset[str]:
        """Canonical forms of the known solutions (valid, but not novel)."""
        return frozenset(self.canonical(self.parse(text)) for text in self.known_solutions)

    @property
    def answer_grammar(self) -> str | None:
        """GBNF rules defining `answer` in the statement's format (harness/core/grammar.py): its
        search space's, unless a family says otherwise; None when unknown."""
        return self.answer_grammar_of(GRAMMAR_VERSION)

    def answer_grammar_of(self, version: int) -> str | None:
        """`answer_grammar` in a given version of the grammars (harness/core/grammar.py)."""
        return self.space.grammar(version) if isinstance(self.space, HasGrammar) else None

    def trivial(self, obj: Any) -> bool:
        """True for members of a trivial infinite family (not novel either)."""
        return False

    def interesting(self, obj: Any) -> str | None:
        """Why a novel solution is interesting, or None if it is not."""
        return None

    def solutions(self) -> tuple[str, ...]:
        """Ground truth: one candidate text per distinct solution in the search bounds.

        Empty when the set cannot be enumerated. The synthetic solver draws from it.
        """
        return ()

    def solution_points(self) -> tuple[tuple[tuple[int, ...], int], ...] | None:
        """Exact truth for solvers of known odds on an integer box: every solution in the
        search box up to the order of its coordinates, as (one ordering, how many of its
        distinct orderings are solutions in the box). None when not enumerated. The solvers
        of known odds draw coordinates independently from one law, so every ordering of a
        point has the same odds (harness.analysis.truth)."""
        return None

    def verify(self, text: str) -> Verdict:
        try:
            obj = self.parse(text)
        except ParseError as exc:
            return Verdict(Tier.MALFORMED, reason=str(exc))
        except Exception as exc:  # a parser bug must not lose the attempt
            return Verdict(Tier.ERROR, reason=f"parser failed: {exc!r}")
        try:
            score, failure = self.check(obj)
            if failure is not None:
                return Verdict(Tier.WRONG, score=score, reason=failure)
            canonical = self.canonical(obj)
            if canonical in self.known or self.trivial(obj):
                return Verdict(Tier.VALID, canonical, score, "known or trivial solution")
            why = self.interesting(obj)
            if why is None:
                return Verdict(Tier.NOVEL, canonical, score, "not among the known solutions")
            return Verdict(Tier.INTERESTING, canonical, score, why)
        except Exception as exc:
            return Verdict(Tier.ERROR, reason=f"verifier failed: {exc!r}")


Checked = tuple[Verdict, float]  # a verdict and the seconds its verification took
Verify = Callable[[Problem, Sequence[str]], list[Checked]]  # verifies a batch of candidates


def verify_inline(problem: Problem, candidates: Sequence[str]) -> list[Checked]:
    """The reference: verify in this process, with no time bound."""
    out = []
    for text in candidates:
        began = time.perf_counter()
        verdict = problem.verify(text)
        out.append((verdict, time.perf_counter() - began))
    return out
