"""The independent checkers: the verifier's own error rate."""


def __getattr__(name: str):
    """`from harness.audit import X` of the flat layout (harness/audit.py): X from harness.audit.checkers."""
    import importlib.util
    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is not None:
        raise AttributeError(name)  # a dunder, or a module of this package: the import system's to load
    from harness.audit import checkers
    return getattr(checkers, name)
