"""Tools for tests, benchmarks and demos (a fake LLM server, a browser, a throw-away PostgreSQL, demo and screenshot recorders): not the engine."""
