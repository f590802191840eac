"""`medops bench`: the nightly run's stages, its baselines and the cockpit, measured at several
scales in one command (see BENCHMARKS.md, "Method")."""
