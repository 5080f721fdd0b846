"""The command line's settings, checked before Hydra composes them: a misspelt one (`attemps=100`,
`solver.hitrate=0.2`, with or without `+`) gets the harness's own line, "unknown setting X; did
you mean Y", instead of Hydra's advice to add `+` (which would only move the error later).

Only what no config could accept is refused here: a top-level key outside the schema, or a key of
`solver`, `server`, `tracking` or `bank` that none of their choices has. The rest is left to
Hydra and to the checks of each part (harness.solvers.make_solver, harness.servers).
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

from harness.core.settings import unknown_setting_message
from harness.run.config import SETTINGS
from harness.servers import RecordingConfig
from harness.servers.llama_cpp import LlamaServerConfig
from harness.solvers import solver_class, solver_names

GROUPS = frozenset({"experiment", "hydra"})  # command-line keys beside the schema's: a group, Hydra's own


def section_settings(section: str) -> frozenset[str] | None:
    """The keys any choice of config group `section` has; None for a section not checked here."""
    if section == "solver":
        classes = [solver_class(name) for name in solver_names()]
        return frozenset({"name"}.union(*({f.name for f in dataclasses.fields(c)} for c in classes if c)))
    if section == "server":
        return frozenset({"name"}.union(*({f.name for f in dataclasses.fields(c)}
                                          for c in (LlamaServerConfig, RecordingConfig))))
    if section == "tracking":
        return frozenset({"enabled", "uri"})
    if section == "bank":
        return frozenset({"name", "instance_lists", "families"})
    return None


def setting_key(argument: str) -> str | None:
    """The setting an override names (`+solver.hitrate=0.2` -> solver.hitrate); None for what is
    not a plain setting: Hydra's flags, a group path (`hydra/launcher=...`), a package (`@`)."""
    if argument.startswith("-") or "=" not in argument:
        return None
    key = argument.split("=", 1)[0].lstrip("~+")
    if not key or "/" in key or "@" in key:
        return None
    return key


def unknown_setting(arguments: Iterable[str]) -> str | None:
    """The line for the first override whose key no config has, or None when all may be right."""
    for argument in arguments:
        key = setting_key(argument)
        if key is None:
            continue
        top, _, rest = key.partition(".")
        if top in GROUPS:
            continue
        if top not in SETTINGS:
            return unknown_setting_message(key, SETTINGS | {"experiment"}) if not rest else \
                unknown_setting_message(top, SETTINGS) + f" (in {key})"
        known = section_settings(top) if rest else None
        first = rest.split(".", 1)[0]
        if known is not None and first not in known:
            return unknown_setting_message(first, known, prefix=f"{top}.")
    return None
