"""Start Ray once per process: local and on loopback only by default, a cluster via RAY_ADDRESS."""
from __future__ import annotations

import atexit
import json
import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator, Mapping

import ray
from ray._private import ray_constants

LOOPBACK = "127.0.0.1"

# Ray's dashboard process asks cloud metadata services which cloud it runs on as it starts,
# whatever the usage-stats setting (ray/_common/usage/usage_lib.py,
# get_cloud_from_metadata_requests: 169.254.169.254, and a DNS lookup of
# metadata.google.internal), and a `ray start` head posts a "usage stats disabled" report to
# usage-stats.ray.io. Both go through `requests`, which honours the standard proxy variables:
# Ray's own processes get a closed port on loopback as their proxy, so those requests fail at
# once on 127.0.0.1 and nothing is resolved or sent elsewhere. Loopback itself is exempt
# (Ray's gRPC honours no_proxy too). Workers put the user's own values back
# (`restore_user_proxies`), so a solver's HTTP client there sees what the user set.
RAY_PROCESS_ENV: Mapping[str, str] = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "http_proxy": f"http://{LOOPBACK}:9",  # port 9, "discard": closed here, and loopback anyway
    "https_proxy": f"http://{LOOPBACK}:9",
    "no_proxy": f"{LOOPBACK},localhost,::1",
}


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to `address` (or $RAY_ADDRESS) or start a local instance; reuse one if running.

    A local instance listens on every interface by default; on Ray 2.60 under Linux this
    environment switch keeps every port on 127.0.0.1 (DESIGN.md, pitfalls). A cluster's head
    is started by its owner: `RAY_PROCESS_ENV` is what keeps it off the network too (README).
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
        users = {name: os.environ.get(name) for name in RAY_PROCESS_ENV if name.endswith("proxy")}
        # Inherited by the processes ray.init starts, and by the workers they start in turn.
        with _environment({**RAY_PROCESS_ENV, _USER_PROXIES: json.dumps(users)}):
            ray.init(num_cpus=num_cpus, include_dashboard=False, _node_ip_address=LOOPBACK,
                     logging_level="WARNING")
    atexit.register(ray.shutdown)
    if threading.current_thread() is threading.main_thread():
        # ray.init installs a handler that answers SIGTERM with a crash dump; a driver stopped
        # this way should stop like Ctrl-C stops it: an exception its run can clean up after.
        signal.signal(signal.SIGTERM, _interrupt)


_SIGNALS: list[int] = []  # the signals that interrupted this process, for `interrupted_by`


def _interrupt(signum: int, frame: object) -> None:
    # KeyboardInterrupt, not an exception of our own: Ray's blocking calls (ray.wait, ray.get)
    # turn only that one into a clean interruption (anything else leaves a SystemError).
    _SIGNALS.append(signum)
    raise KeyboardInterrupt


def interrupted_by() -> signal.Signals:
    """What a KeyboardInterrupt in this process came from: SIGTERM or (by default) SIGINT."""
    return signal.Signals(_SIGNALS[-1]) if _SIGNALS else signal.SIGINT


_USER_PROXIES = "HARNESS_USER_PROXIES"


def restore_user_proxies() -> None:
    """In a worker of a local instance: the proxy settings the user had, not Ray's own.
    (A job-level runtime_env would do the same at about 0.7 s more start-up per run.)"""
    saved = os.environ.pop(_USER_PROXIES, None)
    _set_environment(json.loads(saved) if saved else {})


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Sets variables for the duration of a block, then restores what was there."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
