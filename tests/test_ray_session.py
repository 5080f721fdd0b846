import ipaddress
import os

import psutil
import pytest


def listeners(pids: set[int]) -> tuple[list, list]:
    """The listening sockets of these processes, and those not on loopback."""
    listening = [c for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN and c.pid in pids]
    exposed = []
    for c in listening:
        address = ipaddress.ip_address(c.laddr.ip)
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_loopback:
            exposed.append((c.laddr, psutil.Process(c.pid).name()))
    return listening, exposed


def test_local_ray_listens_on_loopback_only(ray_local):
    assert {node["NodeManagerAddress"] for node in ray_local.nodes()} == {"127.0.0.1"}
    me = psutil.Process()
    listening, exposed = listeners({me.pid} | {child.pid for child in me.children(recursive=True)})
    assert len(listening) >= 3, "expected the GCS, the raylet and workers to listen"
    assert exposed == []


def test_ray_is_started_once_per_process(ray_local):
    from harness.ray_session import ensure_ray

    address = ray_local.get_runtime_context().gcs_address
    ensure_ray()  # a second call reuses the running instance
    assert ray_local.get_runtime_context().gcs_address == address
    assert os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_run_joins_the_cluster_named_by_ray_address(tmp_path):
    """A real cluster head started apart (`ray start --head`), on loopback only; harness-run
    joins it through RAY_ADDRESS. (A second node on the same machine would need Ray's
    multi-node switch on, which makes Ray listen on every interface: not done here.)"""
    import json
    import signal
    import subprocess
    import sys
    from pathlib import Path

    bin_dir = Path(sys.executable).parent
    port = free_port()
    # Ray 2.60 clusters started with `ray start` require a token; head and driver share this one.
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0",
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": os.urandom(16).hex()}
    env.pop("RAY_ADDRESS", None)
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=2", "--disable-usage-stats"]
    marker = f"127.0.0.1:{port}"
    import shutil
    import tempfile

    ray_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Unix socket paths must stay short

    def ray_start(*args):
        done = subprocess.run([str(bin_dir / "ray"), "start", *args, *common], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    try:
        ray_start("--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={ray_dir}")
        run = subprocess.run([str(bin_dir / "harness-run"), "bank=tiny", "attempts=3000", "tracking=off",
                              f"results_dir={tmp_path}", "experiment_name=cluster"],
                             env={**env, "RAY_ADDRESS": marker}, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        [summary_file] = (tmp_path / "cluster").glob("*/summary.json")
        summary = json.loads(summary_file.read_text())
        assert summary["workers"] == 2 and summary["attempts"] == 3 * 3000  # one worker per cluster CPU
        head = subprocess.run([str(bin_dir / "ray"), "status", f"--address={marker}"], env=env, capture_output=True,
                              text=True, timeout=60)
        assert "node_" in head.stdout, head.stdout  # the cluster outlived the run
        cluster = {p.pid for p in psutil.process_iter(["cmdline"])
                   if any(marker in part or ray_dir in part for part in p.info["cmdline"] or ())}
        listening, exposed = listeners(cluster)
        assert listening and exposed == []
    finally:  # stop only this cluster's processes, not the test session's own Ray
        for process in psutil.process_iter(["cmdline"]):
            if any(marker in part or ray_dir in part for part in process.info["cmdline"] or ()):
                try:
                    process.send_signal(signal.SIGKILL)
                except psutil.NoSuchProcess:
                    pass
        shutil.rmtree(ray_dir, ignore_errors=True)
