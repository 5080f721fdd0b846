"""What stands behind a run's LLM: nothing managed (`none`), a llama-server the harness runs
on 127.0.0.1 (`llama_cpp`), or a recording of an earlier live run (`recording`).

`attach` turns the solver's settings and the `server` setting into the solver to run and a
meter of the server's CPU seconds, so that runs count the model's compute in their cost.
"""
from __future__ import annotations

import atexit
import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Protocol

from harness.servers import provenance
from harness.servers.install import CMAKE_OPTIONS, MODELS, server_path
from harness.servers.llama_cpp import LlamaServerConfig, ManagedServer, ServerError
from harness.solvers.capabilities import UsesModel
from harness.solvers.recording import recorded_tokens

SERVERS = ("none", "llama_cpp", "recording")
SERVER_CPU_FILE = "server-cpu.csv"  # in a recording: the live runs' server CPU seconds and tokens
SERVER_CPU_COLUMNS = ("run_id", "seed", "server_cpu_s", "tokens")
_RUNNING: dict[str, ManagedServer] = {}  # one per configuration and process, like Ray


@dataclass(frozen=True)
class RecordingConfig:
    path: str = ""  # default: the solver's own record_dir
    model_sha256: str = ""  # if set, the recording's model file must be this one
    accept_provenance: bool = False  # replay a recording whose provenance differs from what the run asks
    # A model of install.MODELS: the recording's model file must be its file. The same setting
    # names the model server=llama_cpp records with, so one arm config serves both.
    model: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.accept_provenance, bool):
            raise ValueError(f"accept_provenance is true or false, got {self.accept_provenance!r}")
        if self.model and self.model not in MODELS:
            raise ValueError(f"server recording: model {self.model!r} unknown; one of {', '.join(MODELS)}")
        if self.model and self.model_sha256 and self.model_sha256 != MODELS[self.model].sha256:
            raise ValueError(f"server recording: model {self.model} is sha256 {MODELS[self.model].sha256}, "
                             f"not model_sha256 {self.model_sha256}")

    @property
    def expected_sha256(self) -> str:
        return self.model_sha256 or (MODELS[self.model].sha256 if self.model else "")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "RecordingConfig":
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(f"server recording has no setting {', '.join(unknown)}; its settings are: "
                             f"{', '.join(sorted(known))}")
        return cls(**settings)


def server_config(settings: Mapping[str, Any]) -> LlamaServerConfig | RecordingConfig | None:
    """The `server` config group as a checked config; None for server=none."""
    settings = dict(settings or {"name": "none"})
    name = settings.pop("name", "none")
    if name not in SERVERS:
        raise ValueError(f"unknown server {name!r}; choose one of: {', '.join(SERVERS)}")
    if name == "recording":
        return RecordingConfig.from_settings(settings)
    return None if name == "none" else LlamaServerConfig.from_settings(settings)


class CpuMeter(Protocol):
    """The server's CPU seconds over one run (the part of it this process runs)."""

    #: True when the server's CPU is known: it then stands for the model's compute, and the
    #: requests' latency (waiting) is not counted as compute as well.
    counts_cpu: bool

    def describe(self) -> dict[str, Any] | None: ...

    def begin(self) -> None: ...

    def spent(self, tokens: int) -> float:
        """CPU seconds since `begin`, for a run that spent `tokens` tokens meanwhile."""
        ...


class NoServer:
    counts_cpu = False

    def describe(self) -> None:
        return None

    def begin(self) -> None:
        pass

    def spent(self, tokens: int) -> float:
        return 0.0


class ProcessMeter:
    """A managed server's process CPU, measured."""

    counts_cpu = True

    def __init__(self, server: ManagedServer) -> None:
        self.server, self.start = server, 0.0

    def describe(self) -> dict[str, Any]:
        return self.server.describe()

    def begin(self) -> None:
        self.start = self.server.cpu_seconds()

    def spent(self, tokens: int) -> float:
        return self.server.cpu_seconds() - self.start


@dataclass(frozen=True)
class RecordedMeter:
    """A replayed server's CPU: its live runs' CPU seconds per token, times the tokens."""

    path: str
    cpu_per_token: float
    provenance: Mapping[str, Any] = field(default_factory=lambda: provenance.summary([]))

    @property
    def counts_cpu(self) -> bool:  # a recording of a server the harness did not run has no CPU noted
        return self.cpu_per_token > 0

    def describe(self) -> dict[str, Any]:
        return {"name": "recording", "path": self.path, "cpu_per_token": self.cpu_per_token,
                "provenance": dict(self.provenance)}

    def begin(self) -> None:
        pass

    def spent(self, tokens: int) -> float:
        return self.cpu_per_token * tokens


def attach(solver: Any, config: LlamaServerConfig | RecordingConfig | None, log_dir: Path) -> tuple[Any, CpuMeter]:
    """The solver with its model behind the configured server (`server_config`), and that
    server's meter."""
    if config is None:
        return solver, NoServer()
    if isinstance(config, RecordingConfig):
        llm = model_settings(solver, "recording")
        path = config.path or llm.get("record_dir")
        if not path:
            raise ValueError("server=recording needs server.path, or the solver's record_dir, to replay from")
        path = str(Path(path).resolve())
        return (solver.with_model({**llm, "name": "replay", "recording": path, "record_dir": None}),
                RecordedMeter(path, recorded_cpu_per_token(Path(path)),
                              provenance.checked(Path(path), llm, config.expected_sha256, config.accept_provenance)))
    llm = model_settings(solver, "llama_cpp")
    if llm.get("n", 1) != 1:
        raise ValueError(f"{ONE_CHOICE}: set solver.n=1 (solver.llm.n=1 for evolve), "
                         "and max_concurrency up to server.parallel")
    running = ensure_server(config, log_dir)
    return solver.with_model({**llm, "base_url": running.url}), ProcessMeter(running)


def ensure_server(config: LlamaServerConfig, log_dir: Path) -> ManagedServer:
    """The running server of this configuration, started if need be; stopped at exit."""
    key = repr(config)
    server = _RUNNING.get(key)
    if server is None or not server.running:
        server = ManagedServer(config, Path(log_dir) / "llama-server.log").start()
        _RUNNING[key] = server
        atexit.register(server.stop)
    return server


# Measured against this llama-server: with n > 1 its `usage` counts one choice's completion
# tokens, not all of them (16 completion tokens reported for 3 choices of 16; its /metrics
# counted 48). The harness's token accounting would be n times too low, so n = 1 is required.
ONE_CHOICE = "llama-server reports the usage of one choice only when n > 1, so tokens would be undercounted"


def model_settings(solver: Any, server: str) -> dict[str, Any]:
    """The settings of the solver's model (UsesModel); a ValueError saying why when it has none."""
    if not isinstance(solver, UsesModel):
        raise ValueError(f"server={server} serves an LLM, but solver={solver.name} uses none")
    settings = solver.model_settings()
    if settings is None:
        raise ValueError(f"server={server} serves an LLM, but solver={solver.name} has no solver.llm")
    return dict(settings)


def record_provenance(solver: Any, meter: "ProcessMeter", run_id: str) -> None:
    """A live run that records its completions notes, once, which model and server made them."""
    llm = model_settings(solver, "llama_cpp")
    if llm.get("record_dir"):
        binary, model = meter.server.config.resolved()
        config = meter.server.config
        built = CMAKE_OPTIONS if Path(binary).resolve() == server_path().resolve() else None  # else not built here
        settings = {"threads": config.threads, "parallel": config.parallel, "context": config.context,
                    "model_args": list(config.model_args), "extra_args": list(config.extra_args)}
        provenance.write(Path(llm["record_dir"]), run_id, provenance.live(binary, model, settings, built, llm))


def record_server_cpu(solver: Any, row: Mapping[str, Any]) -> None:
    """A live run that records its completions notes its server's CPU and tokens beside them."""
    record_dir = model_settings(solver, "llama_cpp").get("record_dir")
    if record_dir:
        path = Path(record_dir) / SERVER_CPU_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists()
        with open(path, "a", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, SERVER_CPU_COLUMNS)
            if new:
                writer.writeheader()
            writer.writerow(dict(row))


class LiveRunNote:
    """A run on a managed server that records its completions notes, beside them, its server's
    CPU and the tokens the server served, and which model and server made them: a line for each
    stretch of the run (a stopped run's too, so the CPU its completions cost is not lost).
    Nothing for other runs. The tokens served are the recording's lines added in the stretch,
    not the run's attempts: a run over a fuller recording answers its first attempts from it,
    and those cost no server CPU now."""

    def __init__(self, solver: Any, meter: CpuMeter, run_id: str, seed: int) -> None:
        record_dir = model_settings(solver, "llama_cpp").get("record_dir") if isinstance(meter, ProcessMeter) else None
        self.solver, self.meter, self.run_id, self.seed = solver, meter, run_id, seed
        self.record_dir = Path(record_dir) if record_dir else None
        self.tokens_before = recorded_tokens(self.record_dir) if self.record_dir else 0

    def write(self, server_cpu_s: float) -> None:
        if self.record_dir is None:
            return
        served = recorded_tokens(self.record_dir) - self.tokens_before
        record_server_cpu(self.solver, {"run_id": self.run_id, "seed": self.seed,
                                        "server_cpu_s": round(server_cpu_s, 3), "tokens": served})
        record_provenance(self.solver, self.meter, self.run_id)


def recorded_cpu_per_token(path: Path) -> float:
    """The recording's server CPU seconds per token; 0 when it has no note of them."""
    notes = Path(path) / SERVER_CPU_FILE if Path(path).is_dir() else Path(path).with_name(SERVER_CPU_FILE)
    if not notes.is_file():
        return 0.0
    with open(notes, encoding="utf-8", newline="") as lines:
        rows = list(csv.DictReader(lines))
    tokens = sum(int(row["tokens"]) for row in rows)
    return sum(float(row["server_cpu_s"]) for row in rows) / tokens if tokens else 0.0


__all__ = ["CpuMeter", "LlamaServerConfig", "ManagedServer", "NoServer", "ProcessMeter", "RecordedMeter",
           "RecordingConfig", "ServerError", "attach", "ensure_server", "LiveRunNote", "record_provenance",
           "record_server_cpu",
           "server_config"]
