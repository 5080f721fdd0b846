"""The problem bank: build Problems from a plain bank spec (family name -> instance params).

A family is a module exposing `make(**params) -> Problem`: a bare name is looked up in the
`problems` package, a dotted name is imported as it stands (a user's own module). Instance
lists are YAML files (`family:` and `instances:`), by default in `problems/instances/`.
Each instance may carry a `regime` (saturating, growing, unreachable): bank metadata
describing what the random solver shows, not a parameter of the problem.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import pkgutil
import random
import typing
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping, Sequence

from harness.bank.yamlfile import YamlFileError, read_yaml
from harness.core import extensions
from harness.core.parse import ParseError
from harness.core.problem import Problem
from harness.core.space import IntBox
import problems

BankSpec = Mapping[str, Sequence[Mapping[str, Any]]]
INSTANCE_DIR = Path(problems.__file__).resolve().parent / "instances"
REGIMES = ("saturating", "growing", "unreachable")


class BankError(ValueError):
    pass


@dataclass(frozen=True)
class BankEntry:
    problem: Problem
    regime: str  # one of REGIMES, or "" when not declared


def available_families() -> list[str]:
    """The bank's own families (modules of `problems`) and those installed packages declare."""
    own = {m.name for m in pkgutil.iter_modules(problems.__path__)}
    return sorted(own | set(extensions.declared(extensions.FAMILIES)))


def available_instance_lists() -> list[str]:
    return sorted(p.stem for p in INSTANCE_DIR.glob("*.yaml"))


def family_module(name: str) -> ModuleType:
    """A family by name: a module of `problems`, else one an installed package declares
    (entry point harness.families), or a dotted module path as it stands."""
    module_name = name if "." in name else f"{problems.__name__}.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        declared = None if "." in name else extensions.load(extensions.FAMILIES, name)
        if isinstance(declared, ModuleType):
            module_name, module = declared.__name__, declared
        else:
            module = None
    if module is None:
        raise BankError(
            f"unknown problem family {name!r}; the bank has: {', '.join(available_families())} "
            "(or give a dotted module path)"
        ) from None
    if not callable(getattr(module, "make", None)):
        raise BankError(f"family module {module_name!r} has no make(**params) function")
    return module


def load_instance_list(name: str) -> tuple[str, list[dict[str, Any]]]:
    """A list by name (problems/instances/NAME.yaml) or by path (anything ending .yaml)."""
    path = Path(name).resolve() if name.endswith((".yaml", ".yml")) else INSTANCE_DIR / f"{name}.yaml"
    if not path.is_file():
        raise BankError(f"no instance list {name!r}; the bank has: {', '.join(available_instance_lists())} "
                        "(or give a path to a .yaml file)")
    try:
        data = read_yaml(path) or {}  # UTF-8, no alias bomb
    except YamlFileError as exc:
        raise BankError(str(exc)) from None
    if not isinstance(data, dict) or "family" not in data or not isinstance(data.get("instances"), list):
        raise BankError(f"{path}: an instance list needs 'family:' and a list 'instances:'")
    return str(data["family"]), instance_list(data["family"], data["instances"])


def instance_list(family: str, instances: Any) -> list[dict[str, Any]]:
    if not isinstance(instances, Sequence) or isinstance(instances, str):
        raise BankError(f"family {family!r}: its instances are a list of mappings, got {instances!r}")
    return [instance_params(family, params) for params in instances]


def instance_params(family: str, params: Any) -> dict[str, Any]:
    if not isinstance(params, Mapping):
        raise BankError(f"family {family!r}: an instance is a mapping of its parameters (e.g. {{k: 3, bound: 5}}), "
                        f"got {params!r}")
    return dict(params)


def bank_spec(instance_lists: Sequence[str] = (), families: BankSpec | None = None) -> dict[str, list[dict]]:
    """Merge instance-list files and inline instances into one spec, in that order."""
    merged: dict[str, list[dict]] = {}
    for name in instance_lists:
        family, instances = load_instance_list(name)
        merged.setdefault(family, []).extend(instances)
    for family, instances in (families or {}).items():
        merged.setdefault(family, []).extend(instance_list(family, instances))
    return merged


def spec_from_config(config: Mapping[str, Any]) -> dict[str, list[dict]]:
    """The spec of a bank config (configs/bank/*.yaml, or the `bank` of a run's config)."""
    return bank_spec(config.get("instance_lists") or (), config.get("families") or {})


def bank_entries(spec: BankSpec) -> tuple[BankEntry, ...]:
    """Every instance of every family, in spec order; ids must be unique."""
    bank: dict[str, BankEntry] = {}
    given: dict[str, dict] = {}  # each id's instance parameters, as written
    for family, instances in spec.items():
        make = family_module(family).make
        for params in instance_list(family, instances):
            regime = str(params.pop("regime", ""))
            if regime and regime not in REGIMES:
                raise BankError(f"family {family!r}, instance {params}: regime must be one of {REGIMES}")
            try:
                problem = make(**params)
                check_fields(problem)
                problem.space.sample(random.Random(0))  # a box with no room (bound < 0) fails here, not per attempt
                check_parses(problem)
            except (TypeError, ValueError) as exc:
                raise BankError(f"family {family!r}, instance {params}: {exc}") from None
            if problem.id in bank:
                raise BankError(f"two instances share the id {problem.id!r}"
                                f"{differing(given[problem.id], params, problem)}")
            bank[problem.id] = BankEntry(problem, regime)
            given[problem.id] = params
    if not bank:
        raise BankError("the bank is empty")
    return tuple(bank.values())


def differing(first: Mapping[str, Any], second: Mapping[str, Any], problem: Problem) -> str:
    """Why two instances with one id are not the same instance: the parameters the id leaves out."""
    keys = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
    if not keys:
        return ""
    named = "name" in {f.name for f in dataclasses.fields(problem)} if dataclasses.is_dataclass(problem) else False
    return (f": they differ only in {', '.join(keys)}, which the id leaves out"
            + ("; give one a name (name: ...)" if named else ""))


def check_fields(problem: Problem) -> None:
    """Each parameter of the right type for its declared field: {k: abc} is refused, not
    turned into a problem whose every attempt fails."""
    hints = field_types(type(problem))
    for item in dataclasses.fields(problem):
        value, kind = getattr(problem, item.name), hints.get(item.name)
        if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
            raise ValueError(f"{item.name} must be a whole number, got {value!r}")
        if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not math.isfinite(value)):
            raise ValueError(f"{item.name} must be a finite number, got {value!r}")
        if kind is str and not isinstance(value, str):
            raise ValueError(f"{item.name} must be text, got {value!r}")


@functools.cache
def field_types(family: type) -> dict[str, Any]:
    """A family's resolved field annotations: once per class, not per instance (10^5 instances)."""
    return typing.get_type_hints(family)


def check_parses(problem: Problem) -> None:
    """What the bank gives the verifier can be read by it: every known solution parses and is a
    solution (else every discovery would be tier error), and a box's corners parse (else every
    attempt in a box beyond the parser's limits, e.g. 10^64, would be malformed)."""
    for text in problem.known_solutions:
        try:
            solution = problem.parse(text)
        except ParseError as exc:
            raise ValueError(f"known solution {text!r} cannot be parsed ({exc})") from None
        _, failure = problem.check(solution)
        if failure is not None:
            raise ValueError(f"known solution {text!r} is not a solution ({failure})")
    problem.known  # noqa: B018 (their canonical forms, computed once here rather than in the first attempt)
    space = problem.space
    if isinstance(space, IntBox):
        for corner in (space.lo, space.hi):
            text = ", ".join([str(corner)] * space.arity)
            try:
                problem.parse(text)
            except ParseError as exc:
                digits = len(str(abs(corner)))
                shown = f"({corner}, ...)" if digits <= 20 else f"({str(corner)[:8]}..., ...) ({digits} digits)"
                raise ValueError(f"the box's corner {shown} cannot be parsed ({exc}): every attempt would be "
                                 "malformed; use a smaller bound") from None


def build_bank(spec: BankSpec) -> tuple[Problem, ...]:
    return tuple(entry.problem for entry in bank_entries(spec))


BANK_CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs" / "bank"


def bank_config_names() -> list[str]:
    """The banks `harness-run bank=NAME` can choose: configs/bank/*.yaml."""
    return sorted(p.stem for p in BANK_CONFIG_DIR.glob("*.yaml"))


def bank_config_spec(name: str) -> dict[str, list[dict]]:
    """The spec of configs/bank/<name>.yaml, read as harness-run's `bank=NAME` reads it."""
    path = BANK_CONFIG_DIR / f"{name}.yaml"
    if "/" in name or not path.exists():
        raise BankError(f"no bank config {name!r}; choose one of: {', '.join(bank_config_names())}")
    try:
        config = read_yaml(path)
    except YamlFileError as exc:
        raise BankError(str(exc)) from None
    if not isinstance(config, Mapping):
        raise BankError(f"{path}: a bank config is a mapping (instance_lists:, families:)")
    return spec_from_config(config)


def bank_from_config_name(name: str) -> tuple[Problem, ...]:
    """The problems of configs/bank/<name>.yaml, outside Hydra (demo servers, scripts)."""
    return build_bank(bank_config_spec(name))
