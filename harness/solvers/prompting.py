"""Prompts from problem statements, and the documented rule that takes the answer out of a completion.

Templates are `string.Template` text (so Hydra's `${...}` stays free): `$statement`,
`$family` and `$problem_id` are filled in. A family without its own template uses `default`.
`$statement` is the problem's statement in the wording asked for (harness.problem's
STATEMENT_VERSIONS: 1 replays recordings made with the first wording).

The answer rule: the content of the **last** fenced block opened with ```answer; if the
completion has no such block, the candidate is empty and verifies as `malformed`. Only the
extracted text goes to the verifier, which treats it as hostile like any candidate.
"""
from __future__ import annotations

import re
from string import Template
from typing import Mapping

from harness.problem import STATEMENT_VERSION, Problem

ANSWER_BLOCK = re.compile(r"```answer[^\S\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
MAX_ANSWER_CHARS = 4_000  # longer answers are cut; the parser's own limits then apply

DEFAULT_SYSTEM_PROMPT = (
    "You are a careful mathematician. Think briefly, then give your final answer in a fenced "
    "block that starts with ```answer and contains the answer only."
)
DEFAULT_TEMPLATE = "$statement\n\nEnd with your answer in a block:\n```answer\n<your answer>\n```"


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
