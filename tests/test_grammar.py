"""Answer grammars (GBNF) derived from the search spaces, for constrained decoding."""
from harness import grammar
from harness.bank import bank_from_config_name
from harness.space import BitString, ExpressionGrammar, IntBox


def test_integer_answers_have_the_count_sign_and_digits_the_box_needs():
    assert IntBox(3, -5, 5).grammar() == 'answer ::= integer (", " integer){2}\ninteger ::= "-"? [0-9]{1,1}\n'
    assert IntBox(1, 0, 120).grammar() == "answer ::= integer\ninteger ::= [0-9]{1,3}\n"  # unsigned, one value
    assert BitString(10).grammar() == "answer ::= [01]{10}\n"


def test_expressions_allow_the_spaces_functions_only():
    rules = ExpressionGrammar("n", functions=()).grammar()
    assert '"n"' in rules and "sin(" not in rules and '"**"' in rules
    assert '"sin(" sum ")"' in ExpressionGrammar("x", functions=("sin", "cos")).grammar()


def test_a_completion_is_exactly_one_answer_block():
    assert grammar.completion_grammar("answer ::= [01]{2}\n") == \
        'root ::= "```answer\\n" answer "\\n```"\nanswer ::= [01]{2}\n'


def test_every_family_of_the_default_bank_can_be_asked_constrained():
    families = {p.family: p.answer_grammar for p in bank_from_config_name("default")}
    assert len(families) == 10 and all(rules and rules.startswith("answer ::=") for rules in families.values())
