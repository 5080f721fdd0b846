"""The README's example outputs are made by a command from real runs: its pieces, on known text."""
from pathlib import Path

import pytest

from harness.testing.readme_examples import EXAMPLES, closing_lines, replace_block

ID = "0123456789abcdef0123456789abcdef"


def test_the_closing_lines_are_the_last_runs_with_the_scratch_folder_and_ids_made_generic():
    out = "\n".join([f"run {'f' * 32}: 10 attempts", "  results: /tmp/x/results/a", "progress 100%",
                     f"run {ID}: 132000 attempts, 618 discoveries, 33/66 problems solved",
                     f"  results: /tmp/x/results/default/{ID}", "  MLflow:  sqlite:////tmp/x/results/mlflow.db", ""])
    assert closing_lines(out, "/tmp/x") == [
        "run 01234567...: 132000 attempts, 618 discoveries, 33/66 problems solved",
        "  results: /path/to/repo/results/default/01234567...", "  MLflow:  sqlite:////path/to/repo/results/mlflow.db"]
    with pytest.raises(ValueError, match="no closing"):
        closing_lines("nothing here", "/tmp/x")


def test_only_the_block_after_its_marker_is_replaced():
    readme = "a\n<!-- example: one -->\n```\nold\nlines\n```\nb\n```\nother block\n```\n"
    assert replace_block(readme, "one", ["new"]) == "a\n<!-- example: one -->\n```\nnew\n```\nb\n```\nother block\n```\n"
    with pytest.raises(ValueError, match="no fenced block after <!-- example: two -->"):
        replace_block(readme, "two", ["new"])


def test_every_example_has_its_block_in_the_readme():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name in EXAMPLES:
        assert replace_block(readme, name, ["x"]) != readme
