"""Exact arithmetic for the families' fast verifiers: the parser's mirror without sympy, rationals, polynomials, roots, exact points, probes."""
