"""Untrusted candidate text to a checked syntax tree, nothing built yet: `ast.parse` (which only
builds a tree), then bounds on its length, characters, size and depth. harness.core.parse builds ints or
sympy objects from the tree; the fast verifiers (harness.exact.mirror) walk it without sympy.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass


class ParseError(ValueError):
    """The candidate could not be parsed safely; the message says why."""


class Undefined(ParseError):
    """A step of the expression, as written, is undefined: a division by zero, 0 to a negative
    power, log(0) or another step whose value is infinite or not a number."""


@dataclass(frozen=True)
class Limits:
    max_chars: int = 2_000
    max_nodes: int = 300
    max_depth: int = 40
    max_int_digits: int = 60
    max_exponent: int = 64


DEFAULT_LIMITS = Limits()


def tree(text: str, limits: Limits = DEFAULT_LIMITS) -> ast.expr:
    """The syntax tree of a candidate within the limits, or ParseError: what the builder gets."""
    body = _parsed(text, limits)
    _check_size(body, limits)
    return body


def _parsed(text: str, limits: Limits) -> ast.expr:
    if not isinstance(text, str):
        raise ParseError(f"candidate must be text, got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise ParseError("empty candidate")
    if len(text) > limits.max_chars:
        raise ParseError(f"candidate has {len(text)} characters, limit {limits.max_chars}")
    if not text.isascii():
        raise ParseError("candidate has non-ASCII characters")
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ParseError(f"not a Python expression: {type(exc).__name__}") from None


def _check_size(body: ast.expr, limits: Limits) -> None:
    nodes = 0
    stack = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise ParseError(f"more than {limits.max_nodes} syntax nodes")
        if depth > limits.max_depth:
            raise ParseError(f"nesting deeper than {limits.max_depth}")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def checked_tree(text: str, limits: Limits = DEFAULT_LIMITS) -> ast.expr:
    """`tree`, for the fast verifiers (harness.exact.mirror): the size of the usual trees is counted
    without `ast.iter_child_nodes` (3x faster); a tree past a limit, or of another shape, is
    walked as `tree` walks it, for the same error."""
    body = _parsed(text, limits)
    size = _size(body, limits.max_depth + 1)
    if size is None or size[0] > limits.max_nodes or size[1] > limits.max_depth:
        _check_size(body, limits)
    return body


def _size(node: ast.AST, budget: int) -> tuple[int, int] | None:
    """(nodes, depth) of a tree of numbers, names, unary and binary operators, as `_check_size`
    counts them (operators and a name's context are nodes too); None for other shapes, and for a
    tree deeper than `budget` (Python parses `-` * 1998 + `n`, whose recursive walk would overflow
    the stack: `_check_size` walks it without recursion)."""
    if budget == 0:
        return None
    kind = type(node)
    if kind is ast.BinOp:
        left, right = _size(node.left, budget - 1), _size(node.right, budget - 1)
        if left is None or right is None:
            return None
        return left[0] + right[0] + 2, max(left[1], right[1], 1) + 1
    if kind is ast.Constant:
        return 1, 1
    if kind is ast.Name:
        return 2, 2
    if kind is ast.UnaryOp:
        inner = _size(node.operand, budget - 1)
        return None if inner is None else (inner[0] + 2, max(inner[1], 1) + 1)
    return None
