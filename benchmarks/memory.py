"""Peak driver memory for 10^5, 10^6 and 10^7 synthetic attempts: it should stay flat.

    .venv/bin/python benchmarks/memory.py [--volumes 100000 1000000 10000000]

Each volume is one `harness-run` (the synthetic urn, solver=synthetic, tracking off) in its
own process; the driver's memory is sampled every 0.2 s with psutil (the Ray worker
processes are separate and not counted): RSS, and USS, its private part. RSS also counts the
pages of Ray's shared object store the driver has read results from (zero-copy), which the
driver does not own; USS does not. Attempt records go to Parquet shards; the driver keeps
aggregates only. Prints the peaks per volume and the ratios largest/smallest.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HARNESS_RUN = str(Path(sys.executable).with_name("harness-run"))


def peak_memory(volume: int, results: Path) -> tuple[float, float, float]:
    began = time.perf_counter()
    driver = subprocess.Popen([HARNESS_RUN, "bank=synthetic", "solver=synthetic", f"attempts={volume}",
                               "tracking=off", f"results_dir={results}", "batch_size=20000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process, rss, uss = psutil.Process(driver.pid), 0, 0
    while driver.poll() is None:
        try:
            memory = process.memory_full_info()
        except psutil.NoSuchProcess:
            break
        rss, uss = max(rss, memory.rss), max(uss, memory.uss)
        time.sleep(0.2)
    if driver.returncode != 0:
        raise SystemExit(f"harness-run failed at volume {volume} (exit {driver.returncode})")
    return rss / 2**20, uss / 2**20, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, nargs="+", default=[10**5, 10**6, 10**7])
    args = parser.parse_args()
    peaks = []
    with tempfile.TemporaryDirectory() as scratch:
        for volume in args.volumes:
            rss, uss, seconds = peak_memory(volume, Path(scratch))
            peaks.append((rss, uss))
            print(f"{volume:>10} attempts: driver peak RSS {rss:7.1f} MiB, USS {uss:7.1f} MiB ({seconds:.0f} s)",
                  flush=True)
    first, last = args.volumes[0], args.volumes[-1]
    print(f"peak RSS at {last} / at {first} attempts = {peaks[-1][0] / peaks[0][0]:.2f}")
    print(f"peak USS at {last} / at {first} attempts = {peaks[-1][1] / peaks[0][1]:.2f}")


if __name__ == "__main__":
    main()
