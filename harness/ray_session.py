"""Start Ray once per process: local and on loopback only by default, a cluster via RAY_ADDRESS."""
from __future__ import annotations

import atexit
import os

import ray
from ray._private import ray_constants

LOOPBACK = "127.0.0.1"


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to `address` (or $RAY_ADDRESS) or start a local instance; reuse one if running.

    A local instance listens on every interface by default; on Ray 2.60 under Linux this
    environment switch keeps every port on 127.0.0.1 (DESIGN.md, pitfalls).
    """
    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no traffic to the outside
    address = address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address, logging_level="WARNING")
    else:
        # The switch is read once, when ray is first imported (maybe before this call), and
        # again by every Ray process started from here: set both.
        os.environ[ray_constants.ENABLE_RAY_CLUSTERS_ENV_VAR] = "0"
        ray_constants.ENABLE_RAY_CLUSTER = False
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            _node_ip_address=LOOPBACK,
            logging_level="WARNING",
        )
    atexit.register(ray.shutdown)


def cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
