"""Completions from any OpenAI-compatible server, with retries that lose nothing.

Two endpoints (`ENDPOINTS`): chat (`/chat/completions`: `messages` in, `choices[i].message.content`
out) and raw completions (`/completions`: a text `prompt` in, `choices[i].text` out, for base
models without a chat template). One call asks for `n` samples of one prompt. Transient failures (HTTP 408, 429 and 5xx,
timeouts, dropped connections, bodies that are not a well-formed completion or are too
large) are retried with exponential backoff and full jitter, waiting at least what
Retry-After asks. What still fails after the retries raises `CompletionError` with the
reason; the caller turns that into attempts of tier `error`.

The server is untrusted: a body is read up to a bound on its decoded size (a gzip bomb or an
endless body is cut off, not held), the whole request up to `timeout_s`, usage counts that
cannot be right count as zero tokens with a note, and the API key is redacted from every
text that comes back (a server may echo the Authorization header in an error body).
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import math
import random
import re
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence
from typing import Iterator
from urllib.parse import urlsplit

import aiohttp

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_ERROR_TEXT = 200  # characters of a server's error body kept in the reason
MAX_BODY_BYTES = 8 << 20  # default bound on a decoded response body: far above n=128 long answers
MAX_USAGE_TOKENS = 10**9  # a request's token count above this is not believed
# Decoded here, under the size bound: aiohttp's own decoding would inflate a bomb whole.
ACCEPTED_ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS, "identity": None, "": None}
BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
REDACTED = "[redacted]"


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
    note: str | None = None  # e.g. usage the server reported that could not be right


class Endpoint(Protocol):
    """What one kind of OpenAI-compatible endpoint asks for and answers with."""

    name: str
    path: str  # under the base URL

    def body(self, prompt: Any) -> dict[str, Any]:
        """The request's prompt fields."""
        ...

    def text(self, choice: Mapping[str, Any]) -> str:
        """One choice's completion text (KeyError, TypeError: not a completion)."""
        ...


@dataclass(frozen=True)
class ChatEndpoint:
    name: str = "chat"
    path: str = "/chat/completions"

    def body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        return {"messages": messages}

    def text(self, choice: Mapping[str, Any]) -> str:
        return choice["message"]["content"] or ""


@dataclass(frozen=True)
class CompletionsEndpoint:
    name: str = "completions"
    path: str = "/completions"

    def body(self, prompt: str) -> dict[str, Any]:
        return {"prompt": prompt}

    def text(self, choice: Mapping[str, Any]) -> str:
        return choice["text"] or ""


CHAT = ChatEndpoint()
ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (CHAT, CompletionsEndpoint())}


class CompletionError(Exception):
    """The request failed for good: a non-retryable status or retries exhausted."""


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


async def chat_completion(session: aiohttp.ClientSession, url: str, payload: Mapping[str, Any],
                          headers: Mapping[str, str], timeout_s: float, policy: RetryPolicy,
                          rng: random.Random, max_body_bytes: int = MAX_BODY_BYTES,
                          endpoint: Endpoint = CHAT) -> Completion:
    """The reply to `payload` posted to `url` (`endpoint` says how its choices are read)."""
    secrets = [value.split(" ", 1)[-1] for name, value in headers.items() if name.lower() == "authorization"]
    began = time.perf_counter()
    reason = "no request made"
    try:
        for retry in range(policy.retries + 1):
            try:
                reply = await _request(session, url, payload, headers, timeout_s, began, retry, max_body_bytes,
                                       endpoint)
            except _Transient as failure:
                reason = str(failure)
                if failure.retry_after is not None and failure.retry_after > policy.retry_after_max_s:
                    raise CompletionError(f"{reason}; Retry-After {failure.retry_after:g}s is too long") from None
                if retry < policy.retries:
                    await asyncio.sleep(policy.delay(retry, rng, failure.retry_after))
                continue
            return Completion([redact(text, secrets) for text in reply.texts], reply.prompt_tokens,
                              reply.completion_tokens, reply.latency_s, reply.retries,
                              reply.note and redact(reply.note, secrets))
        raise CompletionError(f"{reason} (after {policy.retries} retries)")
    except CompletionError as exc:
        raise CompletionError(redact(str(exc), secrets)) from None


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """`text` without the given secrets or anything that looks like a bearer token."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return BEARER.sub(rf"\g<1>{REDACTED}", text)


async def _request(session, url, payload, headers, timeout_s, began, retry, max_body_bytes,
                   endpoint: Endpoint) -> Completion:
    try:
        async with session.post(url, json=payload, headers={**headers, "Accept-Encoding": "gzip, deflate"},
                                timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            body = await _read_body(response, max_body_bytes)
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
        texts = [endpoint.text(choice) for choice in data["choices"]]
        if not texts or not all(isinstance(t, str) for t in texts):
            raise ValueError("no text choices")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        raise _Transient(f"malformed completion body ({type(exc).__name__}): {_snippet(body)}") from None
    prompt_tokens, completion_tokens, note = read_usage(data)
    return Completion(texts, prompt_tokens, completion_tokens, time.perf_counter() - began, retry, note)


async def _read_body(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The body, decoded, read no further than `max_bytes` of decoded data (the session does
    not decode: `auto_decompress=False`)."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ACCEPTED_ENCODINGS:
        raise _Transient(f"response body in an encoding not asked for ({encoding[:40]!r})")
    wbits = ACCEPTED_ENCODINGS[encoding]
    decoder = zlib.decompressobj(wbits) if wbits is not None else None
    parts, size = [], 0
    async for raw in response.content.iter_chunked(1 << 16):
        try:
            data = decoder.decompress(raw, max_bytes + 1 - size) if decoder else raw
        except zlib.error as exc:
            raise _Transient(f"response body does not decode as {encoding}: {exc}") from None
        size += len(data)
        if size > max_bytes or (decoder is not None and decoder.unconsumed_tail):
            raise _Transient(f"response body over {max_bytes} bytes (decoded); not read further")
        parts.append(data)
    if decoder is not None:
        parts.append(decoder.flush())  # what is left of a whole stream: no more than its last piece
    return b"".join(parts)


def read_usage(data: Any) -> tuple[int, int, str | None]:
    """(prompt_tokens, completion_tokens, note): the counts the server reported, or zeros and a
    note saying why when they are missing or cannot be right (negative, not whole, absurd)."""
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return 0, 0, "the server reported no usage: counted as 0 tokens"
    counts = []
    for key in ("prompt_tokens", "completion_tokens"):
        value = usage.get(key)
        whole = isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer())
        if not whole or not 0 <= value <= MAX_USAGE_TOKENS:
            return 0, 0, f"the server reported unusable usage ({key}: {str(value)[:40]}): counted as 0 tokens"
        counts.append(int(value))
    return counts[0], counts[1], None


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds; the HTTP-date form is rare from model servers and ignored."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return text[:MAX_ERROR_TEXT] + ("..." if len(text) > MAX_ERROR_TEXT else "")


CLIENTS_LOCK = threading.Lock()


class Client:
    """One event loop thread, HTTP session and concurrency gate per solver and process.

    They outlive a batch, so connections are reused from batch to batch, and calls from
    several threads (batches run side by side) share one bound on requests in flight.
    """

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True, name="llm-client").start()
        self._session: aiohttp.ClientSession | None = None
        self._gate: asyncio.Semaphore | None = None
        self.n_ignored = False  # learnt from the first reply with fewer choices than asked
        self.in_flight: dict[str, int] = {}  # requests per endpoint (read and changed on the loop only)
        atexit.register(self.close)

    @contextlib.contextmanager
    def least_busy(self, endpoints: Sequence[str]) -> Iterator[str]:
        """The endpoint with the fewest requests in flight (the first, on a tie), counted as
        one more until the request is done."""
        url = min(endpoints, key=lambda u: self.in_flight.get(u, 0))
        self.in_flight[url] = self.in_flight.get(url, 0) + 1
        try:
            yield url
        finally:
            self.in_flight[url] -= 1

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    # Both are made on the loop's own thread, the first time a request needs them.
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Bodies are decoded by the client under its size bound, not by aiohttp.
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.max_concurrency),
                                                  auto_decompress=False)
        return self._session

    def gate(self) -> asyncio.Semaphore:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.max_concurrency)
        return self._gate

    def close(self) -> None:
        if self._session is not None and self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self._session.close(), self.loop).result(timeout=5)
            self._session = None


def check_base_url(url: str) -> None:
    """An http(s) URL with a host: anything else fails every request, so refuse it up front."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an http:// or https:// URL with a host, got {url!r}")
