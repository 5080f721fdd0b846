"""The llm solver against a real model server: beside a bare client, and against the engine's own limit.

    .venv/bin/python benchmarks/llm_real.py [--models smollm2-135m,gemma3-270m] [--slots 4] [--attempts 40]

For each model (`make llm-server` first: it fetches both and builds llama-batched-bench with the
server) and slot count, on the managed llama-server, the same requests (the tiny bank's prompts as
the solver makes them, on the endpoint the model answers best on: chat for SmolLM2-135M-Instruct,
completions with few-shot examples for the base Gemma 3 270M; n = 1, max_tokens, free answers) are
driven by a bare asyncio client (one session, a semaphore, nothing else), by the whole harness (one
worker, verification and Parquet records included; its rate excludes Ray's start-up), then by the
bare client again; the two bare runs are averaged, so a server warming up favours neither. Rates
are completion tokens per second over the whole run (completions differ in length from seed to
seed). Then the server is stopped and llama.cpp's own `llama-batched-bench` runs the same model,
threads and slots on the harness's mean prompt and completion lengths (the prompt shared, `-pps`),
twice: its best decoding rate (S_TG: completion tokens over decoding time, no prompt processed,
as if every prompt were cached, which the server's prompt cache nearly achieves) is the engine's
limit on this CPU at those slots. Printed per model and slot count: `harness / bare client = ...`
and `harness tokens/s / batched-bench tokens/s = R` (goal: 0.8), with batched-bench's rate when its
one prompt's processing is counted too.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import pandas as pd

from harness.bank.banks import bank_from_config_name
from harness.bank.yamlfile import read_yaml
from harness.engine.ray_session import ensure_ray
from harness.run.config import JobConfig
from harness.run.job import run_job
from harness.servers import LlamaServerConfig, ManagedServer
from harness.servers.install import batched_bench_path
from harness.solvers import make_solver
from harness.solvers.openai_client import ENDPOINTS
from harness.tracking.tracker import TrackingSpec

TINY = {"three_cubes": [{"k": 3, "bound": 5, "known_solutions": ["1, 1, 1"]}],
        "erdos_straus": [{"n": 5, "bound": 12}],
        "synthetic": [{"size": 20, "known_count": 5, "interesting_tail": 5}]}
LLM_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "solver" / "llm.yaml"
ENDPOINT = {"smollm2-135m": "chat", "gemma3-270m": "completions"}  # how each answers best (README)


def solver_settings(url: str, model: str, slots: int, max_tokens: int, extra_body: dict) -> dict[str, Any]:
    return {**read_yaml(LLM_CONFIG), "base_url": url, "model": model, "endpoint": ENDPOINT.get(model, "chat"),
            "n": 1, "max_concurrency": slots, "api_key_env": None, "max_tokens": max_tokens, "timeout_s": 600,
            "extra_body": extra_body}


async def bare_client(settings: dict[str, Any], attempts: int) -> tuple[float, int]:
    """(seconds, completion tokens) of `attempts` completions of each tiny-bank prompt, sent as the
    solver would send them (its prompt, sampling and endpoint), by nothing but aiohttp."""
    solver = make_solver({**settings, "name": "llm"})
    endpoint = ENDPOINTS[solver.endpoint]
    gate = asyncio.Semaphore(solver.max_concurrency)
    tokens = 0
    async with aiohttp.ClientSession() as session:
        async def one(payload: dict) -> None:
            nonlocal tokens
            async with gate, session.post(solver.base_url + endpoint.path, json=payload) as reply:
                tokens += (await reply.json())["usage"]["completion_tokens"]
        payloads = [{"model": solver.model, **endpoint.body(solver.prompt(p)), "n": 1, "seed": i * 1000 + j,
                     **solver.request_fields(p)}
                    for i, p in enumerate(bank_from_config_name("tiny")) for j in range(attempts)]
        began = time.perf_counter()
        await asyncio.gather(*(one(payload) for payload in payloads))
        return time.perf_counter() - began, tokens


def harness_run(settings: dict[str, Any], attempts: int) -> tuple[float, float, float]:
    """(completion tokens/s, mean prompt tokens, mean completion tokens) of a harness run, start-up excluded."""
    with tempfile.TemporaryDirectory() as scratch:
        config = JobConfig(
            experiment="llm-real", attempts=attempts, seed=0, workers=1, batch_size=attempts, verify_timeout_s=30.0,
            results_dir=Path(scratch), bank_name="tiny", bank=TINY, tracking=TrackingSpec(enabled=False),
            solver={**settings, "name": "llm"})
        summary = run_job(config, progress=False).summary
        tokens = pd.read_parquet(Path(summary["run_dir"]) / "attempts", columns=["prompt_tokens", "completion_tokens"])
    return (tokens["completion_tokens"].sum() / summary["elapsed_s"], tokens["prompt_tokens"].mean(),
            tokens["completion_tokens"].mean())


def batched_bench(config: LlamaServerConfig, prompt: int, completion: int, runs: int = 2) -> tuple[float, float]:
    """llama-batched-bench's completion tokens per second for `config.parallel` sequences of
    `completion` tokens after one shared prompt of `prompt` tokens: (decoding alone, with the
    prompt's processing counted), the best of `runs` (the machine is shared: the limit is its best)."""
    command = [str(batched_bench_path()), "-m", str(config.resolved()[1]), "-t", str(config.threads),
               "-c", str(prompt + config.parallel * (completion + 8)), "-npp", str(prompt), "-ntg", str(completion),
               "-npl", ",".join([str(config.parallel)] * runs), "-pps", "--output-format", "jsonl",
               *config.model_args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not rows:
        raise SystemExit(f"llama-batched-bench failed ({done.returncode}): {done.stderr[-1000:]}")
    return max(row["speed_tg"] for row in rows), max(row["pl"] * row["tg"] / row["t"] for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="smollm2-135m,gemma3-270m")
    parser.add_argument("--attempts", type=int, default=60, help="per problem (3 problems)")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--slots", default="4,8", help="llama-server parallel slots to try; concurrency = slots")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-cache-prompt", action="store_true", help="ask the server not to reuse cached prompts")
    parser.add_argument("--server-args", default="", help="more llama-server arguments, space-separated")
    args = parser.parse_args()
    ensure_ray()
    extra_body = {"cache_prompt": False} if args.no_cache_prompt else {}
    for model in args.models.split(","):
        for slots in map(int, args.slots.split(",")):
            server_config = LlamaServerConfig(model=model, threads=args.threads, parallel=slots,
                                              extra_args=tuple(args.server_args.split()))
            with tempfile.TemporaryDirectory() as logs, ManagedServer(server_config, Path(logs) / "log") as server:
                settings = solver_settings(server.url, model, slots, args.max_tokens, extra_body)
                bare_runs = [asyncio.run(bare_client(settings, args.attempts))]
                harness_tps, prompt, completion = harness_run(settings, args.attempts)
                bare_runs.append(asyncio.run(bare_client(settings, args.attempts)))
            bare_tps = sum(t for _, t in bare_runs) / sum(s for s, _ in bare_runs)
            bench_tps, with_prompt = batched_bench(server_config, round(prompt), max(1, round(completion)))
            print(f"{model} ({settings['endpoint']}), slots={slots}: mean {prompt:.0f} prompt + {completion:.1f} "
                  f"completion tokens; completion tokens/s: bare client {bare_tps:.1f}, harness {harness_tps:.1f}, "
                  f"batched-bench {bench_tps:.1f} ({with_prompt:.1f} with its prompt); harness / bare client = "
                  f"{harness_tps / bare_tps:.2f}; harness tokens/s / batched-bench tokens/s = R = "
                  f"{harness_tps / bench_tps:.2f}", flush=True)


if __name__ == "__main__":
    main()
