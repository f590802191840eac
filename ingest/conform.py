"""Conform a frame of raw strings to its source contract: canonical names, clean values, types.

Rows that break the contract are split off with the reason instead of being dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from ingest.contracts import ColumnSpec, SourceContract, normalize_header
from ingest.readers import EXCEL_EPOCH_1900, ROW_NUMBER, ROW_PROBLEM

# What people type into a cell to mean "nothing here".
NULL_TOKENS = ["", "-", "--", "—", "N/A", "n/a", "NA", "#N/A", "NULL", "null", "None", "无"]
# What text decoded with the wrong codec somewhere upstream looks like: the replacement
# character, and GBK's rendering of UTF-8's replacement bytes.
MOJIBAKE = "\ufffd|锟斤拷"
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%d",
)
EXTRA_COLUMNS = "_extra"
REASON = "_reason"
RAW_VALUES = "_raw_values"


class SchemaError(Exception):
    """The file's columns cannot satisfy the contract; the whole file is quarantined."""


@dataclass
class Conformed:
    loaded: pl.DataFrame
    quarantined: pl.DataFrame  # columns: _row_number, _reason, _raw_values
    unmapped_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Fold full-width characters, trim and collapse spaces, and turn blank markers into null."""
    folded = expr.str.normalize("NFKC").str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(folded.is_in(NULL_TOKENS)).then(None).otherwise(folded)


def parse_number(text: pl.Expr) -> pl.Expr:
    """Amounts as finance writes them: 1,234.50  ¥1,234  (1,234)  1.2万  -5."""
    negative = text.str.contains(r"^\(.*\)$")
    ten_thousands = text.str.ends_with("万")
    digits = text.str.replace_all(r"[,¥￥元\s()万]", "").cast(pl.Float64, strict=False)
    value = pl.when(ten_thousands).then(digits * 10_000).otherwise(digits)
    return pl.when(negative).then(-value).otherwise(value)


def parse_datetime(text: pl.Expr, excel_epoch: dt.date = EXCEL_EPOCH_1900) -> pl.Expr:
    """Dates and times in every form the exports use, including Excel serial day numbers
    (counted from the workbook's epoch: 1900 or, for old Mac workbooks, 1904)."""
    unified = (
        text.str.replace_all(r"[年月/.](\d)", "-$1")
        .str.replace_all("[日号]", "")
        .str.replace("T", " ")
        .str.strip_chars()
    )
    candidates = [
        unified.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in DATETIME_FORMATS
    ]
    is_serial = text.str.contains(r"^\d{5}(\.\d+)?$")
    serial = pl.lit(dt.datetime.combine(excel_epoch, dt.time())) + pl.duration(
        microseconds=(text.cast(pl.Float64, strict=False) * 86_400_000_000).round().cast(pl.Int64)
    )
    return pl.when(is_serial).then(serial).otherwise(pl.coalesce(candidates))


def _typed(spec: ColumnSpec, excel_epoch: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """Return the typed value and an error message (null when fine) for one column."""
    text = pl.col(spec.name)
    if spec.type == "text":
        value = text
        if spec.values:
            value = text.replace_strict(
                _clean_mapping(spec.values), default=None, return_dtype=pl.String
            )
            bad = text.is_not_null() & value.is_null()
            return value, pl.when(bad).then(pl.format(f"unknown code in {spec.name}: '{{}}'", text))
        return value, pl.lit(None, dtype=pl.String)
    if spec.type in ("int", "decimal"):
        number = parse_number(text)
        if spec.type == "int":
            whole = number.round(0) == number
            value = pl.when(whole).then(number.cast(pl.Int64, strict=False))
        else:
            value = number
    elif spec.type == "date":
        value = parse_datetime(text, excel_epoch).dt.date()
    else:
        value = parse_datetime(text, excel_epoch)
    bad = text.is_not_null() & value.is_null()
    return value, pl.when(bad).then(pl.format(f"invalid {spec.type} in {spec.name}: '{{}}'", text))


def _clean_mapping(values: dict[str, str]) -> dict[str, str]:
    cleaned = pl.Series(list(values)).str.normalize("NFKC").str.strip_chars().to_list()
    return dict(zip(cleaned, values.values(), strict=True))


def _map_headers(frame: pl.DataFrame, contract: SourceContract) -> tuple[dict[str, str], list[str]]:
    by_header = contract.column_for_header()
    renames: dict[str, str] = {}
    unmapped: list[str] = []
    for header in frame.columns:
        if header in (ROW_NUMBER, ROW_PROBLEM):
            continue
        canonical = by_header.get(normalize_header(header))
        if canonical is None:
            unmapped.append(header)
        elif canonical in renames.values():
            raise SchemaError(f"two columns map to {canonical!r}: check the headers")
        else:
            renames[header] = canonical
    return renames, unmapped


def conform(
    frame: pl.DataFrame, contract: SourceContract, excel_epoch: dt.date = EXCEL_EPOCH_1900
) -> Conformed:
    renames, unmapped = _map_headers(frame, contract)
    present = set(renames.values())
    missing = [c for c in contract.columns if c.name not in present]
    missing_required = [f"{c.name} ({'/'.join(c.headers)})" for c in missing if c.required]
    if missing_required:
        raise SchemaError("required columns missing: " + ", ".join(missing_required))

    original_columns = [c for c in frame.columns if c not in (ROW_NUMBER, ROW_PROBLEM)]
    raw_values = (
        pl.struct(original_columns).struct.json_encode() if original_columns else pl.lit("{}")
    )
    extra = pl.struct(unmapped).struct.json_encode() if unmapped else pl.lit(None, dtype=pl.String)
    cleaned = frame.select(
        pl.col(ROW_NUMBER),
        pl.col(ROW_PROBLEM),
        raw_values.alias(RAW_VALUES),
        extra.alias(EXTRA_COLUMNS),
        *[clean_text(pl.col(h).cast(pl.String)).alias(c) for h, c in renames.items()],
        *[pl.lit(None, dtype=pl.String).alias(c.name) for c in missing],
    )

    typed_columns, errors = [], [pl.col(ROW_PROBLEM)]
    for spec in contract.columns:
        value, error = _typed(spec, excel_epoch)
        typed_columns.append(value.alias(spec.name))
        errors.append(error)
        errors.append(
            pl.when(pl.col(spec.name).str.contains(MOJIBAKE)).then(
                pl.lit(f"mojibake in {spec.name}: the text was decoded wrongly before export")
            )
        )
        if spec.required:
            errors.append(
                pl.when(pl.col(spec.name).is_null()).then(pl.lit(f"missing value in {spec.name}"))
            )
    typed = cleaned.select(
        pl.col(ROW_NUMBER),
        pl.col(RAW_VALUES),
        pl.col(EXTRA_COLUMNS),
        *typed_columns,
        pl.concat_str(errors, separator="; ", ignore_nulls=True).alias(REASON),
    ).with_columns(pl.when(pl.col(REASON) == "").then(None).otherwise(pl.col(REASON)).alias(REASON))

    valid = typed.filter(pl.col(REASON).is_null())
    valid, duplicates = _split_duplicates(valid, contract)
    invalid = pl.concat(
        [typed.filter(pl.col(REASON).is_not_null()), duplicates], how="vertical_relaxed"
    )
    return Conformed(
        loaded=valid.select(ROW_NUMBER, EXTRA_COLUMNS, *[c.name for c in contract.columns]),
        quarantined=invalid.select(ROW_NUMBER, REASON, RAW_VALUES).sort(ROW_NUMBER),
        unmapped_columns=unmapped,
        missing_columns=[c.name for c in missing],
    )


def _split_duplicates(
    valid: pl.DataFrame, contract: SourceContract
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first row of each primary key; later rows are duplicates, said exactly how."""
    key = list(contract.primary_key)
    value_columns = [c.name for c in contract.columns]
    first_row = pl.col(ROW_NUMBER).first().over(key)
    ranked = valid.with_columns(
        first_row.alias("_first_row"),
        pl.struct(value_columns).hash().alias("_row_hash"),
    ).with_columns(pl.col("_row_hash").first().over(key).alias("_first_hash"))
    is_later = pl.col(ROW_NUMBER) != pl.col("_first_row")
    reason = (
        pl.when(pl.col("_row_hash") == pl.col("_first_hash"))
        .then(pl.format("duplicate row: same as data row {}", pl.col("_first_row")))
        .otherwise(
            pl.format(
                "duplicate key: ({}) first seen at data row {} with other values",
                pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=", "),
                pl.col("_first_row"),
            )
        )
    )
    helpers = ["_first_row", "_row_hash", "_first_hash"]
    kept = ranked.filter(~is_later).drop(helpers)
    duplicates = ranked.filter(is_later).with_columns(reason.alias(REASON)).drop(helpers)
    return kept, duplicates
