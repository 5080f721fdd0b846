"""A hand-labelled corpus of correct and incorrect candidates, verified in the sandbox."""
import json
from collections import defaultdict
from pathlib import Path

import pytest

from harness.bank.banks import available_instance_lists, bank_entries, bank_spec
from harness.core.problem import Tier
from harness.engine.sandbox import SandboxVerifier

CORPUS = Path(__file__).parent.parent / "data" / "labelled.jsonl"


def load_corpus():
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    return [(row["problem_id"], row["candidate"], Tier(row["tier"])) for row in rows]


@pytest.fixture(scope="module")
def problems():
    return {e.problem.id: e.problem for e in bank_entries(bank_spec(available_instance_lists()))}


def test_corpus_is_large_and_covers_every_family(problems):
    corpus = load_corpus()
    assert len(corpus) >= 200
    families = {problems[pid].family for pid, _, _ in corpus}
    assert families == {e.split("/")[0] for e in problems} - {"synthetic"}
    assert sum(t.rank == 0 for _, _, t in corpus) >= 80  # plenty of incorrect ones


def test_every_verdict_matches_its_label(problems):
    by_problem = defaultdict(list)
    for pid, candidate, tier in load_corpus():
        by_problem[pid].append((candidate, tier))
    mismatches, false_valid = [], []
    with SandboxVerifier() as sandbox:
        for pid, cases in by_problem.items():
            checked = sandbox.verify(problems[pid], [c for c, _ in cases])
            for (candidate, expected), (verdict, _) in zip(cases, checked):
                if verdict.tier is not expected:
                    mismatches.append((pid, candidate, expected.value, verdict.tier.value, verdict.reason))
                if verdict.tier.rank > 0 and expected.rank == 0:
                    false_valid.append((pid, candidate))
    assert false_valid == []
    assert mismatches == []
