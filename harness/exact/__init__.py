"""Exact arithmetic for the families' fast verifiers, without sympy: mirror, rationals, polynomials, roots, probes."""
