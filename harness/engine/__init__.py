"""Attempts: one batch of attempts, the sandbox's two sides, Ray dispatch, regeneration of compact records."""
