"""MLflow: the tracker (driver only, batched), metric names, the arranged chart views, publishing now or later."""


def __getattr__(name: str):
    """`from harness.tracking import X` of the flat layout (harness/tracking.py): X from harness.tracking.tracker."""
    import importlib.util
    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is not None:
        raise AttributeError(name)  # a dunder, or a module of this package: the import system's to load
    from harness.tracking import tracker
    return getattr(tracker, name)
