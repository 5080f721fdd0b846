"""GBNF grammars of answers, for constrained decoding (`solver.constrain=true`).

A search space that can say what its candidates look like declares `grammar()`: GBNF rules
that define `answer`, the answer text in the format the problem statement asks for. The
llm solver sends `completion_grammar(...)`, which makes the whole completion one answer
block, so the answer rule always finds it. The grammar shapes the text only: the verifier
still parses and checks every answer as hostile input.

GBNF is llama.cpp's grammar format (`grammars/README.md` of llama.cpp); `{m,n}` repeats.

Version 2 (issue 34) is no looser than the parser: integers have no leading zeros and no `-0`,
are positive where the family's parse needs positive ones (the box's lower bound is 1 or more:
erdos_straus, egyptian, taxicab) and signed only where the box has negatives, and an answer has
exactly the statement's number of items. Expressions have integers without leading zeros and,
unless the space has symbolic exponents, exponents that are integer literals in -64..64. What only
evaluation shows (a division by zero) stays the verifier's to refuse; a grammar may be stricter
than the parser (digits are bounded by the search box). Version 1 is the grammar before that, kept
because the committed real-model recordings were asked with it (their requests, grammar included,
are the keys their completions are found by): `solver.grammar_version=1` replays them.
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable


GRAMMAR_VERSION = 2
VERSIONS = (1, 2)


@runtime_checkable
class HasGrammar(Protocol):
    def grammar(self, version: int = GRAMMAR_VERSION) -> str:
        """GBNF rules defining `answer`."""
        ...


def _check(version: int) -> None:
    if version not in VERSIONS:
        raise ValueError(f"grammar version {version!r} unknown; one of {VERSIONS}")


def _natural(digits: int) -> str:
    """A positive integer of at most `digits` digits, without a leading zero."""
    return "[1-9]" + (f" [0-9]{{0,{digits - 1}}}" if digits > 1 else "")


def completion_grammar(answer_rules: str) -> str:
    """A completion that is exactly one ```answer block around `answer`."""
    return 'root ::= "```answer\\n" answer "\\n```"\n' + answer_rules


def integer_list(count: int, lo: int, hi: int, version: int = GRAMMAR_VERSION) -> str:
    """Exactly `count` integers in the digits [lo, hi] needs, separated by ', ': positive if
    lo >= 1, signed only if lo < 0, without leading zeros or -0 (version 2)."""
    _check(version)
    digits = len(str(max(abs(lo), abs(hi))))
    rest = f' (", " integer){{{count - 1}}}' if count > 1 else ""
    if version == 1:
        sign = '"-"? ' if lo < 0 else ""
        return f"answer ::= integer{rest}\ninteger ::= {sign}[0-9]{{1,{digits}}}\n"
    if lo >= 1:
        integer = _natural(digits)
    elif lo == 0:
        integer = f'"0" | {_natural(digits)}'
    else:
        integer = f'"0" | "-"? {_natural(digits)}'
    return f"answer ::= integer{rest}\ninteger ::= {integer}\n"


def bit_string(length: int, version: int = GRAMMAR_VERSION) -> str:
    _check(version)
    return f"answer ::= [01]{{{length}}}\n"


def expression(variable: str, functions: Sequence[str], symbolic_exponents: bool = False,
               version: int = GRAMMAR_VERSION) -> str:
    """Python-syntax expressions in one variable: integers, + - * / **, parentheses, and the
    named functions; exponents are integer literals in -64..64, unless `symbolic_exponents`,
    which also admits the variable or a parenthesised expression (version 2)."""
    _check(version)
    calls = "".join(f' | "{name}(" sum ")"' for name in functions)
    if version == 2:
        symbolic = f' | "{variable}" | "(" sum ")"' if symbolic_exponents else ""
        return (
            'answer ::= sum\n'
            'sum ::= product (" "? [-+] " "? product)*\n'
            'product ::= power ([*/] power)*\n'
            'power ::= atom ("**" exponent)?\n'
            f'exponent ::= "-"? small | "(" "-"? small ")"{symbolic}\n'
            'small ::= "6" [0-4] | [1-5] [0-9] | [0-9]\n'
            f'atom ::= "-"? (number | "{variable}" | "(" sum ")"{calls})\n'
            'number ::= "0" | [1-9] [0-9]{0,2}\n'
        )
    return (
        'answer ::= sum\n'
        'sum ::= product (" "? [-+] " "? product)*\n'
        'product ::= power ([*/] power)*\n'
        'power ::= atom ("**" atom)?\n'
        f'atom ::= "-"? ([0-9]{{1,3}} | "{variable}" | "(" sum ")"{calls})\n'
    )
