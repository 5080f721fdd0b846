"""Record an llm run through Ray, then replay it with no server; and replay the shipped recording."""
import os
from pathlib import Path

import pandas as pd
import pytest

from harness.bank.banks import bank_from_config_name
from harness.run.job import run_job
from harness.store.shards import read_attempts
from harness.testing.demo import REFERENCE, demo_config, reference_tables
from harness.testing.fake_llm import FakeLLMServer, bank_responder

REPO = Path(__file__).resolve().parents[2]


def assert_same_analysis(run_dir, reference: dict[str, pd.DataFrame]):
    """Counts exactly; estimates to the last few bits (numpy and scipy releases round the
    last bit of a sum differently: seen as 1e-15 differences in the bands)."""
    for name, table in reference_tables(run_dir).items():
        pd.testing.assert_frame_equal(table, reference[name], check_exact=False, rtol=1e-12, atol=0, obj=name)


@pytest.mark.slow
def test_replaying_the_shipped_recording_reproduces_its_analysis(ray_local, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # the replay config names the recording relative to the repository
    result = run_job(demo_config(["solver=replay", f"results_dir={tmp_path}"]), progress=False)
    assert result.summary["tiers"]["error"] == 0  # every completion found: prompts and keys unchanged
    assert_same_analysis(result.run_dir, {name: pd.read_csv(REPO / REFERENCE / name) for name in reference_tables(
        result.run_dir)})


@pytest.mark.slow
def test_record_then_replay_through_ray_keeps_the_key_secret(ray_local, tmp_path, capfd):
    from tests.conftest import TEST_API_KEY_ENV

    secret = os.environ[TEST_API_KEY_ENV]
    responder = bank_responder(bank_from_config_name("tiny"))
    with FakeLLMServer(responder, latency_s=0.01, faults=["ok", "ok", "429", "ok", "ok", "500"], retry_after_s=0.01,
                       api_key=secret) as server:
        recorded = run_job(demo_config([
            f"solver.base_url={server.url}", f"solver.api_key_env={TEST_API_KEY_ENV}",
            "solver.backoff_s=0.01", "solver.retries=12",
            f"solver.record_dir={tmp_path / 'recording'}", f"results_dir={tmp_path}", "tracking=local",
            "attempts=60", "batch_size=20"]), progress=False)
    assert server.authorizations == {f"Bearer {secret}"}
    attempts = read_attempts(recorded.run_dir).to_pandas()
    assert len(attempts) == 3 * 60 and not attempts.duplicated(["problem_id", "attempt"]).any()
    assert attempts[attempts["tier"] == "error"]["error"].tolist() == [] and server.requests > server.answered

    replayed = run_job(demo_config(["solver=replay", f"solver.recording={tmp_path / 'recording'}",
                                    f"results_dir={tmp_path}", "attempts=60", "batch_size=30"]), progress=False)
    assert_same_analysis(replayed.run_dir, reference_tables(recorded.run_dir))
    replayed_attempts = read_attempts(replayed.run_dir).to_pandas().sort_values(["problem_id", "attempt"])
    columns = ["problem_id", "attempt", "candidate", "tier", "prompt_tokens", "completion_tokens", "cost_usd"]
    pd.testing.assert_frame_equal(replayed_attempts[columns].reset_index(drop=True),
                                  attempts.sort_values(["problem_id", "attempt"])[columns].reset_index(drop=True))

    leaks = [path for path in tmp_path.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]
    assert leaks == []  # not in the config, the recording, the shards, MLflow's store or artifacts
    out, err = capfd.readouterr()
    assert secret not in out + err
    ray_logs = Path(ray_local._private.worker._global_node.get_logs_dir_path())
    assert [p for p in ray_logs.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()] == []


@pytest.mark.parametrize("arm_name", ["llm_constrained", "llm_free"])
def test_the_recorded_arms_settings_still_find_every_recorded_completion(arm_name):
    """The committed real-model recording was asked with version 1 of the answer grammars and of the
    statements' wording (before issue 34); its arms pin both, so every request key of their runs is in
    the recording, and the current wording would find none of those whose example changed."""
    from omegaconf import OmegaConf

    from harness.core.problem import STATEMENT_VERSION
    from harness.solvers.llm import LLMSolver
    from harness.solvers.prompting import render_messages
    from harness.solvers.recording import load_recording, request_key

    arm = OmegaConf.load(REPO / f"configs/arm/{arm_name}.yaml").solver
    assert arm.statement_version == 1 < STATEMENT_VERSION
    keys = {key for key, _ in load_recording(REPO / f"results/reference/llm-real/{arm_name}")}
    settings = dict(n=arm.n, max_tokens=arm.max_tokens, constrain=arm.get("constrain", False),
                    grammar_version=arm.get("grammar_version", 2))

    def asked(statement_version: int) -> set[str]:
        solver = LLMSolver(**settings, statement_version=statement_version)
        return {request_key(solver.model, render_messages(p, solver.system_prompt, solver.templates,
                                                          solver.statement_version),
                            {**solver.request_fields(p), "seed": seed})
                for p in bank_from_config_name("llm_small") for seed in (0, 1, 2)}

    assert asked(arm.statement_version) == keys
    changed = [p for p in bank_from_config_name("llm_small") if p.statement_of(1) != p.statement]
    assert len(keys - asked(STATEMENT_VERSION)) == 3 * len(changed) > 0  # pell D=2 and golomb m=4 show new examples


def test_the_evolve_arm_asks_in_the_recorded_wording():
    from omegaconf import OmegaConf

    llm = OmegaConf.load(REPO / "configs/arm/evolve_llm.yaml").solver.llm
    assert (llm.statement_version, llm.grammar_version) == (1, 1)


def test_the_replay_of_the_evolve_arm_attributes_every_attempt_and_asks_the_model_at_exactly_the_recorded_ones():
    """The committed evolve+model recording predates the `operator` column, yet attributes exactly: evolve's
    own draws decide which attempts go to the model, and the recording holds a completion for each of those
    attempts and for no other."""
    from collections import Counter

    from omegaconf import OmegaConf

    from harness.analysis import DiscoveryLog, discoveries_by_operator
    from harness.engine.attempts import attempt_table
    from harness.reporting.science import example_solution
    from harness.solvers import EvolveSolver
    from harness.solvers.recording import load_recording

    path = REPO / "results/reference/llm-real/evolve_llm"
    recorded: dict = {}
    for row in load_recording(path).values():
        recorded.setdefault((row["problem_id"], row["seed"]), set()).add(row["attempt"])
    llm = {**OmegaConf.to_container(OmegaConf.load(REPO / "configs/arm/evolve_llm.yaml").solver.llm),
           "name": "replay", "recording": str(path), "record_dir": None}
    solver, logs = EvolveSolver(llm=llm), {seed: DiscoveryLog() for seed in (0, 1, 2)}
    for problem in bank_from_config_name("llm_small"):
        for seed, log in logs.items():
            table = attempt_table(problem, solver, seed, 0, 200)
            log.update(table)
            table = table.to_pandas()
            assert (table["tier"] != "error").all()  # every completion asked for is in the recording
            assert set(table.loc[table["operator"] == "model", "attempt"]) == recorded.pop((problem.id, seed))
    assert recorded == {}  # and every recorded completion was asked for
    assert sum((log.operators for log in logs.values()), Counter()) == {
        "model": 1380, "mutation": 1058, "fresh": 871, "crossover": 291}
    # What README says of it: the model found 8 of the 13 distinct solutions first (three seeds), 5 of the 9
    # novel ones, and 4 of those 5 are the prompt's example answer (pell D=2's (3, 2), golomb m=4's ruler).
    tables = [log.discovery_table() for log in logs.values()]
    credited = pd.concat([discoveries_by_operator(table) for table in tables])
    assert credited.groupby("operator")[["valid", "novel"]].sum().to_dict() == {
        "valid": {"crossover": 1, "fresh": 4, "model": 8}, "novel": {"crossover": 0, "fresh": 4, "model": 5}}
    examples = {p.id: example_solution(p, 1) for p in bank_from_config_name("llm_small")}
    found = pd.concat(tables)
    own = found[(found["operator"] == "model") & found["first_novel"].notna()]
    assert (own["canonical"] == own["problem_id"].map(examples)).sum() == 4
