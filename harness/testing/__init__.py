"""For tests, benchmarks and demos, not the engine: a fake LLM server, a browser, a throw-away PostgreSQL, demos."""
