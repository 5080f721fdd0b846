"""Hostile candidates: none is executed, each gets a failing tier with a reason, within bound."""
import pytest

from harness.bank.banks import available_instance_lists, bank_entries, bank_spec
from harness.core.problem import Tier
from harness.engine.sandbox import SandboxLimits, SandboxVerifier


def hostile_corpus(sentinel: str) -> list[str]:
    touch = f"__import__('os').system('touch {sentinel}')"
    return [
        # code injection
        touch, f"open('{sentinel}', 'w').write('x')", f"(lambda: {touch})()", f"exec(\"{touch}\")",
        "eval('1+1')", f"f'{{{touch}}}'", "().__class__.__bases__[0].__subclasses__()",
        "x.__class__", "sin.__globals__", "getattr(x, '__class__')", "globals()", "__builtins__",
        "[c for c in ().__class__.__base__.__subclasses__()]", f"import os; {touch}", "1; import os",
        "sympy.sympify('x')", "Symbol('x')", "lambda x: x", "x.__dict__", "x if x else x",
        "'abc'", "b'bytes'", "[1, 2, 3][0]", "{1: 2}", "x @ x", "x == x", "not x", "x and x",
        "(yield x)", "await x", "*x", "x[0]", "(x := 1)", "breakpoint()",
        # huge powers and factorials
        "9**9**9**9", "2**100000", "(10**60)**(10**60)", "factorial(100000)", "x**10**10",
        "99999999999999999999999999**999", "1" + "0" * 10_000, "9" * 5_000, "10**10**10, 1, 1",
        # deep nesting
        "(" * 10_000 + "1" + ")" * 10_000, "-" * 5_000 + "1", "sin(" * 500 + "x" + ")" * 500,
        "[" * 200 + "]" * 200, "((((((((((((((((((((x))))))))))))))))))))**7",
        # megabytes
        "1, " * 300_000 + "1", "x + " * 250_000 + "x", "0" * 1_000_000,
        # unicode look-alikes and control characters
        "１, ２, ３", "х**2", "1, 2, 3\u200b", "ⅹ", "𝑥**2", "1, 2, 3\x00", "\x00",
        # NaN, infinities, undefined
        "nan", "inf", "zoo", "oo", "float('nan')", "1e308*10", "1/0", "0**-1", "log(0)", "-oo, 1, 1",
        # empty and whitespace
        "", "   ", "\n\t\n",
        # wrong arity, floats where integers are required
        "1, 2", "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13", "()", "[]",
        "1.0, 2.0, 3.0", "1e3, 2, 3", "True, False, None", "1j, 2, 3", "-0.0",
    ]


@pytest.fixture(scope="module")
def one_per_family():
    entries = bank_entries(bank_spec(available_instance_lists()))
    chosen = {}
    for entry in entries:
        if entry.problem.family != "synthetic":
            chosen.setdefault(entry.problem.family, entry.problem)
    return list(chosen.values())


def test_no_hostile_candidate_runs_or_passes(tmp_path, one_per_family):
    sentinel = tmp_path / "pwned"
    corpus = hostile_corpus(str(sentinel))
    assert len(corpus) >= 60
    timeout = 3.0
    with SandboxVerifier(SandboxLimits(timeout_s=timeout)) as sandbox:
        for problem in one_per_family:
            for candidate, (verdict, seconds) in zip(corpus, sandbox.verify(problem, corpus)):
                assert verdict.tier in (Tier.MALFORMED, Tier.WRONG, Tier.TIMEOUT), (problem.id, candidate[:80], verdict)
                assert verdict.reason, (problem.id, candidate[:80])
                assert seconds < timeout + 2, (problem.id, candidate[:80], seconds)
        # the verifier process still answers afterwards
        problem = one_per_family[0]
        [(verdict, _)] = sandbox.verify(problem, [problem.solutions()[0]])
        assert verdict.tier.rank > 0
    assert not sentinel.exists()
    assert len(one_per_family) == 10
