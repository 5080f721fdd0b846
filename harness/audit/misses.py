"""Misses: every solution point of an enumerated box, through the scalar verifier and the batch check.
The sampled wrong verdicts above bound the false-wrong rate near 3e-4 per family; where a family
enumerates the solutions of an instance's box (`Problem.solution_points`, the exact truth of
harness.analysis.truth), every one of them is checked instead, and a miss is seen, not bounded."""
from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import math
import os
import sys
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from harness.audit.checkers import NOT_AUDITED, audited, checker_for, solves
from harness.core.batch import batch_capable
from harness.core.problem import Problem


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
    if not audited(problem.family):  # no independent checker to confirm the solution points with
        return {**base, "enumerated": False, "points": len(points), "solution_points": 0, "checked": 0,
                "exhaustive": False, "scalar_missed": 0, "batch_missed": 0, "checker_refused": 0, "missed": 0,
                "missed_examples": "", "misses": NOT_AUDITED}
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


# The modules a miss check's result depends on besides its family's, its checker's and this one's.
FINGERPRINTED = tuple(f"harness.{name}" for name in (
    "core.problem", "core.syntax", "core.parse", "core.batch", "core.space", "exact.fast_verify", "exact.mirror",
    "exact.rationals", "exact.points", "exact.polynomials", "exact.roots", "exact.as_polynomial", "exact.probes",
    "audit.checkers", "audit.reader", "audit.polynomials"))


def _fingerprint(problem: Problem) -> str:
    """What a miss check depends on: the problem's parameters and the code of its family, the
    verifier's base, the parser, the batch checks, the fast paths and this checker."""
    files = [sys.modules[type(problem).__module__].__file__, __file__]
    files += [importlib.import_module(name).__file__ for name in FINGERPRINTED]
    checker = checker_for(problem.family)
    if checker is not None:  # a checker an installed package declares is code of its own
        files.append(sys.modules[checker.__module__].__file__)
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
