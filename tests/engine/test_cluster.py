"""A real multi-node Ray cluster (one node per Linux network namespace, see tests/engine/netns_cluster.py):
a sweep spreads over the nodes, and loses one node killed outright and one cut off mid-run,
every attempt still recorded exactly once; nothing leaves the namespaces."""
from __future__ import annotations

import ipaddress
import json
import re
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.engine.netns_cluster import SUBNET, NetnsCluster, netns_available

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ATTEMPTS = 300_000  # per problem of the tiny bank: about 20-40 s of work on three 1-CPU nodes here
# The head notices a lost node within a few seconds (Ray's default is 5 misses of a 3 s check, each
# allowed 10 s): an option of `ray start --head`, shown in the README's recipe.
FAST_NODE_DEATH = json.dumps({"health_check_initial_delay_ms": 1000, "health_check_period_ms": 1000,
                              "health_check_timeout_ms": 1000, "health_check_failure_threshold": 3})
ANY_CONNECT = re.compile(r"connect\(\d+, \{sa_family=(\w+)(.*)")
RAY_IP_PROBE = re.compile(r'sin_port=htons\(53\), sin_addr=inet_addr\("8\.8\.8\.8"\)\}, 16\) = -1 ENETUNREACH')
INET = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    why = netns_available()
    if why:
        pytest.skip(f"a multi-node cluster in network namespaces {why}")
    logs = tmp_path_factory.mktemp("cluster")
    with NetnsCluster(logs, workers=2, cpus=1, system_config=FAST_NODE_DEATH) as made:
        for node in made.nodes:  # nowhere to go but each other
            assert not [r for r in made.routes(node) if r.startswith("default")], made.routes(node)
        made.start()
        yield made
    # At exit every process of the namespaces is gone, and so are the namespaces.


def run(cluster: NetnsCluster, results: Path, name: str, attempts: int, fault=None) -> tuple[dict, float, str]:
    """harness-run as the driver in the head's namespace (RAY_ADDRESS, under strace); `fault(run_dir)`
    is called once a fifth of its batches are on disk. Returns its summary, wall time and stderr."""
    command = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(cluster.log_dir / f"strace-driver-{name}.log"),
               sys.executable, "-m", "harness.app.run", "bank=tiny", f"attempts={attempts}", "records=full",
               "tracking=off", f"results_dir={results}", f"experiment_name={name}", "checkpoint_s=1",
               "stall_floor_s=10", "stall_multiple=10"]
    err = cluster.log_dir / f"driver-{name}.err"
    began = time.monotonic()
    with open(err, "w") as stderr:
        driver = cluster.popen(cluster.head, command, env={"RAY_ADDRESS": cluster.address}, cwd=ROOT,
                               stdout=stderr, stderr=stderr)
        try:
            if fault is not None:
                while driver.poll() is None:
                    manifests = list((results / name).glob("*/manifest.jsonl"))
                    if manifests and len(batches(manifests[0])) >= 0.25 * 3 * attempts / 4000:
                        fault(manifests[0].parent)
                        break
                    time.sleep(0.2)
                else:
                    pytest.fail("the run ended before the fault: " + err.read_text()[-2000:])
            driver.wait(timeout=300)
        finally:
            if driver.poll() is None:
                driver.kill()
    took = time.monotonic() - began
    text = err.read_text()
    assert driver.returncode == 0, text[-3000:]
    [summary] = (results / name).glob("*/summary.json")
    return json.loads(summary.read_text()), took, text


def batches(manifest: Path) -> list:
    lines = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    return [key for line in lines for key in line.get("batches", [])]


def assert_every_attempt_once(summary: dict, attempts: int) -> None:
    """The run's Parquet records: attempts 0..N-1 of each problem, each exactly once."""
    table = pq.read_table(Path(summary["run_dir"]) / "attempts", columns=["problem_id", "attempt"])
    per_problem: dict[str, list[int]] = {}
    for problem, attempt in zip(table["problem_id"].to_pylist(), table["attempt"].to_pylist()):
        per_problem.setdefault(problem, []).append(attempt)
    assert len(per_problem) == summary["problems"] == 3
    for problem, indices in per_problem.items():
        assert sorted(indices) == list(range(attempts)), problem  # none lost, none twice
    assert summary["attempts"] == 3 * attempts == sum(summary["nodes"].values())


def connects(log: Path) -> list[tuple[str, str, str]]:
    """(family, address, the line) of every connect() in an `strace -f -e trace=connect` log."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        match = ANY_CONNECT.search(line)
        if match:
            address = INET.search(match.group(2))
            found.append((match.group(1), (address.group(1) or address.group(2)) if address else "", line))
    return found


def test_a_sweep_spreads_over_the_nodes_and_survives_a_node_killed_and_a_node_cut_off(cluster, tmp_path):
    ips = {node.ip: node for node in cluster.nodes}
    head, w1, w2 = cluster.nodes
    results = tmp_path / "results"
    figures = {}

    # 1. The work spreads: every node ran attempts, and summary.json says how many.
    spread, took, _ = run(cluster, results, "spread", 20_000)
    assert spread["workers"] == 3 and spread["batches_resent"] == 0
    assert set(spread["node_ips"].values()) == set(ips)
    assert all(count > 0 for count in spread["nodes"].values())
    assert_every_attempt_once(spread, 20_000)
    figures["spread"] = {"nodes": {spread["node_ips"][n]: c for n, c in spread["nodes"].items()}, "s": round(took)}

    # 2. A worker node killed outright mid-run: every process of its namespace, SIGKILL.
    killed = []
    killed_run, took, err = run(cluster, results, "killed", ATTEMPTS, fault=lambda _: killed.append(cluster.kill(w1)))
    assert killed and killed[0] > 0
    assert_every_attempt_once(killed_run, ATTEMPTS)
    assert killed_run["batches_resent"] >= 1 and killed_run["workers_lost"] >= 1
    assert "sent again" in err
    by_ip = {killed_run["node_ips"][n]: c for n, c in killed_run["nodes"].items()}
    assert by_ip.get(head.ip, 0) > 0 and by_ip.get(w2.ip, 0) > 0  # the survivors finished it
    figures["killed"] = {"nodes": by_ip, "resent": killed_run["batches_resent"], "s": round(took)}

    # The killed node comes back (a fresh `ray start` in its namespace) for the next fault.
    cluster.start_node(w1)
    cluster.wait_for(3, 180)

    # 3. A worker node cut off mid-run: its link taken down; it lives on, unreachable.
    cut_run, took, err = run(cluster, results, "cut", ATTEMPTS, fault=lambda _: cluster.cut(w2))
    assert_every_attempt_once(cut_run, ATTEMPTS)
    assert cut_run["batches_resent"] >= 1 and cut_run["workers_lost"] >= 1
    assert "sent again" in err
    by_ip = {cut_run["node_ips"][n]: c for n, c in cut_run["nodes"].items()}
    assert by_ip.get(head.ip, 0) > 0 and by_ip.get(w1.ip, 0) > 0
    figures["cut"] = {"nodes": by_ip, "resent": cut_run["batches_resent"], "s": round(took)}
    print("cluster figures:", json.dumps(figures))

    # Nothing left the namespaces: no default route anywhere (checked at set-up, and again now),
    # and every connect() of the driver and of every `ray start` (and all they started) went to
    # loopback, a namespace's own address or a Unix socket.
    for node in cluster.nodes:
        assert not [r for r in cluster.routes(node) if r.startswith("default")]
    allowed = {"127.0.0.1", *ips}
    logs = sorted(cluster.log_dir.glob("strace-*.log"))
    assert len(logs) >= 4 + 3  # three `ray start` (one twice) and three drivers
    seen, probes = [], []
    for log in logs:
        for family, address, line in connects(log):
            seen.append((family, address))
            assert family in ("AF_UNIX", "AF_INET", "AF_UNSPEC", "AF_NETLINK"), (log.name, line)
            if family == "AF_INET" and address not in allowed and not ipaddress.ip_address(address).is_loopback:
                # Ray's own "which IP am I" probe (C++ node_ip_address_from_perspective, called by `ray start`
                # and its runtime-env agent even with --node-ip-address): a UDP connect() to 8.8.8.8:53,
                # which sends nothing, and with no route fails at once. Nothing else may go elsewhere.
                assert RAY_IP_PROBE.search(line), (log.name, line)
                probes.append(log.name)
    assert any(address.startswith(SUBNET) for family, address in seen if family == "AF_INET")  # it saw the traffic
    assert all(not name.startswith("strace-driver") for name in probes)  # the driver: not even that
