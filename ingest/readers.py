"""Read an export file into a frame of strings, exactly as written, with data row numbers.

Typing happens later (``typing.py``) so that a bad value can be quarantined with what the file
really said.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import fastexcel
import polars as pl

from ingest.contracts import SourceContract

ROW_NUMBER = "_row_number"


class UnreadableFileError(Exception):
    """The file as a whole cannot be read; it is quarantined with this message."""


def detect_encoding(data: bytes) -> str:
    """Name the encoding of a text export.

    A byte-order mark decides; otherwise strict UTF-8, then strict GB18030 (a superset of GBK,
    so it also covers rare characters in personal names). Strict decoding means a wrong guess
    fails loudly instead of producing mojibake.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFileError("text is neither UTF-8, UTF-16 nor GB18030/GBK")


def _decode(data: bytes, contract: SourceContract) -> tuple[str, str]:
    encoding = detect_encoding(data) if contract.encoding == "auto" else contract.encoding
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableFileError(f"cannot decode as {encoding}: {exc}") from exc


def _read_csv(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, str]:
    text, encoding = _decode(path.read_bytes(), contract)
    lines_to_skip = contract.header_row - 1
    if not text.strip():
        raise UnreadableFileError("file is empty")
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=contract.delimiter,
            skip_rows=lines_to_skip,
            infer_schema=False,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFileError(f"CSV cannot be parsed: {exc}") from exc
    return frame, encoding


def _read_xlsx(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, str]:
    try:
        workbook = fastexcel.read_excel(str(path))
        sheet = workbook.load_sheet(
            contract.sheet, header_row=contract.header_row - 1, dtypes="string"
        )
        return sheet.to_polars(), "xlsx"
    except Exception as exc:  # fastexcel raises its own hierarchy for corrupt or wrong files
        raise UnreadableFileError(f"workbook cannot be read: {exc}") from exc


def _read_jsonl(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, str]:
    text, encoding = _decode(path.read_bytes(), contract)
    try:
        frame = pl.read_ndjson(io.BytesIO(text.encode("utf-8")), infer_schema_length=None)
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFileError(f"JSON lines cannot be parsed: {exc}") from exc
    return frame.select(pl.all().cast(pl.String)), encoding


READERS = {"csv": _read_csv, "xlsx": _read_xlsx, "jsonl": _read_jsonl}


def read_export(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, str]:
    """Return every data row as strings, numbered from 1 after the header, and the encoding.

    Wholly blank rows (spreadsheets keep trailing empty rows) are not data and are not counted.
    """
    frame, encoding = READERS[contract.format](path, contract)
    frame = frame.with_row_index(ROW_NUMBER, offset=1)
    value_columns = [c for c in frame.columns if c != ROW_NUMBER]
    if value_columns:
        blank = pl.all_horizontal(
            pl.col(value_columns).is_null() | (pl.col(value_columns).str.strip_chars() == "")
        )
        frame = frame.filter(~blank)
    return frame, encoding
