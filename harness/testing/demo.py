"""Re-record the shipped LLM-shaped demo (results/reference/llm-demo/).

    python -m harness.testing.demo [--out results/reference/llm-demo] [--seeds 0 1 2]
    python -m harness.testing.demo --reanalyse     # keep the recording, recompute the reference analysis

Starts the fake OpenAI-compatible server on 127.0.0.1 with scripted, LLM-shaped answers for
the tiny bank (a stand-in: no model is involved), runs the `llm_demo` experiment against it
with recording on, once per seed, and stores the recording with the analysis replay must
reproduce (of the first seed). The other seeds are there for sweeps that replay several
(`experiment=volume_thesis`). After a change to the analysis, --reanalyse replays the
recording to refresh that reference.
"""
from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hydra import compose, initialize_config_dir

from harness.app.run import CONFIG_DIR
from harness.bank.banks import bank_from_config_name
from harness.run.config import job_config, register_schema
from harness.run.job import run_job
from harness.testing.fake_llm import FakeLLMServer, bank_responder

REFERENCE = Path("results/reference/llm-demo")
# What replay must reproduce exactly; `compute_s` is left out, since verification is re-timed.
REPRODUCED = {"curve.csv": ["attempts", "valid", "novel", "interesting", "solved", "tokens", "cost_usd"],
              "discoveries.csv": None, "estimate.csv": None}


def demo_config(overrides: list[str]):
    register_schema()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return job_config(compose(config_name="config", overrides=["experiment=llm_demo", "tracking=off", *overrides]))


def reference_tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(run_dir / name)[columns] if columns else pd.read_csv(run_dir / name)
            for name, columns in REPRODUCED.items()}


def record(out: Path, seeds: list[int]) -> None:
    with tempfile.TemporaryDirectory() as scratch, \
            FakeLLMServer(bank_responder(bank_from_config_name("tiny")), latency_s=0.02) as server:
        recording = Path(scratch) / "recording"
        results = [run_job(demo_config([f"solver.base_url={server.url}", f"solver.record_dir={recording}",
                                        f"results_dir={scratch}", f"seed={seed}"])) for seed in seeds]
        result = results[0]
        out.mkdir(parents=True, exist_ok=True)
        lines = sorted(line for part in recording.glob("*.jsonl") for line in part.read_text().splitlines())
        with gzip.open(out / "recording.jsonl.gz", "wt", encoding="utf-8") as gz:
            gz.writelines(line + "\n" for line in lines)
        for name, table in reference_tables(result.run_dir).items():
            table.to_csv(out / name, index=False)
        shutil.copy(result.run_dir / "yield.png", out / "yield.png")
    print(f"recorded {len(lines)} completions and the reference analysis in {out}")


def reanalyse(out: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        config = demo_config(["solver=replay", f"solver.recording={out / 'recording.jsonl.gz'}",
                              f"results_dir={scratch}"])
        result = run_job(config)
        if result.summary["tiers"]["error"]:
            raise SystemExit("the recording no longer matches the llm_demo prompts: record it again")
        for name, table in reference_tables(result.run_dir).items():
            table.to_csv(out / name, index=False)
    print(f"recomputed the reference analysis in {out} from its recording")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.testing.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REFERENCE)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="seeds to record; the reference analysis is of the first")
    parser.add_argument("--reanalyse", action="store_true", help="replay the recording, refresh the analysis")
    args = parser.parse_args(argv)
    reanalyse(args.out) if args.reanalyse else record(args.out, args.seeds)


if __name__ == "__main__":
    main()
