"""llama.cpp's `llama-server`, started by the harness on 127.0.0.1 and stopped with it.

It listens on a free loopback port, with the configured model, threads, parallel slots and
context; `start` returns once `/health` says the model is loaded, or raises ServerError with
the tail of the server's log. The process dies with the driver however the driver ends (a
parent-death signal, set by util-linux's `setpriv` before the server's own code runs), and
`cpu_seconds` says how much CPU it has used, so runs can count the model's compute.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import psutil

from harness.core.settings import positive, whole
from harness.servers.install import DEFAULT_MODEL, MODELS, Model, model_path, server_path
from harness.servers.provenance import sha256_file

LOOPBACK = "127.0.0.1"
LOG_TAIL_CHARS = 2_000


class ServerError(RuntimeError):
    """The server could not be started, or stopped answering."""


def model_of_file(path: Path) -> Model | None:
    """The model of install.MODELS whose file `path` is (by its sha256), if any."""
    if not path.is_file():
        return None
    digest = sha256_file(path)
    return next((model for model in MODELS.values() if model.sha256 == digest), None)


@dataclass(frozen=True)
class LlamaServerConfig:
    binary: str = ""  # default: the cached build (`make llm-server`)
    model: str = DEFAULT_MODEL  # a name in install.MODELS (smollm2-135m, gemma3-270m), or a GGUF file's path
    threads: int = 2
    parallel: int = 4  # slots: requests decoded together (and the most `n` it honours)
    context: int = 4096  # tokens, shared by the slots
    startup_timeout_s: float = 180.0
    extra_args: tuple[str, ...] = ()  # passed to llama-server as they stand

    def __post_init__(self) -> None:
        for setting in ("threads", "parallel", "context"):
            whole(setting, getattr(self, setting), 1)
        positive("startup_timeout_s", self.startup_timeout_s)
        object.__setattr__(self, "extra_args", tuple(str(a) for a in self.extra_args))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "LlamaServerConfig":
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(f"server llama_cpp has no setting {', '.join(unknown)}; its settings are: "
                             f"{', '.join(sorted(known))}")
        return cls(**settings)

    @property
    def model_args(self) -> tuple[str, ...]:
        """The llama-server arguments a model of install.MODELS is served with: named, or given
        by the path of its file (found by its sha256); none for any other file."""
        model = MODELS.get(self.model or DEFAULT_MODEL) or model_of_file(Path(self.model).expanduser())
        return model.server_args if model else ()

    def resolved(self) -> tuple[Path, Path]:
        """(binary, model), checked: present, executable, a GGUF file."""
        binary = Path(self.binary).expanduser() if self.binary else server_path()
        if not binary.is_file() or not shutil.which(str(binary)):
            raise ServerError(f"no llama-server at {binary}: run `make llm-server` (builds it once per machine), "
                              "or set server.binary")
        named = (self.model or DEFAULT_MODEL) in MODELS
        model = model_path(self.model or DEFAULT_MODEL) if named else Path(self.model).expanduser()
        if not model.is_file():
            hint = "run `make llm-server`" if named else f"name one of {', '.join(MODELS)} or give a GGUF file's path"
            raise ServerError(f"no model file at {model}: {hint}")
        with open(model, "rb") as head:
            if head.read(4) != b"GGUF":
                raise ServerError(f"{model} is not a GGUF model file")
        return binary.resolve(), model.resolve()


class ManagedServer:
    """One llama-server process, from `start` to `stop` (or the `with` block)."""

    def __init__(self, config: LlamaServerConfig, log_path: Path) -> None:
        self.config, self.log_path = config, Path(log_path)
        self._process: subprocess.Popen | None = None
        self.port = 0
        self.startup_s = 0.0

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://{LOOPBACK}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> "ManagedServer":
        binary, model = self.config.resolved()
        began = time.monotonic()
        self.port = _free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = ["setpriv", "--pdeathsig", "KILL", "--", str(binary), "-m", str(model), "--host", LOOPBACK,
                   "--port", str(self.port), "-t", str(self.config.threads), "-np", str(self.config.parallel),
                   "-c", str(self.config.context), *self.config.model_args, *self.config.extra_args]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = began + self.config.startup_timeout_s
        while not self._healthy():
            if self._process.poll() is not None:
                raise ServerError(f"llama-server exited with code {self._process.returncode} while starting; "
                                  f"its log ({self.log_path}) ends:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"llama-server did not become healthy within {self.config.startup_timeout_s:g} s; "
                                  f"its log ({self.log_path}) ends:\n{self.log_tail()}")
            time.sleep(0.2)
        self.startup_s = time.monotonic() - began
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{LOOPBACK}:{self.port}/health", timeout=2) as reply:
                return reply.status == 200
        except (urllib.error.URLError, OSError):  # not listening yet, or 503 while loading
            return False

    def describe(self) -> dict[str, Any]:
        """What a run's summary says of the server it used."""
        binary, model = self.config.resolved()
        return {"name": "llama_cpp", "url": self.url, "model": str(model), "binary": str(binary),
                "threads": self.config.threads, "parallel": self.config.parallel, "context": self.config.context,
                "model_args": list(self.config.model_args), "startup_s": round(self.startup_s, 3)}

    def cpu_seconds(self) -> float:
        """User and system CPU seconds the server has used so far (0 once it is gone)."""
        try:
            times = psutil.Process(self._process.pid).cpu_times()
        except (psutil.NoSuchProcess, AttributeError):
            return 0.0
        return times.user + times.system

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> "ManagedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]
