"""GBNF grammars of answers, for constrained decoding (`solver.constrain=true`).

A search space that can say what its candidates look like declares `grammar()`: GBNF rules
that define `answer`, the answer text in the format the problem statement asks for. The
llm solver sends `completion_grammar(...)`, which makes the whole completion one answer
block, so the answer rule always finds it. The grammar shapes the text only: the verifier
still parses and checks every answer as hostile input.

GBNF is llama.cpp's grammar format (`grammars/README.md` of llama.cpp); `{m,n}` repeats.
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable


@runtime_checkable
class HasGrammar(Protocol):
    def grammar(self) -> str:
        """GBNF rules defining `answer`."""
        ...


def completion_grammar(answer_rules: str) -> str:
    """A completion that is exactly one ```answer block around `answer`."""
    return 'root ::= "```answer\\n" answer "\\n```"\n' + answer_rules


def integer_list(count: int, lo: int, hi: int) -> str:
    """`count` integers in the digits [lo, hi] needs, separated by ', '."""
    digits = len(str(max(abs(lo), abs(hi))))
    sign = '"-"? ' if lo < 0 else ""
    rest = f' (", " integer){{{count - 1}}}' if count > 1 else ""
    return f"answer ::= integer{rest}\ninteger ::= {sign}[0-9]{{1,{digits}}}\n"


def bit_string(length: int) -> str:
    return f"answer ::= [01]{{{length}}}\n"


def expression(variable: str, functions: Sequence[str]) -> str:
    """Python-syntax expressions in one variable: integers, + - * / **, parentheses, and the
    named functions."""
    calls = "".join(f' | "{name}(" sum ")"' for name in functions)
    return (
        'answer ::= sum\n'
        'sum ::= product (" "? [-+] " "? product)*\n'
        'product ::= power ([*/] power)*\n'
        'power ::= atom ("**" atom)?\n'
        f'atom ::= "-"? ([0-9]{{1,3}} | "{variable}" | "(" sum ")"{calls})\n'
    )
