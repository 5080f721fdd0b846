"""Inference servers the harness manages itself: fetched from the package registries, run on 127.0.0.1."""
from __future__ import annotations

import atexit
from pathlib import Path
from typing import Any, Mapping

from harness.servers.llama_cpp import LlamaServerConfig, ManagedServer, ServerError
from harness.solvers.llm import LLMSolver

SERVERS = ("none", "llama_cpp")
_RUNNING: dict[str, ManagedServer] = {}  # one per configuration and process, like Ray


def server_config(settings: Mapping[str, Any]) -> LlamaServerConfig | None:
    """The `server` config group as a checked config; None for server=none."""
    settings = dict(settings or {"name": "none"})
    name = settings.pop("name", "none")
    if name not in SERVERS:
        raise ValueError(f"unknown server {name!r}; choose one of: {', '.join(SERVERS)}")
    return None if name == "none" else LlamaServerConfig.from_settings(settings)


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


def point_solver_at(solver: Mapping[str, Any], url: str) -> dict[str, Any]:
    """The solver's settings with its LLM (its own, or evolve's operator) at `url`."""
    settings = dict(solver)
    if settings.get("name") == "evolve":
        if not settings.get("llm"):
            raise ValueError("server=llama_cpp serves an LLM, but solver=evolve has no solver.llm to point at it")
        llm = {**settings["llm"], "base_url": url}
        if llm.get("n", LLMSolver.n) != 1:
            raise ValueError(f"{ONE_CHOICE}: set solver.llm.n=1")
        return {**settings, "llm": llm}
    if settings.get("name") != "llm":
        raise ValueError(f"server=llama_cpp serves an LLM, but solver={settings.get('name')} uses none")
    if settings.get("n", LLMSolver.n) != 1:
        raise ValueError(f"{ONE_CHOICE}: set solver.n=1 (and solver.max_concurrency up to server.parallel)")
    return {**settings, "base_url": url}


__all__ = ["LlamaServerConfig", "ManagedServer", "ServerError", "ensure_server", "point_solver_at", "server_config"]
