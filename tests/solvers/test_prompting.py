from harness.bank import bank_from_config_name
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
