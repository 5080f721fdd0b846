"""What a reviewer's browser shows: an MLflow UI started on 127.0.0.1, and headless Chromium
(Debian's `chromium` package; nothing else is downloaded) rendering its pages to a DOM dump or
a screenshot. Used by the review tests and by `python -m harness.testing.screenshots`.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# As root with no display and a closed network: no sandbox, no GPU, and none of Chromium's own
# traffic (updates, sync, field trials, proxies), so that it connects to the page alone. Even so
# it looks up www.google.com, accounts.google.com, ... (seen with strace -f): every name but
# 127.0.0.1 is answered "not found" inside Chromium, so that not even a DNS query leaves. What
# stays is its IPv6 reachability probe: a UDP connect() to 2001:4860:4860::8888, which sends nothing.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--no-proxy-server", "--hide-scrollbars",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
WINDOW = (1600, 1100)
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 directly, never via a proxy


class BrowserError(RuntimeError):
    """No Chromium, or a page that never showed what it should."""


def chromium() -> str:
    found = shutil.which("chromium")
    if not found:
        raise BrowserError("no chromium on PATH: install Debian's package (apt-get install chromium)")
    return found


def render(url: str, *, screenshot: Path | None = None, budget_ms: int = 20_000,
           window: tuple[int, int] = WINDOW, timeout_s: float = 120) -> str:
    """The page's DOM after `budget_ms` of virtual time (scripts run, requests answered); with
    `screenshot`, a PNG of the window instead (and no DOM). Each call is a fresh profile."""
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}",
                   f"--virtual-time-budget={budget_ms}",
                   f"--screenshot={Path(screenshot).resolve()}" if screenshot else "--dump-dom", url]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"chromium took over {timeout_s:g} s on {url}") from None
    if done.returncode != 0:
        raise BrowserError(f"chromium failed ({done.returncode}) on {url}: {done.stderr[-500:]}")
    return done.stdout


def render_until(url: str, expected: list[str], *, screenshot: Path | None = None, tries: int = 4,
                 window: tuple[int, int] = WINDOW) -> str:
    """The DOM, rendered again with twice the virtual time until it holds every text of
    `expected` (the UI fetches runs and metric histories before it draws, in varying time);
    with `screenshot`, then a PNG with the time that sufficed."""
    budget = 20_000
    for _ in range(tries):
        dom = render(url, budget_ms=budget, window=window)
        missing = [text for text in expected if text not in dom]
        if not missing:
            if screenshot is not None:
                render(url, screenshot=screenshot, budget_ms=budget, window=window)
            return dom
        budget *= 2
    raise BrowserError(f"{url} never showed {', '.join(missing)} ({tries} tries, up to {budget // 2} ms)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def mlflow_ui(tracking_uri: str, port: int | None = None, log: Path | None = None,
              wait_s: float = 120) -> Iterator[str]:
    """`mlflow ui` on 127.0.0.1 over the store at `tracking_uri`, until the block ends; yields its base URL."""
    port = port or free_port()
    mlflow = str(Path(sys.executable).with_name("mlflow"))
    out = open(log, "w") if log else subprocess.DEVNULL
    server = subprocess.Popen([mlflow, "ui", "--backend-store-uri", tracking_uri, "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "1"], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait_s
        while True:
            if server.poll() is not None:
                raise BrowserError(f"mlflow ui exited ({server.returncode}) before it answered"
                                   + (f"; see {log}" if log else ""))
            try:
                with LOOPBACK.open(f"{base}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BrowserError(f"mlflow ui did not answer on {base} within {wait_s:g} s")
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log:
            out.close()
