from harness.bank.banks import bank_from_config_name
from harness.solvers.prompting import MAX_ANSWER_CHARS, extract_answer, render_messages


def test_the_answer_is_the_last_answer_block():
    text = "First ```answer\n1, 2, 3\n``` no wait\n```python\nprint(1)\n```\n```answer \n 4, 5, 6 \n```\ndone"
    assert extract_answer(text) == "4, 5, 6"


def test_no_answer_block_gives_an_empty_candidate():
    assert extract_answer("The answer is 4, 5, 6.") == ""
    assert extract_answer("```\n4, 5, 6\n```") == ""  # a plain fence is not an answer block
    assert extract_answer("") == "" and extract_answer(None) == ""


def test_a_block_cut_off_by_max_tokens_still_counts_and_long_answers_are_cut():
    assert extract_answer("```answer\n7, 8, 9") == "7, 8, 9"
    assert len(extract_answer("```answer\n" + "9" * 10 * MAX_ANSWER_CHARS + "\n```")) == MAX_ANSWER_CHARS


def test_hostile_answers_reach_the_verifier_as_text_and_are_refused():
    problem = bank_from_config_name("tiny")[0]
    answer = extract_answer("```answer\n__import__('os').system('touch /tmp/pwned')\n```")
    assert answer.startswith("__import__")
    assert problem.verify(answer).tier.value == "malformed"


def test_templates_per_family_with_a_default():
    three_cubes, erdos, _ = bank_from_config_name("tiny")
    templates = {"default": "Solve: $statement", "three_cubes": "[$family $problem_id] $statement ${literal}"}
    system, user = render_messages(three_cubes, "Be brief.", templates)
    assert system == {"role": "system", "content": "Be brief."}
    assert user["content"] == f"[three_cubes {three_cubes.id}] {three_cubes.statement} ${{literal}}"
    assert render_messages(erdos, "", templates) == [{"role": "user", "content": f"Solve: {erdos.statement}"}]


def test_a_few_shot_example_that_shows_a_solution_of_the_problem_asked_is_left_out():
    from harness.bank.banks import family_module
    from harness.solvers.prompting import examples_for, few_shot_examples, render_prompt

    table = few_shot_examples({
        "three_cubes": [{"instance": {"k": 10, "bound": 10}, "answer": "1, 1, 2"},
                        {"instance": {"k": 20, "bound": 5}, "answer": "1, -2, 3"}],
        "default": [{"family": "pell", "instance": {"d": 5, "bound": 30}, "answer": "9, 4"}]})
    k10 = family_module("three_cubes").make(k=10, bound=40)
    k20 = family_module("three_cubes").make(k=20, bound=30)
    # k=10 is asked: the first example's answer solves it too; the second's answer does not, and
    # its statement's example (`1, -2, 4`) does not either.
    assert [e.answer for e in examples_for(k10, table)] == ["1, -2, 3"]
    # k=20 is asked: the second example's answer solves it, and the first's statement quotes
    # `1, -2, 3` as its format example, which solves it as well: the default examples stand in.
    assert [e.answer for e in examples_for(k20, table)] == ["9, 4"]
    prompt = render_prompt(k20, examples_for(k20, table))
    assert prompt.endswith(f"Problem: {k20.statement}\nAnswer:\n") and "1, -2, 3" not in prompt
    assert prompt.count("```answer\n") == 1


def test_a_chat_prompt_for_the_completions_endpoint_is_its_messages_text():
    from harness.solvers.prompting import as_text

    assert as_text([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q"}]) == "Be brief.\n\nQ\n"
