"""One run: the config schema, the job from plan to outputs, per-run plots, a sweep as one parent run."""
