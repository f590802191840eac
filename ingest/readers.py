"""Read an export file into a frame of strings, exactly as written, with data row numbers.

Typing happens later (``conform.py``) so that a bad value can be quarantined with what the file
really said. Every format goes through the same header handling: title rows above the header
are skipped, a header of several rows (merged group cells above column cells) is combined into
one name per column, and a row whose field count differs from the header's is kept and marked
instead of failing the whole file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from ingest.contracts import SourceContract

ROW_NUMBER = "_row_number"
ROW_PROBLEM = "_row_problem"
EXCEL_EPOCH_1900 = dt.date(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
HEADER_LEVEL_SEPARATOR = "/"
EXTRA_VALUES_SHOWN = 20  # of a row longer than its header, in its quarantine reason
# The error values a cell can show, as a CSV saved from Excel (or WPS, or Google Sheets: #ERROR!)
# writes them; conform quarantines a row holding one.
EXCEL_ERRORS = (
    "#BLOCKED!",
    "#BUSY!",
    "#CALC!",
    "#CONNECT!",
    "#DIV/0!",
    "#ERROR!",
    "#FIELD!",
    "#GETTING_DATA",
    "#N/A",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#PYTHON!",
    "#REF!",
    "#SPILL!",
    "#UNKNOWN!",
    "#VALUE!",
)
# calamine's names of the error values it reads from a workbook
CALAMINE_ERRORS = {
    "Div0": "#DIV/0!",
    "NA": "#N/A",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "Ref": "#REF!",
    "Value": "#VALUE!",
    "GettingData": "#GETTING_DATA",
}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (a compound document)
DAMAGED_WORKBOOK = "workbook is damaged or cut short (a copy that did not finish?): copy it again"


class UnreadableFileError(Exception):
    """The file as a whole cannot be read; it is quarantined with this message. When it was
    read but cannot be loaded (its columns break the contract), the rows read and the
    encoding are kept for the ledger."""

    def __init__(self, message: str, rows_read: int = 0, encoding: str | None = None) -> None:
        super().__init__(message)
        self.rows_read = rows_read
        self.encoding = encoding


@dataclass
class ExportRows:
    frame: pl.DataFrame  # one string column per header, plus _row_number and _row_problem
    encoding: str
    excel_epoch: dt.date = EXCEL_EPOCH_1900


def detect_encoding(data: bytes) -> str:
    """Name the encoding of a text export.

    A byte-order mark decides; UTF-16 without one shows as NUL bytes in every other position.
    Otherwise strict UTF-8, then strict GB18030 (a superset of GBK, so it also covers rare
    characters in personal names). Strict decoding means a wrong guess fails loudly instead of
    producing mojibake.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
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


def combine_header_levels(levels: list[list[str | None]]) -> list[str]:
    """One name per column from one or more header rows.

    A merged group cell is stored in its first column only, so upper levels are carried to
    the right until the next group starts; a column's name joins its non-empty levels
    (金额/含税). Blank names become column_N and repeated names get #2, #3 so no column is lost.
    """
    width = max(len(level) for level in levels)
    carried: list[list[str | None]] = []
    for depth, level in enumerate(levels):
        cells = [(level[i] if i < len(level) else None) for i in range(width)]
        cells = [c.strip() if isinstance(c, str) and c.strip() else None for c in cells]
        if depth < len(levels) - 1:
            for i in range(1, width):
                cells[i] = cells[i] or cells[i - 1]
        carried.append(cells)
    names: list[str] = []
    seen: dict[str, int] = {}
    for i in range(width):
        parts: list[str] = []
        for cells in carried:
            if cells[i] and (not parts or parts[-1] != cells[i]):
                parts.append(cells[i])
        name = HEADER_LEVEL_SEPARATOR.join(parts) or f"column_{i + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def _split_header(records: list[list[str | None]], header_row: int, header_rows: int):
    """Header names and the index of the first data record; ``header_row`` is 1-based."""
    start = header_row - 1
    header_end = start + header_rows
    if len(records) < header_end:
        raise UnreadableFileError(
            f"no header: expected it on row {header_row}, the file has {len(records)} rows"
        )
    return combine_header_levels(records[start:header_end]), header_end


def _check_width(width: int, contract: SourceContract, what: str) -> None:
    if width > contract.limits.columns:
        raise UnreadableFileError(
            f"{what} has {width:,} columns, over the limit of {contract.limits.columns:,} "
            "(limits.columns)"
        )


def _read_csv(path: Path, contract: SourceContract) -> ExportRows:
    text, encoding = _decode(path.read_bytes(), contract)
    if not text.strip():
        raise UnreadableFileError("file is empty")
    # title lines above the header are skipped as lines, before any CSV parsing
    titles = contract.header_row - 1
    text = text.split("\n", titles)[titles] if titles and text.count("\n") >= titles else text
    # the header's width, counted before any parser sees a line of millions of fields
    header_end = text.find("\n")
    _check_width(
        text.count(contract.delimiter, 0, header_end if header_end >= 0 else len(text)) + 1,
        contract,
        "the header",
    )
    # the csv module's own limit (131,072 characters) would otherwise raise mid-file
    csv.field_size_limit(contract.limits.field_chars)
    try:
        frame = _csv_frame_fast(text, contract)
    except pl.exceptions.ComputeError:
        # a row with more fields than the header: parse record by record to keep them
        frame = _csv_frame_exact(text, contract)
    return ExportRows(frame, encoding)


def _csv_records(text: str, contract: SourceContract):
    """Records as the csv module reads them; a field over the limit rejects the file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=contract.delimiter)
    last_line = contract.header_row - 1  # title lines were cut off before parsing
    try:
        for record in reader:
            yield record
            last_line = contract.header_row - 1 + reader.line_num
    except csv.Error as exc:
        limit = contract.limits.field_chars
        problem = (
            f"a field is longer than {limit:,} characters (limits.field_chars), often an "
            "unclosed quote running on to the end of the file"
            if "field limit" in str(exc)
            else f"CSV cannot be parsed: {exc}"
        )
        raise UnreadableFileError(f"{problem} (record starting on line {last_line + 1})") from exc


def _quick_field_counts(text: str, contract: SourceContract) -> list[int] | None:
    """Each record's field count as the csv module would give it, counted by Polars, for a
    text whose records are its lines: every line a sequence of fields that are either
    unquoted (no quote, no delimiter) or wholly quoted with inner quotes doubled. None for any
    other text (a quoted line break, a stray quote, a lone carriage return, a NUL, a line
    longer than a field may be): the csv module reads those, and says what is wrong."""
    if "\0" in text or text.count("\r") != text.count("\r\n"):
        return None
    delimiter = re.escape(contract.delimiter)
    quoted = r'"(?:[^"]|"")*"'
    field = rf'(?:[^"{delimiter}\r\n]*|{quoted})'
    lines = (
        pl.Series("line", [text.removesuffix("\n")], dtype=pl.String)
        .str.split("\n")
        .explode()
        .str.strip_suffix("\r")
        .to_frame()
    )
    # bytes bound characters: a line within the limit in bytes is within it in characters
    if (lines["line"].str.len_bytes().max() or 0) > contract.limits.field_chars:
        return None
    line = pl.col("line")
    has_quote = line.str.contains('"', literal=True)
    if '"' in text:
        record = rf"^{field}(?:{delimiter}{field})*$"
        if not lines.filter(has_quote).select(line.str.contains(record).all()).item():
            return None
    unquoted = pl.when(has_quote).then(line.str.replace_all(quoted, "")).otherwise(line)
    counts = lines.select(
        pl.when(line == "")
        .then(0)
        .otherwise(unquoted.str.count_matches(contract.delimiter, literal=True) + 1)
    )
    return counts.to_series().to_list()


def _csv_frame_fast(text: str, contract: SourceContract) -> pl.DataFrame:
    """Polars parses the values; the field count of each record tells a truncated row from one
    whose last fields are merely empty (counted by Polars where every record is a line, else
    by Python's csv module)."""
    field_counts = _quick_field_counts(text, contract)
    if field_counts is None:
        field_counts = [len(record) for record in _csv_records(text, contract)]
    raw = pl.read_csv(
        io.BytesIO(text.encode("utf-8")),
        has_header=False,
        separator=contract.delimiter,
        infer_schema=False,
        raise_if_empty=False,
    )
    if raw.height != len(field_counts):
        # the two parsers disagree on where records end: trust the record-by-record one
        raise pl.exceptions.ComputeError("record counts differ")
    head = [list(row) for row in raw.head(contract.header_rows).rows()]
    headers, body_start = _split_header(head, 1, contract.header_rows)
    width = len(headers)
    problems = [
        f"row has {count} fields, the header has {width}" if count not in (0, width) else None
        for count in field_counts[body_start:]
    ]
    body = raw.slice(body_start)
    return body.rename(dict(zip(body.columns, headers, strict=True))).with_columns(
        pl.Series(ROW_PROBLEM, problems, dtype=pl.String)
    )


def _csv_frame_exact(text: str, contract: SourceContract) -> pl.DataFrame:
    records = list(_csv_records(text, contract))
    headers, body_start = _split_header(records, 1, contract.header_rows)
    body = records[body_start:]
    width = len(headers)
    problems: list[str | None] = [None] * len(body)
    for i, record in enumerate(body):
        if record and len(record) != width:
            problems[i] = f"row has {len(record)} fields, the header has {width}"
            if len(record) > width:
                extra = record[width:]
                shown = json.dumps(extra[:EXTRA_VALUES_SHOWN], ensure_ascii=False)
                more = (
                    f" and {len(extra) - EXTRA_VALUES_SHOWN:,} more"
                    if len(extra) > EXTRA_VALUES_SHOWN
                    else ""
                )
                problems[i] += f": extra values {shown}{more}"
            body[i] = (record + [None] * width)[:width]
        elif not record:
            body[i] = [None] * width
    columns = list(zip(*body, strict=True)) if body else [()] * width
    return pl.DataFrame(
        {h: pl.Series(h, col, dtype=pl.String) for h, col in zip(headers, columns, strict=True)}
    ).with_columns(pl.Series(ROW_PROBLEM, problems, dtype=pl.String))


def workbook_epoch(path: Path) -> dt.date:
    """Day zero of a workbook's serial dates: Excel for Mac used 1904, everything else 1900."""
    try:
        with zipfile.ZipFile(path) as archive:
            workbook_xml = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return EXCEL_EPOCH_1900  # legacy .xls: calamine applies its own flag to date cells
    is_1904 = re.search(r'date1904="(1|true)"', workbook_xml) is not None
    return EXCEL_EPOCH_1904 if is_1904 else EXCEL_EPOCH_1900


def _open_workbook(path: Path) -> fastexcel.ExcelReader:
    """The workbook, told .xlsx from .xls by its name, else by its content (an .xlsx that an ERP
    names .xls); a file that is no workbook is rejected saying what it is."""
    try:
        return fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own hierarchy for corrupt or wrong files
        error = exc
    with path.open("rb") as file:
        head = file.read(4096)
    if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        try:
            return fastexcel.read_excel(path.read_bytes())
        except Exception:  # not a workbook of either kind: described below
            pass
    raise UnreadableFileError(_not_a_workbook(path, head)) from error


def _not_a_workbook(path: Path, head: bytes) -> str:
    """What a file named as a workbook that calamine cannot open is, in one short reason."""
    if not head:
        return "file is empty"
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return DAMAGED_WORKBOOK
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"a zip archive holding {shown or 'nothing'}, not a workbook: export it again"
    if head.startswith(OLE_MAGIC):
        return DAMAGED_WORKBOOK
    text = _head_as_text(head)
    if text is None:
        return f"not a workbook, though named {path.suffix}: export it again"
    if re.search(r"<(?:html|table|!doctype html)", text, re.IGNORECASE):
        return (
            "an HTML page saved with a workbook name, not a workbook: open it in Excel and save "
            "as .xlsx, or export as CSV"
        )
    return (
        f"a text file named {path.suffix}, not a workbook: export it again as a workbook, "
        "or as CSV named .csv"
    )


def _head_as_text(head: bytes) -> str | None:
    """The first bytes of a file as text, None when they are not text (a character cut at the
    end of them is no sign of that)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", "replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return text if "\0" not in text else None
    return None


def _errors_as_text(path: Path) -> bytes:
    """The .xlsx with its error cells stored as the error's text. calamine refuses a whole sheet
    holding an error newer than the ones it knows (#SPILL!, #CALC!, #GETTING_DATA): read this
    way, the cell shows as a CSV would show it, and only its row is quarantined."""
    copy = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'(<(?:\w+:)?c\s[^>]*?)\bt="e"', rb'\1t="str"', data)
            out.writestr(item, data)
    return copy.getvalue()


def _sheet_as_text(workbook: fastexcel.ExcelReader, wanted: str | int) -> pl.DataFrame:
    """Every cell as text; a cell holding an Excel error as the error (#DIV/0!), which fastexcel
    reads as blank and reports apart."""
    sheet = workbook.load_sheet(wanted, header_row=None, dtypes="string")
    batch, cell_errors = sheet.to_arrow_with_errors()
    frame = pl.from_arrow(batch)
    by_column: dict[int, tuple[list[int], list[str]]] = {}
    for error in cell_errors.errors if cell_errors else []:
        row, column = error.position
        name = re.search(r"Error\((\w+)\)", error.detail)
        rows, texts = by_column.setdefault(column, ([], []))
        rows.append(row)
        texts.append(CALAMINE_ERRORS.get(name.group(1) if name else "", "#ERROR!"))
    return frame.with_columns(
        frame.to_series(column).scatter(rows, texts) for column, (rows, texts) in by_column.items()
    )


def _read_excel(path: Path, contract: SourceContract) -> ExportRows:
    workbook = _open_workbook(path)
    sheet_names = workbook.sheet_names
    wanted = contract.sheet
    if isinstance(wanted, str) and wanted not in sheet_names:
        raise UnreadableFileError(f"sheet {wanted!r} not found; the workbook has {sheet_names}")
    if isinstance(wanted, int) and wanted >= len(sheet_names):
        raise UnreadableFileError(f"sheet {wanted + 1} not found; the workbook has {sheet_names}")
    try:
        try:
            raw = _sheet_as_text(workbook, wanted)
        except fastexcel.CalamineError as exc:
            if "Unsupported cell error value" not in str(exc):
                raise
            raw = _sheet_as_text(fastexcel.read_excel(_errors_as_text(path)), wanted)
    except Exception as exc:
        raise UnreadableFileError(f"sheet {wanted!r} cannot be read: {exc}") from exc
    if raw.width == 0 or raw.height == 0:
        raise UnreadableFileError(f"sheet {wanted!r} is empty")
    _check_width(raw.width, contract, f"sheet {wanted!r}")
    head = [list(row) for row in raw.head(contract.header_row + contract.header_rows).rows()]
    headers, body_start = _split_header(head, contract.header_row, contract.header_rows)
    frame = (
        raw.slice(body_start)
        .rename(dict(zip(raw.columns, headers, strict=True)))
        .with_columns(pl.lit(None, dtype=pl.String).alias(ROW_PROBLEM))
    )
    return ExportRows(
        frame, "xlsx" if path.suffix.lower() != ".xls" else "xls", workbook_epoch(path)
    )


def _read_jsonl(path: Path, contract: SourceContract) -> ExportRows:
    text, encoding = _decode(path.read_bytes(), contract)
    problems: list[str | None] = []
    records: list[dict] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            problem = None if isinstance(record, dict) else "line is not a JSON object"
        except json.JSONDecodeError as exc:
            record, problem = None, f"line is not valid JSON ({exc.msg})"
        if problem:
            # the reason carries the line itself: it has no columns to keep it in
            record, problem = {}, f"{problem}: {line[:500]}"
        records.append(record)
        problems.append(problem)
    names = list(dict.fromkeys(k for r in records for k in r))
    _check_width(len(names), contract, "the file's JSON objects together")
    if not names:
        raise UnreadableFileError("no JSON object with any field in the file")
    frame = pl.DataFrame(
        {n: [None if r.get(n) is None else str(r[n]) for r in records] for n in names},
        schema={n: pl.String for n in names},
    ).with_columns(pl.Series(ROW_PROBLEM, problems, dtype=pl.String))
    return ExportRows(frame, encoding)


READERS = {"csv": _read_csv, "xlsx": _read_excel, "xls": _read_excel, "jsonl": _read_jsonl}


def read_export(path: Path, contract: SourceContract) -> ExportRows:
    """Return every data row as strings, numbered from 1 after the header.

    Wholly blank rows (spreadsheets keep trailing empty rows) are not data and are not counted,
    but they keep their place in the numbering, so a row number points at the row in the file.
    """
    rows = READERS[contract.format](path, contract)
    frame = rows.frame.with_row_index(ROW_NUMBER, offset=1)
    value_columns = [c for c in frame.columns if c not in (ROW_NUMBER, ROW_PROBLEM)]
    if value_columns:
        blank = (
            pl.all_horizontal(
                pl.col(value_columns).is_null() | (pl.col(value_columns).str.strip_chars() == "")
            )
            & pl.col(ROW_PROBLEM).is_null()
        )
        frame = frame.filter(~blank)
    rows.frame = frame
    return rows
