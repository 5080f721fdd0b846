"""A bank of very many problems at few attempts each: the per-problem costs of the harness.

    .venv/bin/python benchmarks/many_problems.py [--problems 100000] [--baseline 1000]

Each run is one `harness-run` (tracking off) in its own process, on erdos_straus instances
n = 2, 3, ... (bound 50) from a generated instance list: `--problems` of them at attempts=1,
and, as the baseline in the same run, the same total attempts on `--baseline` problems (so
attempts = problems / baseline each). Prints, for each: wall seconds, attempts per second
once the workers were up (summary.json), start-up, and the driver's peak memory (psutil,
every 0.2 s); then the ratio of the two rates: 1.0 would mean a problem costs nothing beyond
its attempts. (Before attempts of many problems went together in one Ray call, 10^5 problems
at attempts=1 ran at about 450 attempts/s in 5 min 13 s with a 1.15 GB driver.)
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from memory import peaks  # benchmarks/memory.py, beside this script

HARNESS_RUN = str(Path(sys.executable).with_name("harness-run"))


def run(problems: int, attempts: int, scratch: Path) -> dict:
    instances = scratch / f"erdos_straus_{problems}.yaml"
    instances.write_text(yaml.safe_dump({"family": "erdos_straus",
                                         "instances": [{"n": n, "bound": 50} for n in range(2, problems + 2)]}))
    results = scratch / f"results_{problems}"
    began = time.perf_counter()
    driver = subprocess.Popen([HARNESS_RUN, f"bank.instance_lists=[{instances}]", "bank.families={}",
                               f"attempts={attempts}", "tracking=off", f"results_dir={results}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rss, uss = peaks(driver)
    if driver.wait() != 0:
        raise SystemExit(f"harness-run failed on {problems} problems (exit {driver.returncode}): "
                         f"{driver.stderr.read()[-2000:]}")
    [summary] = results.glob("default/*/summary.json")
    numbers = json.loads(summary.read_text())
    return {"wall_s": time.perf_counter() - began, "rate": numbers["attempts_per_s"],
            "startup_s": numbers["startup_s"], "rss_mib": rss / 2**20, "uss_mib": uss / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000, help="problems of the baseline run")
    args = parser.parse_args()
    if args.problems % args.baseline:
        raise SystemExit("--problems must be a multiple of --baseline (the same total attempts)")
    rows = {}
    with tempfile.TemporaryDirectory() as scratch:
        for problems, attempts in ((args.baseline, args.problems // args.baseline), (args.problems, 1)):
            rows[problems] = row = run(problems, attempts, Path(scratch))
            print(f"{problems:>7} problems x {attempts:>4} attempts: {row['wall_s']:6.1f} s wall, "
                  f"{row['rate']:8.1f} attempts/s once up (start-up {row['startup_s']:.1f} s), "
                  f"driver peak RSS {row['rss_mib']:.0f} MiB, USS {row['uss_mib']:.0f} MiB", flush=True)
    print(f"attempts/s with {args.problems} problems / with {args.baseline} = "
          f"{rows[args.problems]['rate'] / rows[args.baseline]['rate']:.2f}")


if __name__ == "__main__":
    main()
