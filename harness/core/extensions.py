"""What installed packages declare for the harness: Python entry points, by group.

A researcher's own package adds a family, a solver or an audit checker without a fork by
declaring it in its pyproject.toml, e.g.

    [project.entry-points."harness.families"]
    squares = "my_package.squares"          # a module with make(**params) -> Problem
    [project.entry-points."harness.solvers"]
    echo = "my_package.solvers:EchoSolver"  # a solver class (its `name` is the entry's name)
    [project.entry-points."harness.audit_checkers"]
    squares = "my_package.audit:squares"    # (problem, candidate text) -> is it a solution?

The harness's own are declared where they are defined (a module of `problems`, SOLVERS in
harness.solvers, CHECKERS in harness.audit.checkers) and come first. A declaration is read
when its name is asked for; nothing is imported to fill a registry.
"""
from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

FAMILIES = "harness.families"
SOLVERS = "harness.solvers"
AUDIT_CHECKERS = "harness.audit_checkers"


def declared(group: str) -> list[str]:
    """The names installed packages declare in `group`, sorted."""
    return sorted({entry.name for entry in entry_points(group=group)})


def load(group: str, name: str) -> Any | None:
    """What an installed package declares as `name` in `group` (the first, if several do); None if none."""
    for entry in entry_points(group=group, name=name):
        return entry.load()
    return None
