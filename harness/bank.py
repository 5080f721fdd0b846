"""The problem bank: build Problems from a plain bank spec (family name -> instance params).

A family is a module exposing `make(**params) -> Problem`: a bare name is looked up in the
`problems` package, a dotted name is imported as it stands (a user's own module).
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any, Mapping, Sequence

import problems
from harness.problem import Problem

BankSpec = Mapping[str, Sequence[Mapping[str, Any]]]


class BankError(ValueError):
    pass


def available_families() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(problems.__path__))


def family_module(name: str) -> ModuleType:
    module_name = name if "." in name else f"{problems.__name__}.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise BankError(
            f"unknown problem family {name!r}; the bank has: {', '.join(available_families())} "
            "(or give a dotted module path)"
        ) from None
    if not callable(getattr(module, "make", None)):
        raise BankError(f"family module {module_name!r} has no make(**params) function")
    return module


def build_bank(spec: BankSpec) -> tuple[Problem, ...]:
    """Every instance of every family, in spec order; ids must be unique."""
    bank: dict[str, Problem] = {}
    for family, instances in spec.items():
        make = family_module(family).make
        for params in instances:
            try:
                problem = make(**params)
            except (TypeError, ValueError) as exc:
                raise BankError(f"family {family!r}, instance {dict(params)}: {exc}") from None
            if problem.id in bank:
                raise BankError(f"two instances share the id {problem.id!r}")
            bank[problem.id] = problem
    if not bank:
        raise BankError("the bank is empty")
    return tuple(bank.values())
