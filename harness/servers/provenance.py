"""Which model made a recording: its provenance, written once per live run beside the completions.

A live run that records (`server=llama_cpp`, `record_dir`) appends one line to the recording's
`provenance.jsonl`: the model file's name and sha256, the server's name, version and build
options, the endpoint (chat or completions), the sampling settings and the prompts' hash (system
prompt, templates, statements' wording; for the completions endpoint the few-shot table too). A replay (`server=recording`)
shows it in summary.json and MLflow params, and refuses a recording whose sampling, model name or
prompts differ from what its own config asks, or whose model file is not `server.model_sha256`
when that is set, unless `server.accept_provenance=true`. A recording without provenance (made
before it was written, like results/reference/llm-real/) replays as "unknown", with a note.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from harness.solvers.recording import PROVENANCE_FILE  # one name for the writer and the recording reader

UNKNOWN = "unknown"
NO_PROVENANCE = "the recording has no provenance (made before recordings carried it): model file, server and build unknown"
COMPARED = ("model", "endpoint", "sampling", "prompts_sha256")  # what a run's own config decides


@lru_cache(maxsize=8)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    stat = Path(path).stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


def server_version(binary: Path) -> str:
    """What `llama-server --version` says (llama.cpp prints the build number and commit)."""
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{UNKNOWN} ({type(exc).__name__})"
    lines = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return " / ".join(line for line in lines if "version" in line or "built with" in line) or UNKNOWN


def prompts_sha256(llm: Mapping[str, Any]) -> str:
    """A hash of what the prompts are made from: the system prompt, the templates and the
    statements' wording (`statement_version`, harness/core/problem.py); on the completions endpoint
    also the few-shot examples (chat prompts hash as they did before that endpoint existed)."""
    made_of = {"system_prompt": llm.get("system_prompt"), "templates": dict(llm.get("templates") or {}),
               "statement_version": llm.get("statement_version")}
    if llm.get("endpoint", "chat") != "chat":
        made_of.update(endpoint=llm["endpoint"], few_shot=json.loads(json.dumps(llm.get("few_shot") or {})))
    blob = json.dumps(made_of, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def asked(llm: Mapping[str, Any]) -> dict[str, Any]:
    """What a run's llm settings decide of its completions (compared on replay)."""
    from harness.solvers.llm import LLMSolver  # the solver's own defaults fill what the config leaves out

    names = {f.name for f in dataclasses.fields(LLMSolver)}
    fields = {k: v for k, v in llm.items() if k in names}
    solver = LLMSolver(**{**fields, "record_dir": None})
    return {"model": solver.model, "endpoint": solver.endpoint, "sampling": json.loads(json.dumps(solver.sampling)),
            "prompts_sha256": prompts_sha256({"system_prompt": solver.system_prompt, "templates": solver.templates,
                                              "statement_version": solver.statement_version,
                                              "endpoint": solver.endpoint, "few_shot": solver.few_shot})}


def live(binary: Path, model: Path, server: Mapping[str, Any], build_options: list[str] | None,
         llm: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance of a live run's completions."""
    return {"model_file": Path(model).name, "model_sha256": sha256_file(model),
            "server": {"name": Path(binary).name, "version": server_version(binary),
                       "build_options": build_options if build_options is not None else UNKNOWN,
                       "settings": dict(server)},
            **asked(llm)}


def write(record_dir: Path, run_id: str, provenance: Mapping[str, Any]) -> None:
    path = Path(record_dir) / PROVENANCE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"run_id": run_id, **provenance}, sort_keys=True) + "\n")


def read(recording: Path) -> list[dict[str, Any]]:
    """The provenance lines of a recording (a directory, or the folder of one file); [] if none."""
    recording = Path(recording)
    folder = recording if recording.is_dir() else recording.parent
    paths = sorted(folder.rglob(PROVENANCE_FILE)) if recording.is_dir() else [folder / PROVENANCE_FILE]
    return [json.loads(line) for path in paths if path.is_file()
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def differences(recorded: list[Mapping[str, Any]], wanted: Mapping[str, Any], model_sha256: str = "") -> list[str]:
    """How the recording's provenance differs from what the run asks (empty: it matches)."""
    out = []
    for line in recorded:
        for key in COMPARED:
            if key in line and line[key] != wanted[key]:
                out.append(f"{key}: recorded {line[key]!r}, the run asks {wanted[key]!r}")
        if model_sha256 and line.get("model_sha256") != model_sha256:
            out.append(f"model_sha256: recorded {line.get('model_sha256')!r}, the run asks {model_sha256!r}")
    if model_sha256 and not recorded:
        out.append(f"model_sha256: the recording has no provenance, the run asks {model_sha256!r}")
    return sorted(set(out))


def summary(recorded: list[Mapping[str, Any]]) -> dict[str, Any]:
    """What summary.json and MLflow params show of a recording's provenance."""
    if not recorded:
        return {"model_file": UNKNOWN, "model_sha256": UNKNOWN, "server": UNKNOWN, "note": NO_PROVENANCE}
    keys = ("model_file", "model_sha256", "server", "model", "endpoint", "sampling", "prompts_sha256")
    distinct = {json.dumps({k: line.get(k) for k in keys}, sort_keys=True) for line in recorded}
    first = {k: recorded[0].get(k, UNKNOWN) for k in keys}
    return first if len(distinct) == 1 else {**first, "note": f"{len(distinct)} different provenances; the first shown"}


def checked(path: Path, llm: Mapping[str, Any], expected_sha256: str = "", accept: bool = False) -> dict[str, Any]:
    """The recording's provenance as summary.json shows it; refused (ValueError) where it differs
    from what the run asks (`llm`: its model's settings), unless `accept` (server.accept_provenance)."""
    recorded = read(path)
    differ = differences(recorded, asked(llm), expected_sha256)
    if differ and not accept:
        raise ValueError(f"the recording at {path} was not made as this run asks ({'; '.join(differ)}); "
                         "set server.accept_provenance=true to replay it anyway")
    shown = summary(recorded)
    return {**shown, "accepted_differences": differ} if differ else shown
