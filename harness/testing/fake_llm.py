"""An OpenAI-compatible fake chat server on 127.0.0.1, for tests, benchmarks and offline demos.

It answers POST /v1/chat/completions (and /v1/completions, whose `prompt` the responder sees as
one user message) with completions from a `responder`, honours `n` (up
to `max_n` choices), waits `latency_s` per request, and injects faults from a repeating
script, one entry per request: "ok", "429" (with Retry-After), "500", "hang" (never answers
in time), "malformed" (a body that is not a completion), "reset" (drops the connection).

    python -m harness.testing.fake_llm --bank tiny --port 8000     # serve the tiny bank until Ctrl-C

It is a stand-in for a model server, not a model: its answers come from the responder.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import threading
from dataclasses import dataclass, field
from typing import Callable, Sequence

from aiohttp import web

Responder = Callable[[list[dict], int, random.Random], list[str]]  # messages, count, rng -> texts
FAULTS = ("ok", "429", "500", "hang", "malformed", "reset")


def fixed_responder(texts: Sequence[str]) -> Responder:
    """Cycles through `texts`, one per choice, across all requests."""
    cycle = itertools.cycle(texts)
    return lambda messages, count, rng: [next(cycle) for _ in range(count)]


@dataclass
class FakeLLMServer:
    responder: Responder = field(default_factory=lambda: fixed_responder(["```answer\n1\n```"]))
    latency_s: float = 0.0
    faults: Sequence[str] = ("ok",)
    retry_after_s: float = 0.05
    hang_s: float = 30.0
    max_n: int = 128
    api_key: str | None = None  # when set, requests without `Bearer <api_key>` get 401
    port: int = 0  # 0: any free port
    tokens_per_prompt: int = 20
    tokens_per_choice: int = 7
    # What happened, for tests to assert on.
    requests: int = 0
    answered: int = 0  # requests answered with choices
    choices: int = 0
    authorizations: set = field(default_factory=set)
    bodies: list = field(default_factory=list)  # each request's JSON body, in arrival order
    in_flight: int = 0
    max_in_flight: int = 0  # the most requests it was handling at once

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; choose from {FAULTS}")
        self._faults = itertools.cycle(self.faults)
        self._rng = random.Random(0)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self.requests += 1
            fault = next(self._faults)
            self.authorizations.add(request.headers.get("Authorization", ""))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request, fault)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _answer(self, request: web.Request, fault: str) -> web.StreamResponse:
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return web.json_response({"error": {"message": "invalid api key"}}, status=401)
        body = await request.json()
        with self._lock:
            self.bodies.append(body)
        await asyncio.sleep(self.latency_s)
        if fault == "429":
            return web.json_response({"error": {"message": "rate limited"}}, status=429,
                                     headers={"Retry-After": f"{self.retry_after_s:g}"})
        if fault == "500":
            return web.json_response({"error": {"message": "internal error"}}, status=500)
        if fault == "hang":  # past any client timeout; the client has gone by then
            await asyncio.sleep(self.hang_s)
            return web.json_response({"error": {"message": "too late"}}, status=504)
        if fault == "malformed":
            return web.Response(text='{"choices": [{"mess', content_type="application/json")
        if fault == "reset":
            request.transport.close()
            return web.Response()
        count = max(1, min(int(body.get("n", 1)), self.max_n))
        raw = request.path.endswith("/v1/completions")
        messages = [{"role": "user", "content": body["prompt"]}] if raw else body["messages"]
        texts = self.responder(messages, count, random.Random(body.get("seed")))
        with self._lock:
            self.answered += 1
            self.choices += count
        return web.json_response({
            "id": f"fake-{self.requests}", "object": "text_completion" if raw else "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": i, "finish_reason": "stop",
                         **({"text": t} if raw else {"message": {"role": "assistant", "content": t}})}
                        for i, t in enumerate(texts)],
            "usage": {"prompt_tokens": self.tokens_per_prompt, "completion_tokens": self.tokens_per_choice * count,
                      "total_tokens": self.tokens_per_prompt + self.tokens_per_choice * count},
        })

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/completions", self._chat)
        return app

    # -- running in a background thread (tests, benchmarks) --------------------------------
    def __enter__(self) -> "FakeLLMServer":
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            self._runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=1024)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            started.set()

        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="fake-llm")
        self._thread.start()
        asyncio.run_coroutine_threadsafe(serve(), self._loop).result(timeout=30)
        started.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


def bank_responder(problems, hit_rate: float = 0.3, prose: bool = True) -> Responder:
    """LLM-shaped answers for a bank: with probability `hit_rate` one of the problem's
    solutions (more often the first ones), else a sample of its search space, now and then
    no answer block at all. A scripted stand-in for a model, for demos and recordings."""
    from harness.core.problem import STATEMENT_VERSIONS

    by_statement = {p.statement_of(v): p for p in problems for v in STATEMENT_VERSIONS}  # any wording

    def respond(messages: list[dict], count: int, rng: random.Random) -> list[str]:
        text = "\n".join(m["content"] for m in messages)
        found = [(text.rfind(s), p) for s, p in by_statement.items() if s in text]
        problem = max(found, key=lambda hit: hit[0])[1] if found else None  # a few-shot prompt asks the last
        out = []
        for _ in range(count):
            if problem is None:
                out.append("I do not recognise this problem.")
                continue
            roll = rng.random()
            solutions = problem.solutions() if roll < hit_rate else []
            if solutions:
                answer = solutions[min(int(rng.paretovariate(1.2)) - 1, len(solutions) - 1)]
            else:
                answer = problem.space.sample(rng)
            if roll > 0.95:
                out.append(f"Trying small cases first, {answer} looks promising but I am not sure.")
            else:
                out.append(f"Let me search small values systematically.\n```answer\n{answer}\n```"
                           if prose else f"```answer\n{answer}\n```")
        return out

    return respond


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.testing.fake_llm", description=__doc__.splitlines()[0])
    parser.add_argument("--bank", default="tiny", help="a bank config name under configs/bank (default: tiny)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--hit-rate", type=float, default=0.3)
    parser.add_argument("--faults", default="ok", help=f"comma-separated cycle of {', '.join(FAULTS)}")
    args = parser.parse_args(argv)
    from harness.bank.banks import bank_from_config_name

    problems = bank_from_config_name(args.bank)
    server = FakeLLMServer(bank_responder(problems, args.hit_rate), latency_s=args.latency,
                           faults=args.faults.split(","), port=args.port)
    with server:
        print(f"fake OpenAI-compatible server for bank {args.bank!r} at {server.url} (Ctrl-C stops)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
