"""An independent second opinion on the verifier's verdicts.

Stroebl et al. (2024, "Inference Scaling fLaws: The Limits of LLM Resampling with Imperfect
Verifiers") show that a verifier's false positives cap what resampling can buy. Here every
family has a second checker written apart from its verifier: its own reading of the candidate
text (a regular expression for integer tuples and bit strings, a small recursive-descent parser
for expressions; never `ast`, sympy or harness.core.parse) and plain integer or rational arithmetic
(brute force over all k-subsets for Ramsey colourings). The one exception is stated:
antiderivatives are compared numerically at 40 digits (mpmath), since F' = f cannot be checked
in integers. Expressions are read as written: a step that is undefined (a division by zero, 0
to a negative power) where the family evaluates makes the candidate no solution, whatever the
rest would simplify to; factors are polynomials as written (no division by an expression in x);
an antiderivative must be defined wherever f is, checked at the real zeros (found numerically) of
its denominators that are polynomials as written. The checker answers one question: is the
candidate a solution (tier valid or better)? `audit_runs` puts it to every attempt the runs' verifier called a solution and to a
sample of those it called wrong.
"""
from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import math
import os
import re
import sys
import zlib
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Callable

import mpmath
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from harness.core.batch import batch_capable
from harness.core.problem import DISCOVERY_TIERS, Problem, Tier
from harness.store.records import read_checkpoint, read_shards
from harness.engine.regenerate import RunSolver, compact_by_shard

WRONG_SAMPLE = 10_000  # wrong verdicts re-checked per family (at least, where the runs have them)
MAX_TEXT = 2_000
MAX_EXPONENT = 64
MAX_DIGITS = 240  # an exact number with more digits is refused, as the verifiers' parser does


class Unreadable(ValueError):
    """The checker cannot read the candidate: not a solution, as far as it is concerned."""


def integers(text: str, arity: int) -> tuple[int, ...]:
    """`(1, -2, 3)`, `[1, -2, 3]` or `1, -2, 3`: exactly `arity` decimal integers."""
    match = re.fullmatch(r"\s*([(\[]?)([-+\d\s,]*?)\s*([)\]]?)\s*", text, flags=re.ASCII)
    if not match or len(text) > MAX_TEXT or {match.group(1), match.group(3)} not in ({""}, {"(", ")"}, {"[", "]"}):
        raise Unreadable("not a tuple of integers")
    parts = [p.strip() for p in match.group(2).split(",")]
    if len(parts) == arity + 1 and parts[-1] == "" and match.group(1):  # a trailing comma
        parts = parts[:-1]
    if len(parts) != arity or not all(re.fullmatch(r"[-+]?\d{1,60}", p) for p in parts):
        raise Unreadable(f"not {arity} integers")
    return tuple(int(p) for p in parts)


# Expressions: numbers, names, + - * / **, unary minus, calls f(e), parentheses.
TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_]\w*)|(\*\*|[-+*/()]))")


def tokens(text: str) -> list[str]:
    if len(text) > MAX_TEXT:
        raise Unreadable("too long")
    out, at = [], 0
    text = text.rstrip()
    while at < len(text):
        match = TOKEN.match(text, at)
        if not match:
            raise Unreadable(f"unexpected character at {at}")
        out.append(match.group(match.lastindex))
        at = match.end()
    return out


def tree(text: str):
    """A nested tuple: ("num", int) | ("name", s) | ("neg", t) | (op, t, t) | ("call", name, t)."""
    items = tokens(text)
    position = 0

    def peek():
        return items[position] if position < len(items) else None

    def take(expected=None):
        nonlocal position
        token = peek()
        if token is None or (expected is not None and token != expected):
            raise Unreadable(f"expected {expected or 'more'}")
        position += 1
        return token

    def sum_():
        node = product()
        while peek() in ("+", "-"):
            node = (take(), node, product())
        return node

    def product():
        node = unary()
        while peek() in ("*", "/"):
            node = (take(), node, unary())
        return node

    def unary():
        if peek() in ("+", "-"):
            sign = take()
            operand = unary()
            return ("neg", operand) if sign == "-" else operand
        return power()

    def power():
        base = atom()
        if peek() == "**":
            take()
            return ("**", base, unary())  # right-associative, binds tighter than unary minus on its left
        return base

    def atom():
        token = take()
        if token.isdigit():
            return ("num", int(token))
        if token == "(":
            node = sum_()
            take(")")
            return node
        if re.fullmatch(r"[A-Za-z_]\w*", token):
            if peek() == "(":
                take("(")
                argument = sum_()
                take(")")
                return ("call", token, argument)
            return ("name", token)
        raise Unreadable(f"unexpected {token!r}")

    node = sum_()
    if peek() is not None:
        raise Unreadable(f"unexpected {peek()!r}")
    return node


def evaluate(node, names: dict, functions: dict, power: Callable):
    kind = node[0]
    if kind == "num":
        if len(str(node[1])) > 60:
            raise Unreadable("an integer with more than 60 digits")
        return names["__number__"](node[1])
    if kind == "name":
        if node[1] not in names:
            raise Unreadable(f"unknown name {node[1]}")
        return names[node[1]]
    if kind == "neg":
        return -evaluate(node[1], names, functions, power)
    if kind == "call":
        if node[1] not in functions:
            raise Unreadable(f"unknown function {node[1]}")
        return functions[node[1]](evaluate(node[2], names, functions, power))
    left, right = (evaluate(n, names, functions, power) for n in node[1:])
    if kind == "+":
        return bounded(left + right)
    if kind == "-":
        return bounded(left - right)
    if kind == "*":
        return bounded(left * right)
    if kind == "/":
        if right == 0:
            raise Unreadable("division by zero")
        return bounded(left / right)
    return bounded(power(left, right))


def rational_power(base: Fraction, exponent: Fraction) -> Fraction:
    if exponent.denominator != 1 or abs(exponent) > MAX_EXPONENT or (base == 0 and exponent < 0):
        raise Unreadable("exponent out of range")
    if base != 0 and max(len(str(abs(base.numerator))), len(str(base.denominator))) * abs(int(exponent)) > MAX_DIGITS:
        raise Unreadable("value too large")
    return base ** int(exponent)


def bounded(value):
    """An exact number with at most MAX_DIGITS digits (numerator and denominator); others pass."""
    if isinstance(value, Fraction) and max(len(str(abs(value.numerator))), len(str(value.denominator))) > MAX_DIGITS:
        raise Unreadable("value too large")
    return value


class Polynomial:
    """Rational coefficients, lowest degree first; just what a factorisation check needs."""

    def __init__(self, coefficients) -> None:
        c = [Fraction(x) for x in coefficients]
        while len(c) > 1 and c[-1] == 0:
            c.pop()
        self.c = c or [Fraction(0)]

    def __add__(self, other):
        n = max(len(self.c), len(other.c))
        return Polynomial([(self.c[i] if i < len(self.c) else 0) + (other.c[i] if i < len(other.c) else 0)
                           for i in range(n)])

    def __neg__(self):
        return Polynomial([-x for x in self.c])

    def __sub__(self, other):
        return self + (-other)

    def __mul__(self, other):
        out = [Fraction(0)] * (len(self.c) + len(other.c) - 1)
        for i, a in enumerate(self.c):
            for j, b in enumerate(other.c):
                out[i + j] += a * b
        return Polynomial(out)

    def __truediv__(self, other):
        if len(other.c) != 1:
            raise Unreadable("division by a polynomial")
        if other.c[0] == 0:
            raise Unreadable("division by zero")
        return Polynomial([x / other.c[0] for x in self.c])

    def __eq__(self, other):
        return self.c == (other if isinstance(other, Polynomial) else Polynomial([other])).c

    def __hash__(self):
        return hash(tuple(self.c))

    @property
    def degree(self) -> int:
        return len(self.c) - 1


def remainder(a: Polynomial, b: Polynomial) -> Polynomial:
    """a mod b (b nonzero), by long division over the rationals."""
    r = list(a.c)
    while len(r) >= len(b.c) and any(r):
        q, shift = r[-1] / b.c[-1], len(r) - len(b.c)
        for i, c in enumerate(b.c):
            r[shift + i] -= q * c
        r.pop()
    return Polynomial(r)


def squarefree(a: Polynomial) -> Polynomial:
    """a divided by gcd(a, a'): the same zeros, each simple (polyroots converges on those)."""
    g, h = a, Polynomial([i * c for i, c in enumerate(a.c)][1:] or [0])
    while h != 0:
        g, h = h, remainder(g, h)
    out, quotient = list(a.c), []  # a / g, exact
    while len(out) >= len(g.c):
        q, shift = out[-1] / g.c[-1], len(out) - len(g.c)
        for i, c in enumerate(g.c):
            out[shift + i] -= q * c
        quotient.append(q)
        out.pop()
    return Polynomial(quotient[::-1])


def polynomial_power(base: Polynomial, exponent: Polynomial) -> Polynomial:
    if exponent.degree != 0 or exponent.c[0].denominator != 1 or not 0 <= exponent.c[0] <= MAX_EXPONENT:
        raise Unreadable("a polynomial's exponent must be a small non-negative integer")
    out = Polynomial([1])
    for _ in range(int(exponent.c[0])):
        out = out * base
    return out


def subtrees(node):
    yield node
    for child in node[1:]:
        if isinstance(child, tuple):
            yield from subtrees(child)


def mentions_x(node) -> bool:
    return any(n == ("name", "x") for n in subtrees(node))


def written_polynomial(node) -> Polynomial:
    """A polynomial as written: no division by anything with x in it (even `x - x + 2`), no
    exponent with x in it (even `x - x`)."""
    if any(n[0] in ("/", "**") and mentions_x(n[2]) for n in subtrees(node)):
        raise Unreadable("x in a divisor or an exponent")
    return evaluate(node, {"x": Polynomial([0, 1]), "__number__": lambda v: Polynomial([v])}, {},
                    polynomial_power)


def polynomial(text: str) -> Polynomial:
    return written_polynomial(tree(text))


def constant(node) -> Fraction:
    """The value of a subtree without names or calls (else Unreadable)."""
    return evaluate(node, {"__number__": Fraction}, {}, rational_power)


def top_factors(node) -> list:
    """The factors of a product as written: through *, unary minus, a division by a constant and
    a power with a constant exponent in 0..64 (unrolled)."""
    if node[0] == "*":
        return top_factors(node[1]) + top_factors(node[2])
    if node[0] == "neg":
        return top_factors(node[1])
    if node[0] == "/" and not mentions_x(node[2]):
        return top_factors(node[1]) + [node[2]]
    if node[0] == "**" and not mentions_x(node[2]):
        try:
            exponent = constant(node[2])
        except Unreadable:
            return [node]
        if exponent.denominator == 1 and 0 <= exponent <= MAX_EXPONENT:
            return top_factors(node[1]) * int(exponent)
    return [node]


# One checker per family: (problem, candidate text) -> is it a solution?

def three_cubes(p, text: str) -> bool:
    x, y, z = integers(text, 3)
    return x * x * x + y * y * y + z * z * z == p.k


def erdos_straus(p, text: str) -> bool:
    x, y, z = integers(text, 3)
    # 4/n = 1/x + 1/y + 1/z  <=>  4xyz = n(yz + xz + xy), all positive
    return min(x, y, z) >= 1 and 4 * x * y * z == p.n * (y * z + x * z + x * y)


def egyptian(p, text: str) -> bool:
    ds = integers(text, p.terms)
    if min(ds) < 1 or len(set(ds)) != len(ds) or max(ds) > p.bound:
        return False
    common = math.prod(ds)  # a/b = sum 1/d  <=>  a * prod = b * sum(prod / d)
    return p.a * common == p.b * sum(common // d for d in ds)


def pell(p, text: str) -> bool:
    x, y = integers(text, 2)
    return x >= 0 and y >= 0 and x * x - p.d * y * y == 1


def taxicab(p, text: str) -> bool:
    a, b, c, d = integers(text, 4)
    return (min(a, b, c, d) >= 1 and max(a, b, c, d) <= p.bound and sorted((a, b)) != sorted((c, d))
            and a**3 + b**3 == c**3 + d**3)


def golomb(p, text: str) -> bool:
    marks = integers(text, p.marks)
    differences = [abs(a - b) for a, b in itertools.combinations(marks, 2)]
    return (len(set(marks)) == len(marks) and max(marks) - min(marks) <= p.bound
            and len(set(differences)) == len(differences))


def ramsey(p, text: str) -> bool:
    bits = text.strip()
    edges = [(i, j) for i in range(p.n) for j in range(i + 1, p.n)]
    if len(bits) != len(edges) or set(bits) - {"0", "1"}:
        return False
    colour = dict(zip(edges, bits))
    for group in itertools.combinations(range(p.n), p.k):  # brute force: every k-subset
        if len({colour[e] for e in itertools.combinations(group, 2)}) == 1:
            return False
    return True


def synthetic(p, text: str) -> bool:
    (label,) = integers(text, 1)
    return 0 <= label < p.size


SEQUENCE_EXTRA = 4  # the family's rule: a formula is evaluated at n = 1 .. shown + held out + 4


def sequence(p, text: str) -> bool:
    """Exact at every n the family evaluates: defined there, equal to the shown terms."""
    node = tree(text)
    for n in range(1, len(p.terms) + len(p.held_out) + SEQUENCE_EXTRA + 1):
        value = evaluate(node, {"n": Fraction(n), "__number__": Fraction}, {}, rational_power)
        if n <= len(p.terms) and value != p.terms[n - 1]:
            return False
    return True


def factor(p, text: str) -> bool:
    node = tree(text)
    if written_polynomial(node) != polynomial(p.polynomial):
        return False
    factors = [written_polynomial(f) for f in top_factors(node)]
    proper = [f for f in factors if f.degree >= 1]
    return len(proper) >= 2 and all(c.denominator == 1 for f in proper for c in f.c)


ANALYTIC = {name: getattr(mpmath, name) for name in
            ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt")}
DIGITS = 40
POINTS = ("0.41", "0.87", "1.29", "1.93", "2.57")


MAX_DENOMINATOR_DEGREE = 16


def singular_points(node):
    """The real zeros (numeric) of F's denominators that are polynomials as written: divisors,
    bases of negative powers, arguments of log. Unreadable if one has degree above 16."""
    for n in subtrees(node):
        denominator = None
        if n[0] == "/":
            denominator = n[2]
        elif n[0] == "**" and not mentions_x(n[2]):
            try:
                denominator = n[1] if constant(n[2]) < 0 else None
            except Unreadable:
                pass
        elif n[0] == "call" and n[1] == "log":
            denominator = n[2]
        if denominator is None:
            continue
        try:
            poly = written_polynomial(denominator)
        except Unreadable:
            continue  # not a polynomial as written: its zeros are not searched
        if poly.degree > MAX_DENOMINATOR_DEGREE:
            raise Unreadable("a denominator of too high a degree")
        if poly.degree >= 1:
            simple = squarefree(poly)
            roots = mpmath.polyroots([mpmath.mpf(c.numerator) / c.denominator for c in reversed(simple.c)],
                                     maxsteps=200, extraprec=2 * DIGITS * 4)
            yield from (mpmath.re(r) for r in roots if abs(mpmath.im(r)) <= mpmath.mpf(10) ** -12 * max(1, abs(r)))


def antiderivative(p, text: str) -> bool:
    """F' = f at five points, to 25 of 40 digits (numeric: the one family not checked exactly),
    and F defined wherever f is, at the zeros of F's polynomial denominators."""
    node, integrand = tree(text), tree(p.integrand)
    with mpmath.workdps(DIGITS):
        def at(expression, x):
            names = {"x": x, "pi": mpmath.pi, "E": mpmath.e, "__number__": mpmath.mpf}
            return evaluate(expression, names, ANALYTIC, lambda b, e: mpmath.power(b, e))
        for root in singular_points(node):
            try:
                value = at(integrand, root)
            except (ValueError, ZeroDivisionError, OverflowError, Unreadable):
                continue  # f is undefined there too
            if mpmath.isfinite(value) and abs(value) < 10**15:
                return False  # F is undefined where f is defined
        try:
            for point in POINTS:
                x = mpmath.mpf(point)
                slope, target = mpmath.diff(lambda t: at(node, t), x), at(integrand, x)
                if not abs(slope - target) <= mpmath.mpf(10) ** -25 * max(1, abs(target)):
                    return False
        except (ValueError, ZeroDivisionError, OverflowError):
            return False
    return True


CHECKERS: dict[str, Callable[[Problem, str], bool]] = {
    "three_cubes": three_cubes, "erdos_straus": erdos_straus, "egyptian": egyptian, "pell": pell,
    "taxicab": taxicab, "golomb": golomb, "ramsey": ramsey, "synthetic": synthetic, "sequence": sequence,
    "factor": factor, "antiderivative": antiderivative,
}


def solves(problem: Problem, text: str | None) -> bool:
    """The independent checker's answer; text it cannot read is not a solution."""
    try:
        return text is not None and CHECKERS[problem.family](problem, text)
    except Unreadable:
        return False


def upper_bound(disputed: int, checked: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound on a rate from `disputed` of `checked`."""
    if checked == 0:
        return float("nan")
    return 1.0 if disputed >= checked else float(stats.beta.ppf(confidence, disputed + 1, checked - disputed))


SOLUTION_TIERS = [t.value for t in DISCOVERY_TIERS]


def attempts_to_audit(run_dir: Path, families: dict[str, list[str]], wrong_per_family: int,
                      rng: np.random.Generator) -> pa.Table:
    """A run's attempts the verifier called solutions, and up to `wrong_per_family` wrong ones of
    each family (`families`: family -> problem ids) drawn at random: problem_id, candidate, tier.
    Each shard gives at most that many per family, so memory stays bounded at any volume. Wrong
    attempts kept compactly (records=compact) are drawn from their counts and their candidates
    regenerated."""
    kept, wrong = [], {family: [] for family in families}
    shards = read_checkpoint(run_dir).shards
    counted = compact_by_shard(run_dir)
    run = RunSolver.of(run_dir) if counted else None
    for name, shard in zip(shards, read_shards(run_dir, shards, ["problem_id", "attempt", "candidate", "tier"])):
        if name in counted:
            for family, ids in families.items():
                wrong[family].append(compact_wrong(run, counted[name], shard, ids, wrong_per_family, rng))
        shard = shard.drop_columns(["attempt"])
        kept.append(shard.filter(pc.is_in(shard["tier"], pa.array(SOLUTION_TIERS))))
        is_wrong = pc.equal(shard["tier"], Tier.WRONG.value)
        for family, ids in families.items():
            rows = np.flatnonzero(pc.and_(is_wrong, pc.is_in(shard["problem_id"], pa.array(ids))).to_numpy(
                zero_copy_only=False))
            picked = rng.choice(rows, min(len(rows), wrong_per_family), replace=False)
            wrong[family].append(shard.take(pa.array(np.sort(picked), type=pa.int64())))
    for family, parts in wrong.items():
        table = pa.concat_tables(parts) if parts else None
        if table is not None and table.num_rows:
            picked = rng.choice(table.num_rows, min(table.num_rows, wrong_per_family), replace=False)
            kept.append(table.take(pa.array(np.sort(picked), type=pa.int64())))
    return pa.concat_tables(kept) if kept else pa.table({"problem_id": pa.array([], pa.string()),
                                                          "candidate": pa.array([], pa.string()),
                                                          "tier": pa.array([], pa.string())})


def compact_wrong(run, compact: pa.Table, full: pa.Table, ids: list[str], most: int,
                  rng: np.random.Generator) -> pa.Table:
    """Up to `most` wrong attempts of problems `ids` drawn from compact rows, uniformly over the
    attempts they count (those with a full row in the same shard are not among them)."""
    rows = compact.filter(pc.is_in(compact["problem_id"], pa.array(ids))).to_pandas()
    picked: set[tuple[str, int]] = set()
    if len(rows) and rows["wrong"].sum():
        sizes = (rows["stop"] - rows["start"]).to_numpy()
        which = rng.choice(len(rows), min(most, int(rows["wrong"].sum())), p=sizes / sizes.sum())
        attempts = rows["start"].to_numpy()[which] + (rng.random(len(which)) * sizes[which]).astype(np.int64)
        recorded = set(zip(full["problem_id"].to_pylist(), full["attempt"].to_pylist()))
        picked = set(zip(rows["problem_id"].to_numpy()[which], attempts.tolist())) - recorded
    pids = sorted(picked)
    return pa.table({"problem_id": pa.array([pid for pid, _ in pids], pa.string()),
                     "candidate": pa.array([run.candidates(pid, [i])[0] for pid, i in pids], pa.string()),
                     "tier": pa.array([Tier.WRONG.value] * len(pids), pa.string())})


def audit_runs(runs, wrong_sample: int = WRONG_SAMPLE, seed: int = 0, progress: Callable = iter) -> tuple[
        pd.DataFrame, pd.DataFrame]:
    """Per family: solution verdicts checked and disputed, wrong verdicts checked and disputed,
    and the 95% upper bounds on the false-valid and false-wrong rates; and the disputed attempts.
    Runs whose attempt records are not on this machine are left out; none reachable: empty tables.
    Each run's wrong sample comes from a generator keyed by (seed, arm, run seed): the same however
    the runs are listed (MLflow, a directory, a sweep's children) and when a sweep is run again."""
    reachable = [r for r in runs if (Path(str(r.summary.get("run_dir", ""))) / "manifest.jsonl").is_file()]
    if not reachable:
        return pd.DataFrame(), pd.DataFrame()
    reachable = sorted(reachable, key=lambda r: (r.arm, r.seed, r.run_id))  # one order, however runs were listed
    per_family_runs: dict[str, int] = {}
    for run in reachable:
        for family in run.families:
            per_family_runs[family] = per_family_runs.get(family, 0) + 1
    counts: dict[str, list[int]] = {}
    disputes = []
    for run in progress(reachable):
        problems = {p.id: p for p in run.bank_problems}
        families = {pid: p.family for pid, p in problems.items()}
        quota = max(math.ceil(wrong_sample / per_family_runs[f]) for f in run.families)
        table = attempts_to_audit(Path(run.summary["run_dir"]), {f: list(ids) for f, ids in run.problems.items()},
                                  quota, np.random.default_rng([seed, zlib.crc32(f"{run.arm}/{run.seed}".encode())]))
        answers: dict[tuple[str, str | None], bool] = {}  # deterministic: one check per distinct candidate
        for pid, candidate, tier in zip(*(table[c].to_pylist() for c in ("problem_id", "candidate", "tier"))):
            called_solution = tier != Tier.WRONG.value
            if (pid, candidate) not in answers:
                answers[pid, candidate] = solves(problems[pid], candidate)
            agrees = answers[pid, candidate] == called_solution
            row = counts.setdefault(families[pid], [0, 0, 0, 0])
            row[0 if called_solution else 2] += 1
            if not agrees:
                row[1 if called_solution else 3] += 1
                disputes.append({"run_id": run.run_id, "problem_id": pid, "tier": tier, "candidate": candidate})
    table = pd.DataFrame([{"family": f, "valid_checked": c[0], "valid_disputed": c[1],
                           "false_valid_upper": upper_bound(c[1], c[0]), "wrong_checked": c[2],
                           "wrong_disputed": c[3], "false_wrong_upper": upper_bound(c[3], c[2])}
                          for f, c in sorted(counts.items())])
    return table, pd.DataFrame(disputes, columns=["run_id", "problem_id", "tier", "candidate"])


# Misses: every solution point of an enumerated box, through the scalar verifier and the batch check.
# The sampled wrong verdicts above bound the false-wrong rate near 3e-4 per family; where a family
# enumerates the solutions of an instance's box (`Problem.solution_points`, the exact truth of
# harness.analysis.truth), every one of them is checked instead, and a miss is seen, not bounded.

MAX_ORDERINGS = 50_000  # orderings checked per instance: all of them up to this, else representative ones
MISS_COLUMNS = ["problem_id", "family", "enumerated", "points", "solution_points", "checked", "exhaustive",
                "scalar_missed", "batch_missed", "checker_refused", "missed", "missed_examples", "misses"]
NOT_ENUMERATED = "not enumerated: the sampled false-wrong bound of its family applies"


def solution_orderings(problem: Problem, point: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every distinct ordering of `point` that the independent checker calls a solution."""
    return [o for o in sorted(set(itertools.permutations(point))) if solves(problem, _text(o))]


def representative_orderings(point: tuple[int, ...], most: int) -> list[tuple[int, ...]]:
    """Up to `most` distinct orderings of `point`: as given, reversed, then seeded shuffles
    (the generator keyed by the point, so the same every time)."""
    out = [tuple(point)]
    if most > 1 and tuple(reversed(point)) != tuple(point):
        out.append(tuple(reversed(point)))
    rng = np.random.default_rng([zlib.crc32(repr(tuple(point)).encode())])
    distinct = math.factorial(len(point))  # an upper bound on the distinct orderings
    tries = 0
    while len(out) < min(most, distinct) and tries < 4 * most:
        shuffled = tuple(int(v) for v in rng.permutation(point))
        if shuffled not in out:
            out.append(shuffled)
        tries += 1
    return out


def _text(values) -> str:
    return ", ".join(map(str, values))


def _miss_row(problem: Problem) -> dict:
    points = problem.solution_points()
    base = {"problem_id": problem.id, "family": problem.family}
    if points is None:
        return {**base, "enumerated": False, "points": 0, "solution_points": 0, "checked": 0, "exhaustive": False,
                "scalar_missed": 0, "batch_missed": 0, "checker_refused": 0, "missed": 0, "missed_examples": "",
                "misses": NOT_ENUMERATED}
    total = sum(count for _, count in points)
    exhaustive = total <= MAX_ORDERINGS
    per_point = max(1, MAX_ORDERINGS // max(1, len(points)))
    orderings: list[tuple[int, ...]] = []
    refused = 0
    for point, count in points:
        if exhaustive:
            found = solution_orderings(problem, point)
            refused += abs(count - len(found))  # the family's count and the checker's disagree
        else:
            shown = representative_orderings(point, per_point)
            found = [o for o in shown if solves(problem, _text(o))]
            refused += len(shown) - len(found)
        orderings += found
    texts = [_text(o) for o in orderings]
    scalar = {i for i, text in enumerate(texts) if not problem.verify(text).tier.rank}
    batch: set[int] = set()
    if batch_capable(problem) and orderings:
        passed = problem.batch_valid(np.array(orderings, dtype=np.int64))
        batch = set(np.flatnonzero(~np.asarray(passed, dtype=bool)).tolist())
    missed = sorted(scalar | batch)
    if exhaustive:
        what = f"{len(missed)} of {total:,} solution points, exhaustive"
    else:
        what = (f"{len(missed)} of {len(orderings):,} checked, representative: every one of the {len(points):,} "
                f"solution points up to order, in up to {per_point} of its orderings (as given, reversed, seeded "
                f"shuffles), of {total:,} counting every ordering")
    return {**base, "enumerated": True, "points": len(points), "solution_points": total, "checked": len(orderings),
            "exhaustive": exhaustive, "scalar_missed": len(scalar), "batch_missed": len(batch),
            "checker_refused": refused, "missed": len(missed),
            "missed_examples": "; ".join(texts[i] for i in missed[:3]), "misses": f"misses: {what}"}


# The modules a miss check's result depends on besides its family's and this one's.
FINGERPRINTED = tuple(f"harness.{name}" for name in (
    "core.problem", "core.syntax", "core.parse", "core.batch", "core.space", "exact.fast_verify", "exact.mirror",
    "exact.rationals", "exact.points", "exact.polynomials", "exact.roots", "exact.as_polynomial", "exact.probes"))


def _fingerprint(problem: Problem) -> str:
    """What a miss check depends on: the problem's parameters and the code of its family, the
    verifier's base, the parser, the batch checks, the fast paths and this checker."""
    files = [sys.modules[type(problem).__module__].__file__, __file__]
    files += [importlib.import_module(name).__file__ for name in FINGERPRINTED]
    digest = hashlib.sha256(repr(problem).encode())
    for name in files:
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    """Where miss checks are kept between processes: $HARNESS_CACHE_DIR, else ~/.cache/harness."""
    root = os.environ.get("HARNESS_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "harness"
    return Path(root) / "misses"


@lru_cache(maxsize=1024)
def _cached_miss_row(problem: Problem, cache_dir: str | None) -> dict:
    if cache_dir is None:
        return _miss_row(problem)
    path = Path(cache_dir) / f"{_fingerprint(problem)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    row = _miss_row(problem)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(row), encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return row


def miss_check(problem: Problem, cache_dir: Path | None = None) -> dict:
    """One instance's miss check: every solution point of its box (every ordering that is a
    solution, as `solution_points` counts them, each confirmed by the independent checker) through
    the scalar verifier (tier valid or better) and the family's batch check (`batch_valid` over an
    int64 array, where the box fits int64). Above MAX_ORDERINGS orderings, every point is checked
    in a representative set of its orderings (said so in `misses`). Computed once per instance and
    process, and kept in `cache_dir` (keyed by the problem and the code it depends on) if given."""
    return dict(_cached_miss_row(problem, None if cache_dir is None else str(cache_dir)))


def audit_misses(problems, cache_dir: Path | None = None, progress: Callable = iter) -> pd.DataFrame:
    """The miss check of every distinct problem (by id, the first of each), ordered by id."""
    distinct = {}
    for problem in problems:
        distinct.setdefault(problem.id, problem)
    rows = [miss_check(distinct[pid], cache_dir) for pid in progress(sorted(distinct))]
    return pd.DataFrame(rows, columns=MISS_COLUMNS)


def misses_by_family(misses: pd.DataFrame) -> pd.DataFrame:
    """Per family: instances enumerated, solution points and orderings checked, and misses."""
    rows = []
    for family, part in misses.groupby("family", sort=True):
        enumerated = part[part["enumerated"]]
        exhaustive = int(enumerated["exhaustive"].sum())
        text = (f"{int(enumerated['missed'].sum())} of {int(enumerated['checked'].sum()):,} solution points checked "
                f"on {len(enumerated)} of {len(part)} instances ({exhaustive} exhaustive)" if len(enumerated)
                else f"none of {len(part)} instances enumerated")
        rows.append({"family": family, "instances": len(part), "instances_enumerated": len(enumerated),
                     "instances_exhaustive": exhaustive, "solution_points": int(enumerated["solution_points"].sum()),
                     "points_checked": int(enumerated["checked"].sum()), "points_missed": int(enumerated["missed"].sum()),
                     "misses": text})
    return pd.DataFrame(rows)
