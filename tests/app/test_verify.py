"""`harness-verify` as a researcher runs it: a real subprocess."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

HARNESS_VERIFY = str(Path(sys.executable).with_name("harness-verify"))


def verify(*args, stdin=None):
    return subprocess.run([HARNESS_VERIFY, *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_list_prints_id_family_regime():
    done = verify("--list")
    assert done.returncode == 0
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert len(rows) >= 61 and all(len(r) == 3 for r in rows)
    assert ["pell/D=61,B=10000000000", "pell", "unreachable"] in rows


def test_one_candidate_gives_its_verdict_on_the_last_line():
    done = verify("three_cubes/k=3,B=6", "4, 4, -5")
    assert done.returncode == 0
    verdict = json.loads(done.stdout.splitlines()[-1])
    assert verdict["tier"] == "novel" and verdict["canonical"] == "(-5, 4, 4)"
    hostile = verify("three_cubes/k=3,B=6", "__import__('os').system('true')")
    assert hostile.returncode == 0 and json.loads(hostile.stdout.splitlines()[-1])["tier"] == "malformed"


def test_jsonl_gives_one_verdict_per_line_in_order(tmp_path):
    lines = ['"1, 1, 1"', '"x"', "42", "not json", "", '"4, 4, -5"']
    done = verify("three_cubes/k=3,B=6", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    tiers = [json.loads(line)["tier"] for line in done.stdout.splitlines()]
    assert tiers == ["valid", "malformed", "malformed", "malformed", "novel"]  # the blank line is no candidate
    path = tmp_path / "c.jsonl"
    path.write_text('"3, 2"\n"99, 70"\n')
    done = verify("pell/D=2,B=20", "--jsonl", str(path))
    assert [json.loads(line)["tier"] for line in done.stdout.splitlines()] == ["novel", "novel"]


def test_unknown_problem_suggests_close_ids():
    done = verify("three_cubes/k=3", "1, 1, 1")
    assert done.returncode == 2 and "three_cubes/k=3,B=6" in done.stderr


def test_bank_finds_a_problem_of_any_bank_config_as_harness_run_names_it():
    listed = verify("--bank", "tiny", "--list")
    assert listed.returncode == 0, listed.stderr
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [
        "three_cubes/k=3,B=5", "erdos_straus/n=5,B=12", "synthetic/K=20"]
    done = verify("--bank", "tiny", "three_cubes/k=3,B=5", "1, 1, 1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["tier"] == "valid"  # tiny's own known solution


@pytest.mark.parametrize("args, line", [
    (["--bank", "nope", "--list"], "harness-verify: error: no bank config 'nope'; choose one of: cheap, deep,"),
    (["three_cubes/k=3,B=5", "1, 1, 1"], "no problem 'three_cubes/k=3,B=5'; bank tiny has it: use --bank tiny"),
    (["--bank", "tiny", "nope", "1"], "no problem 'nope' in bank tiny; bank tiny has: three_cubes/k=3,B=5, "),
])
def test_an_unknown_bank_or_problem_is_one_line_naming_what_exists(args, line):
    done = verify(*args)
    assert done.returncode == 2 and line in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("timeout", ["nan", "inf", "0", "-1"])
def test_a_timeout_that_bounds_nothing_is_refused(timeout):
    done = verify("three_cubes/k=3,B=6", "1, 1, 1", f"--timeout={timeout}")
    assert done.returncode == 2 and "--timeout: timeout_s must be a finite number above 0" in done.stderr
    assert "Traceback" not in done.stderr
