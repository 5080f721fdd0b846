"""A throw-away PostgreSQL cluster on 127.0.0.1 and an `mlflow server` on top of it, as a team
would run one (README, A Ray cluster, an MLflow server). Used by the tracking-server tests.

The cluster is Debian's PostgreSQL (package `postgresql`; its binaries live in
/usr/lib/postgresql/<version>/bin, off PATH), made by initdb in a temporary folder and started
by pg_ctl: no system service, nothing outside that folder. PostgreSQL refuses to run as root,
so as root the cluster runs as the unprivileged user `nobody`. It listens on 127.0.0.1 only
(and a Unix socket inside its folder), with a password.
"""
from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from harness.testing.browser import LOOPBACK, free_port

USER = "harness"
DATABASE = "mlflow"


class PostgresError(RuntimeError):
    """No PostgreSQL binaries, or a cluster or server that did not start."""


def pg_bin(name: str) -> str:
    """A PostgreSQL program: from Debian's versioned folder (newest first), else from PATH."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(Path(f).parent.name), reverse=True):
        if Path(folder, name).is_file():
            return str(Path(folder, name))
    found = shutil.which(name)
    if not found:
        raise PostgresError(f"no PostgreSQL {name}: install Debian's package (apt-get install postgresql)")
    return found


def available() -> bool:
    try:
        pg_bin("initdb"), pg_bin("pg_ctl")
    except PostgresError:
        return False
    return True


def as_owner() -> dict:
    """Popen's arguments that run a PostgreSQL program as the cluster's owner: `nobody` as root."""
    return {"user": "nobody", "group": "nogroup", "extra_groups": []} if os.geteuid() == 0 else {}


@dataclass(frozen=True)
class Cluster:
    folder: Path
    port: int
    password: str

    def uri(self, database: str = DATABASE) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"


def _run(command: list[str], what: str, timeout: float = 120, **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        raise PostgresError(f"{what} failed ({done.returncode}): {(done.stderr or done.stdout)[-1500:]}")


@contextmanager
def postgres_cluster(port: int | None = None) -> Iterator[Cluster]:
    """initdb, pg_ctl start, a database `mlflow`; stopped and removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="harness-pg-"))
    owner = as_owner()
    if owner:
        shutil.chown(folder, owner["user"], owner["group"])
    password = secrets.token_hex(12)
    (folder / "pwfile").write_text(password + "\n")
    if owner:
        shutil.chown(folder / "pwfile", owner["user"], owner["group"])
    data, log = folder / "data", folder / "postgres.log"
    port = port or free_port()
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    started = False
    try:
        try:
            _run([pg_bin("initdb"), "-D", str(data), "-U", USER, "--pwfile", str(folder / "pwfile"),
                  "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"], "initdb", env=env, cwd=folder, **owner)
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
            started = True  # from here on, stopped at the end (pg_ctl stop of a cluster not running is harmless)
            _run([pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
                 "pg_ctl start", env=env, cwd=folder, **owner)
            _run([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE], "createdb",
                 env={**env, "PGPASSWORD": password})
        except PostgresError as exc:
            tail = log.read_text()[-1500:] if log.exists() else ""
            raise PostgresError(f"{exc}\n{tail}") from None
        yield Cluster(folder, port, password)
    finally:
        if started:
            subprocess.run([pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, env=env, cwd=folder, timeout=60, **owner)
        shutil.rmtree(folder, ignore_errors=True)


class MlflowServer:
    """`mlflow server` on 127.0.0.1 over a backend store, serving its artifacts from `artifacts`.
    Its own process group, so that `kill()` takes its workers too (a server lost mid-run)."""

    def __init__(self, backend_uri: str, artifacts: Path, port: int | None = None, log: Path | None = None,
                 workers: int = 1) -> None:
        self.backend_uri, self.artifacts, self.log, self.workers = backend_uri, Path(artifacts), log, workers
        self.port = port or free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, wait_s: float = 180) -> "MlflowServer":
        mlflow = str(Path(sys.executable).with_name("mlflow"))
        out = open(self.log, "a") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [mlflow, "server", "--backend-store-uri", self.backend_uri, "--serve-artifacts",
             "--artifacts-destination", str(self.artifacts), "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
        if self.log:
            out.close()
        deadline = time.monotonic() + wait_s
        while True:
            if self.process.poll() is not None:
                raise PostgresError(f"mlflow server exited ({self.process.returncode}) before it answered"
                                    + (f"; see {self.log}" if self.log else ""))
            try:
                with LOOPBACK.open(f"{self.uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise PostgresError(f"mlflow server did not answer on {self.uri} within {wait_s:g} s")
            time.sleep(0.3)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Every process of the server at once (SIGKILL: a lost server, nothing said to its clients)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def __enter__(self) -> "MlflowServer":
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
