"""The problem bank: families and instance lists turned into Problems."""


def __getattr__(name: str):
    """`from harness.bank import X` of the flat layout (harness/bank.py): X from harness.bank.banks."""
    import importlib.util
    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is not None:
        raise AttributeError(name)  # a dunder, or a module of this package: the import system's to load
    from harness.bank import banks
    return getattr(banks, name)
