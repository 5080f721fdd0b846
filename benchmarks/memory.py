"""Peak driver memory for 10^5, 10^6 and 10^7 synthetic attempts: it should stay flat.

    .venv/bin/python benchmarks/memory.py [--volumes 100000 1000000 10000000]

Each volume is one `harness-run` (the synthetic urn, solver=synthetic, tracking off) in its
own process; the driver's resident memory is sampled every 0.1 s with psutil (the Ray
worker processes are separate and not counted). Attempt records go to Parquet shards; the
driver keeps aggregates only. Prints the peak RSS per volume and the ratio largest/smallest.
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


def peak_rss(volume: int, results: Path) -> tuple[float, float]:
    began = time.perf_counter()
    driver = subprocess.Popen([HARNESS_RUN, "bank=synthetic", "solver=synthetic", f"attempts={volume}",
                               "tracking=off", f"results_dir={results}", "batch_size=20000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process, peak = psutil.Process(driver.pid), 0
    while driver.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    if driver.returncode != 0:
        raise SystemExit(f"harness-run failed at volume {volume} (exit {driver.returncode})")
    return peak / 2**20, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, nargs="+", default=[10**5, 10**6, 10**7])
    args = parser.parse_args()
    peaks = []
    with tempfile.TemporaryDirectory() as scratch:
        for volume in args.volumes:
            mib, seconds = peak_rss(volume, Path(scratch))
            peaks.append(mib)
            print(f"{volume:>10} attempts: driver peak RSS {mib:7.1f} MiB ({seconds:.0f} s)", flush=True)
    print(f"peak RSS at {args.volumes[-1]} / at {args.volumes[0]} attempts = {peaks[-1] / peaks[0]:.2f}")


if __name__ == "__main__":
    main()
