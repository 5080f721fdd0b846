"""Headless Chromium against a real `mlflow ui`: what it renders, and where it connects."""
import os
import shutil

import pytest

from harness.testing.browser import mlflow_ui, render
from tests.engine.test_ray_session import connections

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None,
                                    reason="Debian's chromium is not installed (.ci/run installs it)")
IPV6_PROBE = "2001:4860:4860::8888"  # Chromium's IPv6 reachability probe: a UDP connect(), no packet sent


@needs_chromium
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
def test_the_browser_renders_the_ui_and_connects_to_nothing_but_loopback(tmp_path, monkeypatch):
    """Chromium alone looks up www.google.com and others (DNS queries to the resolver); with FLAGS
    no name is resolved and no connection leaves 127.0.0.1."""
    log = tmp_path / "strace.log"
    real = shutil.which("chromium")
    wrapper = tmp_path / "bin" / "chromium"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec strace -f -qq -e trace=connect -o {log} {real} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}:{os.environ['PATH']}")
    with mlflow_ui(f"sqlite:///{tmp_path / 'mlflow.db'}", log=tmp_path / "ui.log") as base:
        page = render(f"{base}/#/experiments/0/runs", budget_ms=10_000)
    assert "mlflow" in page.lower() and "<div" in page  # the UI's app rendered
    addresses, outside = connections(log)
    assert "127.0.0.1" in addresses
    assert set(outside) <= {IPV6_PROBE}, outside
    assert "htons(53)" not in log.read_text()  # no DNS query, to any resolver

