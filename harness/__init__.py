"""More shots on goal: measure how verified discoveries grow with attempt volume (README, Layout).

The engine is in packages by role: core, exact, bank, solvers, servers, engine, store, run,
analysis, audit, tracking, reporting, app, testing. The modules of the flat layout they replaced
keep their names as aliases (MOVED): `from harness.job import run_job` and
`python -m harness.publish RUN_DIR` still work, and give the module that now does that job.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

# old module (under harness.) -> the module that does its job now (under harness.)
MOVED = {
    "problem": "core.problem", "syntax": "core.syntax", "parse": "core.parse", "space": "core.space",
    "batch": "core.batch", "grammar": "core.grammar", "seeding": "core.seeding", "checks": "core.settings",
    "mirror": "exact.mirror", "rationals": "exact.rationals", "exact_points": "exact.points",
    "polynomials": "exact.polynomials", "roots": "exact.roots", "as_polynomial": "exact.as_polynomial",
    "probes": "exact.probes", "fast_verify": "exact.fast_verify", "yamlfile": "bank.yamlfile",
    "attempts": "engine.attempts", "sandbox": "engine.sandbox", "runner": "engine.runner",
    "ray_session": "engine.ray_session", "regenerate": "engine.regenerate", "record": "store.records",
    "files": "store.files", "locks": "store.locks", "config": "run.config", "job": "run.job",
    "report": "run.plots", "sweep": "run.sweep", "metrics": "tracking.metric_names", "review": "tracking.review",
    "publish": "tracking.publish",
    "compare": "reporting.compare", "reporting.cli": "reporting.build", "cli": "app.run", "verify_cli": "app.verify",
    "calibrate": "app.calibrate", "fake_llm": "testing.fake_llm", "browser": "testing.browser",
    "postgres": "testing.postgres", "demo": "testing.demo", "screenshots": "testing.screenshots",
}

# `python -m harness.OLD` of a module whose command moved to harness/app/ runs that command
COMMANDS = {"regenerate": "app.regenerate", "publish": "app.publish", "sweep": "app.sweep", "compare": "app.compare",
            "reporting.cli": "app.report"}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """An old name (MOVED) is the module that does its job now: one module object under two names."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("harness.") or fullname[8:] not in MOVED:
            return None
        # the file of the code `python -m` runs, as its __file__ and sys.argv[0]
        origin = importlib.util.find_spec(self._command(fullname)).origin
        return importlib.util.spec_from_loader(fullname, self, origin=origin)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        sys.modules[module.__name__] = importlib.import_module(f"harness.{MOVED[module.__name__[8:]]}")

    def get_code(self, fullname):  # `python -m harness.OLD` runs the new module as __main__
        new = self._command(fullname)
        return importlib.util.find_spec(new).loader.get_code(new)

    @staticmethod
    def _command(fullname: str) -> str:
        return f"harness.{COMMANDS.get(fullname[8:], MOVED[fullname[8:]])}"


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules())  # before any finder that could still hold an old file
