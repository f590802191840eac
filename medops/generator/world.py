"""The shared state one generation run builds up: the company, its customers and its deals.

Each stage (org, customers, sales, finance, service) reads what earlier stages put here and
adds its own tables. Tables are typed polars frames with the canonical English column names;
helper columns that are not exported start with an underscore.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from medops.generator.geo import Province


@dataclass
class World:
    scale: float
    seed: int
    provinces: list[Province] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    # Counts and lists of planted phenomena for the answer key.
    planted: dict[str, object] = field(default_factory=dict)
    answer_frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    def rng(self, stage: str) -> np.random.Generator:
        """An independent, reproducible stream per stage, so stages do not shift each other."""
        key = [self.seed, *[ord(c) for c in stage]]
        return np.random.default_rng(np.random.SeedSequence(key))

    def count(self, base: float, floor: int) -> int:
        """Linear in scale with a floor that keeps the smallest company complete."""
        return max(floor, int(round(base * self.scale)))


def frame(columns: dict[str, object], schema: dict[str, pl.DataType] | None = None) -> pl.DataFrame:
    """A polars frame from numpy columns; object (string) arrays go through Python lists."""
    data = {}
    for k, v in columns.items():
        if isinstance(v, np.ndarray) and v.dtype == object:
            v = v.tolist()
        elif isinstance(v, np.ndarray) and v.dtype == np.dtype("datetime64[s]"):
            v = v.astype("datetime64[us]")  # polars does not take second resolution
        data[k] = v
    return pl.DataFrame(data, schema_overrides=schema or {})
