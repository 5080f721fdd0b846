"""The problem bank: one module per family. Each module exposes `make(**params) -> Problem`."""
