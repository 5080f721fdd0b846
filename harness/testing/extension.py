"""A researcher's own package, made on the fly for tests: a family (a module and its instance
list) and a solver, declared to the harness by Python entry points (harness.core.extensions),
with no audit checker: what a package outside this repository looks like to the harness."""
from __future__ import annotations

import textwrap
from pathlib import Path

PACKAGE = "harness_extension_example"
FAMILY = "squares"  # x * x = n, in 1..n
SOLVER = "count_up"  # attempt i proposes i + 1

MODULES = {
    "__init__.py": "",
    "squares.py": '''
        """A family from outside the bank: find x > 0 with x * x = n."""
        from dataclasses import dataclass

        from harness.core.parse import parse_int_tuple
        from harness.core.problem import Problem
        from harness.core.space import IntBox


        @dataclass(frozen=True)
        class Square(Problem):
            family = "squares"
            n: int

            instance = property(lambda self: f"n={self.n}")
            statement = property(lambda self: f"Find x > 0 with x*x = {self.n}. Answer: x")
            space = property(lambda self: IntBox(1, 1, self.n))

            def parse(self, text):
                return parse_int_tuple(text, 1)[0]

            def check(self, x):
                return (0.0, None) if x * x == self.n else (-1.0, "x*x is not n")

            def canonical(self, x):
                return str(x)


        def make(**params):
            return Square(**params)
        ''',
    "solvers.py": '''
        """A solver from outside the harness: attempt i proposes i + 1 (exchangeable)."""
        from dataclasses import dataclass
        from typing import ClassVar


        @dataclass(frozen=True)
        class CountUp:
            name: ClassVar[str] = "count_up"

            def propose(self, problem, seed, start, stop):
                return [str(i + 1) for i in range(start, stop)]
        ''',
}
ENTRY_POINTS = f"""
[harness.families]
{FAMILY} = {PACKAGE}.squares

[harness.solvers]
{SOLVER} = {PACKAGE}.solvers:CountUp
"""


def write_package(root: Path) -> Path:
    """The package under `root` (put `root` on the path), with its distribution's metadata so
    that importlib.metadata finds its entry points; returns its instance list of squares."""
    package = Path(root) / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    for name, text in MODULES.items():
        (package / name).write_text(textwrap.dedent(text).lstrip())
    info = Path(root) / f"{PACKAGE}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS.lstrip())
    instances = package / "instances.yaml"
    instances.write_text(f"family: {FAMILY}\ninstances:\n  - {{n: 49}}\n  - {{n: 144}}\n")
    return instances
