"""Draft a source contract for an export nobody has described yet (``medops contract draft``).

The draft is a starting point for a person to review, never loaded silently: it proposes the
source the file most likely feeds (its headers against every known contract's headers,
canonical names and a table of common synonyms in Chinese and English), each column's type
and date order as the values show them, the codes found in code columns with the canonical
code each most likely means, a primary key, and what the marts will lack without the columns
the file does not have. Whatever it could not decide is said in a comment beside the line.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from ingest.conform import (
    SHORT_FIRST_DATE,
    SUMMARY_ROWS,
    SchemaError,
    clean_text,
    infer_date_order,
    joined_text,
    parse_boolean,
    parse_datetime,
    parse_number,
    summary_row,
    time_without_date,
)
from ingest.contracts import (
    ColumnSpec,
    SourceContract,
    contract_dirs,
    load_contracts,
    normalize_header,
)
from ingest.readers import (
    EXCEL_EPOCH_1900,
    EXCEL_ERRORS,
    ROW_NUMBER,
    ROW_PROBLEM,
    UnreadableFileError,
    detect_encoding,
    read_export,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = REPO_ROOT / "examples"
SEEDS_DIR = REPO_ROOT / "seeds"
FORMATS_BY_SUFFIX = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xls": "xls",
    ".jsonl": "jsonl",
}
SAMPLE_ROWS = 20_000
CODE_COLUMN_MAX_VALUES = 30  # a column the target maps: its values are listed up to this many
CODE_COLUMN_FEW_VALUES = 12  # another column, repeating few values, is probably a code too
# Headers other systems use for our canonical columns, one pair a row (a header may stand for
# several columns: the target's columns decide), compared squashed: case, spaces, underscores
# and punctuation ignored, so InvoiceDate, invoice_date and "Invoice Date" agree.
SYNONYMS_FILE = Path(__file__).resolve().parent / "header_synonyms.csv"
# A header that names an identifier (单据编号, 发票号, 工号, Invoice No): its digits are a code.
ID_HEADER = re.compile(r"id$|_id|编号|号码|编码|号$|number|^no$|\bno\b|key", re.IGNORECASE)
# What the marts cannot show without a column (the column's name in any contract).
MART_NEEDS: dict[str, str] = {
    "owner_id": "owners by name only: the employee dimension is built from names",
    "product_line": "no product line: figures by product line show one unknown line",
    "created_on": "no creation date: no sales cycle, no pipeline by month created",
    "closed_on": "no close date: no won or lost by month, no sales cycle",
    "close_on": "no close date: no won or lost by month, no sales cycle",
    "amount": "no amount: counts only, no pipeline or weighted forecast value",
    "due_on": "no due date: no aging, no days late, no overdue share",
    "settled_on": "no settled date: every invoice counts as open; no days to settle",
    "invoiced_on": "no invoice date: no DSO, no invoicing by month",
    "priority": "no priority: SLA targets fall back to the default priority",
    "resolved_at": "no resolution time: no resolution hours, no SLA met share",
    "event_at": "no event time: no status history, no time in status",
    "unit_id": "no org unit: a flat company > team from the owner's manager or office",
}


# What the marts lack with a source of a thin shape, whatever columns it has.
SOURCE_LACKS: dict[str, str] = {
    "crm_opportunities_current": (
        "current stage only, no stage history: time in stage is not available, and each deal "
        "counts at the stages up to its current one"
    ),
    "erp_ar_invoice_ledger": (
        "one settled date per invoice, no payment rows: partial payments before it are not "
        "seen, and there is no unapplied cash"
    ),
    "fsm_ticket_events": (
        "an event log: tickets are built from their events; steps the desk does not record as "
        "a state (dispatch, arrival on site) are not available"
    ),
}


@dataclass
class ColumnDraft:
    header: str
    name: str
    type: str = "text"
    required: bool = False
    date_format: str | None = None
    decimal: str | None = None
    values: dict[str, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    joined: tuple[str, ...] = ()  # headers whose values make this column (``from:``)


@dataclass
class Draft:
    file: Path
    format: str
    encoding: str
    delimiter: str
    header_row: int
    rows: int
    source: SourceContract | None
    alternatives: list[tuple[str, int]]
    columns: list[ColumnDraft]
    primary_key: list[str]
    missing_tokens: list[str]
    summary_rows: list[str]
    lacks: list[str]
    export_date_note: str


def squash(header: str) -> str:
    """Headers compared as words only: InvoiceDate, invoice_date, "Invoice Date" agree."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header)
    return re.sub(r"[\W_]+", "", normalize_header(spaced))


@cache
def _synonyms() -> dict[str, tuple[str, ...]]:
    """Canonical column -> the headers other systems give it (ingest/header_synonyms.csv)."""
    synonyms: dict[str, list[str]] = {}
    with SYNONYMS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            synonyms.setdefault(row["column"], []).append(row["header"])
    return {column: tuple(headers) for column, headers in synonyms.items()}


def _names_for(column: ColumnSpec) -> set[str]:
    return {squash(h) for h in (*column.headers, column.name, *_synonyms().get(column.name, ()))}


def match_columns(
    headers: list[str], contract: SourceContract, parts: dict[str, tuple[str, ...]] | None = None
) -> dict[str, str]:
    """File header -> the contract's column it most likely is (each column used once).
    Exact headers first, then canonical names and synonyms. A column made of several (``parts``:
    a date and a time) is matched by its parts, the last first (签到时间 before 签到日期)."""
    exact = contract.column_for_header()

    def names(header: str) -> list[str]:
        return list(reversed((parts or {}).get(header, ()))) or [header]

    matched: dict[str, str] = {}
    for header in headers:
        name = next((exact[n] for n in map(normalize_header, names(header)) if n in exact), None)
        if name and name not in matched.values():
            matched[header] = name
    for header in headers:
        if header in matched:
            continue
        for column in contract.columns:
            known = _names_for(column)
            if column.name not in matched.values() and any(
                squash(n) in known for n in names(header)
            ):
                matched[header] = column.name
                break
    return matched


def candidate_contracts(extra_dirs: Iterable[Path] = ()) -> list[SourceContract]:
    """Every contract a new file could feed: the bundled ones, the worked examples' and any
    folder given; the examples are the shapes of other systems' exports."""
    dirs = contract_dirs(list(extra_dirs))
    dirs += [d for d in sorted(EXAMPLES_DIR.glob("*")) if d.is_dir() and any(d.glob("*.yml"))]
    by_source: dict[str, SourceContract] = {}
    for folder in dirs:
        for contract in load_contracts([folder]):
            by_source.setdefault(contract.source, contract)
    return list(by_source.values())


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        raise UnreadableFileError("file is empty")
    counts = {d: [line.count(d) for line in lines] for d in (",", ";", "\t", "|")}
    # the delimiter shows in most lines, as often as in the busiest line
    return max(counts, key=lambda d: (sorted(counts[d])[len(lines) // 2], max(counts[d])))


def _probe_contract(path: Path, fmt: str, delimiter: str, header_row: int) -> SourceContract:
    return SourceContract(
        source="draft",
        system="draft",
        description="",
        file_pattern=path.name,
        format=fmt,
        primary_key=(),
        columns=(),
        header_row=header_row,
        delimiter=delimiter,
    )


def _head_text(path: Path) -> str:
    """The first lines of a text export, decoded (cut at a line end, so no character is
    cut in half and misleads the encoding detection)."""
    data = path.read_bytes()[:200_000]
    data = data[: data.rfind(b"\n") + 1] or data
    return data.decode(detect_encoding(data), errors="replace")


def _header_row(path: Path, fmt: str, delimiter: str) -> int:
    """The first of the top rows that is as wide as the widest and holds no numbers: title
    rows (a report name, an export time) above it are skipped."""
    if fmt == "jsonl":
        return 1
    if fmt == "csv":
        rows = list(csv.reader(_head_text(path).splitlines()[:20], delimiter=delimiter))
        numbered = list(enumerate(rows, start=1))
    else:
        frame = read_export(path, _probe_contract(path, fmt, delimiter, 1)).frame
        # the reader names blank header cells column_N: they are blank here
        values = frame.drop(ROW_NUMBER, ROW_PROBLEM)
        first = [None if re.fullmatch(r"column_\d+", c) else c for c in values.columns]
        # blank rows are not read, so each row keeps its number in the sheet (row 1: the first)
        numbered = [
            (1, first),
            *(
                (number + 1, list(row))
                for number, row in zip(
                    frame[ROW_NUMBER].head(19), values.head(19).rows(), strict=True
                )
            ),
        ]
    filled = [sum(1 for cell in row if cell and str(cell).strip()) for _, row in numbered]
    widest = max(filled, default=0)
    for (number, row), count in zip(numbered, filled, strict=True):
        numeric = any(re.fullmatch(r"[\d.,/: -]+", str(cell).strip()) for cell in row if cell)
        if count >= max(1, 0.8 * widest) and not numeric:
            return number
    return 1


def _type_of(values: pl.Series) -> tuple[str, str | None, str | None, list[str]]:
    """(type, date format, decimal mark, notes) that every sampled value fits."""
    frame = pl.DataFrame({"v": values})
    if values.is_empty():
        return "text", None, None, ["no values in the sample: typed as text"]
    notes: list[str] = []
    words = frame.select(
        parse_boolean(pl.col("v"), ColumnSpec(name="v", headers=("v",))).alias("b")
    )["b"]
    if words.is_not_null().all() and not values.str.contains(r"^\d+$").all():
        return "boolean", None, None, notes
    if not values.str.contains(r"^0\d").any():  # leading zeros: an identifier, kept as text
        for decimal in (".", ","):
            thousands = "," if decimal == "." else "."
            numbers = frame.select(parse_number(pl.col("v"), decimal, thousands).alias("n"))["n"]
            if numbers.is_not_null().all():
                whole = (numbers.round(0) == numbers).all()
                kind = "int" if whole and decimal == "." else "decimal"
                return kind, None, (decimal if decimal != "." else None), notes
    order = None
    if values.str.contains(SHORT_FIRST_DATE).any():
        try:
            order = infer_date_order(values)
        except SchemaError as exc:
            notes.append(f"dates {exc}")
            order = "dmy"  # parsed to decide date vs timestamp; the format is left out
    formats = (order,) if order else ()
    parsed = frame.select(parse_datetime(pl.col("v"), formats=formats).alias("d"))["d"]
    if parsed.is_not_null().all():
        # a workbook's date cells read as midnight (2026-01-05 00:00:00): a date all the same
        kind = "timestamp" if (parsed.dt.time() != dt.time()).any() else "date"
        return kind, (order if order and not notes else None), None, notes
    return "text", None, None, notes


def _seed_names() -> dict[str, dict[str, str]]:
    """Per seed of codes (its first column), every name of a code -> the code."""
    names: dict[str, dict[str, str]] = {}
    for path in sorted(SEEDS_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            continue
        code_column = next(iter(rows[0]))
        label_columns = [c for c in rows[0] if "name" in c]
        if not label_columns:
            continue
        names[path.stem] = {
            squash(row[c]): row[code_column] for row in rows for c in [code_column, *label_columns]
        }
    return names


def suggest_codes(found: list[str], column: ColumnSpec | None) -> dict[str, str | None]:
    """Each value found -> the canonical code it most likely is (None: no guess).

    The target column's own mapping decides first; then the code seeds whose codes include the
    column's codes, by code and by their Chinese and English names."""
    known = {squash(k): v for k, v in (column.values or {}).items()} if column else {}
    codes = set(known.values())
    lookups = [
        lookup for lookup in _seed_names().values() if codes and codes <= set(lookup.values())
    ]
    suggestions: dict[str, str | None] = {}
    for value in found:
        key = squash(value)
        guess = known.get(key) or (key if key in codes else None)
        for lookup in lookups:
            guess = guess or lookup.get(key)
        if guess is None:
            # 银行承兑汇票 holds 承兑汇票: the code of the longest known name the value holds
            names = {**{n: c for lookup in lookups for n, c in lookup.items()}, **known}
            held = [n for n in names if len(n) >= 2 and n in key]
            guess = names[max(held, key=len)] if held else None
        if guess is None and column is not None:
            # closed won -> won, 2 - high -> p2_high: a code that the value's words contain
            guess = next((c for c in sorted(codes) if squash(c.split("_")[-1]) in key), None)
        suggestions[value] = guess
    return suggestions


def _order_from_siblings(columns: list[ColumnDraft]) -> None:
    """A date column whose values leave the day/month order open takes the order the file's
    other date columns settle, if they agree: one file, one date format. Flagged CHECK."""
    settled = {c.date_format for c in columns if c.date_format in ("dmy", "mdy")}
    if len(settled) != 1:
        return
    [order] = settled
    source = next(c.header for c in columns if c.date_format == order)
    for column in columns:
        if (
            column.type in ("date", "timestamp")
            and column.date_format is None
            and any(AMBIGUOUS_DATES in note for note in column.notes)
        ):
            column.date_format = order
            column.notes = [
                f"no value settles day/month order here; {order} like {source}"
                if AMBIGUOUS_DATES in note
                else note
                for note in column.notes
            ]


def _primary_key(
    frame: pl.DataFrame, columns: list[ColumnDraft], target: SourceContract | None
) -> list[str]:
    """The target's key if the file has it and it is unique, else the first unique id-like
    column, else an id with a counter or a time (an event log)."""
    by_name = {c.name: c.header for c in columns}
    if target is not None and all(k in by_name for k in target.primary_key):
        key = [by_name[k] for k in target.primary_key]
        if (
            frame.select(key).drop_nulls().height == frame.height
            and not frame.select(key).is_duplicated().any()
        ):
            return list(target.primary_key)
    ordered = sorted(
        columns, key=lambda c: not (ID_HEADER.search(c.name) or ID_HEADER.search(c.header))
    )
    for column in ordered:
        values = frame[column.header]
        # a moment or an amount that happens to be unique in the file is no row's identity
        identity = column.type in ("text", "int")
        if identity and values.null_count() == 0 and values.n_unique() == frame.height:
            return [column.name]
    # an event log: an id with a counter or a time makes the key
    for first in ordered[:3]:
        for second in columns:
            if second.type in ("int", "timestamp") and second is not first:
                pair = frame.select(first.header, second.header)
                if pair.drop_nulls().height == frame.height and not pair.is_duplicated().any():
                    return [first.name, second.name]
    return [columns[0].name] if columns else []


def _ascii_name(text: str) -> str:
    """A file's stem as a source name: its ASCII words (new when it has none)."""
    words = re.findall(r"[a-z]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", text).lower())
    return "_".join(words) or "new"


def _canonical(header: str, index: int, taken: set[str]) -> str:
    name = re.sub(r"[^0-9a-z]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", header).lower())
    name = name.strip("_") if re.search(r"[a-z]", name) else f"column_{index + 1}"
    while name in taken:
        name += "_2"
    return name


def draft_contract(path: Path, extra_dirs: Iterable[Path] = ()) -> Draft:
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower(), "csv")
    delimiter = ","
    if fmt == "csv":
        delimiter = _sniff_delimiter(_head_text(path))
    header_row = _header_row(path, fmt, delimiter)
    read = read_export(path, _probe_contract(path, fmt, delimiter, header_row))
    frame = read.frame.head(SAMPLE_ROWS).drop(ROW_NUMBER, ROW_PROBLEM)
    headers = list(frame.columns)
    tokens = [t for t in ("?", "NULL", "-", "N/A", "(null)") if _holds(frame, t)]
    # Excel's errors (#N/A, #DIV/0!) type no column; ingest quarantines their rows, so they are
    # not proposed as blank tokens either
    cleaned = frame.select(
        clean_text(pl.col(h).cast(pl.String), ("", *tokens, *EXCEL_ERRORS)).alias(h)
        for h in headers
    )
    # totals rows (合计, Grand Total) and a report's footer lines are not data: left out of the
    # sample, named in the draft
    first_value = cleaned.select(pl.coalesce(headers).alias("first"))["first"]
    is_summary = pl.select(summary_row(pl.lit(first_value), SUMMARY_LABELS)).to_series()
    summary_labels = first_value.filter(is_summary).unique().sort().to_list()
    cleaned = cleaned.filter(~is_summary)
    footer_labels, cleaned = _footer_rows(cleaned)
    joined = _date_and_time_pairs(cleaned)
    cleaned = cleaned.with_columns(
        joined_text([pl.col(h) for h in pair], read.excel_epoch).alias(_joined_header(pair))
        for pair in joined
    )
    # a date column and a time column read as one timestamp, in the time column's place
    by_time = {pair[1]: pair for pair in joined}
    paired = {h for pair in joined for h in pair}
    headers = [
        _joined_header(by_time[h]) if h in by_time else h
        for h in headers
        if h in by_time or h not in paired
    ]

    scored = []
    for contract in candidate_contracts(extra_dirs):
        matched = match_columns(headers, contract, {_joined_header(p): p for p in joined})
        matched = _key_from_identifier(matched, cleaned, contract)
        required = [c.name for c in contract.columns if c.required]
        covered = sum(1 for r in required if r in matched.values())
        # a required column the file lacks (a receivable's due date) outweighs columns that
        # merely match (a customer's name, a department)
        score = len(matched) + covered - 2 * (len(required) - covered)
        scored.append((score, len(matched), contract, matched))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].source))
    best = scored[0] if scored and scored[0][1] else None
    target = best[2] if best else None
    matched = best[3] if best else {}
    alternatives = [(s[2].source, s[1]) for s in scored[1:4] if s[1]]

    columns: list[ColumnDraft] = []
    taken: set[str] = set()
    for index, header in enumerate(headers):
        values = cleaned[header].drop_nulls()
        name = matched.get(header) or _canonical(header, index, taken)
        taken.add(name)
        kind, date_format, decimal, notes = _type_of(values)
        spec = next((c for c in target.columns if c.name == name), None) if target else None
        if spec is not None and (spec.type, kind) in COMPATIBLE:
            kind = spec.type  # an id of digits stays text; whole amounts stay decimal
        if spec is None and kind == "int" and ID_HEADER.search(header):
            kind = "text"  # a document or bill number: digits, but a code
        column = ColumnDraft(header, name, kind, date_format=date_format, decimal=decimal)
        column.joined = next((pair for pair in joined if _joined_header(pair) == header), ())
        column.notes = notes
        blanks = cleaned[header].null_count()
        column.required = bool(spec and spec.required) and blanks == 0
        if spec is not None and spec.required and blanks:
            column.notes.append(
                f"{target.source} requires it, but {blanks:,} of {cleaned.height:,} rows are "
                "blank here: left optional"
            )
        distinct = values.unique().sort().to_list()
        # a code column: the target maps its values, or few values repeat over many rows
        mapped_by_target = spec is not None and bool(spec.values)
        repeats = 1 < len(distinct) <= CODE_COLUMN_FEW_VALUES and len(values) >= 5 * len(distinct)
        if (
            kind == "text"
            and len(distinct) <= CODE_COLUMN_MAX_VALUES
            and (mapped_by_target or repeats)
        ):
            column.values = suggest_codes(distinct, spec)
        if spec is not None and spec.type != kind and values.len():
            column.notes.append(f"the values read as {kind}; {target.source} expects {spec.type}")
        columns.append(column)
    _order_from_siblings(columns)
    primary_key = _primary_key(cleaned, columns, target)
    columns, primary_key = _key_made_of_columns(columns, primary_key, target)

    lacks = (
        [f"the source: {SOURCE_LACKS[target.source]}"]
        if target and target.source in SOURCE_LACKS
        else []
    )
    if target is not None:
        present = {c.name for c in columns}
        for spec in target.columns:
            if spec.name in present:
                continue
            need = MART_NEEDS.get(spec.name, "not in the file: loaded as blank")
            if spec.required:
                need = f"required by {target.source}: map a column to it or drop the line; {need}"
            lacks.append(f"{spec.name}: {need}")
    return Draft(
        file=path,
        format=fmt,
        encoding=read.encoding,
        delimiter=delimiter,
        header_row=header_row,
        rows=read.frame.height,
        source=target,
        alternatives=alternatives,
        columns=columns,
        primary_key=primary_key,
        missing_tokens=tokens,
        summary_rows=summary_labels + footer_labels,
        lacks=lacks,
        export_date_note=_export_date_note(path),
    )


def _footer_rows(cleaned: pl.DataFrame) -> tuple[list[str], pl.DataFrame]:
    """A report's footer lines (Confidential Information - Do Not Distribute, Copyright (c)
    2000-2026 ..., Generated By: ...): the last rows of the file that hold one text and nothing
    else. Each is named by its words up to a number, colon or bracket, with * for the rest."""
    filled = cleaned.select(
        pl.sum_horizontal(pl.all().is_not_null()).alias("filled"),
        pl.coalesce(cleaned.columns).alias("first"),
    )
    footer = 0
    for count, first in reversed(filled.rows()):
        if count != 1 or re.fullmatch(r"[\d\s.,:/%-]+", first):
            break
        footer += 1
    if footer == 0 or footer == cleaned.height:
        return [], cleaned
    labels = []
    for text in filled["first"].tail(footer):
        words = re.split(r"[\d:：(（]", text, maxsplit=1)[0].strip()
        labels.append(f"{words}*" if words != text.strip() else words)
    return sorted(set(labels)), cleaned.head(cleaned.height - footer)


def _date_and_time_pairs(cleaned: pl.DataFrame) -> list[tuple[str, str]]:
    """(date header, time header) of a column holding times of day only (09:12, a workbook's
    time cell) right after a column of dates: a check-in or attendance export that writes one
    moment as two columns (签到日期, 签到时间)."""
    time_only = time_without_date(EXCEL_EPOCH_1900)
    pairs = []
    for before, after in zip(cleaned.columns, cleaned.columns[1:], strict=False):
        times = cleaned[after].drop_nulls()
        if times.is_empty() or not times.str.contains(time_only).all():
            continue
        kind, *_ = _type_of(cleaned[before].drop_nulls())
        if kind == "date":
            pairs.append((before, after))
    return pairs


def _joined_header(pair: tuple[str, ...]) -> str:
    return " + ".join(pair)


def _key_from_identifier(
    matched: dict[str, str], cleaned: pl.DataFrame, target: SourceContract
) -> dict[str, str]:
    """The target's one-column key, when the file has no column for it, is the file's own
    document number: its first column whose header names an identifier (单据编号, Number) and
    whose values are all there and unique, unless that column fills another required column."""
    if len(target.primary_key) != 1 or target.primary_key[0] in matched.values():
        return matched
    [key] = target.primary_key
    required = {c.name for c in target.columns if c.required}
    for header in cleaned.columns:
        values = cleaned[header]
        if (
            ID_HEADER.search(header)
            and matched.get(header) not in required
            and values.null_count() == 0
            and values.n_unique() == cleaned.height
        ):
            return matched | {header: key}
    return matched


def _key_made_of_columns(
    columns: list[ColumnDraft], primary_key: list[str], target: SourceContract | None
) -> tuple[list[ColumnDraft], list[str]]:
    """An export without an id of its own (a check-in record: one person at one moment) whose
    rows the key of several columns tells apart: the target's one-column key is made from
    those columns' values (``from:``), so the rows load under the target's key."""
    if (
        target is None
        or len(target.primary_key) != 1
        or len(primary_key) < 2
        or target.primary_key[0] in {c.name for c in columns}
    ):
        return columns, primary_key
    [key] = target.primary_key
    by_name = {c.name: c for c in columns}
    parts = tuple(
        h for name in primary_key for h in (by_name[name].joined or (by_name[name].header,))
    )
    made = ColumnDraft(_joined_header(parts), key, "text", required=True, joined=parts)
    made.notes = [
        f"the file has no {key}: made of {' + '.join(primary_key)}, which tell its rows apart"
    ]
    return [made, *columns], [key]


def _holds(frame: pl.DataFrame, token: str) -> bool:
    return any((frame[c].str.strip_chars() == token).any() for c in frame.columns)


def _export_date_column(columns: list[ColumnDraft]) -> str | None:
    """A date column that says when the file was written (Report Date, 导出日期)."""
    for column in columns:
        if column.type in ("date", "timestamp") and squash(column.header) in EXPORT_DATE_HEADERS:
            return column.name
    return None


def _export_date_note(path: Path) -> str:
    if re.search(r"(?<!\d)\d{4}[-_.]?\d{2}[-_.]?\d{2}(?!\d)", path.name):
        return "the file name carries the export date (YYYYMMDD): the default reads it"
    return (
        "the file name carries no date: the export date will be the file's modification "
        "time; say export_date: {column: ...} or {file_name: ..., format: ...} if there is one"
    )


EXPORT_DATE_HEADERS = {
    squash(h)
    for h in (
        "export date",
        "exported on",
        "exported at",
        "report date",
        "run date",
        "as of",
        "as of date",
        "snapshot date",
        "extract date",
        "导出日期",
        "导出时间",
        "报表日期",
    )
}
AMBIGUOUS_DATES = "read both day-first and month-first"
SUMMARY_LABELS = (*SUMMARY_ROWS, "Totals", "Sum")
# (target's type, type the values read as) where the target's type holds the values as well
COMPATIBLE = {("text", "int"), ("text", "decimal"), ("decimal", "int"), ("timestamp", "date")}
YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}


def _scalar(value) -> str:
    """A value as YAML flow text: plain when that reads back the same, else quoted."""
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    text = str(value)
    plain = re.fullmatch(r"[^\W\d][\w .()/%-]*", text) and not text.endswith(" ")
    if plain and text.lower() not in YAML_WORDS and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def render(draft: Draft) -> str:
    """The draft as a YAML contract, with comments where a person must look."""
    target = draft.source
    lines = [
        f"# Draft contract for {draft.file.name} ({draft.rows:,} data rows read),",
        "# written by `medops contract draft`: review every line marked CHECK before use.",
    ]
    if target:
        lines.append(f"# Most likely feeds {target.source} ({target.description[:80]}...)")
    for name, count in draft.alternatives:
        lines.append(f"#   also possible: {name} ({count} matching columns)")
    pattern = re.sub(r"\d{6,}", "*", draft.file.stem)
    pattern = pattern if "*" in pattern else f"{pattern}*"
    if target:
        # a new source feeding the target's raw table: two contracts may share a table
        lines += [
            f"source: {target.source}_{_ascii_name(draft.file.stem)}",
            f"system: {target.system}",
            f"table: {target.table}",
        ]
    else:
        lines += [
            f"source: {_ascii_name(draft.file.stem)}",
            "system: crm  # CHECK: crm, erp or service; no known source matches the headers",
        ]
    lines += [
        f"description: {_scalar(f'CHECK: one row per what, from {draft.file.name}')}",
        f"file_pattern: {_scalar(pattern + draft.file.suffix)}",
        f"format: {draft.format}",
    ]
    if draft.format in ("csv", "jsonl"):
        lines.append(f"encoding: {draft.encoding}")
    if draft.delimiter != ",":
        lines.append(f"delimiter: {_scalar(draft.delimiter)}")
    if draft.header_row != 1:
        lines.append(f"header_row: {draft.header_row}")
    if draft.missing_tokens:
        lines.append(f"missing_values: {_scalar(draft.missing_tokens)}")
    if draft.summary_rows:
        lines.append(f"summary_rows: {_scalar(draft.summary_rows)}")
    export_column = _export_date_column(draft.columns)
    if export_column:
        lines.append(
            f"export_date: {{column: {export_column}}}  # the file says when it was written"
        )
    else:
        lines.append(f"# export date: {draft.export_date_note}")
    if any(c.type == "timestamp" for c in draft.columns):
        lines.append("timezone: Asia/Shanghai  # CHECK: the zone the file's times are written in")
    lines.append(f"primary_key: {_scalar(draft.primary_key)}")
    lines.append("columns:")
    for column in draft.columns:
        lines.append(f"  {column.name}:")
        if column.joined:
            lines.append(f"    from: {_scalar(list(column.joined))}")
        else:
            lines.append(f"    header: {_scalar([column.header])}")
        lines.append(f"    type: {column.type}")
        if column.required or column.name in draft.primary_key:
            lines.append("    required: true")
        if column.date_format:
            lines.append(f"    format: {column.date_format}")
        if column.decimal:
            lines.append(f"    decimal: {_scalar(column.decimal)}")
        for note in column.notes:
            lines.append(f"    # CHECK: {note}")
        guessed = {k: v for k, v in column.values.items() if v is not None}
        unknown = [k for k, v in column.values.items() if v is None]
        if guessed:
            lines.append("    values:")
            lines += [f"      {_scalar(k)}: {_scalar(v)}" for k, v in guessed.items()]
            if unknown:
                lines.append(
                    f"    # CHECK: no code found for {_scalar(unknown)}; "
                    "rows with them are quarantined until mapped"
                )
        elif unknown:
            lines.append(f"    # values found: {_scalar(unknown)}; values: would map them to codes")
    if draft.lacks:
        lines.append("# What the marts will lack without these columns of the source:")
        lines += [f"#   {lack}" for lack in draft.lacks]
    return "\n".join(lines) + "\n"
