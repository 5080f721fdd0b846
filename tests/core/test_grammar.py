"""Answer grammars (GBNF) derived from the search spaces, for constrained decoding."""
import random
import re

import pytest

from harness.bank.banks import bank_from_config_name
from harness.core import grammar
from harness.core.parse import ParseError
from harness.core.space import BitString, ExpressionGrammar, IntBox
from problems.factor import FactorSpace


def test_integer_answers_have_the_count_sign_and_digits_the_box_needs():
    assert IntBox(3, -5, 5).grammar() == 'answer ::= integer (", " integer){2}\ninteger ::= "0" | "-"? [1-9]\n'
    assert IntBox(1, 0, 120).grammar() == 'answer ::= integer\ninteger ::= "0" | [1-9] [0-9]{0,2}\n'  # unsigned
    assert IntBox(2, 1, 30).grammar() == 'answer ::= integer (", " integer){1}\ninteger ::= [1-9] [0-9]{0,1}\n'
    assert BitString(10).grammar() == "answer ::= [01]{10}\n"


def test_version_1_is_the_grammar_the_committed_recordings_were_asked_with():
    assert IntBox(3, -5, 5).grammar(1) == 'answer ::= integer (", " integer){2}\ninteger ::= "-"? [0-9]{1,1}\n'
    assert IntBox(1, 0, 120).grammar(1) == "answer ::= integer\ninteger ::= [0-9]{1,3}\n"
    assert "exponent" not in ExpressionGrammar("x").grammar(1)


def test_expressions_allow_the_spaces_functions_only():
    rules = ExpressionGrammar("n", functions=()).grammar()
    assert '"n"' in rules and "sin(" not in rules and '"**"' in rules
    assert '"sin(" sum ")"' in ExpressionGrammar("x", functions=("sin", "cos")).grammar()


def test_a_completion_is_exactly_one_answer_block():
    assert grammar.completion_grammar("answer ::= [01]{2}\n") == \
        'root ::= "```answer\\n" answer "\\n```"\nanswer ::= [01]{2}\n'


def test_every_family_of_the_default_bank_can_be_asked_constrained():
    families = {p.family: p.answer_grammar for p in bank_from_config_name("default")}
    assert len(families) == 10 and all(rules and rules.startswith("answer ::=") for rules in families.values())


# A GBNF subset (what harness/core/grammar.py writes: literals, [classes], rule names, groups, | and the
# quantifiers ? * + {n} {m,n}), read by the test itself: a random generator of strings from the
# rules, and an exact matcher (the positions each rule can end at, memoised).

def read_gbnf(text: str) -> dict:
    rules = {}
    for line in text.strip().splitlines():
        name, _, body = line.partition(" ::= ")
        tokens = re.findall(r'"(?:\\.|[^"\\])*"|\[[^\]]*\]|\{\d+(?:,\d+)?\}|[A-Za-z_]\w*|[()|?*+]', body)
        rules[name.strip()], rest = _alternatives(tokens)
        assert not rest, (line, rest)
    return rules


def _alternatives(tokens):
    options, (seq, tokens) = [], _sequence(tokens)
    options.append(seq)
    while tokens and tokens[0] == "|":
        seq, tokens = _sequence(tokens[1:])
        options.append(seq)
    return ("alt", options), tokens


def _sequence(tokens):
    items = []
    while tokens and tokens[0] not in ("|", ")"):
        token, tokens = tokens[0], tokens[1:]
        if token == "(":
            item, tokens = _alternatives(tokens)
            assert tokens[0] == ")"
            tokens = tokens[1:]
        elif token.startswith('"'):
            item = ("lit", token[1:-1].encode().decode("unicode_escape"))
        elif token.startswith("["):
            item = ("cls", token)
        else:
            item = ("ref", token)
        if tokens and (tokens[0] in ("?", "*", "+") or tokens[0].startswith("{")):
            q, tokens = tokens[0], tokens[1:]
            lo, hi = {"?": (0, 1), "*": (0, None), "+": (1, None)}.get(q, (None, None))
            if q.startswith("{"):
                bounds = [int(b) for b in q[1:-1].split(",")]
                lo, hi = bounds[0], bounds[-1]
            item = ("rep", item, lo, hi)
        items.append(item)
    return ("seq", items), tokens


def _chars(cls: str) -> list[str]:
    body, out, i = cls[1:-1], [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            out += [chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)]
            i += 3
        else:
            out.append(body[i])
            i += 1
    return out


def _refs(node) -> int:
    kind = node[0]
    if kind == "ref":
        return 1
    if kind in ("alt", "seq"):
        return sum(_refs(n) for n in node[1])
    return _refs(node[1]) if kind == "rep" else 0


def generate(rules: dict, rng: random.Random, node=("ref", "answer"), depth: int = 0) -> str:
    kind = node[0]
    if kind == "ref":
        return generate(rules, rng, rules[node[1]], depth + 1)
    if kind == "lit":
        return node[1]
    if kind == "cls":
        return rng.choice(_chars(node[1]))
    if kind == "seq":
        return "".join(generate(rules, rng, n, depth) for n in node[1])
    if kind == "alt":
        options = node[1] if depth < 8 else [min(node[1], key=_refs)]  # deep: the least recursive
        return generate(rules, rng, rng.choice(options), depth)
    _, item, lo, hi = node
    hi = lo + 2 if hi is None else hi
    count = lo if depth >= 8 else rng.randint(lo, hi)
    return "".join(generate(rules, rng, item, depth) for _ in range(count))


def ends(rules: dict, node, text: str, at: int, memo: dict) -> frozenset[int]:
    """Every position where a match of `node` starting at `at` can end (no left recursion)."""
    kind = node[0]
    if kind == "ref":
        key = (node[1], at)
        if key not in memo:
            memo[key] = ends(rules, rules[node[1]], text, at, memo)
        return memo[key]
    if kind == "lit":
        return frozenset([at + len(node[1])]) if text.startswith(node[1], at) else frozenset()
    if kind == "cls":
        return frozenset([at + 1]) if at < len(text) and text[at] in _chars(node[1]) else frozenset()
    if kind == "alt":
        return frozenset().union(*(ends(rules, n, text, at, memo) for n in node[1]))
    if kind == "seq":
        positions = frozenset([at])
        for item in node[1]:
            positions = frozenset().union(*(ends(rules, item, text, p, memo) for p in positions))
        return positions
    _, item, lo, hi = node
    out, positions, count = set(), frozenset([at]), 0
    while positions and (hi is None or count <= hi):
        if count >= lo:
            out |= positions
        if hi is not None and count == hi:
            break
        step = frozenset().union(*(ends(rules, item, text, p, memo) for p in positions))
        positions, count = step - positions if hi is None else step, count + 1
    return frozenset(out)


def admits(rules_text: str, text: str) -> bool:
    """Is `text` a string of the grammar's `answer` rule?"""
    return len(text) in ends(read_gbnf(rules_text), ("ref", "answer"), text, 0, {})


PROBLEMS = sorted({p.id: p for name in ("default", "llm_small") for p in bank_from_config_name(name)}.values(),
                  key=lambda p: p.id)
# What only evaluation shows: an expression grammar may admit it, the verifier refuses it.
SEMANTIC = ("division by zero", "negative power", "undefined", "symbolic exponent", "too large")


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_what_the_grammar_admits_parses(problem):
    rules, rng = read_gbnf(problem.answer_grammar), random.Random(problem.id)
    for _ in range(150):
        text = generate(rules, rng)
        assert admits(problem.answer_grammar, text), text  # the generator and the matcher agree
        try:
            problem.parse(text)
        except ParseError as exc:
            assert isinstance(problem.space, ExpressionGrammar | FactorSpace) and any(
                reason in str(exc) for reason in SEMANTIC), (text, exc)


def _malformed(problem) -> list[str]:
    """Texts in the answer format the family's parse refuses, or that a stricter grammar refuses."""
    box = problem.space
    if isinstance(box, BitString):
        return ["0" * (box.length - 1), "0" * (box.length + 1), "2" + "0" * (box.length - 1)]
    if isinstance(box, IntBox):
        ok = [str(max(box.lo, 1))] * box.arity
        cases = [", ".join(["0" + ok[0]] + ok[1:]),  # leading zero
                 ", ".join(ok[:-1]) if box.arity > 1 else "", ", ".join(ok + ok[:1])]  # wrong count
        if box.lo >= 1:
            cases.append(", ".join(["0"] + ok[1:]))  # zero where positive
        cases.append(", ".join(["-0"] + ok[1:]))
        if box.lo >= 0:
            cases.append(", ".join(["-1"] + ok[1:]))  # a sign where none is needed
        return cases
    return ["007*x", "x + 00", "x**07", "(x)**(0x1)"]


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_malformed_answers_are_outside_the_grammar(problem):
    for text in _malformed(problem):
        text = text.replace("x", getattr(problem.space, "variable", "x"))
        assert not admits(problem.answer_grammar, text), text
