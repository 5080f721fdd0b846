"""LLM solver throughput through the whole harness, against its ceiling.

    .venv/bin/python benchmarks/llm_throughput.py [--latency 0.2] [--concurrency 64] [--n 4]

A fake OpenAI-compatible server on 127.0.0.1 (its own process, as a real server would be)
answers every request after a fixed latency L.
With C requests in flight and n samples per request, no client can beat C x n / L attempts
per second: that is the ceiling. The harness runs the `llm` solver (one worker, so C is the
whole concurrency) over the tiny bank, verification and Parquet records included; its rate is
taken over the run, Ray start-up excluded. Also printed: the latency of one lone request,
measured in the same run, and the ceiling it implies.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from harness.bank.banks import bank_from_config_name
from harness.engine.ray_session import ensure_ray
from harness.run.config import JobConfig
from harness.run.job import run_job
from harness.solvers.openai_client import RetryPolicy, chat_completion
from harness.tracking.tracker import TrackingSpec

TINY = {"three_cubes": [{"k": 3, "bound": 5, "known_solutions": ["1, 1, 1"]}],
        "erdos_straus": [{"n": 5, "bound": 12}],
        "synthetic": [{"size": 20, "known_count": 5, "interesting_tail": 5}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def lone_request_latency(url: str, n: int, repeats: int = 5) -> float:
    """The quickest of a few lone requests, once the server answers at all."""
    for _ in range(300):  # the server process may still be starting
        try:
            async with aiohttp.ClientSession() as session:
                await session.get(url.rsplit("/v1", 1)[0] + "/")
            break
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    async with aiohttp.ClientSession() as session:
        seconds = []
        for _ in range(repeats):
            payload = {"model": "m", "messages": [{"role": "user", "content": "x"}], "n": n}
            reply = await chat_completion(session, url + "/chat/completions", payload, {}, 30, RetryPolicy(0),
                                          random.Random(0))
            seconds.append(reply.latency_s)
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per request (L)")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight (C)")
    parser.add_argument("--n", type=int, default=4, help="samples per request")
    parser.add_argument("--seconds", type=float, default=40,
                        help="about how long the run takes at the ceiling (worker start-up is amortised over it)")
    parser.add_argument("--waves", type=int, default=8,
                        help="request waves per actor call (batch size = waves x C x n)")
    args = parser.parse_args()

    ceiling = args.concurrency * args.n / args.latency
    batch = args.waves * args.concurrency * args.n
    problems = len(bank_from_config_name("tiny"))
    per_problem = max(batch, round(ceiling * args.seconds / problems / batch) * batch)
    ensure_ray()
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    server = subprocess.Popen([sys.executable, "-m", "harness.testing.fake_llm", "--bank", "tiny", "--port", str(port),
                               "--latency", str(args.latency)], stdout=subprocess.DEVNULL)
    try:
        lone = asyncio.run(lone_request_latency(url, args.n))
        with tempfile.TemporaryDirectory() as scratch:
            config = JobConfig(
                experiment="llm-throughput", attempts=per_problem, seed=0, workers=1, batch_size=batch,
                verify_timeout_s=5.0, results_dir=Path(scratch), bank_name="tiny", bank=TINY,
                solver={"name": "llm", "base_url": url, "n": args.n, "max_concurrency": args.concurrency,
                        "api_key_env": None},
                tracking=TrackingSpec(enabled=False))
            began = time.perf_counter()
            summary = run_job(config, progress=False).summary
            wall = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    rate = summary["attempts_per_s"]
    print(f"{summary['attempts']} attempts in {summary['elapsed_s']:.1f} s ({wall:.1f} s with set-up); "
          f"C={args.concurrency}, n={args.n}, L={args.latency} s, batch={batch}")
    print(f"harness: {rate:.0f} attempts/s; ceiling C x n / L: {ceiling:.0f} attempts/s")
    print(f"one lone request took {lone * 1000:.1f} ms (L + HTTP), "
          f"so a ceiling of {args.concurrency * args.n / lone:.0f}")
    print(f"attempts/s / ceiling = {rate / ceiling:.3f}")


if __name__ == "__main__":
    main()
