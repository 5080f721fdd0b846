"""`harness-verify`: check candidates by hand or in bulk against any problem of the bank.

    harness-verify --list                        one problem per line: id, family, regime
    harness-verify --bank tiny --list            the same for a bank of configs/bank/ (as harness-run bank=tiny)
    harness-verify PROBLEM_ID 'CANDIDATE'        the verdict as JSON on the last line
    harness-verify PROBLEM_ID --jsonl FILE|-     one JSON string per line in, one verdict per line out

Without --bank, the problems are every instance list of problems/instances/ (the default bank's).
Exit status 0 whatever the tier; 2 for usage errors (unknown bank or problem, unreadable file).
Every verification runs in the time-bounded sandbox, so a hostile candidate cannot hang it.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from typing import Iterator, NoReturn, TextIO

from harness.bank.banks import (BankEntry, BankError, available_instance_lists, bank_config_names, bank_config_spec,
                                bank_entries, bank_spec)
from harness.core.problem import Checked, Tier, Verdict
from harness.core.settings import close_matches
from harness.engine.sandbox import SandboxLimits, SandboxVerifier

CHUNK = 1_000  # candidates per sandbox round trip in --jsonl mode


def verdict_json(problem_id: str, checked: Checked) -> str:
    verdict, seconds = checked
    return json.dumps({"problem_id": problem_id, "tier": verdict.tier.value, "canonical": verdict.canonical,
                       "score": verdict.score, "reason": verdict.reason, "verify_s": round(seconds, 6)})


def read_candidates(stream: TextIO) -> Iterator[tuple[str | None, str]]:
    """(candidate, "") for each JSON string line, (None, why) for any other non-blank line."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            yield None, f"line {number} is not valid JSON"
            continue
        if isinstance(value, str):
            yield value, ""
        else:
            yield None, f"line {number} is JSON {type(value).__name__}, not a string"


def fail(message: str) -> NoReturn:
    print(f"harness-verify: error: {message}", file=sys.stderr)
    sys.exit(2)


def problems_of(bank: str | None) -> dict[str, BankEntry]:
    """The problems by id: of bank config `bank`, or of every instance list when None."""
    try:
        spec = bank_config_spec(bank) if bank else bank_spec(available_instance_lists())
        return {e.problem.id: e for e in bank_entries(spec)}
    except BankError as exc:
        fail(str(exc))


def banks_holding(problem_id: str) -> list[str]:
    """The bank configs that hold `problem_id` (each bank builds in milliseconds)."""
    holding = []
    for name in bank_config_names():
        try:
            if any(e.problem.id == problem_id for e in bank_entries(bank_config_spec(name))):
                holding.append(name)
        except BankError:  # a broken bank config is harness-run's to report, not this hint's
            continue
    return holding


def find(entries: dict[str, BankEntry], problem_id: str, bank: str | None) -> BankEntry:
    if problem_id in entries:
        return entries[problem_id]
    where = f" in bank {bank}" if bank else ""
    listing = f"`harness-verify{f' --bank {bank}' if bank else ''} --list` shows them all"
    close = close_matches(problem_id, entries, n=5)
    holding = [name for name in banks_holding(problem_id) if name != bank]
    if holding:  # e.g. a problem of bank tiny asked for without --bank
        banks = f"bank {holding[0]} has" if len(holding) == 1 else f"banks {', '.join(holding)} have"
        hint = f"; {banks} it: use --bank {holding[0]}"
    elif close:
        hint = f"; did you mean: {', '.join(close)}"
    elif len(entries) <= 12:  # a small bank: name every problem it has
        hint = f"; bank {bank} has: {', '.join(entries)}"
    else:
        hint = f"; {listing}"
    fail(f"no problem {problem_id!r}{where}{hint}")


def verify_stream(entry: BankEntry, stream: TextIO, sandbox: SandboxVerifier, out: TextIO) -> None:
    lines = read_candidates(stream)
    while chunk := list(itertools.islice(lines, CHUNK)):
        texts = [text for text, _ in chunk if text is not None]
        checked = iter(sandbox.verify(entry.problem, texts))
        for text, why in chunk:
            result = next(checked) if text is not None else (Verdict(Tier.MALFORMED, reason=why), 0.0)
            print(verdict_json(entry.problem.id, result), file=out, flush=False)
        out.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="harness-verify", description=__doc__.splitlines()[0])
    parser.add_argument("problem_id", nargs="?", help="e.g. three_cubes/k=3,B=6")
    parser.add_argument("candidate", nargs="?", help="the candidate text")
    parser.add_argument("--list", action="store_true", help="list every problem of the bank")
    parser.add_argument("--bank", metavar="NAME",
                        help="a bank of configs/bank/, as harness-run's bank=NAME (default: every instance list)")
    parser.add_argument("--jsonl", metavar="FILE", help="one JSON-encoded candidate string per line; - for stdin")
    parser.add_argument("--timeout", type=float, default=5.0, help="CPU seconds per verification (default 5)")
    args = parser.parse_args(argv)
    try:
        limits = SandboxLimits(timeout_s=args.timeout)
    except ValueError as exc:
        fail(f"--timeout: {exc}")

    entries = problems_of(args.bank)
    if args.list:
        for entry in entries.values():
            print(f"{entry.problem.id}\t{entry.problem.family}\t{entry.regime or '-'}")
        return
    if not args.problem_id or (args.candidate is None) == (args.jsonl is None):
        parser.error("give PROBLEM_ID with either CANDIDATE or --jsonl FILE (or use --list)")
    entry = find(entries, args.problem_id, args.bank)
    with SandboxVerifier(limits) as sandbox:
        if args.candidate is not None:
            print(entry.problem.statement, file=sys.stderr)
            [checked] = sandbox.verify(entry.problem, [args.candidate])
            print(verdict_json(entry.problem.id, checked))
            return
        try:
            stream = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8", errors="replace")
        except OSError as exc:
            fail(f"cannot read {args.jsonl}: {exc.strerror}")
        with stream:
            verify_stream(entry, stream, sandbox, sys.stdout)


if __name__ == "__main__":
    main()
