"""The `llm` solver: candidates from completions of any OpenAI-compatible server.

`endpoint=chat` (the default) asks `/chat/completions` with the system prompt and the family's
template around the statement; `endpoint=completions` asks the raw `/completions` with a
few-shot prompt (harness/solvers/prompting.py: worked examples of other instances from the
`few_shot` table, never a solution of the problem asked, then the statement), for base models
that have no chat template (Gemma 3 270M). Everything below holds for both.

Volume first: attempts are grouped into requests of `n` samples (vLLM and SGLang share the
prompt's prefix across them), and up to `max_concurrency` requests per worker are in flight
at once on one asyncio loop. A server that returns fewer choices than asked ignores `n`: the
rest are asked for one choice at a time, concurrently, and so are all later requests.
Requests that fail for good become attempts of tier `error` with the reason. With several
endpoints (`base_url` a list), each request goes to the one with the fewest in flight.

`constrain=true` sends the problem's answer grammar (GBNF, harness/core/grammar.py) in the
request field `grammar_field` (llama.cpp's `grammar`), so every completion is one answer
block; a family without a grammar is asked unconstrained, and its attempts say so.

Per attempt: a request's usage and latency are shared evenly among its choices (so sums over
attempts equal what the server reported; usage that cannot be right counts as zero, with a
note on each of its attempts), and cost comes from the `prices` table in US dollars per
million tokens. The API key is read from the environment variable named by
`api_key_env` in the worker, when a request is sent; it is never part of the settings.
"""
from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence, Union
from urllib.parse import urlsplit

from harness.core.grammar import GRAMMAR_VERSION, completion_grammar
from harness.core.grammar import VERSIONS as GRAMMAR_VERSIONS
from harness.core.problem import STATEMENT_VERSION, STATEMENT_VERSIONS, Problem
from harness.core.seeding import attempt_rng
from harness.core.settings import number, positive, whole
from harness.solvers.openai_client import ENDPOINTS, MAX_BODY_BYTES, CompletionError, RetryPolicy, chat_completion
from harness.solvers.openai_client import CLIENTS_LOCK, Client, check_base_url
from harness.solvers.prompting import (DEFAULT_SYSTEM_PROMPT, FEW_SHOT_STOP, as_text, examples_for, extract_answer,
                                       few_shot_examples, render_messages, render_prompt)
from harness.solvers.proposal import Operator, Proposal
from harness.solvers.recording import append_records, request_key
from harness.solvers.samples import RecordedSamples, Sample, answer_only, noted, request_groups, share


Prompt = Union[list[dict[str, str]], str]  # chat messages, or the text of a raw completion prompt


@dataclass(frozen=True)
class LLMSolver:
    name: ClassVar[str] = "llm"
    # Exchangeable (samples of one prompt at fixed settings are i.i.d.), not in the sandbox:
    # its connections and recordings live in the worker.

    model: str = "default"
    base_url: str | tuple[str, ...] = "http://127.0.0.1:8000/v1"  # several: the least busy is asked
    api_key_env: str | None = "OPENAI_API_KEY"  # the variable's name; unset means no key is sent
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 512
    n: int = 4  # samples per request
    max_concurrency: int = 16  # requests in flight per worker
    timeout_s: float = 60.0  # per request, the whole body read included
    max_body_bytes: int = MAX_BODY_BYTES  # a longer body (decoded) is a fault, retried, then tier error
    retries: int = 5
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    templates: Mapping[str, str] = field(default_factory=dict)  # family (or 'default') -> template
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # model -> {prompt, completion} USD/Mtok
    record_dir: str | None = None  # append every completion here (JSONL), for replay
    stop: tuple[str, ...] = ()  # the model's stop strings, e.g. ChatML's <|im_end|>
    extra_body: Mapping[str, Any] = field(default_factory=dict)  # server-specific sampling: top_k, min_p, ...
    constrain: bool = False  # send the answer grammar: completions are exactly one answer block
    grammar_field: str = "grammar"  # the request field a GBNF grammar goes in (llama.cpp's name)
    grammar_version: int = GRAMMAR_VERSION  # of the answer grammars (harness/core/grammar.py); 1 replays old recordings
    statement_version: int = STATEMENT_VERSION  # of the statements' wording (harness/core/problem.py); 1 replays old recordings
    endpoint: str = "chat"  # chat: /chat/completions; completions: /completions with a few-shot prompt
    few_shot: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)  # family -> worked examples

    def __post_init__(self) -> None:
        for setting in ("n", "max_concurrency", "max_tokens", "max_body_bytes"):
            whole(setting, getattr(self, setting), 1)
        whole("retries", self.retries)
        number("temperature", self.temperature, 0.0, 2.0)
        number("top_p", self.top_p, 0.0, 1.0, low_included=False)
        positive("timeout_s", self.timeout_s)
        number("backoff_s", self.backoff_s, 0.0)
        number("backoff_max_s", self.backoff_max_s, 0.0)
        for model, price in self.prices.items():  # a negative price would make a negative cost
            for kind, usd in (price or {}).items():
                if kind not in ("prompt", "completion"):
                    raise ValueError(f"prices.{model} has {kind!r}; its keys are prompt and completion")
                number(f"prices.{model}.{kind}", usd, 0.0)
        if not isinstance(self.base_url, str):  # a list from the config: kept as a tuple (hashable)
            object.__setattr__(self, "base_url", tuple(self.base_url))
        if not self.endpoints:
            raise ValueError("base_url is an empty list: give at least one endpoint")
        for url in self.endpoints:
            check_base_url(url)
        object.__setattr__(self, "stop", tuple(str(text) for text in self.stop))
        if not isinstance(self.constrain, bool):
            raise ValueError(f"constrain is true or false, got {self.constrain!r}")
        if self.grammar_version not in GRAMMAR_VERSIONS:
            raise ValueError(f"grammar_version is one of {GRAMMAR_VERSIONS}, got {self.grammar_version!r}")
        if self.statement_version not in STATEMENT_VERSIONS:
            raise ValueError(f"statement_version is one of {STATEMENT_VERSIONS}, got {self.statement_version!r}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint is one of {', '.join(ENDPOINTS)}, got {self.endpoint!r}")
        object.__setattr__(self, "_examples", few_shot_examples(self.few_shot))  # checked once, up front
        owned = RESERVED_FIELDS | ({self.grammar_field} if self.constrain else set())
        reserved = sorted(set(self.extra_body) & owned)
        if reserved:
            raise ValueError(f"extra_body may not set {', '.join(reserved)}: the solver sets them itself")
        if self.record_dir is not None:  # workers may run elsewhere: fix the path on the driver
            object.__setattr__(self, "record_dir", str(Path(self.record_dir).resolve()))

    def model_settings(self) -> dict[str, Any]:
        """Its own settings: the solver is its model's client (UsesModel)."""
        return {"name": self.name, **dataclasses.asdict(self)}

    def with_model(self, settings: Mapping[str, Any]):
        """The client `settings` make: this solver pointed elsewhere, or a replay of a recording."""
        from harness.solvers import make_solver  # the solvers' one constructor (replay is a subclass)
        return make_solver(settings)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return (self.base_url,) if isinstance(self.base_url, str) else self.base_url

    def preflight(self, timeout_s: float = 5.0) -> None:
        """Can a connection to every server be made at all? (Everything past that, such as a
        wrong key or model, shows in the attempts' errors.)"""
        for url in self.endpoints:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                socket.create_connection((parts.hostname, port), timeout=min(timeout_s, self.timeout_s)).close()
            except OSError as exc:
                raise ValueError(f"the LLM server at {url} cannot be reached ({exc.strerror or exc}): "
                                 "start it, or point solver.base_url at one") from None

    @property
    def sampling(self) -> dict[str, Any]:
        """What every request says of sampling (part of the key completions are recorded by)."""
        stops = list(self.stop)
        if self.endpoint == "completions" and FEW_SHOT_STOP not in stops:
            stops.append(FEW_SHOT_STOP)  # where a base model's own next problem would begin
        stop = {"stop": stops} if stops else {}
        return {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens, **stop,
                **self.extra_body}

    def request_fields(self, problem: Problem) -> dict[str, Any]:
        """The sampling settings and, when constrained, the problem's answer grammar."""
        rules = problem.answer_grammar_of(self.grammar_version) if self.constrain else None
        return {**self.sampling, self.grammar_field: completion_grammar(rules)} if rules else self.sampling

    def prompt(self, problem: Problem) -> Prompt:
        """What the endpoint is asked about `problem`: chat messages, or a few-shot text prompt."""
        if self.endpoint == "completions":
            examples = examples_for(problem, self.__dict__["_examples"], self.statement_version)
            return render_prompt(problem, examples, self.statement_version)
        return render_messages(problem, self.system_prompt, self.templates, self.statement_version)

    def propose(self, problem: Problem, seed: int, start: int, stop: int) -> list[Proposal]:
        return self.complete(problem, seed, self.prompt(problem), range(start, stop))

    def complete(self, problem: Problem, seed: int, prompt: Prompt, attempts: Sequence[int]) -> list[Proposal]:
        """One proposal per attempt index from completions of `prompt` (the statement's, or any
        other about `problem`, as evolve's operator asks in messages), recorded if set."""
        if self.endpoint == "completions" and not isinstance(prompt, str):
            prompt = as_text(prompt)
        fields = self.request_fields(problem)
        key = request_key(self.model, prompt, {**fields, "seed": seed})
        samples = self.samples(problem, seed, prompt, fields, key, attempts)
        if self.constrain and self.grammar_field not in fields:  # said live and on replay alike
            samples = [noted(s, "the family declares no answer grammar: asked unconstrained") for s in samples]
        return [self.to_proposal(s) for s in samples]

    def samples(self, problem: Problem, seed: int, messages: list[dict[str, str]], fields: Mapping[str, Any],
                key: str, attempts: Sequence[int]) -> list[Sample]:
        """One sample per attempt, from requests of up to n choices; with a record_dir, an
        attempt it already holds is answered from it, not asked again."""
        held = self._recorded.held(key, attempts)
        asked = [i for i in attempts if i not in held]
        per_group = self._client.run(self._gather(problem, seed, messages, fields, key,
                                                  request_groups(asked, self.n))) if asked else []
        fresh = dict(zip(asked, (s for group in per_group for s in group)))
        return [held[i] if i in held else fresh[i] for i in attempts]

    def arrived(self, problem: Problem, seed: int, key: str, group: Sequence[int],
                samples: list[Sample]) -> list[Sample]:
        """A request's samples as they arrive: recorded whole (if set), then kept as answers only."""
        if self.record_dir is not None:
            append_records(Path(self.record_dir), (
                {"key": key, "model": self.model, "problem_id": problem.id, "attempt": i, "seed": seed,
                 **{k: v for k, v in dataclasses.asdict(s).items() if k != "answer"}}
                for i, s in zip(group, samples)))
        answered = [answer_only(s) for s in samples]
        self._recorded.add(key, group, answered)
        return answered

    @property
    def _recorded(self) -> "RecordedSamples":
        """What the record_dir holds, read once per process (a resumed run's completions from
        before it stopped) and kept up to date with what this process records. Asked again, an
        attempt would be recorded twice, and its replay could find the other completion."""
        with CLIENTS_LOCK:
            recorded = self.__dict__.get("_recorded_instance")
            if recorded is None:
                recorded = RecordedSamples(self.record_dir)
                object.__setattr__(self, "_recorded_instance", recorded)
        return recorded

    @property
    def _client(self) -> "Client":
        with CLIENTS_LOCK:  # batches of one worker run in threads: they must share one client
            client = self.__dict__.get("_client_instance")
            if client is None:
                client = Client(self.max_concurrency)
                object.__setattr__(self, "_client_instance", client)
        return client

    def to_proposal(self, sample: Sample) -> Proposal:
        price = self.prices.get(self.model) or {}
        cost = (sample.prompt_tokens * float(price.get("prompt", 0.0))
                + sample.completion_tokens * float(price.get("completion", 0.0))) / 1e6
        answer = sample.answer if sample.answer is not None else (
            "" if sample.completion is None else extract_answer(sample.completion))
        return Proposal(
            answer,
            sample.prompt_tokens, sample.completion_tokens, sample.solve_s, cost, sample.error, sample.note,
            Operator.MODEL)

    async def _gather(self, problem, seed, messages, fields, key, groups) -> list[list[Sample]]:
        session, gate = self._client.session(), self._client.gate()
        if self._client.n_ignored:  # known to answer one choice per request: ask for one at a time
            groups = [[i] for group in groups for i in group]

        async def one(group: list[int]) -> list[Sample]:
            async with gate:
                return await self._request_group(session, problem, seed, messages, fields, key, group)
        return await asyncio.gather(*(one(group) for group in groups))

    async def _request_group(self, session, problem, seed, messages, fields, key, group) -> list[Sample]:
        """Samples for the group's attempts from one request of n = len(group); if the server
        returns fewer choices than asked, it ignores n: the rest are asked for at once, one
        request each (each with the seed of its own attempt), and later groups are split up
        before they are sent."""
        samples = await self._request(session, problem, seed, messages, fields, key, group)
        if len(samples) < len(group):
            self._client.n_ignored = True
            rest = await asyncio.gather(*(self._request(session, problem, seed, messages, fields, key, [i])
                                          for i in group[len(samples):]))
            samples += [s for one in rest for s in one]
        return samples

    async def _request(self, session, problem, seed, messages, fields, record_key, group) -> list[Sample]:
        """One request for the group's attempts: its choices (perhaps fewer), or an error for each."""
        headers = {"Authorization": f"Bearer {key}"} if (key := self._api_key()) else {}
        rng = attempt_rng(seed, problem.id, group[0])  # also seeds the server's sampler
        endpoint = ENDPOINTS[self.endpoint]
        payload = {"model": self.model, **endpoint.body(messages), "n": len(group), "seed": rng.getrandbits(31),
                   **fields}
        with self._client.least_busy(self.endpoints) as url:
            try:
                reply = await chat_completion(session, url.rstrip("/") + endpoint.path, payload, headers,
                                              self.timeout_s,
                                              RetryPolicy(self.retries, self.backoff_s, self.backoff_max_s), rng,
                                              self.max_body_bytes, endpoint)
            except CompletionError as exc:
                return self.arrived(problem, seed, record_key, group,
                                    [Sample(None, error=f"llm request failed: {exc}")] * len(group))
        texts = reply.texts[: len(group)]
        prompt, completion = share(reply.prompt_tokens, len(texts)), share(reply.completion_tokens, len(texts))
        return self.arrived(problem, seed, record_key, group[: len(texts)],
                            [Sample(text, p, c, reply.latency_s / len(texts), note=reply.note)
                             for text, p, c in zip(texts, prompt, completion)])

    def _api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) or None if self.api_key_env else None


# Request fields the solver owns: per-attempt seeds, n, the prompt (extra_body adds the rest).
RESERVED_FIELDS = frozenset({"model", "messages", "prompt", "n", "seed", "stream", "temperature", "top_p", "max_tokens",
                             "stop"})
