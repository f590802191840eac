"""Writing export files chunk by chunk: CSV in the system's encoding, xlsx via xlsxwriter.

Each writer renders a typed clean chunk the way its source system would, damages a few cells
(see `dirt`), records every damaged cell for the answer key and appends the chunk to the file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import xlsxwriter

from medops.generator.dirt import DirtyCell, choose_dirt
from medops.generator.schema import AMOUNT, DATE, DECIMAL, INT, TIMESTAMP, FileSpec

# Fixed workbook metadata so that the same seed gives byte-identical xlsx files.
WORKBOOK_CREATED = datetime(2026, 11, 21, 6, 0, 0)
XLSX_MAX_DATA_ROWS = 1_048_575
EXCEL_EPOCH_OFFSET_DAYS = 25569  # 1970-01-01 as an Excel serial day number

# ERP report templates differ in their date style; CRM and service use ISO dates.
ERP_DATE_FORMAT = {
    "erp_contracts": "%Y/%-m/%-d",
    "erp_orders": "%Y/%-m/%-d",
    "erp_payments": "%Y/%-m/%-d",
    "erp_expense_claims": "%Y/%-m/%-d",
    "erp_statements": "%Y-%m-%d",
    "erp_invoices": "%Y-%m-%d",
    "erp_contract_changes": "%Y/%-m/%-d",
    "erp_credit_notes": "%Y-%m-%d",
    "erp_statement_installments": "%Y-%m-%d",
}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
# Gives the random stream for a key, e.g. "dirt:crm_leads:0".
RngFor = Callable[[str], np.random.Generator]


class DirtLog:
    """Every damaged cell of every file, for `_answer_key/dirty_cells.csv`."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, str, str, str, str]] = []

    def add(self, path: str, row_number: int, cell: DirtyCell) -> None:
        written = "" if cell.written_value is None else str(cell.written_value)
        self.rows.append((path, row_number, cell.column, cell.kind, cell.clean_value, written))

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            self.rows,
            schema={
                "file": pl.Utf8,
                "row_number": pl.Int64,
                "column": pl.Utf8,
                "kind": pl.Utf8,
                "clean_value": pl.Utf8,
                "written_value": pl.Utf8,
            },
            orient="row",
        )


def thousands(expr: pl.Expr) -> pl.Expr:
    """Money as the ERP prints it: `1,234.50` (vectorised, non-negative amounts)."""
    cents = (expr * 100).round(0).cast(pl.Int64)
    ip = cents // 100
    frac = (cents % 100).cast(pl.Utf8).str.zfill(2)

    def grp(k: int) -> pl.Expr:
        return ((ip // (1000**k)) % 1000).cast(pl.Utf8)

    def pad(k: int) -> pl.Expr:
        return grp(k).str.zfill(3)

    whole = (
        pl.when(ip >= 1_000_000_000)
        .then(
            pl.concat_str(
                [(ip // 1_000_000_000).cast(pl.Utf8), pad(2), pad(1), pad(0)], separator=","
            )
        )
        .when(ip >= 1_000_000)
        .then(pl.concat_str([grp(2), pad(1), pad(0)], separator=","))
        .when(ip >= 1000)
        .then(pl.concat_str([grp(1), pad(0)], separator=","))
        .otherwise(grp(0))
    )
    return pl.concat_str([whole, frac], separator=".")


def render_csv(spec: FileSpec, df: pl.DataFrame) -> pl.DataFrame:
    """The chunk as the source system prints it: one string column per exported column."""
    date_fmt = ERP_DATE_FORMAT.get(spec.entity, "%Y-%m-%d")
    exprs = []
    for col in spec.columns:
        e = pl.col(col.name)
        if col.role == DATE:
            e = e.dt.strftime(date_fmt)
        elif col.role == TIMESTAMP:
            e = e.dt.strftime(TIMESTAMP_FORMAT)
        elif col.role == AMOUNT and spec.system == "erp":
            e = thousands(e)
        elif col.role == AMOUNT:
            e = e.round(2).cast(pl.Utf8)
        else:
            e = e.cast(pl.Utf8)
        exprs.append(e.alias(col.name))
    out = df.select(exprs)
    # A blank cell is written as nothing, never as a quoted empty string.
    return out.with_columns(pl.all().replace("", None))


class ExportWriter:
    """What both file writers keep: where the file goes, the dirt to plant, rows written so far
    and the duplicate rows held back to append at the end."""

    def __init__(
        self, out_dir: Path, spec: FileSpec, rate: float, log: DirtLog, rng_for: RngFor
    ) -> None:
        self.spec = spec
        self.path = out_dir / spec.relative_path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rate = rate
        self.log = log
        self.rng_for = rng_for
        self.rows = 0
        self.chunks = 0
        self.pending_duplicates: list[tuple[int, object]] = []


class CsvWriter(ExportWriter):
    def __init__(
        self, out_dir: Path, spec: FileSpec, rate: float, log: DirtLog, rng_for: RngFor
    ) -> None:
        super().__init__(out_dir, spec, rate, log, rng_for)
        # ERP exports come from a Windows GBK-era system with CRLF line ends.
        self.newline = "\r\n" if spec.system == "erp" else "\n"
        self.handle = self.path.open("wb")
        header = ",".join(spec.headers) + self.newline
        bom = "\ufeff" if spec.encoding == "utf-8-sig" else ""
        self.handle.write((bom + header).encode(self._codec))

    @property
    def _codec(self) -> str:
        return "utf-8" if self.spec.encoding == "utf-8-sig" else self.spec.encoding

    def write(self, df: pl.DataFrame) -> None:
        shown = render_csv(self.spec, df)
        typed = df.select(self.spec.names)

        def rows_of(idx: list[int]) -> tuple[list[dict], list[dict]]:
            return typed[idx].to_dicts(), shown[idx].to_dicts()

        rng = self.rng_for(f"dirt:{self.spec.entity}:{self.chunks}")
        cells, dups = choose_dirt(self.spec, df.height, rows_of, self.rate, rng)
        by_col: dict[str, list[DirtyCell]] = {}
        for cell in cells:
            by_col.setdefault(cell.column, []).append(cell)
            self.log.add(self.spec.relative_path, self.rows + cell.row + 1, cell)
        header_to_name = dict(zip(self.spec.headers, self.spec.names, strict=True))
        if by_col:
            updates = []
            for header, cs in by_col.items():
                name = header_to_name[header]
                s = shown.get_column(name).clone()
                s.scatter([c.row for c in cs], [c.written_value for c in cs])
                updates.append(s)
            shown = shown.with_columns(updates)
        for r in dups:
            self.pending_duplicates.append((self.rows + r + 1, shown[r]))
        self._append(shown)
        self.rows += df.height
        self.chunks += 1

    def _append(self, shown: pl.DataFrame) -> None:
        if shown.height == 0:
            return
        text = shown.write_csv(include_header=False, line_terminator=self.newline)
        self.handle.write(text.encode(self._codec))

    def close(self) -> int:
        """Append the duplicated rows at the end of the file; returns the data row count."""
        for original, row in self.pending_duplicates:
            self.rows += 1
            self.log.add(
                self.spec.relative_path,
                self.rows,
                DirtyCell(0, "*", "duplicate_row", "", f"duplicate of row {original}"),
            )
            self._append(row)
        self.handle.close()
        return self.rows


class XlsxWriter(ExportWriter):
    """Sheet 1, header on row 1; dates as Excel serial numbers (formatted as dates, or bare)."""

    def __init__(
        self, out_dir: Path, spec: FileSpec, rate: float, log: DirtLog, rng_for: RngFor
    ) -> None:
        super().__init__(out_dir, spec, rate, log, rng_for)
        self.book = xlsxwriter.Workbook(
            str(self.path), {"constant_memory": True, "strings_to_numbers": False}
        )
        self.book.set_properties({"created": WORKBOOK_CREATED, "author": "CRM export"})
        self.sheet = self.book.add_worksheet("Sheet1")
        date_fmt = self.book.add_format({"num_format": "yyyy-mm-dd"})
        ts_fmt = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.formats = []
        for col in spec.columns:
            if col.role == DATE and not col.plain_serial:
                self.formats.append(date_fmt)
            elif col.role == TIMESTAMP and not col.plain_serial:
                self.formats.append(ts_fmt)
            else:
                self.formats.append(None)
        for c, header in enumerate(spec.headers):
            self.sheet.write_string(0, c, header)

    def _cell_values(self, df: pl.DataFrame) -> list[list]:
        """Per column the values to write: str -> text cell, number -> number cell."""
        exprs = []
        for col in self.spec.columns:
            e = pl.col(col.name)
            if col.role == DATE:
                e = e.cast(pl.Int64) + EXCEL_EPOCH_OFFSET_DAYS
            elif col.role == TIMESTAMP:
                e = e.dt.epoch("s") / 86400 + EXCEL_EPOCH_OFFSET_DAYS
            elif col.role in (DECIMAL, AMOUNT, INT):
                e = e
            else:
                e = e.cast(pl.Utf8)
            exprs.append(e.alias(col.name))
        return [s.to_list() for s in df.select(exprs).get_columns()]

    def write(self, df: pl.DataFrame) -> None:
        if self.rows + df.height > XLSX_MAX_DATA_ROWS:
            raise ValueError(
                f"{self.spec.relative_path}: {self.rows + df.height} rows exceed one xlsx sheet; "
                "use a smaller scale"
            )
        typed = df.select(self.spec.names)
        values = self._cell_values(df)

        def rows_of(idx: list[int]) -> tuple[list[dict], list[dict]]:
            d = typed[idx].to_dicts()
            return d, d

        rng = self.rng_for(f"dirt:{self.spec.entity}:{self.chunks}")
        cells, dups = choose_dirt(self.spec, df.height, rows_of, self.rate, rng)
        col_of = {h: i for i, h in enumerate(self.spec.headers)}
        for cell in cells:
            values[col_of[cell.column]][cell.row] = cell.written_value
            self.log.add(self.spec.relative_path, self.rows + cell.row + 1, cell)
        for r in dups:
            self.pending_duplicates.append((self.rows + r + 1, [v[r] for v in values]))
        self._append(values, df.height)
        self.rows += df.height
        self.chunks += 1

    def _append(self, values: list[list], n: int) -> None:
        sheet, formats = self.sheet, self.formats
        write_string, write_number = sheet.write_string, sheet.write_number
        base = self.rows + 1  # row 0 is the header
        columns = list(enumerate(values))
        for r in range(n):
            row = base + r
            for c, col in columns:
                v = col[r]
                if v is None:
                    continue
                if isinstance(v, str):
                    write_string(row, c, v)
                else:
                    write_number(row, c, v, formats[c])

    def close(self) -> int:
        for original, row_values in self.pending_duplicates:
            self.log.add(
                self.spec.relative_path,
                self.rows + 1,
                DirtyCell(0, "*", "duplicate_row", "", f"duplicate of row {original}"),
            )
            self._append([[v] for v in row_values], 1)
            self.rows += 1
        self.book.close()
        return self.rows


def open_writer(
    out_dir: Path, spec: FileSpec, rate: float, log: DirtLog, rng_for: RngFor
) -> CsvWriter | XlsxWriter:
    cls = XlsxWriter if spec.fmt == "xlsx" else CsvWriter
    return cls(out_dir, spec, rate, log, rng_for)


class TruthWriter:
    """Clean, typed parquet copy of a table (before dirt), streamed chunk by chunk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer: pq.ParquetWriter | None = None

    def write(self, df: pl.DataFrame) -> None:
        clean = df.select([c for c in df.columns if not c.startswith("_")])
        table = clean.to_arrow()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
