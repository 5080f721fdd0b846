"""The `harness-report` entry point: runs -> REPORT.md, its tables and figures (the work is in harness.reporting.build)."""
from harness.reporting.build import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
