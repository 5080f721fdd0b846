"""Attempts: one batch of them, the sandbox's two sides, batch planning, Ray dispatch, regeneration."""
