import os

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
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

    from harness.ray_session import ensure_ray

    ensure_ray(num_cpus=2)
    yield ray
    ray.shutdown()


@pytest.fixture
def tiny_bank():
    return {family: [dict(p) for p in instances] for family, instances in TINY_BANK.items()}
