"""One run: its config and slices, plan, directory, attempt and outputs steps, plots; a sweep as one parent run."""
