import sys

import pytest

from harness.bank.banks import REGIMES, BankError, available_families, bank_entries, bank_spec, build_bank
from harness.testing.extension import PACKAGE, write_package


def test_builds_every_instance_in_order(tiny_bank):
    ids = [p.id for p in build_bank(tiny_bank)]
    assert ids == ["three_cubes/k=3,B=5", "erdos_straus/n=5,B=12", "synthetic/K=20"]


def test_default_bank_has_ten_families_sixty_instances_and_three_regimes():
    entries = bank_entries(bank_spec(["three_cubes", "erdos_straus", "egyptian", "pell", "taxicab",
                                      "antiderivative", "sequence", "golomb", "ramsey", "factor"]))
    assert len({e.problem.family for e in entries}) == 10
    assert len(entries) >= 60
    assert {e.regime for e in entries} == set(REGIMES)


def test_an_instance_list_is_one_yaml_file_named_by_path(tmp_path):
    listing = tmp_path / "my_cubes.yaml"
    listing.write_text("family: three_cubes\ninstances:\n  - {k: 3, bound: 4, regime: saturating}\n")
    spec = bank_spec([str(listing)], {"pell": [{"d": 2, "bound": 20}]})
    assert [(e.problem.id, e.regime) for e in bank_entries(spec)] == [
        ("three_cubes/k=3,B=4", "saturating"), ("pell/D=2,B=20", "")]
    with pytest.raises(BankError, match="three_cubes"):
        bank_spec(["no_such_list"])
    with pytest.raises(BankError, match="regime must be one of"):
        bank_entries({"pell": [{"d": 2, "bound": 20, "regime": "hot"}]})


def test_unknown_family_lists_the_bank():
    with pytest.raises(BankError, match="three_cubes") as info:
        build_bank({"four_cubes": [{"k": 1}]})
    assert "four_cubes" in str(info.value)
    assert {"three_cubes", "erdos_straus", "antiderivative", "synthetic"} <= set(available_families())


def test_bad_parameters_and_duplicates_are_reported():
    with pytest.raises(BankError, match="three_cubes.*unexpected keyword"):
        build_bank({"three_cubes": [{"k": 3, "bund": 5}]})
    with pytest.raises(BankError, match="share the id"):
        build_bank({"three_cubes": [{"k": 3, "bound": 5}, {"k": 3, "bound": 5, "interesting_height": 2}]})
    with pytest.raises(BankError, match="empty"):
        build_bank({})


def test_a_user_family_is_one_module_named_by_dotted_path(tmp_path, monkeypatch):
    write_package(tmp_path)  # the test package's family module, named here by its dotted path alone
    monkeypatch.syspath_prepend(str(tmp_path))
    [problem] = build_bank({f"{PACKAGE}.squares": [{"n": 49}]})
    assert problem.id == "squares/n=49"
    assert problem.verify("7").tier.value == "novel"
    sys.modules.pop(f"{PACKAGE}.squares", None)


@pytest.mark.parametrize("spec, message", [
    ({"three_cubes": [{"k": "abc", "bound": -5}]}, "k must be a whole number, got 'abc'"),
    ({"three_cubes": [{"k": 3, "bound": -5}]}, "empty box"),  # every attempt would fail
    ({"three_cubes": [{"k": 3.5, "bound": 5}]}, "k must be a whole number"),
    ({"three_cubes": ["k=3"]}, "an instance is a mapping of its parameters"),
    ({"three_cubes": {"k": 3}}, "its instances are a list of mappings"),
])
def test_instances_that_cannot_make_a_problem_are_refused(spec, message):
    with pytest.raises(BankError, match=message):
        bank_entries(bank_spec([], spec))


def test_an_instance_list_that_is_not_yaml_is_one_clear_error(tmp_path):
    listing = tmp_path / "broken.yaml"
    listing.write_text("family: three_cubes\ninstances: [ {k: 3\n")
    with pytest.raises(BankError, match=r"broken.yaml is not valid YAML"):
        bank_spec([str(listing)])
    listing.write_text("family: three_cubes\ninstances:\n  - 7\n")
    with pytest.raises(BankError, match="an instance is a mapping"):
        bank_spec([str(listing)])


def test_a_pell_instance_whose_fundamental_solution_is_long_is_solvable():
    """pell/D=1381: x has 65 digits, over the parser's default 60: its own construction was malformed."""
    [problem] = build_bank({"pell": [{"d": 1381, "bound": 10**70}]})
    assert problem.verify(problem.construct()).tier.value in ("novel", "interesting")
    assert problem.verify("1, 0").tier.value == "valid"  # trivial


def test_a_pell_instance_no_answer_could_be_written_for_is_refused():
    with pytest.raises(BankError, match=r"family 'pell', instance .*'d': 9999991.*fundamental solution has more than "
                                        r"\d+ digits"):
        build_bank({"pell": [{"d": 9999991, "bound": 20}]})


@pytest.mark.parametrize("spec, message", [
    ({"three_cubes": [{"k": 3, "bound": 10**64}]}, r"family 'three_cubes', instance .*: the box's corner "
                                                   r"\(-1000000\d*\.\.\., \.\.\.\) \(65 digits\) cannot be parsed \(integer with more than 60"),
    ({"golomb": [{"marks": 3, "bound": 10**70}]}, r"family 'golomb', .*cannot be parsed"),
    ({"three_cubes": [{"k": 3, "bound": 5, "known_solutions": ["1, 1"]}]},
     r"family 'three_cubes', instance .*: known solution '1, 1' cannot be parsed \(expected 3 integers"),
    ({"three_cubes": [{"k": 3, "bound": 5, "known_solutions": ["1, 1, 2"]}]},
     r"known solution '1, 1, 2' is not a solution \(x\^3\+y\^3\+z\^3 - 3 = 7\)"),
    ({"pell": [{"d": 2, "bound": 20, "known_solutions": ["3, 2", "(-3, 2)"]}]},
     r"known solution '\(-3, 2\)' cannot be parsed \(x and y must be non-negative"),
])
def test_bank_input_that_would_turn_solutions_into_wrong_verdicts_is_refused(spec, message):
    """A box beyond the parser (every attempt malformed) or a known solution that does not parse
    (every solution tier error) is refused when the bank is built, naming the instance."""
    with pytest.raises(BankError, match=message):
        build_bank(spec)


def test_known_solutions_of_a_family_that_is_not_integer_tuples_are_parsed_too():
    with pytest.raises(BankError, match=r"known solution 'x\*\*' cannot be parsed"):
        build_bank({"antiderivative": [{"integrand": "x", "known_solutions": ["x**"]}]})


BOMB = "".join(f"{a}: &{a} [{', '.join([f'*{b}'] * 10)}]\n" for b, a in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("content, message", [
    ("family: three_cubes # café\ninstances: [{k: 3, bound: 5}]\n".encode("latin-1"),
     r"mine.yaml is not UTF-8 text \(byte 25 is b'\\xe9'\): save it as UTF-8"),
    (("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + BOMB
      + "family: three_cubes\ninstances: [{k: 3, bound: 5, known_solutions: *i}]\n").encode(),
     r"mine.yaml expands to more than 5,000,000 YAML nodes once its aliases \(\*name\) are expanded"),
])
def test_an_instance_list_that_is_not_utf8_or_an_alias_bomb_is_one_line(tmp_path, content, message):
    import time

    listing = tmp_path / "mine.yaml"
    listing.write_bytes(content)
    began = time.perf_counter()
    with pytest.raises(BankError, match=message) as info:
        bank_entries(bank_spec([str(listing)]))
    assert "\n" not in str(info.value) and time.perf_counter() - began < 5


def test_egyptian_ids_stay_as_committed_and_instances_differing_only_in_bound_can_be_named():
    """Egyptian ids leave out `bound` (committed results use them): two instances differing only in
    bound are refused with a message saying so, and a `name` gives one its own id."""
    assert build_bank({"egyptian": [{"a": 5, "b": 6, "terms": 3, "bound": 30}]})[0].id == "egyptian/q=5:6,m=3"
    with pytest.raises(BankError, match=r"two instances share the id 'egyptian/q=5:6,m=3': they differ only in bound, "
                                        r"which the id leaves out; give one a name"):
        build_bank({"egyptian": [{"a": 5, "b": 6, "terms": 3, "bound": 30}, {"a": 5, "b": 6, "terms": 3, "bound": 60}]})
    ids = [p.id for p in build_bank({"egyptian": [{"a": 5, "b": 6, "terms": 3, "bound": 30},
                                                  {"a": 5, "b": 6, "terms": 3, "bound": 60, "name": "q=5:6,m=3,B=60"}]})]
    assert ids == ["egyptian/q=5:6,m=3", "egyptian/q=5:6,m=3,B=60"]
