"""The managed llama-server with a real model (SmolLM2-135M), and its failures."""
import os
import urllib.request
from pathlib import Path

import psutil
import pytest

from harness.servers import LlamaServerConfig, ManagedServer, RecordingConfig, ServerError, attach, server_config
from harness.servers.install import server_path
from harness.solvers import make_solver

# CI builds the server first (.ci/run: make llm-server); elsewhere the real-model tests need it built.
needs_build = pytest.mark.skipif(not server_path().exists() and not os.environ.get("CI"),
                                 reason="llama-server is not built here: make llm-server")


def test_a_missing_or_foreign_model_is_one_clear_error(tmp_path):
    binary = tmp_path / "llama-server"
    binary.write_text("#!/bin/sh\nexit 3\n")
    binary.chmod(0o755)
    with pytest.raises(ServerError, match="no model file at"):
        LlamaServerConfig(binary=str(binary), model=str(tmp_path / "none.gguf")).resolved()
    (tmp_path / "notes.gguf").write_text("not a model")
    with pytest.raises(ServerError, match="is not a GGUF model file"):
        LlamaServerConfig(binary=str(binary), model=str(tmp_path / "notes.gguf")).resolved()
    with pytest.raises(ServerError, match="no llama-server at"):
        LlamaServerConfig(binary=str(tmp_path / "nope"), model=str(tmp_path / "notes.gguf")).resolved()


def test_a_server_that_dies_while_starting_says_so_with_its_log(tmp_path):
    binary = tmp_path / "llama-server"
    binary.write_text("#!/bin/sh\necho 'error: cannot load the model' >&2\nexit 3\n")
    binary.chmod(0o755)
    (tmp_path / "m.gguf").write_bytes(b"GGUF" + bytes(16))
    server = ManagedServer(LlamaServerConfig(binary=str(binary), model=str(tmp_path / "m.gguf")), tmp_path / "log")
    with pytest.raises(ServerError, match=r"exited with code 3 while starting(.|\n)*cannot load the model"):
        server.start()


def test_settings_and_solvers_are_checked_before_anything_starts(tmp_path):
    assert server_config({"name": "none"}) is None
    with pytest.raises(ValueError, match="unknown server 'vllm'"):
        server_config({"name": "vllm"})
    with pytest.raises(ValueError, match="has no setting slots"):
        server_config({"name": "llama_cpp", "slots": 4})
    with pytest.raises(ValueError, match="parallel must be a whole number of at least 1"):
        server_config({"name": "llama_cpp", "parallel": 0})
    with pytest.raises(ValueError, match="solver=random uses none"):
        attach(make_solver({"name": "random"}), server_config({"name": "llama_cpp"}), tmp_path)
    with pytest.raises(ValueError, match="usage of one choice only when n > 1.*solver.n=1"):
        attach(make_solver({"name": "llm", "n": 4}), server_config({"name": "llama_cpp"}), tmp_path)
    with pytest.raises(ValueError, match="solver=evolve has no solver.llm"):
        attach(make_solver({"name": "evolve"}), server_config({"name": "recording"}), tmp_path)
    with pytest.raises(ValueError, match="needs server.path, or the solver's record_dir"):
        attach(make_solver({"name": "llm"}), server_config({"name": "recording"}), tmp_path)
    assert server_config({"name": "recording"}) == RecordingConfig("")
    # A recording stands in for the server: the solver replays it, wherever its LLM is.
    solver, meter = attach(make_solver({"name": "evolve", "llm": {"n": 1, "record_dir": str(tmp_path)}}),
                           server_config({"name": "recording"}), tmp_path)
    assert {k: solver.llm[k] for k in ("n", "name", "recording", "record_dir")} == {
        "n": 1, "name": "replay", "recording": str(tmp_path), "record_dir": None}
    assert meter.spent(1000) == 0.0 and not meter.counts_cpu  # it noted no server CPU: latency stays the compute


def test_a_recording_counts_its_servers_cpu_at_the_recorded_rate_per_token(tmp_path):
    from harness.servers import provenance, record_server_cpu

    solver = make_solver({"name": "llm", "n": 1, "record_dir": str(tmp_path)})
    record_server_cpu(solver, {"run_id": "a", "seed": 0, "server_cpu_s": 30.0, "tokens": 1000})
    record_server_cpu(solver, {"run_id": "b", "seed": 1, "server_cpu_s": 10.0, "tokens": 1000})
    settings, meter = attach(solver, server_config({"name": "recording"}), tmp_path)
    assert settings.name == "replay" and settings.record_dir is None  # a replay records nothing
    assert meter.counts_cpu and meter.spent(500) == pytest.approx(10.0)  # 40 s over 2,000 tokens
    assert meter.describe() == {"name": "recording", "path": str(tmp_path), "cpu_per_token": 0.02,
                                "provenance": provenance.summary([])}  # none written: unknown


@needs_build
@pytest.mark.slow
def test_a_real_model_served_on_loopback_is_measured_and_replays_exactly(ray_local, tmp_path):
    from harness.testing.demo import demo_config, reference_tables
    from harness.run.job import run_job
    from harness.store.shards import read_attempts
    from harness.servers import _RUNNING
    from harness.servers.install import ensure_installed

    ensure_installed()
    settings = ["server=llama_cpp", "server.parallel=4", "server.extra_args=[--metrics]", "solver=llm",
                "solver.model=smollm2", "solver.max_tokens=48", "solver.n=1", "solver.max_concurrency=2",
                "solver.timeout_s=300", "solver.api_key_env=", f"solver.record_dir={tmp_path / 'recording'}",
                "attempts=32", "batch_size=16", f"results_dir={tmp_path}"]
    result = run_job(demo_config(settings), progress=False)
    [server] = _RUNNING.values()
    try:
        attempts = read_attempts(result.run_dir).to_pandas()
        assert len(attempts) == 3 * 32 and not attempts.duplicated(["problem_id", "attempt"]).any()
        assert result.summary["tiers"]["error"] == 0, attempts["error"].dropna().unique()[:3]
        # What the server says it processed, from its own counters, equals what the attempts carry.
        metrics = urllib.request.urlopen(server.url.removesuffix("/v1") + "/metrics", timeout=10).read().decode()
        counters = {line.split()[0]: float(line.split()[1]) for line in metrics.splitlines()
                    if line and not line.startswith("#")}
        assert attempts["completion_tokens"].sum() == counters["llamacpp:tokens_predicted_total"]
        assert attempts["prompt_tokens"].sum() == counters["llamacpp:prompt_tokens_total"] + counters.get(
            "llamacpp:prompt_tokens_cached_total", 0)  # prompts served from the slot's cache count too
        spend = result.summary["spend"]
        assert spend["server_cpu_s"] > 0 and spend["compute_s"] >= spend["server_cpu_s"]
        assert result.summary["server"]["startup_s"] > 0
        listening = [c for c in psutil.net_connections(kind="inet")
                     if c.pid == server.pid and c.status == psutil.CONN_LISTEN]
        assert [c.laddr.ip for c in listening] == ["127.0.0.1"]
    finally:
        server.stop()
        _RUNNING.clear()
    assert not psutil.pid_exists(server.pid) or psutil.Process(server.pid).status() == psutil.STATUS_ZOMBIE
    assert all(c.laddr.port != server.port for c in psutil.net_connections(kind="inet")
               if c.status == psutil.CONN_LISTEN)

    # The recording stands in for the server (as `make report` replays): the same analysis, and
    # the server's CPU counted at its recorded rate per token.
    offline = [s for s in settings if not s.startswith("server")]
    replayed = run_job(demo_config([*offline, "server=recording"]), progress=False)
    expected = reference_tables(result.run_dir)  # counts, curves (without compute), estimates
    for name, table in reference_tables(replayed.run_dir).items():
        assert table.equals(expected[name]), name
    assert replayed.summary["spend"]["server_cpu_s"] == pytest.approx(spend["server_cpu_s"], abs=0.01)
    assert replayed.summary["server"]["name"] == "recording"
    shown = replayed.summary["server"]["provenance"]  # the live run noted which model made the recording
    assert shown["model_file"] == Path(result.summary["server"]["model"]).name and len(shown["model_sha256"]) == 64


@needs_build
@pytest.mark.slow
def test_this_llama_server_reports_one_choices_usage_when_n_is_above_one(tmp_path):
    """Why server=llama_cpp requires solver.n=1 (README): the figure it quotes, measured. If a
    later llama-server counts every choice, this fails and the rule can go."""
    import json

    from harness.servers.install import ensure_installed

    ensure_installed()
    with ManagedServer(LlamaServerConfig(parallel=4, extra_args=("--metrics",)), tmp_path / "log") as server:
        request = urllib.request.Request(server.url + "/chat/completions", method="POST", headers={
            "Content-Type": "application/json"}, data=json.dumps({
                "messages": [{"role": "user", "content": "Count from one to one hundred."}], "n": 3,
                "max_tokens": 16, "seed": 1}).encode())
        reply = json.loads(urllib.request.urlopen(request, timeout=120).read())
        metrics = urllib.request.urlopen(server.url.removesuffix("/v1") + "/metrics", timeout=10).read().decode()
    predicted = next(float(line.split()[1]) for line in metrics.splitlines()
                     if line.startswith("llamacpp:tokens_predicted_total"))
    assert len(reply["choices"]) == 3 and predicted > 16  # three choices, more than one choice's worth
    assert reply["usage"]["completion_tokens"] <= 16 < predicted  # but usage counts no more than one of them


@needs_build
@pytest.mark.slow
def test_constrained_answers_are_always_one_answer_block_in_the_statements_format(ray_local, tmp_path):
    """SmolLM2 free-form almost never wrote an answer block here (README); with each family's
    grammar every completion is one, in the statement's format. (The grammar is the format, not
    the rules: `09` or a zero denominator still verifies as malformed, as it should.)"""
    from harness.testing.demo import demo_config
    from harness.run.job import run_job
    from harness.store.shards import read_attempts
    from harness.servers.install import ensure_installed

    ensure_installed()
    result = run_job(demo_config([
        "server=llama_cpp", "solver=llm", "solver.constrain=true", "solver.max_tokens=48", "solver.n=1",
        "solver.max_concurrency=4", "solver.timeout_s=300", "solver.api_key_env=", "bank=llm_small",
        "attempts=4", f"results_dir={tmp_path}"]), progress=False)
    attempts = read_attempts(result.run_dir).to_pandas()
    assert len(attempts) == 6 * 4 and (attempts["candidate"] != "").all()  # an answer block every time
    integers = attempts[attempts["problem_id"].str.startswith(("three_cubes", "erdos_straus", "egyptian"))]
    assert integers["candidate"].str.fullmatch(r"-?\d+, -?\d+, -?\d+").all()
    assert attempts.loc[attempts["problem_id"].str.startswith("pell"), "candidate"].str.fullmatch(r"\d+, \d+").all()
    ramsey = attempts[attempts["problem_id"].str.startswith("ramsey")]
    assert ramsey["candidate"].str.fullmatch("[01]{10}").all()


@needs_build
@pytest.mark.slow
def test_a_server_that_dies_mid_run_fails_the_rest_of_its_window_and_the_run_finishes(ray_local, tmp_path):
    import threading
    import time

    from harness.testing.demo import demo_config
    from harness.run.job import run_job
    from harness.store.shards import read_attempts
    from harness.servers import _RUNNING
    from harness.servers.install import ensure_installed

    ensure_installed()
    recording = tmp_path / "recording"

    def kill_after_the_first_batch():
        while not any(recording.glob("*.jsonl")):  # a batch's completions are recorded when it ends
            time.sleep(0.05)
        for server in _RUNNING.values():
            psutil.Process(server.pid).kill()

    threading.Thread(target=kill_after_the_first_batch, daemon=True).start()
    result = run_job(demo_config([
        "server=llama_cpp", "solver=llm", "solver.max_tokens=16", "solver.n=1", "solver.max_concurrency=2",
        "solver.retries=1", "solver.backoff_s=0.01", "solver.api_key_env=", f"solver.record_dir={recording}",
        "attempts=24", "batch_size=4", "workers=1", f"results_dir={tmp_path}"]), progress=False)
    _RUNNING.clear()
    attempts = read_attempts(result.run_dir).to_pandas()
    assert len(attempts) == 3 * 24 and not attempts.duplicated(["problem_id", "attempt"]).any()
    failed = attempts[attempts["tier"] == "error"]
    assert 0 < len(failed) < len(attempts)  # answered before the kill, failed after it
    assert failed["error"].str.startswith("llm request failed").all()


@needs_build
@pytest.mark.slow
def test_a_stopped_live_run_keeps_its_server_cpu_with_its_recording_and_the_resumed_one_adds_the_rest(
        ray_local, tmp_path, sigint_handled):
    """Each stretch of a live run notes the tokens its server served (the recording's lines it
    added, in-flight batches of a stopped stretch included); a later run over the same, fuller
    recording answers the attempts it holds from it and notes only the tokens it asked for."""
    import _thread
    import csv
    import threading
    import time

    from harness.testing.demo import demo_config
    from harness.run.job import RunStopped, run_job
    from harness.store.shards import read_attempts
    from harness.servers import _RUNNING, SERVER_CPU_FILE
    from harness.servers.install import ensure_installed
    from harness.solvers.recording import recorded_tokens

    ensure_installed()
    recording = tmp_path / "recording"
    # 60 attempts of each problem in batches of 4: 45 batches, so the stop (after 2 shards) lands
    # mid-run even when the machine is busy (at 24 the run once ended before its stop).
    settings = ["server=llama_cpp", "solver=llm", "solver.max_tokens=16", "solver.n=1", "solver.max_concurrency=2",
                "solver.api_key_env=", f"solver.record_dir={recording}", "attempts=60", "batch_size=4", "workers=1",
                "checkpoint_s=0.1", f"results_dir={tmp_path}"]

    def stop_after_some_batches():
        def durable() -> int:  # the manifest's lines: its header, then a line per shard written
            return max((len(m.read_text().splitlines()) for m in tmp_path.glob("*/*/manifest.jsonl")), default=0)
        while durable() < 3:
            time.sleep(0.05)
        _thread.interrupt_main()  # as Ctrl-C would

    threading.Thread(target=stop_after_some_batches, daemon=True).start()
    with pytest.raises(RunStopped) as stopped:
        run_job(demo_config(settings), progress=False)
    run_id = stopped.value.run_id
    served_before_resume = recorded_tokens(recording)

    def notes():
        with open(recording / SERVER_CPU_FILE, encoding="utf-8") as lines:
            return list(csv.DictReader(lines))

    def tokens(attempts):
        return int(attempts["prompt_tokens"].sum() + attempts["completion_tokens"].sum())

    [first] = notes()  # before: nothing, and the stretch's server CPU was lost with the stop
    run_dir = next(tmp_path.glob(f"*/{run_id}"))
    done = read_attempts(run_dir).to_pandas()
    assert first["run_id"] == run_id and float(first["server_cpu_s"]) > 0
    assert int(first["tokens"]) == served_before_resume >= tokens(done) > 0 and 0 < len(done) < 3 * 60

    try:
        result = run_job(demo_config([*settings, f"resume={run_id}"]), progress=False)
        second = notes()[1]
        resumed = read_attempts(result.run_dir).to_pandas()
        assert len(resumed) == 3 * 60 and len(notes()) == 2 and second["run_id"] == run_id
        assert int(first["tokens"]) + int(second["tokens"]) == tokens(resumed)  # each attempt's tokens in one stretch

        settings[settings.index("attempts=60")] = "attempts=64"  # a new run: 60 attempts of each problem held
        longer = run_job(demo_config(settings), progress=False)
        third = notes()[2]
        attempts = read_attempts(longer.run_dir).to_pandas()
        new = attempts[attempts["attempt"] >= 60]
        assert len(attempts) == 3 * 64 and third["run_id"] == longer.run_dir.name
        assert int(third["tokens"]) == tokens(new) < tokens(attempts)  # only what the server served now
        assert (attempts["attempt"] < 60).sum() == 3 * 60
    finally:
        for server in _RUNNING.values():
            server.stop()
        _RUNNING.clear()


@needs_build
@pytest.mark.slow
def test_gemma_a_base_model_answers_through_the_completions_endpoint_and_its_recording_names_it(ray_local, tmp_path):
    """Gemma 3 270M's GGUF has no chat template (llama-server falls back to ChatML, which a base
    model never saw): it is asked few-shot on /v1/completions, constrained, every completion an
    answer block; the recording's provenance names the file, its pinned sha256 and the endpoint."""
    import json

    from harness.testing.demo import demo_config
    from harness.run.job import run_job
    from harness.store.shards import read_attempts
    from harness.servers import _RUNNING, provenance
    from harness.servers.install import MODELS, ensure_installed

    ensure_installed()
    recording = tmp_path / "recording"
    result = run_job(demo_config([
        "server=llama_cpp", "server.model=gemma3-270m", "solver=llm", "solver.endpoint=completions",
        "solver.constrain=true", "solver.max_tokens=48", "solver.n=1", "solver.max_concurrency=4",
        "solver.timeout_s=300", "solver.api_key_env=", f"solver.record_dir={recording}", "bank=llm_small",
        "attempts=4", f"results_dir={tmp_path}"]), progress=False)
    [(key, server)] = [(k, s) for k, s in _RUNNING.items() if s.config.model == "gemma3-270m"]  # others may run
    try:
        props = json.loads(urllib.request.urlopen(server.url.removesuffix("/v1") + "/props", timeout=10).read())
    finally:
        server.stop()
        del _RUNNING[key]
    assert props["chat_template"].startswith("{%- for message in messages -%}\n  {{- '<|im_start|>'")  # ChatML's
    attempts = read_attempts(result.run_dir).to_pandas()
    assert len(attempts) == 6 * 4 and (attempts["candidate"] != "").all() and (attempts["tier"] != "error").all()
    ramsey = attempts[attempts["problem_id"].str.startswith("ramsey")]
    assert ramsey["candidate"].str.fullmatch("[01]{10}").all()
    [line] = provenance.read(recording)
    gemma = MODELS["gemma3-270m"]
    assert (line["model_file"], line["model_sha256"], line["endpoint"]) == (gemma.filename, gemma.sha256, "completions")
