"""Safe parsing of untrusted candidate text.

Candidate text is never evaluated: it goes through `ast.parse` (which only builds a tree),
the tree is checked against a whitelist with size, depth and exponent bounds, and only
then are Python ints or sympy objects built from it, node by node. The text to a checked tree
is harness.core.syntax's (whose ParseError, Undefined, Limits and DEFAULT_LIMITS are imported from
here too); the tree to ints or sympy objects is this module's.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Mapping

import sympy

from harness.core.syntax import DEFAULT_LIMITS, Limits, ParseError, Undefined, tree as _tree

__all__ = ["CONSTANTS", "DEFAULT_LIMITS", "FUNCTIONS", "Limits", "ParseError", "Undefined", "Written",
           "not_polynomial_as_written", "parse_expression", "parse_int_tuple", "parse_written"]


FUNCTIONS: Mapping[str, sympy.FunctionClass] = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt,
}
CONSTANTS: Mapping[str, sympy.Expr] = {"pi": sympy.pi, "E": sympy.E}


def _int_literal(node: ast.expr, limits: Limits) -> int:
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if not isinstance(node, ast.Constant) or type(node.value) is not int:
        raise ParseError(f"expected an integer literal, got {ast.dump(node)[:60]}")
    value = node.value
    if len(str(abs(value))) > limits.max_int_digits:
        raise ParseError(f"integer with more than {limits.max_int_digits} digits")
    return sign * value


_INTEGER = r"-?(?:0|[1-9][0-9]*)"
_INTEGERS = rf"{_INTEGER}(?: *, *{_INTEGER})*"
# Plain decimal integers, comma-separated, bare or in one pair of brackets: the texts on which
# the syntax tree would give exactly int() of each item (no leading zeros, no '+', spaces only).
_PLAIN = re.compile(rf"\( *({_INTEGERS}) *\)|\[ *({_INTEGERS}) *\]|({_INTEGERS})")
_COMMA = re.compile(r" *, *")


def parse_int_tuple(text: str, arity: int, limits: Limits = DEFAULT_LIMITS) -> tuple[int, ...]:
    """'(1, -2, 3)', '[1, -2, 3]' or '1, -2, 3' to a tuple of exactly `arity` ints.

    Python's own rules for literals apply: `007` is refused (a leading zero), `00`, `-0` and
    `+4` are read as 0, 0 and 4. The answer grammars (harness/core/grammar.py) are stricter: they
    admit none of these, so they never admit what this refuses.

    Plain answers are read without building a syntax tree (about 10x faster); anything else,
    and every refusal, goes through the tree, so both ways give the same answer."""
    plain = _plain_ints(text, arity, limits)
    return plain if plain is not None else _int_tuple_from_tree(text, arity, limits)


def _plain_ints(text: object, arity: int, limits: Limits) -> tuple[int, ...] | None:
    """The tuple, when `text` is plain integers within the limits; else None (the tree decides)."""
    if not isinstance(text, str) or 3 * arity + 2 > limits.max_nodes or limits.max_depth < 3:
        return None  # each item is at most 3 syntax nodes (UnaryOp, USub, Constant), 3 deep
    text = text.strip()
    if len(text) > limits.max_chars:
        return None
    match = _PLAIN.fullmatch(text)
    if match is None:
        return None
    items = _COMMA.split(next(group for group in match.groups() if group is not None))
    if len(items) != arity or any(len(item.lstrip("-")) > limits.max_int_digits for item in items):
        return None
    return tuple(int(item) for item in items)


def _int_tuple_from_tree(text: str, arity: int, limits: Limits) -> tuple[int, ...]:
    body = _tree(text, limits)
    if arity == 1 and not isinstance(body, (ast.Tuple, ast.List)):
        return (_int_literal(body, limits),)
    if not isinstance(body, (ast.Tuple, ast.List)):
        raise ParseError(f"expected a tuple of {arity} integers")
    if len(body.elts) != arity:
        raise ParseError(f"expected {arity} integers, got {len(body.elts)}")
    return tuple(_int_literal(e, limits) for e in body.elts)


def parse_expression(
    text: str,
    symbols: Mapping[str, sympy.Symbol],
    limits: Limits = DEFAULT_LIMITS,
    symbolic_exponents: bool = False,
) -> sympy.Expr:
    """Text in Python syntax to a sympy expression.

    Allowed: integer literals, the given symbols, pi and E, + - * / ** and the
    functions in FUNCTIONS. Floats are refused because verification is exact.
    Exponents are integer literals, unless `symbolic_exponents`, which also admits a
    small integer base raised to a linear expression in the symbols (e.g. `2**(n+1)`).
    """
    return _Builder(symbols, limits, symbolic_exponents).build(_tree(text, limits))


@dataclass(frozen=True, eq=False)
class Written:
    """An expression as written: its sympy object (`expr`, built with sympy's evaluation on, so
    `n - n` is already 0) and the checked syntax tree it came from, which `at` evaluates at a
    point one operation at a time, as written: `(n - n)/(n - 3)` at n = 3 raises Undefined,
    though `expr` is 0. 0**0 is 1 (as in Python and sympy)."""

    expr: sympy.Expr
    tree: ast.expr
    symbols: Mapping[str, sympy.Symbol]
    symbolic_exponents: bool = False

    def at(self, values: Mapping[str, sympy.Expr]) -> sympy.Expr:
        """The value at a point (`values`: name -> number, e.g. {"n": 3}), every step as written.
        Raises Undefined where a step is undefined, ParseError where a value grows past the
        parser's bounds (DEFAULT_LIMITS: 240 digits)."""
        numbers = {name: sympy.sympify(values[name]) for name in self.symbols}
        return _Builder(numbers, DEFAULT_LIMITS, self.symbolic_exponents).build(self.tree)

    def build(self, node: ast.expr) -> sympy.Expr:
        """The sympy object of one subtree, in the expression's symbols."""
        return _Builder(self.symbols, DEFAULT_LIMITS, self.symbolic_exponents).build(node)


def _has_name(node: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def not_polynomial_as_written(written: Written, node: ast.expr, variable: str,
                              max_exponent: int = DEFAULT_LIMITS.max_exponent) -> str | None:
    """Why the subtree `node` is not a polynomial in `variable` as written, or None. A polynomial
    as written has integers, the variable, + - *, powers whose exponent has no variable and is an
    integer in 0..max_exponent, and divisions only by an expression without the variable. So
    `(x**2 - 1)/(x - 1)`, `(x - x)/(x - 3)`, `x/(x - x + 1)`, `sin(x)` and `pi` are not. This is
    the reference for "polynomial as written"; harness.exact.polynomials.of_tree, harness.exact.as_polynomial
    and problems.factor.plain_product read it without sympy (tests hold them to this)."""
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id != variable:
            return f"the name {n.id!r}"
        if isinstance(n, ast.Call):
            return "a function call"
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and _has_name(n.right, variable):
            return f"a division by an expression in {variable}"
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow):
            exponent = None if _has_name(n.right, variable) else written.build(n.right)
            if exponent is None or not exponent.is_Integer or not 0 <= exponent <= max_exponent:
                return f"the exponent {ast.unparse(n.right)}, not an integer in 0..{max_exponent}"
    return None


def parse_written(
    text: str,
    symbols: Mapping[str, sympy.Symbol],
    limits: Limits = DEFAULT_LIMITS,
    symbolic_exponents: bool = False,
) -> Written:
    """`parse_expression`, keeping the tree as written (see Written)."""
    tree = _tree(text, limits)
    expr = _Builder(symbols, limits, symbolic_exponents).build(tree)
    return Written(expr, tree, dict(symbols), symbolic_exponents)


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


@dataclass(frozen=True)
class _Builder:
    symbols: Mapping[str, sympy.Symbol]
    limits: Limits
    symbolic_exponents: bool = False

    def build(self, node: ast.expr) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            if type(node.value) is not int:
                raise ParseError(f"only integer constants are allowed, got {type(node.value).__name__}")
            return sympy.Integer(_int_literal(node, self.limits))
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise ParseError(f"unknown name {node.id!r}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.BitXor):
                # Python gives ^ a lower precedence than +, so reading it as a power would
                # silently change meaning: refuse it.
                raise ParseError("use ** for powers (^ is not a power in Python syntax)")
            if isinstance(node.op, ast.Pow):
                return self._power(node)
            if type(node.op) in _BINARY:
                left, right = self.build(node.left), self.build(node.right)
                if isinstance(node.op, ast.Div) and (right == 0 or (not right.free_symbols and right.is_zero)):
                    raise Undefined("division by zero")
                return self._bounded(_BINARY[type(node.op)](left, right))
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS:
                raise ParseError(f"call to a function that is not allowed: {ast.dump(node.func)[:60]}")
            if node.keywords or len(node.args) != 1:
                raise ParseError(f"{name} takes exactly one argument")
            return self._bounded(FUNCTIONS[name](self.build(node.args[0])))
        raise ParseError(f"syntax not allowed: {type(node).__name__}")

    def _power(self, node: ast.BinOp) -> sympy.Expr:
        exponent = self.build(node.right)
        if not exponent.is_Integer:
            return self._symbolic_power(node, exponent)
        if abs(int(exponent)) > self.limits.max_exponent:
            raise ParseError(f"exponent {exponent} exceeds {self.limits.max_exponent}")
        base = self.build(node.left)
        if base.is_Rational and base != 0:
            # Bound the digits of a numeric power before sympy computes it.
            digits = max(len(str(abs(base.p))), len(str(base.q))) * abs(int(exponent))
            if digits > self.limits.max_int_digits * 4:
                raise ParseError("numeric power too large")
        if base == 0 and exponent < 0:
            raise Undefined("0 to a negative power")
        return self._bounded(base**exponent)

    def _symbolic_power(self, node: ast.BinOp, exponent: sympy.Expr) -> sympy.Expr:
        if not self.symbolic_exponents:
            raise ParseError("exponents must be integer literals")
        base = self.build(node.left)
        poly = exponent.as_poly(*self.symbols.values()) if exponent.free_symbols else None
        small = poly is not None and poly.total_degree() <= 1 and all(
            c.is_Integer and abs(c) <= 3 for c in poly.coeffs())
        if not (base.is_Integer and 0 < abs(base) <= 10 and small):
            raise ParseError("a symbolic exponent needs a small integer base and a linear exponent")
        return base**exponent

    def _bounded(self, value: sympy.Expr) -> sympy.Expr:
        if value.is_Rational and max(len(str(abs(value.p))), len(str(value.q))) > self.limits.max_int_digits * 4:
            raise ParseError("numeric value too large")
        if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise Undefined("expression is undefined or infinite")
        return value
