"""Issue 34 item 3: no miss on a box the truth covers. Every enumerated solution point goes through the
scalar verifier and the batch check; the audit says how many it missed, per instance."""
from dataclasses import dataclass

import numpy as np
import pytest

from harness.audit import misses as audit
from harness.audit.misses import MAX_ORDERINGS, audit_misses, miss_check, misses_by_family, representative_orderings
from harness.bank.banks import bank_from_config_name
from problems.golomb import GolombRuler
from problems.taxicab import Taxicab
from problems.three_cubes import ThreeCubes


@dataclass(frozen=True)
class BlindCubes(ThreeCubes):
    """A verifier that misses one ordering of a solution, and a batch check that misses another."""

    def check(self, xyz):
        return (-1.0, "blind") if xyz == (-1, 1, 3) else super().check(xyz)

    def batch_valid(self, xyz: np.ndarray) -> np.ndarray:
        return super().batch_valid(xyz) & ~np.all(xyz == (3, 1, -1), axis=1)


def test_every_ordering_of_every_solution_point_is_checked_and_none_is_missed():
    row = miss_check(ThreeCubes(k=27, bound=5))  # (3, a, -a) for a = 0..5, in every ordering
    assert row["enumerated"] and row["exhaustive"] and row["missed"] == 0
    assert row["checked"] == row["solution_points"] == 3 + 4 * 6 + 3  # a = 0 and a = 3 have 3 orderings each
    assert row["misses"] == "misses: 0 of 30 solution points, exhaustive"
    taxicab = miss_check(Taxicab(bound=12))  # 1729 only: 8 orderings, of 24 permutations
    assert (taxicab["checked"], taxicab["checker_refused"], taxicab["missed"]) == (8, 0, 0)


def test_a_verifier_or_batch_check_that_misses_a_point_is_caught():
    row = miss_check(BlindCubes(k=27, bound=5))
    assert (row["scalar_missed"], row["batch_missed"], row["missed"]) == (1, 1, 2)
    assert row["missed_examples"] == "-1, 1, 3; 3, 1, -1"
    assert row["misses"] == "misses: 2 of 30 solution points, exhaustive"


def test_too_many_orderings_check_every_point_in_representative_ones():
    row = miss_check(GolombRuler(marks=5, bound=20))
    assert not row["exhaustive"] and row["solution_points"] > MAX_ORDERINGS >= row["checked"] - row["points"]
    assert row["checked"] >= row["points"] and row["missed"] == 0 and "representative" in row["misses"]
    orderings = representative_orderings((0, 1, 4, 9, 11), 5)
    assert len(set(orderings)) == 5 and orderings[:2] == [(0, 1, 4, 9, 11), (11, 9, 4, 1, 0)]
    assert orderings == representative_orderings((0, 1, 4, 9, 11), 5)  # seeded by the point


def test_instances_not_enumerated_say_the_sampled_bound_applies():
    row = miss_check(ThreeCubes(k=1, bound=100_000))
    assert not row["enumerated"] and row["misses"] == audit.NOT_ENUMERATED


def test_the_check_is_computed_once_and_kept_in_the_cache(tmp_path, monkeypatch):
    problem = ThreeCubes(k=29, bound=7)
    first = miss_check(problem, tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 1
    audit._cached_miss_row.cache_clear()
    monkeypatch.setattr(audit, "_miss_row", lambda p: pytest.fail("recomputed"))
    assert miss_check(problem, tmp_path) == first  # from the file
    assert miss_check(problem, tmp_path) == first  # from memory


def test_per_family_totals():
    misses = audit_misses([ThreeCubes(k=27, bound=5), ThreeCubes(k=1, bound=100_000), ThreeCubes(k=27, bound=5)])
    assert list(misses["problem_id"]) == ["three_cubes/k=1,B=100000", "three_cubes/k=27,B=5"]
    [row] = misses_by_family(misses).to_dict("records")
    assert (row["instances"], row["instances_enumerated"], row["points_checked"], row["points_missed"]) == (2, 1, 30, 0)


@pytest.mark.slow
def test_no_enumerated_solution_point_of_the_default_bank_is_missed():
    """Every instance of the default bank whose box is enumerated (about 35 s on 2 busy cores)."""
    misses = audit_misses(bank_from_config_name("default"))
    enumerated = misses[misses["enumerated"]]
    assert len(enumerated) >= 35 and enumerated["checked"].sum() > 300_000
    assert enumerated[["scalar_missed", "batch_missed", "checker_refused"]].to_numpy().sum() == 0, \
        enumerated[enumerated["missed"] + enumerated["checker_refused"] > 0][["problem_id", "missed_examples"]]


def test_the_report_states_the_misses_per_instance_and_the_sampled_bound_only_elsewhere():
    import pandas as pd

    from harness.reporting.findings import Findings
    from harness.reporting.sections.audit import markdown as audit_section, with_misses

    misses = audit_misses([ThreeCubes(k=27, bound=5), ThreeCubes(k=1, bound=100_000)])
    sampled = pd.DataFrame([{"family": "three_cubes", "valid_checked": 5, "valid_disputed": 0, "false_valid_upper": 0.5,
                             "wrong_checked": 10, "wrong_disputed": 0, "false_wrong_upper": 0.26}])
    table = with_misses(sampled, misses)
    assert table.loc[0, "misses"] == "0 of 30 solution points checked on 1 of 2 instances (1 exhaustive)"
    text = "\n".join(audit_section(Findings([], {"audit": table, "audit_misses": misses})))
    assert "| three_cubes/k=27,B=5 | 30 | 0 | 0 | misses: 0 of 30 solution points, exhaustive |" in text
    assert "Not enumerated (1 instances; there the sampled false-wrong bound" in text
    assert "three_cubes/k=1,B=100000." in text
    unaudited = "\n".join(audit_section(Findings([], {"audit_misses": misses})))
    assert unaudited.startswith("Not audited") and "misses: 0 of 30 solution points, exhaustive" in unaudited
