import dataclasses
import random
from collections import Counter

import pytest

from harness.core.problem import verify_inline
from harness.engine.attempts import attempt_table
from harness.solvers import EvolveSolver, RandomSolver
from harness.solvers.evolve import Island
from problems.ramsey import make as ramsey
from problems.three_cubes import make as three_cubes


def discoveries(table):
    solutions = table.filter(table["canonical"].is_valid())
    return set(solutions["canonical"].to_pylist())


def test_evolve_finds_what_random_misses_at_equal_attempts():
    problem = ramsey(n=12, k=4)  # 2-colourings of K12 with no monochromatic K4
    evolved = attempt_table(problem, EvolveSolver(), 0, 0, 1500)
    sampled = attempt_table(problem, RandomSolver(), 0, 0, 1500)
    assert len(discoveries(sampled)) == 0
    assert len(discoveries(evolved)) >= 1
    assert evolved.num_rows == 1500 and evolved["attempt"].to_pylist() == list(range(1500))


def test_the_search_is_a_function_of_seed_and_problem():
    problem, solver = three_cubes(k=29, bound=40), EvolveSolver(generation=16)
    first, _ = solver.search(problem, 3, 0, 200, verify_inline)
    again, _ = solver.search(problem, 3, 0, 200, verify_inline)
    other, _ = solver.search(problem, 4, 0, 200, verify_inline)
    assert first == again and first != other and len(first) == 200
    with pytest.raises(ValueError, match="from 0"):
        solver.search(problem, 3, 100, 200, verify_inline)


def test_a_space_without_variation_operators_is_sampled_afresh():
    from problems.factor import make as factor

    table = attempt_table(factor(polynomial="x**2 - 1"), EvolveSolver(), 0, 0, 100)
    assert "error" not in set(table["tier"].to_pylist())


def test_islands_keep_the_best_distinct_candidates():
    island = Island(capacity=2)
    assert island.offer("a", -3.0, "a") and island.offer("b", -1.0, "b")
    assert not island.offer("a", -3.0, "a")  # seen already
    assert not island.offer("c", -5.0, "c")  # worse than every member of a full island
    assert not island.offer("d", -2.0, "d")  # kept, but the best is still b
    assert set(island.members) == {"b", "d"}
    assert island.parent(random.Random(0)) in {"b", "d"}


def test_int_box_variation_stays_in_the_box():
    space, rng = three_cubes(k=3, bound=5).space, random.Random(0)
    for _ in range(200):
        child = space.mutate("5, -5, 0", rng)
        values = [int(v) for v in child.split(",")]
        assert all(-5 <= v <= 5 for v in values)
        assert sum(a != b for a, b in zip(values, (5, -5, 0))) <= 1
        mixed = [int(v) for v in space.crossover("1, 2, 3", "4, 5, 0", rng).split(",")]
        assert all(v in pair for v, pair in zip(mixed, ((1, 4), (2, 5), (3, 0))))
    assert len(space.mutate("not, ints", rng).split(",")) == 3  # unreadable: a fresh sample


def test_bit_string_mutation_flips_one_to_three_bits():
    space, rng = ramsey(n=6, k=3).space, random.Random(1)
    parent = "0" * space.length
    flips = {space.mutate(parent, rng).count("1") for _ in range(300)}
    assert flips == {1, 2, 3}
    child = space.crossover("0" * space.length, "1" * space.length, rng)
    assert child == "0" * child.count("0") + "1" * child.count("1")


def test_an_llm_can_be_the_mutation_operator():
    from harness.testing.fake_llm import FakeLLMServer

    prompts = []

    def respond(messages, count, rng):
        prompts.append(messages[-1]["content"])
        return ["```answer\n1, 1, 1\n```"] * count

    problem = three_cubes(k=3, bound=5)
    with FakeLLMServer(respond, faults=["ok", "ok", "500"]) as server:
        solver = EvolveSolver(generation=16, llm_share=0.5, llm={
            "base_url": server.url, "api_key_env": None, "retries": 0, "prices": {"default": {"prompt": 1e6}}})
        table = attempt_table(problem, solver, 0, 0, 160).to_pandas()
    asked = table[table["prompt_tokens"] > 0]
    assert len(asked) > 20 and (asked["candidate"] == "1, 1, 1").all() and (asked["tier"] == "novel").all()
    assert asked["cost_usd"].sum() == asked["prompt_tokens"].sum()  # $1 per token here
    failed = table[table["tier"] == "error"]
    assert len(failed) > 0 and failed["error"].str.contains("HTTP 500").all()  # one request in three fails
    assert all("(score " in p and problem.statement in p for p in prompts)
    assert len(table) == 160


def test_the_llm_operators_completions_are_recorded_and_replayed(tmp_path):
    from harness.testing.fake_llm import FakeLLMServer, bank_responder

    problem = three_cubes(k=3, bound=5)
    settings = {"api_key_env": None, "retries": 0, "n": 2, "record_dir": str(tmp_path / "rec")}
    with FakeLLMServer(bank_responder([problem], hit_rate=0.5)) as server:
        live = attempt_table(problem, EvolveSolver(generation=16, llm={"base_url": server.url, **settings}),
                             3, 0, 96).to_pandas()
        asked = server.choices
    replay = {**settings, "name": "replay", "recording": str(tmp_path / "rec"), "record_dir": None}
    replayed = attempt_table(problem, EvolveSolver(generation=16, llm=replay), 3, 0, 96).to_pandas()
    assert asked > 10 and (live["prompt_tokens"] > 0).sum() == asked
    columns = ["attempt", "candidate", "tier", "canonical", "prompt_tokens", "completion_tokens"]
    assert replayed[columns].equals(live[columns])  # the same search, step by step, with no server
    with pytest.raises(ValueError, match="llm.name is 'vllm'"):
        EvolveSolver(llm={"name": "vllm"})


class Spy:
    """A problem's search space that counts what evolve asks of it: each call is one attempt's operator."""

    def __init__(self, space):
        self.space, self.calls = space, Counter()

    def sample(self, rng):
        self.calls["fresh"] += 1
        return self.space.sample(rng)

    def __getattr__(self, name):  # the grammar and the rest, as they are
        return getattr(self.space, name)


class VariationSpy(Spy):
    def mutate(self, text, rng):
        self.calls["mutation"] += 1
        return self.space.mutate(text, rng)

    def crossover(self, a, b, rng):
        self.calls["crossover"] += 1
        return self.space.crossover(a, b, rng)


def spied(problem, spy):
    """The same problem (same id and statement) whose search space is `spy`."""
    kind = type(problem)
    subclass = type(kind.__name__, (kind,), {"space": property(lambda self: spy)})
    return subclass(**{f.name: getattr(problem, f.name) for f in dataclasses.fields(problem)})


def test_every_attempt_names_the_operator_that_proposed_it_and_a_replay_names_the_same(tmp_path):
    from harness.testing.fake_llm import FakeLLMServer, bank_responder

    plain = three_cubes(k=3, bound=5)
    spy = VariationSpy(plain.space)
    problem = spied(plain, spy)
    settings = {"api_key_env": None, "retries": 0, "n": 2, "record_dir": str(tmp_path / "rec")}
    with FakeLLMServer(bank_responder([plain], hit_rate=0.5)) as server:  # its own samples are not spied
        live = attempt_table(problem, EvolveSolver(generation=16, llm={"base_url": server.url, **settings}),
                             3, 0, 320).to_pandas()
        completions = server.choices
    counts = Counter(live["operator"])
    assert counts == {**spy.calls, "model": completions}  # one attempt per call of each operator
    assert set(counts) == {"fresh", "mutation", "crossover", "model"} and min(counts.values()) > 10
    assert live["operator"].notna().all() and counts.total() == 320
    assert ((live["operator"] == "model") == (live["prompt_tokens"] > 0)).all()  # only the model spends tokens
    model_found = live[(live["operator"] == "model") & live["canonical"].notna()]
    assert len(model_found) > 0  # the stub model finds solutions itself: there is something to attribute

    spy.calls.clear()
    replay = {**settings, "name": "replay", "recording": str(tmp_path / "rec"), "record_dir": None}
    replayed = attempt_table(problem, EvolveSolver(generation=16, llm=replay), 3, 0, 320).to_pandas()
    assert replayed["operator"].tolist() == live["operator"].tolist()
    assert {**spy.calls, "model": completions} == counts


def test_a_space_without_variation_operators_proposes_parents_again_as_copies():
    from problems.factor import make as factor

    plain = factor(polynomial="x**2 - 1")
    spy = Spy(plain.space)
    table = attempt_table(spied(plain, spy), EvolveSolver(), 0, 0, 300).to_pandas()
    counts = Counter(table["operator"])
    assert set(counts) == {"fresh", "copy"} and counts["fresh"] == spy.calls["fresh"] and counts["copy"] > 0
    for i in table.index[table["operator"] == "copy"]:  # a parent is an earlier candidate, proposed as it is
        assert table.loc[i, "candidate"] in set(table.loc[:i - 1, "candidate"])
