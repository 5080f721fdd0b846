"""Chat completions from any OpenAI-compatible server, with retries that lose nothing.

One call asks for `n` samples of one prompt. Transient failures (HTTP 408, 429 and 5xx,
timeouts, dropped connections, bodies that are not a well-formed completion) are retried
with exponential backoff and full jitter, waiting at least what Retry-After asks. What
still fails after the retries raises `CompletionError` with the reason; the caller turns
that into attempts of tier `error`.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from typing import Any, Mapping

import aiohttp

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_ERROR_TEXT = 200  # characters of a server's error body kept in the reason


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 5  # attempts after the first
    backoff_s: float = 0.5  # first backoff ceiling; doubles each retry
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 120.0  # a longer Retry-After fails the request instead

    def delay(self, retry: int, rng: random.Random, retry_after: float | None) -> float:
        jittered = rng.uniform(0, min(self.backoff_max_s, self.backoff_s * 2 ** retry))
        return max(jittered, retry_after or 0.0)


@dataclass(frozen=True)
class Completion:
    texts: list[str]  # one per choice returned; may be fewer than asked
    prompt_tokens: int
    completion_tokens: int
    latency_s: float  # of the request that succeeded, retries and waits included
    retries: int


class CompletionError(Exception):
    """The request failed for good: a non-retryable status or retries exhausted."""


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


async def chat_completion(session: aiohttp.ClientSession, url: str, payload: Mapping[str, Any],
                          headers: Mapping[str, str], timeout_s: float, policy: RetryPolicy,
                          rng: random.Random) -> Completion:
    began = time.perf_counter()
    reason = "no request made"
    for retry in range(policy.retries + 1):
        try:
            return await _request(session, url, payload, headers, timeout_s, began, retry)
        except _Transient as failure:
            reason = str(failure)
            if failure.retry_after is not None and failure.retry_after > policy.retry_after_max_s:
                raise CompletionError(f"{reason}; Retry-After {failure.retry_after:g}s is too long") from None
            if retry < policy.retries:
                await asyncio.sleep(policy.delay(retry, rng, failure.retry_after))
    raise CompletionError(f"{reason} (after {policy.retries} retries)")


async def _request(session, url, payload, headers, timeout_s, began, retry) -> Completion:
    try:
        async with session.post(url, json=payload, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            body = await response.read()
            if response.status in RETRYABLE_STATUS:
                raise _Transient(f"HTTP {response.status}", _retry_after(response.headers.get("Retry-After")))
            if response.status != 200:
                raise CompletionError(f"HTTP {response.status}: {_snippet(body)}")
    except (asyncio.TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
        raise _Transient(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
    except aiohttp.ClientError as exc:  # a bad URL and the like: retrying will not help
        raise CompletionError(f"{type(exc).__name__}: {exc}") from None
    try:
        data = json.loads(body)
        texts = [choice["message"]["content"] or "" for choice in data["choices"]]
        usage = data.get("usage") or {}
        prompt_tokens, completion_tokens = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
        if not texts or not all(isinstance(t, str) for t in texts):
            raise ValueError("no text choices")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:  # JSONDecodeError: a ValueError
        raise _Transient(f"malformed completion body ({type(exc).__name__}): {_snippet(body)}") from None
    return Completion(texts, prompt_tokens, completion_tokens, time.perf_counter() - began, retry)


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds; the HTTP-date form is rare from model servers and ignored."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return text[:MAX_ERROR_TEXT] + ("..." if len(text) > MAX_ERROR_TEXT else "")
