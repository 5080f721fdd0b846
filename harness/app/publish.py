"""A run's publishing, later: `python -m harness.app.publish RUN_DIR` (the work is in harness.tracking.publish)."""
from harness.tracking.publish import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
