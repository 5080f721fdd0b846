"""Recordings say which model made them (issue 34, item 6)."""
import gzip
import hashlib
import json
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.run.job import run_params
from harness.servers import RecordedMeter, attach, provenance, server_config
from harness.solvers import make_solver
from harness.tracking.tracker import flatten

REPO = Path(__file__).resolve().parents[2]
LLM = {"name": "llm", "n": 1, "max_tokens": 48, "constrain": True, "grammar_version": 1}


def attached(solver, server: dict, log_dir):
    """`attach` with the `server` setting as a run's config checks it first."""
    return attach(solver, server_config(server), log_dir)


def a_recording(tmp_path: Path, **changes) -> Path:
    folder = tmp_path / "rec"
    folder.mkdir()
    with gzip.open(folder / "host-1.jsonl.gz", "wt") as out:
        out.write(json.dumps({"key": "k", "attempt": 0, "completion": "x"}) + "\n")
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF tiny")
    binary = tmp_path / "llama-server"
    binary.write_text("#!/bin/sh\necho 'version: 4242 (abc1234)'\necho 'built with cc for x86_64'\n")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    line = provenance.live(binary, model, {"threads": 2}, ["-DLLAMA_CURL=OFF"], {**LLM, **changes})
    provenance.write(folder, "run-1", line)
    return folder


def test_a_live_runs_provenance_names_the_model_file_its_hash_and_the_server(tmp_path):
    [line] = provenance.read(a_recording(tmp_path))
    assert line["model_file"] == "tiny.gguf" and line["run_id"] == "run-1"
    assert line["model_sha256"] == hashlib.sha256(b"GGUF tiny").hexdigest()
    assert line["server"]["name"] == "llama-server" and "4242 (abc1234)" in line["server"]["version"]
    assert line["server"]["build_options"] == ["-DLLAMA_CURL=OFF"] and line["sampling"]["max_tokens"] == 48


def test_a_replay_shows_the_provenance_in_its_summary_and_params(tmp_path):
    folder = a_recording(tmp_path)
    _, meter = attached(make_solver({**LLM, "record_dir": str(folder)}), {"name": "recording"}, tmp_path)
    shown = meter.describe()["provenance"]
    assert shown["model_file"] == "tiny.gguf" and len(shown["model_sha256"]) == 64
    params = flatten(run_params(SimpleNamespace(resolved={"seed": 0}), SimpleNamespace(meter=meter)))  # as logged
    assert params["provenance.model_file"] == "tiny.gguf" and params["provenance.model_sha256"] == shown["model_sha256"]


def test_a_recording_made_otherwise_is_refused_unless_accepted(tmp_path):
    folder = a_recording(tmp_path, temperature=0.2)
    with pytest.raises(ValueError, match="sampling.*accept_provenance"):
        attached(make_solver({**LLM, "record_dir": str(folder)}), {"name": "recording"}, tmp_path)
    _, meter = attached(make_solver({**LLM, "record_dir": str(folder)}), {"name": "recording", "accept_provenance": True}, tmp_path)
    assert "sampling" in meter.describe()["provenance"]["accepted_differences"][0]
    with pytest.raises(ValueError, match="model_sha256"):
        attached(make_solver({**LLM, "temperature": 0.2, "record_dir": str(folder)}),
               {"name": "recording", "model_sha256": "0" * 64}, tmp_path)


def test_the_shipped_recording_without_provenance_replays_as_unknown():
    _, meter = attached(make_solver({**LLM, "record_dir": str(REPO / "results/reference/llm-real/llm_constrained")}),
                      {"name": "recording"}, Path("/tmp"))
    shown = meter.describe()["provenance"]
    assert shown["model_file"] == "unknown" and shown["model_sha256"] == "unknown" and "no provenance" in shown["note"]
    assert isinstance(meter, RecordedMeter)


def test_the_endpoint_is_recorded_and_a_recording_asked_on_the_other_one_is_refused(tmp_path):
    few_shot = {"pell": [{"instance": {"d": 5, "bound": 30}, "answer": "9, 4"}]}
    folder = a_recording(tmp_path, endpoint="completions", few_shot=few_shot)
    [line] = provenance.read(folder)
    assert line["endpoint"] == "completions" and "\nProblem:" in line["sampling"]["stop"]
    _, meter = attached(make_solver({**LLM, "endpoint": "completions", "few_shot": few_shot, "record_dir": str(folder)}),
                      {"name": "recording"}, tmp_path)
    assert meter.describe()["provenance"]["endpoint"] == "completions"
    with pytest.raises(ValueError, match="endpoint: recorded 'completions', the run asks 'chat'"):
        attached(make_solver({**LLM, "record_dir": str(folder)}), {"name": "recording"}, tmp_path)
    with pytest.raises(ValueError, match="prompts_sha256"):  # other worked examples, other prompts
        attached(make_solver({**LLM, "endpoint": "completions", "record_dir": str(folder)}), {"name": "recording"}, tmp_path)


def test_chat_prompts_hash_as_they_did_before_the_completions_endpoint():
    """The committed recordings' provenance keeps matching: few_shot does not enter a chat prompt."""
    old = json.dumps({"system_prompt": "S", "templates": {"default": "T"}, "statement_version": 2}, sort_keys=True)
    chat = {"system_prompt": "S", "templates": {"default": "T"}, "statement_version": 2}
    assert provenance.prompts_sha256(chat) == hashlib.sha256(old.encode()).hexdigest()
    assert provenance.prompts_sha256({**chat, "endpoint": "chat", "few_shot": {"x": []}}) == \
        provenance.prompts_sha256(chat)


def test_a_recording_named_by_its_model_must_be_that_models_file(tmp_path):
    """server.model names the model an arm records with (server=llama_cpp) and, replayed
    (server=recording), the model file its recording must have been made with."""
    from harness.servers.install import MODELS

    folder = a_recording(tmp_path)  # made with tiny.gguf, neither named model
    for name in MODELS:
        with pytest.raises(ValueError, match=f"model_sha256: recorded '[0-9a-f]{{64}}', the run asks '{MODELS[name].sha256}'"):
            attached(make_solver({**LLM, "record_dir": str(folder)}), {"name": "recording", "model": name}, tmp_path)
    with pytest.raises(ValueError, match="model 'gpt-9' unknown; one of smollm2-135m, gemma3-270m"):
        attached(make_solver({**LLM, "record_dir": str(folder)}), {"name": "recording", "model": "gpt-9"}, tmp_path)
    with pytest.raises(ValueError, match="is sha256 .*, not model_sha256 0000"):
        attached(make_solver({**LLM, "record_dir": str(folder)}),
               {"name": "recording", "model": "gemma3-270m", "model_sha256": "0" * 64}, tmp_path)
