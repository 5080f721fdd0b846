"""harness.core.parse's builder without sympy: what it refuses, and what each subtree builds to.

The fast verifiers of the expression families walk a checked syntax tree as `_Builder` does, in
its order and with its bounds and messages, so what the builder refuses is refused here with the
same ParseError. Sympy evaluates while it builds (`n - n` is 0) and the builder's decisions read
the built values (a division by 0, 0 to a negative power, an integer exponent, a number's digits),
so each subtree's sympy value is known here as one of:
  CONST  exactly this rational (sympy's rational arithmetic is exact, and so is Fraction's);
  TRANS  a constant that sympy leaves as an expression, e.g. sin(1), exp(2), log(3), asin(1) =
         pi/2, sin(exp(2)): never a number, so never 0 and never an integer exponent, and so
         are its sums and products with non-zero rationals and its non-zero integer powers
         (sympy collects none of these into a number). Its value slot holds the names of the
         functions and constants it is written with, which say whether sympy could simplify a
         function of it (exp(log(3)) is 3, log(exp(2)) is 2, sin(asin(1/3)) is 1/3);
  VAR    an expression in the variable that is not constant.
A subtree in the variable is VAR when the family's points show two different values (a function
that takes two values is no constant, however sympy writes it), or CONST where sympy's own rules
make it one whatever the operand (0*x, x**0, 1**n). Anything else (`n - n`, whose sympy value is
0; a sum of two transcendental constants, which may cancel) raises Defer: the family's reference
path decides. Each family attaches its own payload to every subtree (values at points, ...).
"""
from __future__ import annotations

import ast
from fractions import Fraction
from typing import Any

from harness.core.parse import DEFAULT_LIMITS, FUNCTIONS, Limits, ParseError, Undefined
from harness.exact import polynomials
from harness.exact.rationals import LITERAL_LIMIT, power_too_large, rational_sqrt, too_large, whole

CONST, TRANS, VAR = 0, 1, 2
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)


class Defer(Exception):
    """The fast path cannot tell what the reference would say: ask the reference."""


# sympy's value of f(q) for a rational q: the exceptions to "transcendental" (the rest is TRANS)
_SPECIAL = {"sin": {0: 0}, "tan": {0: 0}, "asin": {0: 0}, "atan": {0: 0}, "sinh": {0: 0},
            "tanh": {0: 0}, "cos": {0: 1}, "cosh": {0: 1}, "exp": {0: 1}, "acos": {1: 0}, "log": {1: 0}}


# What a function's sympy evaluation may undo in its argument (inverse functions, the exponential
# and the logarithm, multiples of pi and I): a function of a constant written with any of these is
# left to the reference.
_NUMBERS = frozenset({"pi", "I", "E"})
_INVERSE_TRIG = frozenset({"asin", "acos", "atan", "pi", "I"})
_EXPONENTIAL = frozenset({"log", "sqrt", "asin", "acos", "atan", "pi", "I"})
_SIMPLIFIES = {"sin": _INVERSE_TRIG, "cos": _INVERSE_TRIG, "tan": _INVERSE_TRIG,
               "asin": frozenset({"sin", "cos", "tan", "pi", "I"}), "acos": frozenset({"sin", "cos", "tan", "pi", "I"}),
               "atan": frozenset({"sin", "cos", "tan", "pi", "I"}),
               "exp": _EXPONENTIAL, "sinh": _EXPONENTIAL, "cosh": _EXPONENTIAL, "tanh": _EXPONENTIAL,
               "log": frozenset({"exp", "E", "I", "sinh", "cosh", "tanh"}), "sqrt": frozenset()}


class Mirror:
    """One walk of one tree. `build(tree)` returns (kind, exact value if CONST, payload) and keeps
    each subtree's in `seen` (by id). Subclasses define the payload hooks."""

    variable: str = "x"
    symbolic_exponents: bool = False
    limits: Limits = DEFAULT_LIMITS

    def __init__(self) -> None:
        self.seen: dict[int, tuple[int, Any, Any]] = {}

    # payload hooks
    def p_const(self, q) -> Any: ...
    def p_var(self) -> Any: ...
    def p_neg(self, p) -> Any: ...
    def p_op(self, op: type, a, b) -> Any: ...
    def p_pow(self, base, exponent) -> Any: ...
    def p_call(self, name: str, p) -> Any: raise Defer("a function")
    def p_name(self, name: str) -> Any: raise Defer(f"the constant {name}")
    def varies(self, p) -> bool: ...

    def const_of(self, node: ast.expr):
        kind, value, _ = self.seen[id(node)]
        return value if kind == CONST else None

    def build(self, node: ast.expr) -> tuple[int, Any, Any]:
        built = self._build(node)
        self.seen[id(node)] = built
        return built

    def _vary(self, payload, node: ast.expr | None = None) -> tuple[int, Any, Any]:
        """VAR where the payload varies; where it does not, the constant sympy collects the node
        to, when it is a sum of monomials (see `collected`); else Defer."""
        if self.varies(payload):
            return VAR, None, payload
        terms = None if node is None else self.collected(node)
        if terms is None or set(terms) - {0}:
            raise Defer("a subtree in the variable that may be constant")
        value = terms.get(0, 0)
        if too_large(value):
            raise ParseError("numeric value too large")
        return CONST, value, payload

    def collected(self, node: ast.expr) -> dict[int, Any] | None:
        """The subtree as sympy's automatic evaluation writes it, when that is a sum of monomials
        c*x**k ({k: c}, no zero c): sympy collects like terms of a sum, multiplies monomials and
        distributes a number over a sum, but does not expand a product of sums, nor divide a sum
        by x. None where the subtree is not such a sum (e.g. (x + 1)*x, 2**n, sin(x))."""
        kind, value, _ = self.seen.get(id(node), (VAR, None, None))  # the node being built: not seen yet
        if kind == CONST:
            return {0: value} if value else {}
        if isinstance(node, ast.Name):
            return {1: 1} if node.id == self.variable else None
        if isinstance(node, ast.UnaryOp):
            inner = self.collected(node.operand)
            return inner if inner is None or isinstance(node.op, ast.UAdd) else {k: -c for k, c in inner.items()}
        if not isinstance(node, ast.BinOp):
            return None
        if isinstance(node.op, ast.Pow):
            e = self.const_of(node.right)
            base = self.collected(node.left) if type(e) is int else None
            if base is None or len(base) != 1:
                return None
            [(k, c)] = base.items()
            return {k * e: Fraction(c) ** e if e < 0 else c ** e}
        a, b = self.collected(node.left), self.collected(node.right)
        if a is None or b is None:
            return None
        if isinstance(node.op, (ast.Add, ast.Sub)):
            sign = 1 if isinstance(node.op, ast.Add) else -1
            out = dict(a)
            for k, c in b.items():
                out[k] = out.get(k, 0) + sign * c
            return {k: c for k, c in out.items() if c}
        if isinstance(node.op, ast.Div):
            if len(b) != 1:
                return None
            [(k, c)] = b.items()
            b = {-k: Fraction(1) / c}
        number = lambda terms: set(terms) <= {0}
        if not (number(a) or number(b) or len(a) == len(b) == 1):
            return None
        out: dict[int, Any] = {}
        for k, c in a.items():
            for j, d in b.items():
                out[k + j] = out.get(k + j, 0) + c * d
        return {k: whole(c) for k, c in out.items() if c}

    def _build(self, node: ast.expr) -> tuple[int, Any, Any]:
        kind = type(node)
        if kind is ast.BinOp:
            op = type(node.op)
            if op is ast.Pow:
                return self._power(node)
            if op in _ARITHMETIC:
                return self._arithmetic(node, op)
            if op is ast.BitXor:
                raise ParseError("use ** for powers (^ is not a power in Python syntax)")
        elif kind is ast.Name:
            if node.id == self.variable:
                return VAR, None, self.p_var()
            if node.id in ("pi", "E"):
                return TRANS, frozenset((node.id,)), self.p_name(node.id)
            raise ParseError(f"unknown name {node.id!r}")
        elif kind is ast.Constant:
            value = node.value
            if type(value) is not int:
                raise ParseError(f"only integer constants are allowed, got {type(value).__name__}")
            if not -LITERAL_LIMIT < value < LITERAL_LIMIT:
                raise ParseError(f"integer with more than {self.limits.max_int_digits} digits")
            return CONST, value, self.p_const(value)
        elif kind is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
            kind, value, payload = self.build(node.operand)
            if type(node.op) is ast.UAdd or kind != CONST:
                return kind, value, payload if type(node.op) is ast.UAdd else self.p_neg(payload)
            return kind, -value, self.p_neg(payload)
        elif kind is ast.Call:
            return self._call(node)
        raise ParseError(f"syntax not allowed: {type(node).__name__}")

    def _arithmetic(self, node: ast.BinOp, op: type) -> tuple[int, Any, Any]:
        (kl, vl, pl), (kr, vr, pr) = self.build(node.left), self.build(node.right)
        if op is ast.Div and kr == CONST and vr == 0:
            raise Undefined("division by zero")
        payload = self.p_op(op, pl, pr)  # as written: a constant of sympy's (0*x) may fail at a point
        if kl == CONST and kr == CONST:
            value = whole(vl + vr if op is ast.Add else vl - vr if op is ast.Sub else vl * vr if op is ast.Mult
                          else Fraction(vl, vr) if type(vl) is int and type(vr) is int else Fraction(vl) / vr)
            if too_large(value):
                raise ParseError("numeric value too large")
            return CONST, value, payload
        if op in (ast.Mult, ast.Div) and kl == CONST and vl == 0 or op is ast.Mult and kr == CONST and vr == 0:
            return CONST, 0, payload  # sympy: 0*e and 0/e are 0
        if op in (ast.Sub, ast.Div) and kl == kr and pl == pr and _same(node.left, node.right):
            return CONST, 0 if op is ast.Sub else 1, payload  # sympy: e - e is 0, e/e is 1
        if VAR in (kl, kr):
            return self._vary(payload, node)
        if TRANS in (kl, kr) and CONST in (kl, kr):  # with a non-zero rational: no number either
            return TRANS, vl if kl == TRANS else vr, payload
        if not vl & vr and not (vl | vr) & _NUMBERS:
            # written with different functions and no pi, I or E: sympy has no like terms or
            # bases to collect (e.g. sin(1) + exp(3)), so the sum or product is no number
            return TRANS, vl | vr, payload
        raise Defer("arithmetic on two constants that sympy may collect")

    def _power(self, node: ast.BinOp) -> tuple[int, Any, Any]:
        ke, e, pe = self.build(node.right)
        if ke != CONST or type(e) is not int:
            return self._symbolic_power(node, ke, e, pe)
        if abs(e) > self.limits.max_exponent:
            raise ParseError(f"exponent {e} exceeds {self.limits.max_exponent}")
        kb, b, pb = self.build(node.left)
        if kb == CONST and b != 0 and power_too_large(b, e):
            raise ParseError("numeric power too large")
        if kb == CONST and b == 0 and e < 0:
            raise Undefined("0 to a negative power")
        payload = self.p_pow(pb, pe)
        if kb == CONST:
            value = whole(Fraction(b) ** e) if e < 0 else b ** e
            if too_large(value):
                raise ParseError("numeric value too large")
            return CONST, value, payload
        if e == 0:
            return CONST, 1, payload  # sympy: e**0 is 1
        if kb == TRANS:
            return TRANS, b, payload
        return (VAR, None, payload) if e == 1 else self._vary(payload, node)

    def _symbolic_power(self, node: ast.BinOp, ke: int, e, pe) -> tuple[int, Any, Any]:
        if not self.symbolic_exponents:
            raise ParseError("exponents must be integer literals")
        kb, b, pb = self.build(node.left)
        if ke == VAR:
            try:
                poly = polynomials.of_tree(node.right, self.variable)
            except polynomials.TooLarge:
                raise Defer("an exponent of a high degree as written") from None
            if poly is None:
                raise Defer("an exponent that is not a polynomial as written")
            small = len(poly) <= 2 and all(type(c) is int and abs(c) <= 3 for c in poly if c)
        else:
            small = False  # a constant that is no integer has no polynomial in the variable
        if not (small and kb == CONST and type(b) is int and 0 < abs(b) <= 10):
            raise ParseError("a symbolic exponent needs a small integer base and a linear exponent")
        payload = self.p_pow(pb, pe)
        if b == 1:
            return CONST, 1, payload  # sympy: 1**e is 1
        return self._vary(payload)

    def _call(self, node: ast.Call) -> tuple[int, Any, Any]:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise ParseError(f"call to a function that is not allowed: {ast.dump(node.func)[:60]}")
        if node.keywords or len(node.args) != 1:
            raise ParseError(f"{name} takes exactly one argument")
        kind, value, payload = self.build(node.args[0])
        payload = self.p_call(name, payload)
        if kind == VAR:
            return self._vary(payload)
        if kind == TRANS:
            if name == "sqrt" or value & _SIMPLIFIES[name]:
                raise Defer("a function of a constant that sympy may simplify")
            return TRANS, value | {name}, payload
        if name == "sqrt":
            root = rational_sqrt(value)
            if root is None:
                raise Defer("the square root of a rational that is not a square")
            return CONST, root, payload
        if name == "log" and value == 0:
            raise Undefined("expression is undefined or infinite")
        special = _SPECIAL[name]
        if value in special:
            return CONST, special[value], payload
        # asin(1) is pi/2, log(-2) is log(2) + I*pi: say so, for a function of them
        extra = {"pi"} if name in ("asin", "acos", "atan") else {"pi", "I"} if name == "log" and value < 0 else set()
        return TRANS, frozenset({name} | extra), payload


def _same(a: ast.expr, b: ast.expr) -> bool:
    """Are two subtrees written alike (so sympy builds them to one expression)?"""
    return ast.dump(a) == ast.dump(b)
