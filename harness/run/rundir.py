"""A run's directory: writable before anything is spent, owned by one process (its lock), checked
before a resume (its checkpoint read once), opened new or as the interrupted run left it."""
from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

import yaml

from harness.run.config import JobConfig
from harness.store.locks import Busy, file_lock
from harness.store.manifest import MANIFEST, Checkpoint, check_shards, discard_unrecorded, read_checkpoint, start_manifest
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


# Settings that may change between a run and its resumption: they do not change results.
RESUMABLE_CHANGES = {"resume", "workers", "checkpoint_s", "min_free_gb", "stall_floor_s", "stall_multiple"}


def own_run(owned: ExitStack, run_dir: Path) -> None:
    """Takes the run directory's lock until `owned` closes (the run's life): a second run or
    resume of the same run fails at once instead of writing the same batches twice."""
    try:
        owned.enter_context(file_lock(run_dir / RUN_LOCK, wait=False))
    except Busy as exc:
        raise RuntimeError(f"run {run_dir.name} is in use by another process ({exc}): "
                           "wait for it to end; a run is resumed by one process at a time") from None


def check_resumable(config: JobConfig, run_dir: Path) -> None:
    """Before anything starts, the run's lock held: it is unfinished, and asked for with its own settings."""
    if (run_dir / "summary.json").exists():
        if (run_dir / PENDING).exists():
            raise RuntimeError(f"run {config.resume} is complete but not yet in MLflow; publish it: "
                               f"{publish_command(run_dir)}")
        raise RuntimeError(f"run {config.resume} is complete; nothing to resume")
    if not (run_dir / MANIFEST).exists():
        raise RuntimeError(f"run {config.resume} has no {MANIFEST} (made before runs kept one): it cannot be resumed")
    # A damaged manifest, or a shard it lists that is missing, damaged or altered, is refused
    # before anything, Ray and MLflow included, is touched.
    check_shards(run_dir, read_checkpoint(run_dir))
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
        raise RuntimeError(f"resume={config.resume} needs the run's own settings; these differ: {', '.join(changed)}")


def open_run(config: JobConfig, run_id: str, batch_size: int, wide_batch_size: int) -> tuple[Path, Checkpoint]:
    """A new run directory with its manifest; or the interrupted run's, without unlisted shards."""
    run_dir = config.results_dir / config.experiment / run_id
    if config.resume:
        checkpoint = read_checkpoint(run_dir)
        discard_unrecorded(run_dir, checkpoint)
        return run_dir, checkpoint
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(dict(config.resolved), sort_keys=False))
    start_manifest(run_dir, batch_size, config.attempts, wide_batch_size)
    return run_dir, Checkpoint(batch_size, config.attempts, shards=(), done=frozenset(),
                               wide_batch_size=wide_batch_size)


def first_error(run_dir: Path) -> str:
    """The reason recorded for the run's first attempt (when every attempt is an error)."""
    [first] = read_shards(run_dir, read_checkpoint(run_dir).shards[:1], ["error"])
    return str(first["error"][0].as_py())
