"""Thin entry points: the console scripts (harness-run, -verify, -compare, -report) and the python -m commands."""
