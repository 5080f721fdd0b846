"""The llm solver against a real HTTP server on 127.0.0.1 that scripts completions and faults."""
import time

import pytest

from harness.bank.banks import bank_from_config_name
from harness.engine.attempts import attempt_table
from harness.solvers import make_solver
from harness.solvers.samples import share
from harness.solvers.samples import request_groups
from harness.testing.fake_llm import FakeLLMServer, fixed_responder

PRICES = {"m": {"prompt": 1.5, "completion": 4.0}}


@pytest.fixture(scope="module")
def problem():
    return bank_from_config_name("tiny")[0]  # three_cubes k=3: "1, 1, 1" is valid, known


def llm(server, **settings):
    return make_solver({"name": "llm", "base_url": server.url, "model": "m", "prices": PRICES,
                        "backoff_s": 0.001, "api_key_env": None, **settings})


def run(problem, solver, start=0, stop=40):
    return attempt_table(problem, solver, 0, start, stop).to_pandas()


def test_every_attempt_once_through_every_kind_of_transient_fault(problem):
    faults = ["ok", "429", "500", "malformed", "ok", "reset", "hang"]
    with FakeLLMServer(fixed_responder(["```answer\n1, 1, 1\n```", "```answer\n1, 2, 3\n```", "no block"]),
                       faults=faults, retry_after_s=0.01, hang_s=1.5) as server:
        table = run(problem, llm(server, n=3, max_concurrency=4, timeout_s=0.5, retries=30), 5, 45)
    assert table["attempt"].tolist() == list(range(5, 45))
    assert server.requests > server.answered  # faults were retried ...
    assert set(table["tier"]) == {"valid", "wrong", "malformed"}  # ... until every attempt had a completion
    assert server.choices == 40  # none asked twice, none dropped


def test_tokens_and_cost_add_up_to_what_the_server_reported(problem):
    with FakeLLMServer(fixed_responder(["```answer\n1, 1, 1\n```"]), tokens_per_prompt=10, tokens_per_choice=7,
                       max_n=3) as server:  # a server that gives at most 3 choices: the rest is asked again
        table = run(problem, llm(server, n=4, max_concurrency=2), 0, 30)
    assert server.choices == 30 and server.answered > 30 / 4
    assert table["prompt_tokens"].sum() == 10 * server.answered
    assert table["completion_tokens"].sum() == 7 * 30
    expected = (10 * server.answered * 1.5 + 7 * 30 * 4.0) / 1e6
    assert table["cost_usd"].sum() == pytest.approx(expected, rel=1e-12)
    assert (table["solve_s"] > 0).all()


def test_exhausted_retries_become_tier_error_with_the_reason(problem):
    with FakeLLMServer(faults=["500"]) as server:
        table = run(problem, llm(server, n=4, retries=2), 0, 10)
    assert (table["tier"] == "error").all() and len(table) == 10
    assert table["error"].str.contains("HTTP 500 \\(after 2 retries\\)").all()
    assert server.requests == 3 * 3  # three requests (4 + 4 + 2 attempts), each tried three times
    assert table["cost_usd"].sum() == 0


def test_retry_after_is_honoured(problem):
    with FakeLLMServer(fixed_responder(["```answer\n1, 1, 1\n```"]), faults=["429", "ok"],
                       retry_after_s=0.4) as server:
        began = time.perf_counter()
        table = run(problem, llm(server, n=4, max_concurrency=1, backoff_s=0.0001), 0, 4)
        elapsed = time.perf_counter() - began
    assert server.requests == 2 and (table["tier"] == "valid").all()
    assert elapsed >= 0.4


def test_a_refused_request_is_not_retried_and_says_why(problem, monkeypatch):
    monkeypatch.setenv("TEST_LLM_KEY", "wrong-key")
    with FakeLLMServer(api_key="right-key") as server:
        table = run(problem, llm(server, n=2, api_key_env="TEST_LLM_KEY"), 0, 4)
    assert server.requests == 2 and server.authorizations == {"Bearer wrong-key"}
    assert table["error"].str.startswith("llm request failed: HTTP 401").all()


def test_requests_in_flight_are_bounded_by_max_concurrency(problem):
    with FakeLLMServer(fixed_responder(["```answer\n1, 1, 1\n```"]), latency_s=0.05) as server:
        table = run(problem, llm(server, n=2, max_concurrency=3), 0, 40)
    assert server.max_in_flight == 3 and server.requests == 20 and len(table) == 40


def test_requests_are_aligned_to_n_whatever_the_batch():
    assert request_groups(range(0, 10), 4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert request_groups(range(6, 13), 4) == [[6, 7], [8, 9, 10, 11], [12]]
    # evolve's operator asks for scattered attempts (one island's slots): up to n per request
    assert request_groups([0, 4, 8, 12, 16], 4) == [[0, 4, 8, 12], [16]]
    assert share(10, 3) == [4, 3, 3] and share(0, 2) == [0, 0]


def test_bad_settings_are_refused_with_the_setting_named():
    with pytest.raises(ValueError, match="n must be a whole number of at least 1, got 0"):
        make_solver({"name": "llm", "n": 0})
    for setting, value, message in (("temperature", "hot", r"temperature must be a finite number in \[0, 2\]"),
                                    ("top_p", 5, r"top_p must be a finite number in \(0, 1\], got 5"),
                                    ("backoff_s", -1, "backoff_s must be a finite number of at least 0"),
                                    ("timeout_s", float("nan"), "timeout_s must be a finite number above 0"),
                                    ("base_url", "not a url", "base_url must be an http:// or https:// URL"),
                                    ("prices", {"m": {"prompt": -1}}, r"prices.m.prompt must be a finite number")):
        with pytest.raises(ValueError, match=message):
            make_solver({"name": "llm", setting: value})
    with pytest.raises(ValueError, match="no setting api_key"):
        make_solver({"name": "llm", "api_key": "sk-123"})  # keys never live in configs


def test_hostile_bodies_and_bad_urls_fail_their_attempts_with_a_reason(problem):
    from aiohttp import web

    from harness.testing.fake_llm import FakeLLMServer as Server

    class Hostile(Server):  # answers 200 with JSON that is not a completion
        async def _answer(self, request, fault):
            return web.json_response({"choices": [{"message": {"content": {"nested": 1}}}], "usage": [1]})

    with Hostile() as server:
        table = run(problem, llm(server, n=2, retries=1), 0, 4)
    assert (table["tier"] == "error").all() and table["error"].str.contains("malformed completion body").all()
    table = attempt_table(problem, make_solver({"name": "llm", "base_url": "http://127.0.0.1:9/v1", "api_key_env": None,
                                                "retries": 0}), 0, 0, 2).to_pandas()  # nothing listens there
    assert (table["tier"] == "error").all() and table["error"].str.startswith("llm request failed").all()


def test_a_server_that_ignores_n_is_asked_one_choice_at_a_time_concurrently(problem):
    with FakeLLMServer(fixed_responder(["```answer\n1, 1, 1\n```"]), max_n=1, latency_s=0.2) as server:
        solver = llm(server, n=4, max_concurrency=8)
        began = time.monotonic()
        table = run(problem, solver, 0, 16)
        took = time.monotonic() - began
        later = run(problem, solver, 16, 24)
    assert table["attempt"].tolist() == list(range(16)) and (table["tier"] == "valid").all()
    # Each group of 4 gets 1 choice, so its 3 others go out at once, one request each; groups
    # sent after that are split before they are sent: one request per sample, no re-asks.
    assert sorted(b["n"] for b in server.bodies[:16]) == [1] * 12 + [4] * 4
    assert [b["n"] for b in server.bodies[16:]] == [1] * 8 and len(later) == 8
    assert server.requests == server.choices == 24
    assert len({b["seed"] for b in server.bodies}) == 24  # each sample seeded as its own attempt
    assert server.max_in_flight >= 4 and took < 16 * 0.2  # concurrent, not one after another


def test_stop_strings_and_server_specific_sampling_are_sent(problem):
    with FakeLLMServer() as server:
        run(problem, llm(server, n=1, stop=["<|im_end|>"], extra_body={"top_k": 40, "min_p": 0.05}), 0, 2)
    body = server.bodies[0]
    assert body["stop"] == ["<|im_end|>"] and body["top_k"] == 40 and body["min_p"] == 0.05
    assert body["max_tokens"] == 512
    with pytest.raises(ValueError, match="extra_body may not set seed"):
        make_solver({"name": "llm", "extra_body": {"seed": 1}})


def test_constrained_requests_carry_the_problems_answer_grammar(problem):
    from harness.core.grammar import completion_grammar

    with FakeLLMServer() as server:
        run(problem, llm(server, n=1, constrain=True), 0, 2)
        run(problem, llm(server, n=1), 0, 1)
    constrained, free = server.bodies[0], server.bodies[-1]
    assert constrained["grammar"] == completion_grammar(problem.answer_grammar)
    assert 'integer (", " integer){2}' in constrained["grammar"]  # three integers, as the statement asks
    assert "grammar" not in free
    with pytest.raises(ValueError, match="extra_body may not set grammar"):
        make_solver({"name": "llm", "constrain": True, "extra_body": {"grammar": "root ::= x"}})


def test_a_family_without_a_grammar_is_asked_unconstrained_and_says_so(problem):
    class Bare:  # a search space that cannot say what its candidates look like
        def sample(self, rng):
            return "1, 1, 1"

    class Plain(type(problem)):
        @property
        def space(self):
            return Bare()

    plain = Plain(**{name: getattr(problem, name) for name in problem.__dataclass_fields__})
    assert plain.answer_grammar is None
    with FakeLLMServer() as server:
        table = run(plain, llm(server, n=1, constrain=True), 0, 2)
    assert "grammar" not in server.bodies[0]
    assert table["note"].str.contains("no answer grammar").all()


def test_several_endpoints_share_the_requests_by_how_busy_they_are(problem):
    with FakeLLMServer(latency_s=0.1) as a, FakeLLMServer(latency_s=0.1) as b:
        solver = llm(a, n=1, max_concurrency=4, base_url=[a.url, b.url])
        table = run(problem, solver, 0, 24)
        assert len(table) == 24 and a.requests + b.requests == 24
        assert a.max_in_flight == b.max_in_flight == 2  # the least busy is asked: 4 in flight, 2 each
        with pytest.raises(ValueError, match="base_url is an empty list"):
            llm(a, base_url=[])
        with pytest.raises(ValueError, match="cannot be reached"):
            llm(a, base_url=[a.url, "http://127.0.0.1:9/v1"]).preflight()


def test_a_batch_holds_answers_not_whole_completions(problem, tmp_path):
    """Each completion's answer is extracted as its response arrives: the memory a batch takes
    is bounded by the requests in flight, not by its attempts (7 MB completions drove a worker
    to 2.3 GiB at 300 attempts when whole completions were kept until the batch ended)."""
    import tracemalloc

    long = "thinking " * 100_000 + "```answer\n1, 1, 1\n```"  # 0.9 MB
    peaks = {}
    with FakeLLMServer(fixed_responder([long])) as server:
        solver = llm(server, n=1, max_concurrency=2, record_dir=str(tmp_path / "rec"))
        run(problem, solver, 0, 2)  # connections and the first request's one-off allocations
        for start, attempts in ((2, 10), (12, 40)):
            tracemalloc.start()
            table = run(problem, solver, start, start + attempts)
            peaks[attempts] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            assert (table["tier"] == "valid").all() and len(table) == attempts
    assert peaks[40] < 1.5 * peaks[10] + 4, peaks  # held whole, 30 more completions: +27 MB at least
    lines = (tmp_path / "rec").glob("*.jsonl")
    assert sum(len(path.read_text().splitlines()) for path in lines) == 52  # every completion recorded, whole


def test_the_completions_endpoint_posts_a_few_shot_prompt_and_reads_choices_text(problem, tmp_path):
    """endpoint=completions: /v1/completions with `prompt` (worked examples, then the statement),
    choices[i].text read, the grammar, n, usage and recording as on the chat endpoint."""
    from harness.core.grammar import completion_grammar
    from harness.solvers.prompting import FEW_SHOT_STOP
    from harness.solvers.recording import load_recording

    few_shot = {"three_cubes": [{"instance": {"k": 10, "bound": 10}, "answer": "1, 1, 2"}]}
    with FakeLLMServer(fixed_responder(["```answer\n1, 1, 1\n```", "```answer\n1, 2, 3\n```"]), tokens_per_prompt=30,
                       tokens_per_choice=5) as server:
        solver = llm(server, n=2, endpoint="completions", few_shot=few_shot, constrain=True, stop=["<eos>"],
                     record_dir=str(tmp_path / "rec"))
        table = run(problem, solver, 0, 6)
    body = server.bodies[0]
    assert "messages" not in body and body["n"] == 2 and body["grammar"] == completion_grammar(problem.answer_grammar)
    assert body["prompt"] == ("Problem: Find integers x, y, z with x**3 + y**3 + z**3 = 10. Answer with the three "
                              "integers separated by commas, e.g. `1, -2, 3`.\nAnswer:\n```answer\n1, 1, 2\n```\n\n"
                              f"Problem: {problem.statement}\nAnswer:\n")
    assert body["stop"] == ["<eos>", FEW_SHOT_STOP]  # the model's own, then where its next problem would begin
    assert table["tier"].tolist() == ["valid", "wrong"] * 3
    assert table["prompt_tokens"].sum() == 30 * 3 and table["completion_tokens"].sum() == 5 * 6
    recorded = load_recording(tmp_path / "rec")
    assert len(recorded) == 6 and {row["completion"] for row in recorded.values()} >= {"```answer\n1, 1, 1\n```"}
    # The same prompt on the chat endpoint is another request: its recordings never stand for these.
    assert solver.prompt(problem) == body["prompt"]
    chat = llm(server, n=2, constrain=True, stop=["<eos>"])
    assert isinstance(chat.prompt(problem), list) and chat.sampling["stop"] == ["<eos>"]


def test_a_few_shot_table_that_cannot_be_right_is_refused_up_front():
    with pytest.raises(ValueError, match="endpoint is one of chat, completions, got 'raw'"):
        make_solver({"name": "llm", "endpoint": "raw"})
    with pytest.raises(ValueError, match=r"'1, 1, 1' is no solution of three_cubes/k=10,B=10 \(wrong"):
        make_solver({"name": "llm", "few_shot": {"three_cubes": [{"instance": {"k": 10, "bound": 10},
                                                                  "answer": "1, 1, 1"}]}})
    with pytest.raises(ValueError, match="few_shot.default: each example is .*family: NAME under default"):
        make_solver({"name": "llm", "few_shot": {"default": [{"instance": {"d": 5, "bound": 30}, "answer": "9, 4"}]}})


def test_a_record_dir_answers_the_attempts_it_holds_so_a_resumed_run_asks_none_twice(problem, tmp_path):
    """A live run stopped in a batch resumes that batch: its recorded attempts are answered
    from the record_dir, not asked again (then recorded twice, and a replay might find the
    other completion)."""
    from harness.solvers.recording import load_recording

    replies = ["```answer\n1, 1, 1\n```", "```answer\n1, 2, 3\n```", "```answer\n0, 0, 5\n```"]
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "provenance.jsonl").write_text("")  # no completion yet: nothing held
    with FakeLLMServer(fixed_responder(replies)) as server:
        first = run(problem, llm(server, n=2, record_dir=str(tmp_path / "rec")), 0, 6)  # the run, stopped
        assert server.choices == 6
        resumed = run(problem, llm(server, n=2, record_dir=str(tmp_path / "rec")), 0, 10)  # a new process
        assert server.choices == 6 + 4  # only attempts 6..9 were asked
        again = run(problem, llm(server, n=2, record_dir=str(tmp_path / "rec")), 3, 10)
        assert server.choices == 10
        fresh = run(problem, llm(server, n=2), 0, 3)  # no record_dir: every attempt is asked
        assert server.choices == 13
    assert resumed["candidate"].tolist()[:6] == first["candidate"].tolist()
    assert again["candidate"].tolist() == resumed["candidate"].tolist()[3:]
    assert resumed["prompt_tokens"].tolist()[:6] == first["prompt_tokens"].tolist()
    assert len(fresh) == 3
    recorded = load_recording(tmp_path / "rec")
    lines = sum(len(path.read_text().splitlines()) for path in (tmp_path / "rec").glob("*.jsonl"))
    assert lines == len(recorded) == 10  # each attempt recorded once
    replay = make_solver({"name": "replay", "recording": str(tmp_path / "rec"), "model": "m", "n": 2,
                          "api_key_env": None, "prices": PRICES})
    assert run(problem, replay, 0, 10)["candidate"].tolist() == resumed["candidate"].tolist()
