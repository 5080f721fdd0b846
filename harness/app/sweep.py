"""A sweep's parent run published again: `python -m harness.app.sweep PARENT_RUN_ID` (the work is in harness.run.sweep)."""
from harness.run.sweep import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
