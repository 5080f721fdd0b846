"""Peak driver memory as volume grows: it should stay flat. Two paths:

    .venv/bin/python benchmarks/memory.py --path batch   [--volumes 10000000 100000000 1000000000]
    .venv/bin/python benchmarks/memory.py --path scalar  [--volumes 100000 1000000 10000000]

batch: the random solver on one batch-checked problem (three_cubes k=3, B=50), records=compact;
scalar: the synthetic urn (solver=synthetic), a full row per attempt. Each volume is one
`harness-run` (tracking off) in its own process; the driver's memory is sampled every 0.2 s
with psutil (the Ray worker processes are separate and not counted): RSS, and USS, its
private part. RSS also counts the pages of Ray's shared object store the driver has read
results from (zero-copy), which the driver does not own; USS does not. Records go to Parquet
shards; the driver keeps aggregates only. Prints the peaks and the run's size on disk per
volume, and the ratios largest/smallest.
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


PATHS = {
    "batch": (["solver=random", "bank=tiny", "~bank.families", "+bank.families={three_cubes: [{k: 3, bound: 50}]}"],
              [10**7, 10**8, 10**9]),
    "scalar": (["bank=synthetic", "solver=synthetic", "batch_size=20000"], [10**5, 10**6, 10**7]),
}


def peaks(driver: subprocess.Popen) -> tuple[int, int]:
    """The process's peak RSS and USS in bytes, sampled every 0.2 s until it ends."""
    process, rss, uss = psutil.Process(driver.pid), 0, 0
    while driver.poll() is None:
        try:
            memory = process.memory_full_info()
        except psutil.NoSuchProcess:
            break
        rss, uss = max(rss, memory.rss), max(uss, memory.uss)
        time.sleep(0.2)
    return rss, uss


def peak_memory(path: str, volume: int, results: Path) -> tuple[float, float, float]:
    began = time.perf_counter()
    driver = subprocess.Popen([HARNESS_RUN, *PATHS[path][0], f"attempts={volume}", "tracking=off",
                               f"results_dir={results}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rss, uss = peaks(driver)
    if driver.returncode != 0:
        raise SystemExit(f"harness-run failed at volume {volume} (exit {driver.returncode})")
    return rss / 2**20, uss / 2**20, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=sorted(PATHS), default="batch")
    parser.add_argument("--volumes", type=int, nargs="+", help="attempts per run (default: per path)")
    args = parser.parse_args()
    volumes = args.volumes or PATHS[args.path][1]
    peaks = []
    print(f"{args.path} path: harness-run {' '.join(PATHS[args.path][0])}")
    for volume in volumes:
        with tempfile.TemporaryDirectory() as scratch:
            rss, uss, seconds = peak_memory(args.path, volume, Path(scratch))
            disk = sum(f.stat().st_size for f in Path(scratch).rglob("*") if f.is_file()) / 2**20
        peaks.append((rss, uss))
        print(f"{volume:>10} attempts: driver peak RSS {rss:7.1f} MiB, USS {uss:7.1f} MiB ({seconds:.0f} s); "
              f"on disk {disk:.2f} MiB, {disk / volume * 1e8:.2f} MiB per 10^8 attempts", flush=True)
    first, last = volumes[0], volumes[-1]
    print(f"peak RSS at {last} / at {first} attempts = {peaks[-1][0] / peaks[0][0]:.2f}")
    print(f"peak USS at {last} / at {first} attempts = {peaks[-1][1] / peaks[0][1]:.2f}")


if __name__ == "__main__":
    main()
