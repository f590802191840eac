"""Customer master: name normalization, matching into golden customers (no Dagster here)."""
