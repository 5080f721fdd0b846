import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from harness.engine.ray_session import RAY_PROCESS_ENV

HARNESS_RUN = str(Path(sys.executable).with_name("harness-run"))
# Debian's strace; .ci/run installs it where it is missing, so CI always runs these tests.
needs_strace = pytest.mark.skipif(shutil.which("strace") is None and not os.environ.get("CI"),
                                  reason="strace is not installed (apt-get install strace)")


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


CONNECT = re.compile(r'connect\(\d+, \{sa_family=(AF_INET6?),.*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")')


def connections(strace_log: Path) -> tuple[list[str], list[str]]:
    """The addresses of the IP connect() calls in an `strace -f -e trace=connect` log, and
    those of them that are not loopback."""
    addresses = [v4 or v6 for _, v4, v6 in CONNECT.findall(strace_log.read_text())]
    outside = []
    for text in addresses:
        address = ipaddress.ip_address(text)
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_loopback:
            outside.append(text)
    return addresses, outside


def strace(log: Path, *command: str) -> list[str]:
    return ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(log), *command]


def test_the_connect_parser_sees_what_is_off_loopback(tmp_path):
    log = tmp_path / "strace.log"
    log.write_text('2094  connect(23, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("169.254.169.254")}'
                   ', 16) = -1 EINPROGRESS\n'
                   '2094  connect(23, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16)'
                   ' = 0\n'
                   '77 connect(5, {sa_family=AF_INET6, sin6_port=htons(1), sin6_flowinfo=htonl(0), '
                   'inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = 0\n'
                   '77 connect(6, {sa_family=AF_UNIX, sun_path="/tmp/x"}, 110) = 0\n')
    assert connections(log) == (["169.254.169.254", "10.255.255.53", "::ffff:127.0.0.1"],
                                ["169.254.169.254", "10.255.255.53"])


@needs_strace
@pytest.mark.slow
def test_a_local_run_connects_to_nothing_but_loopback(tmp_path):
    """Every process of a run, Ray's dashboard among them (which would ask cloud metadata
    services where it runs), under strace: no connect() leaves 127.0.0.1."""
    log = tmp_path / "strace.log"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    done = subprocess.run(strace(log, HARNESS_RUN, "bank=tiny", "attempts=2000", "tracking=local",
                                 f"results_dir={tmp_path}"), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    addresses, outside = connections(log)
    assert len(addresses) > 10  # Ray's processes talk to each other: the log saw them
    assert outside == []


def test_local_ray_listens_on_loopback_only(ray_local):
    assert {node["NodeManagerAddress"] for node in ray_local.nodes()} == {"127.0.0.1"}
    me = psutil.Process()
    listening, exposed = listeners({me.pid} | {child.pid for child in me.children(recursive=True)})
    assert len(listening) >= 3, "expected the GCS, the raylet and workers to listen"
    assert exposed == []


def test_ray_is_started_once_per_process(ray_local):
    from harness.engine.ray_session import ensure_ray

    address = ray_local.get_runtime_context().gcs_address
    ensure_ray()  # a second call reuses the running instance
    assert ray_local.get_runtime_context().gcs_address == address
    assert os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_strace
@pytest.mark.slow
def test_a_run_joins_the_cluster_named_by_ray_address(tmp_path):
    """A real cluster head started apart (`ray start --head`, with RAY_PROCESS_ENV as the
    README says), on loopback only and connecting nowhere else (under strace); harness-run
    joins it through RAY_ADDRESS. (Several nodes, each in its own network namespace:
    tests/engine/test_cluster.py.)"""
    import json
    import signal
    import tempfile
    import time

    bin_dir = Path(sys.executable).parent
    port = free_port()
    # Ray 2.60 clusters started with `ray start` require a token; head and driver share this one.
    env = {**os.environ, **RAY_PROCESS_ENV, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": os.urandom(16).hex()}
    env.pop("RAY_ADDRESS", None)
    marker = f"127.0.0.1:{port}"
    ray_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Unix socket paths must stay short
    log = tmp_path / "strace-head.log"
    # strace follows the head's daemons, so it ends only when they do (in `finally`).
    head = subprocess.Popen(strace(log, str(bin_dir / "ray"), "start", "--head", f"--port={port}",
                                   "--include-dashboard=false", f"--temp-dir={ray_dir}", "--node-ip-address=127.0.0.1",
                                   "--num-cpus=2", "--disable-usage-stats"),
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def status() -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_dir / "ray"), "status", f"--address={marker}"], env=env, capture_output=True,
                              text=True, timeout=60)

    try:
        deadline = time.monotonic() + 180
        while "node_" not in status().stdout:
            assert time.monotonic() < deadline, "the head did not come up"
            time.sleep(1)
        run = subprocess.run([str(bin_dir / "harness-run"), "bank=tiny", "attempts=3000", "tracking=off",
                              f"results_dir={tmp_path}", "experiment_name=cluster"],
                             env={**env, "RAY_ADDRESS": marker}, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        [summary_file] = (tmp_path / "cluster").glob("*/summary.json")
        summary = json.loads(summary_file.read_text())
        assert summary["workers"] == 2 and summary["attempts"] == 3 * 3000  # one worker per cluster CPU
        assert "node_" in status().stdout  # the cluster outlived the run
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
        head.wait(timeout=60)
        shutil.rmtree(ray_dir, ignore_errors=True)
    addresses, outside = connections(log)
    assert addresses and outside == []  # the head's processes, the dashboard's among them


def test_workers_get_the_users_proxy_settings_back(ray_local, tiny_bank):
    """Ray's own processes carry the loopback proxy; the harness's workers do not."""
    from harness.bank.banks import build_bank
    from harness.engine.worker import AttemptWorker
    from harness.engine.sandbox import SandboxLimits

    def proxies(*_):
        return {name: os.environ.get(name) for name in RAY_PROCESS_ENV if name.endswith("proxy")}

    assert ray_local.get(ray_local.remote(proxies).remote()) == {
        name: value for name, value in RAY_PROCESS_ENV.items() if name.endswith("proxy")}
    worker = ray_local.remote(AttemptWorker).remote(build_bank(tiny_bank), {"name": "random"}, 0, SandboxLimits())
    try:
        assert ray_local.get(worker.__ray_call__.remote(proxies)) == proxies()  # as in this process
    finally:
        ray_local.kill(worker)
