"""`python -m harness.testing.readme_examples`: the README's example outputs, made again from real
runs instead of pasted by hand. Each example is a command run in a scratch folder; the closing
lines it prints (from its last `run ...:` or `sweep ...:` line) replace the fenced block that
follows the README's marker `<!-- example: NAME -->`, with the scratch folder written as
/path/to/repo and run ids shortened to their first 8 characters. Takes 1 to 3 minutes."""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
EXAMPLES = {  # name: harness-run's arguments (the scratch folder is its results_dir)
    "default-run": [],  # what `make run` runs
    "review-sweep": ["-m", "solver=random,evolve", "bank=tiny", "attempts=2000", "experiment_name=review"],
}
CLOSING = re.compile(r"^(run|sweep) [0-9a-f]{32}")
RUN_ID = re.compile(r"\b([0-9a-f]{8})[0-9a-f]{24}\b")


def closing_lines(stdout: str, scratch: str) -> list[str]:
    """The lines a run or sweep ends with: its last `run`/`sweep` line and the indented ones after
    it, with the scratch folder as /path/to/repo and run ids shortened."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if CLOSING.match(line)]
    if not starts:
        raise ValueError("no closing `run ...` or `sweep ...` line in the output")
    kept = [lines[starts[-1]]]
    kept += [line for line in lines[starts[-1] + 1:] if line.startswith("  ")]
    return [RUN_ID.sub(r"\1...", line.replace(scratch, "/path/to/repo")) for line in kept]


def replace_block(readme: str, name: str, lines: list[str]) -> str:
    """The README with the fenced block after `<!-- example: name -->` holding `lines`."""
    marker = f"<!-- example: {name} -->"
    found = re.search(re.escape(marker) + r"\n```[^\n]*\n.*?\n```", readme, flags=re.S)
    if found is None:
        raise ValueError(f"README has no fenced block after {marker}")
    return readme[:found.start()] + marker + "\n```\n" + "\n".join(lines) + "\n```" + readme[found.end():]


def run_example(arguments: list[str]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="readme-example-") as scratch:
        done = subprocess.run([str(BIN / "harness-run"), *arguments, f"results_dir={scratch}/results"],
                              capture_output=True, text=True, timeout=900, cwd=scratch)
        if done.returncode != 0:
            raise SystemExit(f"readme_examples: harness-run {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
        return closing_lines(done.stdout, scratch)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.testing.readme_examples",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument("names", nargs="*", default=list(EXAMPLES), help=f"examples (default: all: {', '.join(EXAMPLES)})")
    args = parser.parse_args(argv)
    readme = args.readme.read_text()
    for name in args.names:
        if name not in EXAMPLES:
            raise SystemExit(f"readme_examples: no example {name!r}; there are {', '.join(EXAMPLES)}")
        readme = replace_block(readme, name, run_example(EXAMPLES[name]))
        print(f"{name}: made again")
    args.readme.write_text(readme)


if __name__ == "__main__":
    main()
