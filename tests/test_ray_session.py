import ipaddress
import os

import psutil


def test_local_ray_listens_on_loopback_only(ray_local):
    assert {node["NodeManagerAddress"] for node in ray_local.nodes()} == {"127.0.0.1"}
    me = psutil.Process()
    ray_pids = {me.pid} | {child.pid for child in me.children(recursive=True)}
    listening = [
        c for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.pid in ray_pids
    ]
    assert len(listening) >= 3, "expected the GCS, the raylet and workers to listen"
    exposed = []
    for c in listening:
        address = ipaddress.ip_address(c.laddr.ip)
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_loopback:
            exposed.append((c.laddr, psutil.Process(c.pid).name()))
    assert exposed == []


def test_ray_is_started_once_per_process(ray_local):
    from harness.ray_session import ensure_ray

    address = ray_local.get_runtime_context().gcs_address
    ensure_ray()  # a second call reuses the running instance
    assert ray_local.get_runtime_context().gcs_address == address
    assert os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"
