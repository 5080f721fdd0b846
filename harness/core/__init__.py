"""The vocabulary, no I/O: tiers, verdicts, problems, safe parsing, search spaces, batch sampling, grammars, seeding."""
