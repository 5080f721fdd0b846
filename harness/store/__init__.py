"""What a run leaves on disk: attempt records and the checkpoint, files written safely, locks."""
