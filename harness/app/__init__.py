"""Thin entry points: harness-run, harness-verify, harness-compare, harness-report and the python -m commands."""
