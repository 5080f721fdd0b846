"""A run's directory (RunDir): writable before anything is spent, owned by one process (its lock),
checked before a resume (its checkpoint read once), made new or reopened as the interrupted run
left it."""
from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.run.config import JobConfig
from harness.store.files import refuse_links
from harness.store.locks import Busy, file_lock
from harness.store.manifest import (MANIFEST, Checkpoint, check_shards, discard_unrecorded, read_checkpoint,
                                    start_manifest)
from harness.store.shards import read_shards
from harness.tracking.publish import PENDING, RUN_LOCK, command as publish_command


def check_writable(directory: Path, min_free_gb: float = 0.0) -> None:
    """Fail before any attempt is spent if results cannot be written, or the disk is nearly full."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise RuntimeError(f"cannot write results to {directory}: {exc.strerror or exc}") from None
    free_gb = shutil.disk_usage(directory).free / 2**30
    if free_gb < min_free_gb:
        raise RuntimeError(f"only {free_gb:.2f} GiB free under {directory}, below min_free_gb={min_free_gb:g}: "
                           "free some space or point results_dir elsewhere")


# Settings that may change between a run and its resumption: they do not change results
# (`seeds` only says whether a job runs at all).
RESUMABLE_CHANGES = {"resume", "workers", "checkpoint_s", "min_free_gb", "stall_floor_s", "stall_multiple", "seeds"}


@dataclass
class RunDir:
    """A run's directory, owned by this process for the run's life (its lock), with its
    checkpoint: read once when a run is resumed, started when it is new."""
    path: Path
    checkpoint: Checkpoint | None = None

    @classmethod
    def opening(cls, config: JobConfig, owned: ExitStack) -> "RunDir | None":
        """Before anything else is spent: the results folder writable (and not nearly full); and
        for a resume, the interrupted run's directory, owned and checked. None for a new run."""
        check_writable(config.results_dir / config.experiment, config.min_free_gb)
        return cls.resumed(config, owned) if config.resume else None

    @classmethod
    def resumed(cls, config: JobConfig, owned: ExitStack) -> "RunDir":
        """The interrupted run `config.resume`, owned until `owned` closes and checked before
        anything else starts: unfinished, undamaged, asked for with its own settings."""
        run_dir = cls(config.results_dir / config.experiment / config.resume)
        if not (run_dir.path / "config.yaml").exists():
            raise RuntimeError(f"no run {config.resume} under {run_dir.path.parent}")
        refuse_links(run_dir.path, "a run folder")  # a resume writes and deletes there: never elsewhere
        run_dir.own(owned)
        run_dir.check_resumable(config)
        return run_dir

    @classmethod
    def new(cls, config: JobConfig, run_id: str, batch_size: int, wide_batch_size: int,
            owned: ExitStack) -> "RunDir":
        """A new run directory with its config and manifest, owned until `owned` closes."""
        path = config.results_dir / config.experiment / run_id
        path.mkdir(parents=True)
        (path / "config.yaml").write_text(yaml.safe_dump(dict(config.resolved), sort_keys=False))
        start_manifest(path, batch_size, config.attempts, wide_batch_size)
        run_dir = cls(path, Checkpoint(batch_size, config.attempts, shards=(), done=frozenset(),
                                       wide_batch_size=wide_batch_size))
        run_dir.own(owned)
        return run_dir

    def own(self, owned: ExitStack) -> None:
        """Takes the run directory's lock until `owned` closes (the run's life): a second run or
        resume of the same run fails at once instead of writing the same batches twice."""
        try:
            owned.enter_context(file_lock(self.path / RUN_LOCK, wait=False))
        except Busy as exc:
            raise RuntimeError(f"run {self.path.name} is in use by another process ({exc}): "
                               "wait for it to end; a run is resumed by one process at a time") from None

    def check_resumable(self, config: JobConfig) -> None:
        """Before anything starts, the run's lock held: it is unfinished, and asked for with its own settings."""
        run_dir = self.path
        if (run_dir / "summary.json").exists():
            if (run_dir / PENDING).exists():
                raise RuntimeError(f"run {config.resume} is complete but not yet in MLflow; publish it: "
                                   f"{publish_command(run_dir)}")
            raise RuntimeError(f"run {config.resume} is complete; nothing to resume")
        if not (run_dir / MANIFEST).exists():
            raise RuntimeError(f"run {config.resume} has no {MANIFEST} (made before runs kept one): "
                               "it cannot be resumed")
        # A damaged manifest, or a shard it lists that is missing, damaged or altered, is refused
        # before anything, Ray and MLflow included, is touched. The lock is held: it is kept.
        self.checkpoint = read_checkpoint(run_dir)
        check_shards(run_dir, self.checkpoint)
        try:
            saved = yaml.safe_load((run_dir / "config.yaml").read_text())
        except yaml.YAMLError:
            saved = None
        if not isinstance(saved, dict):
            raise RuntimeError(f"{run_dir / 'config.yaml'} is damaged: run {config.resume} cannot be resumed")
        if "server" in config.resolved:
            saved.setdefault("server", {"name": "none"})  # runs from before the setting had none
        if "records" in config.resolved:
            saved.setdefault("records", "full")  # runs from before the setting kept every row
        keys = (set(saved) | set(config.resolved)) - RESUMABLE_CHANGES
        changed = sorted(k for k in keys if saved.get(k) != config.resolved.get(k))
        if changed:
            raise RuntimeError(f"resume={config.resume} needs the run's own settings; these differ: "
                               f"{', '.join(changed)}")

    def reopen(self) -> Checkpoint:
        """The interrupted run's checkpoint, the shards it does not list (a killed run's last) deleted."""
        discard_unrecorded(self.path, self.checkpoint)
        return self.checkpoint

    def first_error(self) -> str:
        """The reason recorded for the run's first attempt (when every attempt is an error)."""
        [first] = read_shards(self.path, read_checkpoint(self.path).shards[:1], ["error"])
        return str(first["error"][0].as_py())
