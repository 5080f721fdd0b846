import os
import tempfile

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
# The report's miss checks (harness.audit.misses.miss_check) are cached on disk: not in the user's cache from tests.
os.environ["HARNESS_CACHE_DIR"] = tempfile.mkdtemp(prefix="harness-test-cache-")
# An API key for the llm solver's tests; set before Ray starts, so its workers inherit it.
TEST_API_KEY_ENV = "HARNESS_TEST_API_KEY"
os.environ[TEST_API_KEY_ENV] = "sk-test-" + os.urandom(12).hex()

TINY_BANK = {
    "three_cubes": [{"k": 3, "bound": 5, "known_solutions": ["1, 1, 1"]}],
    "erdos_straus": [{"n": 5, "bound": 12}],
    "synthetic": [{"size": 20, "known_count": 5, "interesting_tail": 5}],
}


@pytest.fixture(scope="session")
def ray_local():
    """The harness's own local Ray, started once for the whole session."""
    import ray

    from harness.engine.ray_session import ensure_ray

    ensure_ray(num_cpus=2)
    yield ray
    ray.shutdown()


@pytest.fixture
def sigint_handled():
    """SIGINT handled by Python (raising KeyboardInterrupt) in this process, so also at its default
    in the processes it starts, whatever the launcher set: a background job of a script
    ignores SIGINT, and every process under it inherits that (seen: CI started that way ignored
    the tests' Ctrl-C; `_thread.interrupt_main` does nothing then either)."""
    import signal

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.fixture
def tiny_bank():
    return {family: [dict(p) for p in instances] for family, instances in TINY_BANK.items()}


# Hand-made runs for the report's and the comparison's tests: the tables harness-run writes, with known contents.
from harness.reporting.runs import RunData  # noqa: E402

COLUMNS = ["problem_id", "canonical", "first_valid", "first_novel", "first_interesting",
           "found_valid", "found_novel", "found_interesting"]
BANK = {"name": "toy", "instance_lists": [], "families": {"golomb": [{"marks": 4, "bound": 6}],
                                                         "pell": [{"d": 2, "bound": 20}, {"d": 3, "bound": 30}]}}


def make_run(seed, discoveries, *, arm="a", solver="random", attempts=1000, exchangeable=True, spend=1.0,
             tiers=None, solved=1):
    """One run's tables; `discoveries` are rows of COLUMNS. Problem ids are those of BANK."""
    table = pd.DataFrame(discoveries, columns=COLUMNS).astype({c: "Int64" for c in COLUMNS[2:5]})
    steps = np.array([1, 10, 100, attempts])
    curve = pd.DataFrame({"attempts": steps, "valid": np.minimum(steps, 4), "novel": np.minimum(steps, 2),
                          "interesting": 0, "solved": 1, "tokens": 0, "cost_usd": 0.0,
                          "compute_s": spend * steps / attempts})
    summary = {"run_id": f"{arm}-{seed}", "arm": arm, "solver": solver, "bank": "toy", "seed": seed,
               "exchangeable": exchangeable, "attempts_per_problem": attempts, "attempts": 3 * attempts,
               "problems": 3, "problems_solved": solved,
               "tiers": tiers or {"valid": 5, "novel": 3, "interesting": 2, "wrong": 2990},
               "discoveries": {"valid": 4, "novel": 2, "interesting": 1}, "elapsed_s": 1.0, "attempts_per_s": 3000}
    return RunData(f"{arm}-{seed}", summary, {"bank": BANK, "solver": {"name": solver}}, curve, table)

@pytest.fixture
def run():
    return make_run
