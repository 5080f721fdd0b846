"""The independent checkers: the verifier's own error rate (reader, polynomials, checkers, sample, verdicts, misses)."""


def __getattr__(name: str):
    """`from harness.audit import X` of the flat layout (harness/audit.py): X from the module that has it now."""
    import importlib
    import importlib.util
    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is not None:
        raise AttributeError(name)  # a dunder, or a module of this package: the import system's to load
    for module in ("checkers", "verdicts", "sample", "misses", "reader", "polynomials"):
        found = importlib.import_module(f"{__name__}.{module}")
        if hasattr(found, name):
            return getattr(found, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
