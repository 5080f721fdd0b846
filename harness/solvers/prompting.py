"""Prompts from problem statements, and the documented rule that takes the answer out of a completion.

Chat prompts (`render_messages`): templates are `string.Template` text (so Hydra's `${...}` stays
free): `$statement`, `$family` and `$problem_id` are filled in. A family without its own template
uses `default`. `$statement` is the problem's statement in the wording asked for (harness.core.problem's
STATEMENT_VERSIONS: 1 replays recordings made with the first wording).

Few-shot prompts (`render_prompt`, for base models on the raw completions endpoint): worked
examples, each another problem's statement and an answer block, then the statement asked and
`Answer:`; the model continues with its own block, and stops at the next `Problem:`. As Large
Language Monkeys prompted their models, the examples are other instances of the family with one
of *their* solutions: each is checked to solve its own instance, and one that shows a solution of
the problem asked (as its answer or its statement's example) is left out, so a prompt never shows
an answer to the problem it asks; a problem whose family's examples are all left out gets the
`default` ones (other families'), on the same terms.

The answer rule: the content of the **last** fenced block opened with ```answer; if the
completion has no such block, the candidate is empty and verifies as `malformed`. Only the
extracted text goes to the verifier, which treats it as hostile like any candidate.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template
from typing import Any, Mapping, Sequence

from harness.bank.banks import family_module
from harness.core.problem import STATEMENT_VERSION, Problem

ANSWER_BLOCK = re.compile(r"```answer[^\S\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
MAX_ANSWER_CHARS = 4_000  # longer answers are cut; the parser's own limits then apply

DEFAULT_SYSTEM_PROMPT = (
    "You are a careful mathematician. Think briefly, then give your final answer in a fenced "
    "block that starts with ```answer and contains the answer only."
)
DEFAULT_TEMPLATE = "$statement\n\nEnd with your answer in a block:\n```answer\n<your answer>\n```"
FEW_SHOT_EXAMPLE = "Problem: $statement\nAnswer:\n```answer\n$answer\n```\n\n"
FEW_SHOT_QUESTION = "Problem: $statement\nAnswer:\n"
FEW_SHOT_STOP = "\nProblem:"  # a base model goes on to a problem of its own after its answer


@dataclass(frozen=True)
class Example:
    """One worked example of a few-shot prompt: an instance of a family (its `make` parameters)
    and a solution of that instance."""
    family: str
    instance: Mapping[str, Any]
    answer: str

    def problem(self) -> Problem:
        return family_module(self.family).make(**dict(self.instance))


def few_shot_examples(table: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, tuple[Example, ...]]:
    """The `few_shot` setting (family, or `default`, -> [{instance, answer, family?}]) as checked
    examples: each answer solves its own instance, else ValueError naming it."""
    out = {}
    for key, entries in table.items():
        examples = []
        for entry in entries or ():
            unknown = sorted(set(entry) - {"family", "instance", "answer"})
            if unknown or "answer" not in entry or (key == "default" and "family" not in entry):
                raise ValueError(f"few_shot.{key}: each example is {{instance: {{...}}, answer: TEXT}} "
                                 f"(and family: NAME under default), got {dict(entry)!r}")
            example = Example(str(entry.get("family", key)), dict(entry.get("instance") or {}), str(entry["answer"]))
            verdict = example.problem().verify(example.answer)
            if verdict.tier.rank == 0:
                raise ValueError(f"few_shot.{key}: {example.answer!r} is no solution of {example.problem().id} "
                                 f"({verdict.tier.value}: {verdict.reason}); an example must be worked right")
            examples.append(example)
        out[key] = tuple(examples)
    return out


QUOTED = re.compile(r"`([^`\n]+)`")  # a statement's example answers are quoted so


def examples_for(problem: Problem, examples: Mapping[str, Sequence[Example]],
                 statement_version: int = STATEMENT_VERSION) -> list[Example]:
    """The examples shown before `problem`: its family's, but none that shows a solution of `problem`
    itself, as its answer or as an example quoted in its statement (three cubes k=10's format
    example `1, -2, 3` solves k=20); if none is left, `default`'s, on the same terms."""
    def harmless(example: Example) -> bool:
        return not any(problem.verify(text).tier.rank for text in shown(example, statement_version))

    kept = [e for e in examples.get(problem.family, ()) if harmless(e)]
    return kept or [e for e in examples.get("default", ()) if harmless(e)]


def shown(example: Example, statement_version: int = STATEMENT_VERSION) -> list[str]:
    """Every answer-like text an example puts in a prompt: its answer and its statement's quoted examples."""
    return [example.answer, *QUOTED.findall(example.problem().statement_of(statement_version))]


def render_prompt(problem: Problem, examples: Sequence[Example], statement_version: int = STATEMENT_VERSION) -> str:
    """A few-shot completion prompt: the examples, then `problem`'s statement, ending at `Answer:`."""
    worked = "".join(Template(FEW_SHOT_EXAMPLE).safe_substitute(statement=e.problem().statement_of(statement_version),
                                                                answer=e.answer) for e in examples)
    return worked + Template(FEW_SHOT_QUESTION).safe_substitute(statement=problem.statement_of(statement_version))


def as_text(messages: Sequence[Mapping[str, str]]) -> str:
    """A chat prompt (evolve's operator asks in messages) for the raw completions endpoint: its
    messages' contents, a blank line between them, then a new line."""
    return "\n\n".join(m["content"] for m in messages if m.get("content")) + "\n"


def render_messages(problem: Problem, system_prompt: str, templates: Mapping[str, str],
                    statement_version: int = STATEMENT_VERSION) -> list[dict[str, str]]:
    template = templates.get(problem.family) or templates.get("default") or DEFAULT_TEMPLATE
    user = Template(template).safe_substitute(statement=problem.statement_of(statement_version), family=problem.family,
                                              problem_id=problem.id)
    messages = [{"role": "user", "content": user}]
    return [{"role": "system", "content": system_prompt}, *messages] if system_prompt else messages


def extract_answer(completion: str) -> str:
    """The last ```answer block's content, stripped; '' when there is none."""
    blocks = ANSWER_BLOCK.findall(completion or "")
    return blocks[-1].strip()[:MAX_ANSWER_CHARS] if blocks else ""
