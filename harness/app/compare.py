"""The `harness-compare` entry point: runs' yield curves side by side (the work is in harness.reporting.compare)."""
from harness.reporting.compare import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
