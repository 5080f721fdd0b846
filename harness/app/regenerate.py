"""Compact records back to full rows: `python -m harness.app.regenerate RUN_DIR --out rows.parquet` (the work is in harness.engine.regenerate)."""
import sys

from harness.engine.regenerate import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
