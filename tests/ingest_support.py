"""Small helpers the ingest tests share: write an export, read raw rows back by key."""

from __future__ import annotations

from pathlib import Path


def write_export(path: Path, header: str, rows: list[str], encoding: str = "utf-8") -> Path:
    """A CSV export as a system writes it: the header line, then one line per row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def rows_by_key(con, sql: str) -> dict:
    """The rows a query returns, by their first column."""
    return {row[0]: row[1:] for row in con.execute(sql).fetchall()}
