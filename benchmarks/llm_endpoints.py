"""How a model answers best: valid-answer rates on the chat endpoint and on raw few-shot completions.

    .venv/bin/python benchmarks/llm_endpoints.py [--model gemma3-270m] [--attempts 50] [--problems ID;ID;...]
        [--threads 2] [--seed 0] [--no-free]

On the managed llama-server (`make llm-server`), for each default-bank problem given and each of
four ways of asking (chat or completions endpoint, constrained by the family's answer grammar or
free), `attempts` completions through the llm solver (configs/solver/llm.yaml's prompts and few-shot
examples; max_tokens 48 constrained, 64 free), verified. Prints one JSON line per problem and way
(valid = valid, novel or interesting; answer_blocks = completions with an answer block; the most
frequent answers), then the totals per way.
"""
from __future__ import annotations

import argparse
import collections
import json
import tempfile
from pathlib import Path

from harness.bank.banks import bank_from_config_name
from harness.bank.yamlfile import read_yaml
from harness.engine.attempts import attempt_table
from harness.servers import LlamaServerConfig, ManagedServer
from harness.solvers import make_solver

LLM_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "solver" / "llm.yaml"
PROBLEMS = ("three_cubes/k=3,B=6;three_cubes/k=29,B=40;erdos_straus/n=5,B=30;erdos_straus/n=7,B=60;pell/D=2,B=20;"
            "pell/D=3,B=30;golomb/m=4,L=6;factor/p=x**2-1;sequence/naturals;antiderivative/f=cos(x)")
SOLVED = ("valid", "novel", "interesting")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma3-270m")
    parser.add_argument("--attempts", type=int, default=50, help="per problem and way of asking")
    parser.add_argument("--problems", default=PROBLEMS, help="default-bank problem ids, ';'-separated")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--free", action=argparse.BooleanOptionalAction, default=True, help="also free answers")
    args = parser.parse_args()
    ids = args.problems.split(";")
    problems = {p.id: p for p in bank_from_config_name("default") if p.id in ids}
    missing = sorted(set(ids) - set(problems))
    if missing:
        raise SystemExit(f"not in the default bank: {', '.join(missing)}")
    totals: dict[str, collections.Counter] = {}
    with tempfile.TemporaryDirectory() as logs, ManagedServer(
            LlamaServerConfig(model=args.model, threads=args.threads, parallel=args.slots), Path(logs) / "log") as server:
        for constrain in (True, False) if args.free else (True,):
            for endpoint in ("chat", "completions"):
                solver = make_solver({**read_yaml(LLM_CONFIG), "base_url": server.url, "api_key_env": None, "n": 1,
                                      "max_concurrency": args.slots, "endpoint": endpoint, "constrain": constrain,
                                      "max_tokens": 48 if constrain else 64, "timeout_s": 600})
                way = f"{endpoint}, {'constrained' if constrain else 'free'}"
                for pid in ids:
                    table = attempt_table(problems[pid], solver, args.seed, 0, args.attempts).to_pandas()
                    row = {"valid": int(table["tier"].isin(SOLVED).sum()), "attempts": len(table),
                           "answer_blocks": int((table["candidate"] != "").sum()),
                           "malformed": int((table["tier"] == "malformed").sum())}
                    totals.setdefault(way, collections.Counter()).update(row)
                    print(json.dumps({"model": args.model, "way": way, "problem": pid, **row,
                                      "distinct": int(table.loc[table["tier"].isin(SOLVED), "canonical"].nunique()),
                                      "top": collections.Counter(table["candidate"]).most_common(3)}), flush=True)
    for way, total in totals.items():
        print(f"{args.model} {way}: {total['valid']} valid of {total['attempts']} "
              f"({100 * total['valid'] / total['attempts']:.1f}%), {total['answer_blocks']} answer blocks, "
              f"{total['malformed']} malformed")


if __name__ == "__main__":
    main()
