"""A run's publishing, later, once its MLflow store is back (harness.tracking.publish):

    python -m harness.app.publish RUN_DIR [--tracking-uri URI]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from harness.tracking.publish import PublishError, publish_later


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.app.publish",
                                     description="Publish a finished run that its MLflow store could not take.")
    parser.add_argument("run_dir", type=Path, help="the run's folder: <results_dir>/<experiment>/<run_id>")
    parser.add_argument("--tracking-uri", help="default: the store the run was started on")
    args = parser.parse_args(argv)
    try:
        lines = publish_later(args.run_dir, args.tracking_uri)
    except (PublishError, OSError) as exc:
        raise SystemExit(f"harness.publish: error: {exc}") from None
    print("\n".join(lines))


if __name__ == "__main__":
    main()
