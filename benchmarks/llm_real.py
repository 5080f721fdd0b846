"""The llm solver against a real model server, beside a bare client on the same server.

    .venv/bin/python benchmarks/llm_real.py [--attempts 40] [--max-tokens 48] [--slots 2,4]

Starts the managed llama-server (`make llm-server` first: SmolLM2-135M-Instruct) once per slot
count, and on each drives the same prompts (the tiny bank's, rendered as the harness renders
them) with the same concurrency and max_tokens, n = 1: a bare asyncio client (one session, a
semaphore, nothing else), the whole harness (one worker, verification and Parquet records
included; its rate excludes Ray's start-up), then the bare client again; the two bare runs are
averaged, so a server warming up (its prompt cache) favours neither. Completions differ in
length from seed to seed, so rates are compared in completion tokens per second as well as in
attempts per second. Prints per slot count `harness / bare client = R` (target: at least 0.9)
and the best count.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
import pandas as pd

from harness.bank import bank_from_config_name
from harness.config import JobConfig
from harness.job import run_job
from harness.ray_session import ensure_ray
from harness.servers import LlamaServerConfig, ManagedServer
from harness.solvers.prompting import DEFAULT_SYSTEM_PROMPT, render_messages
from harness.tracking import TrackingSpec

TINY = {"three_cubes": [{"k": 3, "bound": 5, "known_solutions": ["1, 1, 1"]}],
        "erdos_straus": [{"n": 5, "bound": 12}],
        "synthetic": [{"size": 20, "known_count": 5, "interesting_tail": 5}]}
TEMPLATES = {"default": "$statement\n\nEnd with your answer in a block:\n```answer\n<your answer>\n```"}


async def bare_client(url: str, prompts: list[list[dict]], per_prompt: int, concurrency: int,
                      max_tokens: int) -> tuple[float, int]:
    """(seconds, completion tokens) for per_prompt completions of each prompt."""
    gate = asyncio.Semaphore(concurrency)
    tokens = 0
    async with aiohttp.ClientSession() as session:
        async def one(messages: list[dict], seed: int) -> None:
            nonlocal tokens
            async with gate, session.post(url + "/chat/completions", json={
                    "model": "m", "messages": messages, "n": 1, "seed": seed, "max_tokens": max_tokens,
                    "temperature": 1.0, "top_p": 1.0}) as reply:
                tokens += (await reply.json())["usage"]["completion_tokens"]
        began = time.perf_counter()
        await asyncio.gather(*(one(m, i * 1000 + j) for i, m in enumerate(prompts) for j in range(per_prompt)))
        return time.perf_counter() - began, tokens


def harness_rate(url: str, attempts: int, concurrency: int, max_tokens: int) -> tuple[float, int, float]:
    """(attempts/s, completion tokens, seconds) of a harness run, start-up excluded."""
    with tempfile.TemporaryDirectory() as scratch:
        config = JobConfig(
            experiment="llm-real", attempts=attempts, seed=0, workers=1, batch_size=attempts, verify_timeout_s=30.0,
            results_dir=Path(scratch), bank_name="tiny", bank=TINY, tracking=TrackingSpec(enabled=False),
            solver={"name": "llm", "base_url": url, "n": 1, "max_concurrency": concurrency, "api_key_env": None,
                    "max_tokens": max_tokens, "timeout_s": 600, "templates": TEMPLATES})
        summary = run_job(config, progress=False).summary
        completion = pd.read_parquet(Path(summary["run_dir"]) / "attempts", columns=["completion_tokens"])
    return summary["attempts_per_s"], int(completion["completion_tokens"].sum()), summary["elapsed_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=40, help="per problem (3 problems)")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--slots", default="2,4", help="llama-server parallel slots to try; concurrency = slots")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    ensure_ray()
    prompts = [render_messages(p, DEFAULT_SYSTEM_PROMPT, TEMPLATES) for p in bank_from_config_name("tiny")]
    best = None
    for slots in map(int, args.slots.split(",")):
        with tempfile.TemporaryDirectory() as logs, ManagedServer(
                LlamaServerConfig(threads=args.threads, parallel=slots), Path(logs) / "server.log") as server:
            bare_runs = [asyncio.run(bare_client(server.url, prompts, args.attempts, slots, args.max_tokens))]
            rate, tokens, elapsed = harness_rate(server.url, args.attempts, slots, args.max_tokens)
            bare_runs.append(asyncio.run(bare_client(server.url, prompts, args.attempts, slots, args.max_tokens)))
        seconds = sum(s for s, _ in bare_runs) / 2
        bare, bare_tps = len(prompts) * args.attempts / seconds, sum(t for _, t in bare_runs) / 2 / seconds
        harness_tps = tokens / elapsed
        print(f"slots={slots}: bare client {bare:.2f} attempts/s, {bare_tps:.1f} completion tokens/s; "
              f"harness {rate:.2f} attempts/s, {harness_tps:.1f} completion tokens/s; harness / bare client = "
              f"{rate / bare:.2f} (attempts), {harness_tps / bare_tps:.2f} (tokens)", flush=True)
        if best is None or bare_tps > best[1]:
            best = (slots, bare_tps)
    print(f"best slot count: {best[0]} ({best[1]:.1f} completion tokens/s with the bare client)")


if __name__ == "__main__":
    main()
