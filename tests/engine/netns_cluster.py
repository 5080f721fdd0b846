"""A real Ray cluster of several nodes on one machine, each node in its own Linux network namespace.

The namespaces are linked only to each other (veth pairs on a bridge inside the head's
namespace), addressed inside a private /24 and given no default route, so nothing a node
sends can leave them. Every `ray start` runs under `strace -f -e trace=connect`, so a test can
check afterwards that every connect() went to the namespaces' own addresses, loopback or a
Unix socket. For tests only (root, `ip netns`).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.engine.ray_session import RAY_PROCESS_ENV

SUBNET = "10.77.0"  # inside the namespaces only
BIN = Path(sys.executable).parent


def netns_available() -> str | None:
    """Why this machine cannot run the cluster, or None."""
    if os.geteuid() != 0:
        return "needs root (ip netns, veth pairs)"
    if shutil.which("ip") is None:
        return "needs iproute2's `ip`"
    name = f"h35probe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    if shutil.which("strace") is None:
        return "needs strace (apt-get install strace)"
    return None


def sh(*command: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")
    return done


@dataclass
class Node:
    name: str  # its namespace
    ip: str
    link: str  # its interface, inside its own namespace
    temp_dir: str
    log_dir: Path
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def strace_log(self) -> Path:  # of its latest `ray start`
        return self.log_dir / f"strace-{self.name}-{self.starts}.log"


@dataclass
class NetnsCluster:
    """`with NetnsCluster(tmp_path, workers=2) as cluster:` a head and `workers` worker nodes,
    `cpus` CPUs each. Everything it made (namespaces, processes, temp dirs) goes at exit."""
    log_dir: Path
    workers: int = 2
    cpus: int = 1
    port: int = 6379
    system_config: str = ""  # JSON, for the head (e.g. faster node-death detection)
    nodes: list = field(default_factory=list)
    token: str = field(default_factory=lambda: os.urandom(16).hex())
    prefix: str = field(default_factory=lambda: f"h35c{os.getpid() % 100000}")

    @property
    def head(self) -> Node:
        return self.nodes[0]

    @property
    def address(self) -> str:
        return f"{self.head.ip}:{self.port}"

    def env(self) -> dict[str, str]:
        """For every Ray process and the driver: token auth, no usage stats, requests' proxies on
        a closed loopback port (harness.engine.ray_session.RAY_PROCESS_ENV), this checkout importable."""
        env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")}
        root = str(Path(__file__).resolve().parents[2])
        return {**env, **RAY_PROCESS_ENV, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token,
                "PYTHONPATH": os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))}

    # -- the network ---------------------------------------------------------------------------
    def __enter__(self) -> "NetnsCluster":
        try:
            self._make_network()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _make_network(self) -> None:
        names = [f"{self.prefix}-head"] + [f"{self.prefix}-w{i}" for i in range(1, self.workers + 1)]
        for i, name in enumerate(names):
            sh("ip", "netns", "add", name)
            temp = tempfile.mkdtemp(prefix=f"r{i}-", dir="/tmp")  # Unix socket paths must stay short
            self.nodes.append(Node(name, f"{SUBNET}.{i + 1}", "br0" if i == 0 else "eth0", temp, self.log_dir))
            sh("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
            sh("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
            sh("ip", "-n", name, "link", "set", "lo", "up")
        head = self.head.name
        sh("ip", "-n", head, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", head, "addr", "add", f"{self.head.ip}/24", "dev", "br0")
        sh("ip", "-n", head, "link", "set", "br0", "up")
        for i, node in enumerate(self.nodes[1:], start=1):
            # Made straight inside the two namespaces: never an interface of the machine's own.
            sh("ip", "link", "add", f"p{i}", "netns", head, "type", "veth", "peer", "name", "eth0", "netns", node.name)
            sh("ip", "-n", head, "link", "set", f"p{i}", "master", "br0", "up")
            sh("ip", "-n", node.name, "addr", "add", f"{node.ip}/24", "dev", "eth0")
            sh("ip", "-n", node.name, "link", "set", "eth0", "up")

    def routes(self, node: Node) -> list[str]:
        """Every route of the namespace (IPv4 and IPv6)."""
        return [line for family in ("-4", "-6") for line in
                sh("ip", family, "-n", node.name, "route", "show", "table", "all", check=False).stdout.splitlines()
                if line.strip()]

    # -- Ray -----------------------------------------------------------------------------------
    def start(self, timeout_s: float = 180) -> None:
        for node in self.nodes:
            self.start_node(node)
            if node is self.head:
                self.wait_for(1, timeout_s)
        self.wait_for(len(self.nodes), timeout_s)

    def start_node(self, node: Node) -> None:
        role = (["--head", f"--port={self.port}", "--include-dashboard=false", "--disable-usage-stats"]
                + ([f"--system-config={self.system_config}"] if self.system_config else [])
                if node is self.head else [f"--address={self.address}"])
        # strace follows the node's daemons, so it ends only when they do.
        node.starts += 1
        node.process = subprocess.Popen(
            ["ip", "netns", "exec", node.name, "strace", "-f", "-qq", "-e", "trace=connect", "-o",
             str(node.strace_log), str(BIN / "ray"), "start", *role, f"--node-ip-address={node.ip}",
             f"--num-cpus={self.cpus}", f"--temp-dir={node.temp_dir}"],
            env=self.env(), stdout=open(self.log_dir / f"start-{node.name}.out", "a"), stderr=subprocess.STDOUT)

    def alive_nodes(self) -> list[str]:
        """The IPs of the nodes the head counts alive."""
        script = ("import json, ray; ray.init(address='auto', logging_level='ERROR'); "
                  "print(json.dumps([n['NodeManagerAddress'] for n in ray.nodes() if n['Alive']]))")
        done = self.exec(self.head, [sys.executable, "-c", script], env={"RAY_ADDRESS": self.address}, timeout=60)
        import json

        return json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 and done.stdout.strip() else []

    def wait_for(self, count: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.alive_nodes()) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not reach {count} nodes in {timeout_s:.0f} s")
            time.sleep(1)

    def exec(self, node: Node, command: list[str], env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", node.name, *command], env={**self.env(), **(env or {})},
                              capture_output=True, text=True, **kwargs)

    def popen(self, node: Node, command: list[str], env: dict | None = None, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(["ip", "netns", "exec", node.name, *command], env={**self.env(), **(env or {})},
                                **kwargs)

    # -- faults --------------------------------------------------------------------------------
    def pids(self, node: Node) -> list[int]:
        return [int(p) for p in sh("ip", "netns", "pids", node.name, check=False).stdout.split()]

    def kill(self, node: Node) -> int:
        """SIGKILL every process of the node's namespace (the node, its workers, their strace)
        until none is left. Returns how many were killed."""
        killed = set()
        for _ in range(50):
            pids = self.pids(node)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        return len(killed)

    def cut(self, node: Node) -> None:
        """Take the node's link down: it is alive, and unreachable."""
        sh("ip", "-n", node.name, "link", "set", node.link, "down")

    def close(self) -> None:
        for node in self.nodes:
            self.kill(node)
            if node.process is not None:
                try:
                    node.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    pass
        for node in self.nodes:
            sh("ip", "netns", "del", node.name, check=False)
            shutil.rmtree(node.temp_dir, ignore_errors=True)
