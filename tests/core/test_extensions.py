"""Extension by declaration: a package of one's own adds a family and a solver through entry points,
and a family without an independent checker is "not audited", never a crash."""
import sys

import pytest

from harness.audit.checkers import NOT_AUDITED, NotAudited, audited, solves
from harness.audit.misses import _miss_row
from harness.bank.banks import available_families, bank_spec, build_bank
from harness.core import extensions
from harness.reporting.findings import Findings
from harness.reporting.sections.audit import markdown as audit_section
from harness.solvers import make_solver, solver_names
from harness.testing.extension import FAMILY, PACKAGE, SOLVER, write_package


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The example package on the path, as `pip install` would leave it (its entry points found)."""
    instances = write_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield instances
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_a_package_declares_a_family_and_a_solver_by_entry_points(installed):
    assert FAMILY in extensions.declared(extensions.FAMILIES) and FAMILY in available_families()
    assert SOLVER in solver_names()
    problems = build_bank(bank_spec([str(installed)]))
    assert [p.id for p in problems] == ["squares/n=49", "squares/n=144"]
    solver = make_solver({"name": SOLVER})
    assert solver.propose(problems[0], 0, 5, 8) == ["6", "7", "8"]
    assert problems[0].verify("7").tier.value == "novel" and problems[0].verify("6").tier.value == "wrong"


def test_an_unknown_name_is_still_one_clear_error(installed):
    with pytest.raises(ValueError, match="unknown solver 'nope'; choose one of: .*count_up"):
        make_solver({"name": "nope"})


def test_a_family_without_an_independent_checker_is_not_audited(installed, monkeypatch):
    [problem, _] = build_bank(bank_spec([str(installed)]))
    assert not audited(FAMILY) and audited("three_cubes")
    with pytest.raises(NotAudited):
        solves(problem, "7")
    monkeypatch.setattr(type(problem), "solution_points", lambda self: [((7,), 1)])  # were they enumerable
    assert _miss_row(problem)["misses"] == NOT_AUDITED


def test_the_report_says_not_audited_for_such_a_family():
    findings = Findings([], {}, not_audited=[FAMILY])
    text = "\n".join(audit_section(findings))
    assert f"Not audited (no independent checker of the family): {FAMILY}." in text
    assert "Not audited: no family of these runs has one." in text
