"""Configuration: the Hydra schema, and the frozen plain config a job runs on.

Hydra composes `configs/`; the schema below catches typos in top-level keys. Before
anything crosses to Ray, `job_config` turns the DictConfig into plain frozen data.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from harness.bank.banks import BankSpec, spec_from_config
from harness.core.settings import number, positive, unknown_setting_message, whole
from harness.servers import RecordingConfig, server_config
from harness.servers.llama_cpp import LlamaServerConfig
from harness.tracking.tracker import TrackingSpec


@dataclass
class HarnessSchema:
    experiment_name: str = "default"  # MLflow experiment and results sub-folder
    arm: str = ""  # which part of a sweep this run is (configs/arm/): how reports group runs
    description: str = ""  # what the run or sweep is for, in words; harness-report prints it
    attempts: int = 1_000  # per problem
    seed: int = 0
    # The only seeds this arm runs (a recording that holds only these); a sweep's job for any other
    # seed is skipped, saying so. Empty: every seed.
    seeds: Any = field(default_factory=list)
    workers: int = 0  # worker actors; 0 = one per CPU of the Ray cluster
    batch_size: int = 0  # attempts per batch and per actor call (small batches go together); 0 = automatic
    verify_timeout_s: float = 5.0  # CPU-seconds bound per verification; past it, tier timeout
    results_dir: str = "results"
    resume: Any = None  # the run id of an interrupted run to complete
    checkpoint_s: float = 30.0  # finished work is made durable at least this often
    min_free_gb: float = 1.0  # refuse to start with less free disk under results_dir
    # A worker silent for stall_multiple x its batch's expected time (and at least stall_floor_s) is
    # taken for frozen: killed, restarted, its batches sent again (harness.engine.runner.Dispatch).
    stall_floor_s: float = 60.0
    stall_multiple: float = 10.0
    # compact: wrong attempts that harness.engine.regenerate can rebuild exactly are counted per range,
    # not recorded one by one (and checked in batches where the problem allows); full: every row.
    records: str = "compact"
    solver: Any = MISSING
    bank: Any = MISSING
    tracking: Any = MISSING
    server: Any = MISSING  # configs/server/: none, or llama_cpp (a managed llama-server)


def register_schema() -> None:
    ConfigStore.instance().store(name="harness_schema", node=HarnessSchema)


# Slices of a job's config: each step of a run gets the one it needs (JobConfig's properties).
@dataclass(frozen=True)
class AttemptSettings:
    """The slice of a run's config the attempt step needs."""
    attempts: int  # per problem
    seed: int
    verify_timeout_s: float
    compact: bool  # records=compact
    stall_floor_s: float
    stall_multiple: float
    checkpoint_s: float
    bank_name: str


@dataclass(frozen=True)
class JobConfig:
    experiment: str
    attempts: int
    seed: int
    workers: int
    batch_size: int
    verify_timeout_s: float
    results_dir: Path
    solver: Mapping[str, Any]  # {'name': ..., **settings}
    bank_name: str
    bank: BankSpec
    tracking: TrackingSpec = field(default_factory=TrackingSpec)
    server: Mapping[str, Any] = field(default_factory=lambda: {"name": "none"})  # {'name': ..., **settings}
    arm: str = ""
    resolved: Mapping[str, Any] = field(default_factory=dict)  # the whole config, for the record
    resume: str | None = None
    checkpoint_s: float = 30.0
    min_free_gb: float = 1.0
    parent_run: str | None = None  # the MLflow run of the sweep this job is part of (harness.run.sweep)
    records: str = "compact"  # or "full" (HarnessSchema.records)
    stall_floor_s: float = 60.0
    stall_multiple: float = 10.0
    seeds: tuple[int, ...] = ()  # HarnessSchema.seeds; empty: every seed

    @property
    def skipped(self) -> str | None:
        """Why this job runs nothing (its seed is not one of the arm's seeds), else None."""
        if not self.seeds or self.seed in self.seeds:
            return None
        who = f"arm {self.arm}" if self.arm else "this run"
        return f"seed {self.seed} skipped: seeds=[{', '.join(map(str, self.seeds))}], the only seeds {who} runs"

    def __post_init__(self) -> None:
        if not isinstance(self.experiment, str) or not EXPERIMENT_NAME.fullmatch(self.experiment):
            raise ValueError(f"experiment_name must be a plain folder name (letters, digits, '.', '_', '-'; "
                             f"not starting with '.'), got {self.experiment!r}")
        self.server_spec  # a bad server setting is refused here, before anything starts
        whole("attempts", self.attempts, 1)
        whole("workers (0 means one per CPU)", self.workers)
        whole("batch_size (0 means automatic)", self.batch_size)
        positive("verify_timeout_s", self.verify_timeout_s)
        positive("checkpoint_s", self.checkpoint_s)
        number("min_free_gb", self.min_free_gb, 0.0)
        positive("stall_floor_s", self.stall_floor_s)
        number("stall_multiple", self.stall_multiple, 1.0)
        if self.records not in RECORDS:
            raise ValueError(f"records must be one of {', '.join(RECORDS)}, got {self.records!r}")

    @cached_property  # on a frozen dataclass too: it writes the instance's __dict__ itself
    def server_spec(self) -> LlamaServerConfig | RecordingConfig | None:
        """The `server` setting, checked: None for server=none."""
        return server_config(self.server)

    @property
    def attempting(self) -> AttemptSettings:
        """The attempt step's slice."""
        return AttemptSettings(self.attempts, self.seed, self.verify_timeout_s, self.records == "compact",
                               self.stall_floor_s, self.stall_multiple, self.checkpoint_s, self.bank_name)


RECORDS = ("compact", "full")
# It names a folder under results_dir: no separators, no '..', nothing hidden.
EXPERIMENT_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
SETTINGS = frozenset(f.name for f in dataclasses.fields(HarnessSchema))


def job_config(cfg: DictConfig | Mapping[str, Any]) -> JobConfig:
    plain = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    unknown = sorted(set(plain) - SETTINGS)
    if unknown:  # a key the schema cannot refuse by itself (harness.run.overrides refuses the command line's first)
        raise ValueError(unknown_setting_message(unknown[0], SETTINGS))
    bank = plain["bank"]
    tracking = plain.get("tracking") or {}
    return JobConfig(
        experiment=str(plain["experiment_name"]),
        attempts=int(plain["attempts"]),
        seed=int(plain["seed"]),
        workers=int(plain.get("workers", 0)),
        batch_size=int(plain.get("batch_size", 0)),
        verify_timeout_s=float(plain.get("verify_timeout_s", 5.0)),
        results_dir=Path(plain.get("results_dir", "results")).resolve(),
        solver=dict(plain["solver"]),
        bank_name=str(bank.get("name", "custom")),
        bank=spec_from_config(bank),
        tracking=TrackingSpec(enabled=bool(tracking.get("enabled", True)), uri=tracking.get("uri")),
        server=dict(plain.get("server") or {"name": "none"}),
        arm=str(plain.get("arm") or ""),
        resolved=plain,
        resume=str(plain["resume"]) if plain.get("resume") else None,
        checkpoint_s=float(plain.get("checkpoint_s", 30.0)),
        min_free_gb=float(plain.get("min_free_gb", 1.0)),
        records=str(plain.get("records", "compact")),
        stall_floor_s=float(plain.get("stall_floor_s", 60.0)),
        stall_multiple=float(plain.get("stall_multiple", 10.0)),
        seeds=seed_list(plain.get("seeds")),
    )


def seed_list(value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError(f"seeds must be a list of whole numbers (e.g. seeds=[0]), got {value!r}")
    return tuple(whole("each of seeds", seed) for seed in value)
