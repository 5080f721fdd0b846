"""The chat client against hostile servers on 127.0.0.1: bodies without end, lying usage, echoed keys."""
import asyncio
import gzip
import json
import os

import pytest
from aiohttp import web

from harness.bank.banks import bank_from_config_name
from harness.engine.attempts import attempt_table
from harness.solvers import make_solver
from harness.solvers.openai_client import read_usage, redact
from harness.testing.fake_llm import FakeLLMServer
from tests.conftest import TEST_API_KEY_ENV

ANSWER = {"choices": [{"message": {"content": "```answer\n1, 1, 1\n```"}}]}


@pytest.fixture(scope="module")
def problem():
    return bank_from_config_name("tiny")[0]  # three_cubes k=3: "1, 1, 1" is valid, known


def scripted(handler):
    """A server whose every completion request is answered by `handler(request)`."""
    class Scripted(FakeLLMServer):
        async def _answer(self, request, fault):
            return await handler(request)
    return Scripted()


def attempts(problem, server, stop=4, **settings):
    solver = make_solver({"name": "llm", "base_url": server.url, "model": "m", "backoff_s": 0.001, "retries": 1,
                          "api_key_env": None, "n": 2, "prices": {"m": {"prompt": 1.0, "completion": 1.0}},
                          **settings})
    return attempt_table(problem, solver, 0, 0, stop).to_pandas()


@pytest.mark.parametrize("usage", [
    {"prompt_tokens": 10**30, "completion_tokens": 5},
    {"prompt_tokens": -20, "completion_tokens": -7},
    {"prompt_tokens": "twenty", "completion_tokens": 7},
    {"prompt_tokens": 2.5, "completion_tokens": 7},
    None,
])
def test_usage_that_cannot_be_right_counts_zero_tokens_with_a_note(problem, usage):
    async def answer(request):
        return web.json_response({**ANSWER, **({"usage": usage} if usage is not None else {})})

    with scripted(answer) as server:
        table = attempts(problem, server)
    assert (table["tier"] == "valid").all()  # the answers still count
    assert (table[["prompt_tokens", "completion_tokens"]] == 0).all().all() and (table["cost_usd"] == 0).all()
    assert table["note"].str.contains("counted as 0 tokens").all()


def test_good_usage_is_counted_and_leaves_no_note():
    assert read_usage({"usage": {"prompt_tokens": 20, "completion_tokens": 14.0}}) == (20, 14, None)
    assert read_usage({"usage": {"prompt_tokens": True, "completion_tokens": 1}})[2] is not None


def test_a_gzip_bomb_is_cut_off_at_the_body_bound_then_fails_its_attempts(problem):
    bomb = gzip.compress(b" " * (64 << 20))  # 64 MiB of spaces in about 64 KB

    async def answer(request):
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})

    with scripted(answer) as server:
        table = attempts(problem, server, max_body_bytes=1 << 20)
    assert server.requests == 2 * 2  # two requests of n=2, each a fault: retried once, then given up
    assert (table["tier"] == "error").all()
    assert table["error"].str.contains("response body over 1048576 bytes").all()


def test_an_endless_body_is_cut_off_and_a_slow_one_by_the_request_timeout(problem):
    async def endless(request):
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        try:
            while True:
                await response.write(b"[" * 65536)
        except (ConnectionError, RuntimeError):  # the client hung up
            return response

    async def trickle(request):
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        try:
            for _ in range(600):
                await response.write(b" ")
                await asyncio.sleep(0.05)
        except (ConnectionError, RuntimeError):
            pass
        return response

    with scripted(endless) as server:
        table = attempts(problem, server, stop=2, max_body_bytes=4 << 20)
    assert (table["tier"] == "error").all() and table["error"].str.contains("response body over").all()
    with scripted(trickle) as server:
        table = attempts(problem, server, stop=2, timeout_s=0.5, retries=0)
    assert (table["tier"] == "error").all() and table["error"].str.contains("TimeoutError").all()


def test_an_echoed_api_key_is_redacted_from_records_and_recordings(problem, tmp_path):
    async def echo(request):
        return web.json_response({"error": f"bad key in {request.headers['Authorization']}",
                                  "headers": dict(request.headers)}, status=401)

    key = os.environ[TEST_API_KEY_ENV]
    with scripted(echo) as server:
        table = attempts(problem, server, api_key_env=TEST_API_KEY_ENV, record_dir=str(tmp_path))
    assert (table["tier"] == "error").all() and table["error"].str.contains("HTTP 401").all()
    assert not table["error"].str.contains(key).any() and table["error"].str.contains("[redacted]", regex=False).all()
    recorded = "".join(p.read_text() for p in tmp_path.rglob("*.jsonl"))
    assert recorded and key not in recorded and "[redacted]" in recorded


def test_redact_removes_secrets_and_bearer_tokens():
    assert redact("key sk-abc123456 and Bearer other-token-12345", ["sk-abc123456"]) == \
        "key [redacted] and Bearer [redacted]"
    assert redact("the Bearer of bad news") == "the Bearer of bad news"
    assert json.loads(redact(json.dumps({"Authorization": "Bearer sk-123456789"})))["Authorization"] == \
        "Bearer [redacted]"
