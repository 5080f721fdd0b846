"""The fast verifiers' frame (harness.exact.fast_verify): a fast path that raises falls back to the
reference, visibly (counted, and a warning once per problem and exception type); the verdict cache
keeps short texts only."""
import dataclasses
import logging

from harness.exact import fast_verify
from problems.sequence import make as sequence

NATURALS = sequence(name="fallbacks", terms=(1, 2, 3, 4, 5), held_out=(6, 7, 8))


def test_a_failing_fast_path_falls_back_to_the_reference_counted_and_logged_once(monkeypatch, caplog):
    def broken(self, text):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr(type(NATURALS), "fast_verdict", broken)
    before = fast_verify.fallbacks().get((NATURALS.id, "ZeroDivisionError"), 0)
    with caplog.at_level(logging.WARNING, logger="harness.exact.fast_verify"):
        verdicts = [NATURALS.uncached_verify(text) for text in ("n", "n + 1", "n")]
    reference = dataclasses.replace(NATURALS, checker="sympy")
    assert verdicts == [reference.verify(text) for text in ("n", "n + 1", "n")]
    assert fast_verify.fallbacks()[(NATURALS.id, "ZeroDivisionError")] == before + 3
    warnings = [r for r in caplog.records if "ZeroDivisionError" in r.getMessage()]
    assert len(warnings) == (1 if before == 0 else 0) and NATURALS.id in warnings[0].getMessage()


def test_a_deep_unary_chain_gets_the_reference_verdict_from_the_fast_path():
    text = "-" * 1998 + "n"  # Python parses it; counting its size recursively overflowed the stack
    fast = NATURALS.decided(text)
    assert fast == dataclasses.replace(NATURALS, checker="sympy").verify(text) and fast.tier.value == "malformed"


def test_the_verdict_cache_keeps_only_short_texts_and_verdicts(monkeypatch):
    problem = sequence(name="cache-bound", terms=(1, 2, 3, 4, 5), held_out=(6, 7, 8))
    calls = []
    original = type(problem).fast_verdict
    monkeypatch.setattr(type(problem), "fast_verdict", lambda self, text: calls.append(text) or original(self, text))
    short, long = "n", "n" + " + 0" * 200  # 801 characters: within the parser's 2,000, past the cache's bound
    for text in (short, long) * 2:
        problem.verify(text)
    assert calls == [short, long, long]
    assert len(long) > fast_verify.CACHED_CHARS


def test_a_long_verdict_is_not_cached(monkeypatch):
    problem = sequence(name="cache-reason", terms=(1, 2, 3, 4, 5), held_out=(6, 7, 8))
    calls = []
    long_reason = fast_verify.Verdict(fast_verify.Tier.WRONG, reason="x" * fast_verify.CACHED_CHARS)
    monkeypatch.setattr(type(problem), "fast_verdict", lambda self, text: calls.append(text) or long_reason)
    assert problem.verify("n") is long_reason and problem.verify("n") is long_reason
    assert calls == ["n", "n"]
