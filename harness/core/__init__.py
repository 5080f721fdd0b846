"""The vocabulary: tiers, verdicts, problems, safe parsing, search spaces, batch sampling, answer grammars, seeding, settings checks (no I/O)."""
