"""Conform a frame of raw strings to its source contract: canonical names, clean values, types.

Rows that break the contract are split off with the reason instead of being dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import polars as pl

from ingest.contracts import WAREHOUSE_TIMEZONE, ColumnSpec, SourceContract, normalize_header
from ingest.readers import EXCEL_EPOCH_1900, EXCEL_ERRORS, ROW_NUMBER, ROW_PROBLEM

# What people type into a cell to mean "nothing here"; a contract's missing_values add to these.
# nan and NaN are what a script's pandas writes for a blank. Not #N/A: that is Excel's error of
# a lookup that found nothing (EXCEL_ERRORS), which a contract may still list.
NULL_TOKENS = (
    "",
    "-",
    "--",
    "—",
    "N/A",
    "n/a",
    "NA",
    "NULL",
    "null",
    "None",
    "无",
    "nan",
    "NaN",
)
# The first value of a totals row in any export (a contract's summary_rows add to these).
# A label may be followed by a colon and more (合计：2条, 制表人：张三).
SUMMARY_ROWS = (
    "合计",
    "总计",
    "小计",
    "汇总",
    "Total",
    "Grand Total",
    "Subtotal",
    "制表人",
    "制表",
    "审核人",
    "打印时间",
    "打印日期",
)
# An amount of 10^16 or more does not fit the warehouse's DECIMAL(18, 2): in an export it is
# another column's value (a bank account or ID shifted into a price), refused like a non-number.
AMOUNT_LIMIT = 1e16
# Characters that print as nothing, which NFKC keeps: zero-width space, joiners, word joiner,
# byte order mark, soft hyphen. Copied from web pages and Word, they split one ID into two.
INVISIBLE = "[\u200b-\u200d\u2060\ufeff\u00ad]"
# Excel's ways of keeping leading zeros, written into a CSV: ="0012345" and '0012345
EXCEL_TEXT_GUARD = r'^="(.*)"$|^\'(\d+)$'
# An ID that Excel turned into a number and wrote back in scientific notation (1.23457E+17):
# its last digits are gone.
SCIENTIFIC_ID = r"^\d(?:\.\d+)?[Ee]\+\d+$"
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
# A date whose first part is a day, a month or a two-digit year: 5/3/2024, 05-03-2024 14:30,
# 5.3.24 2:30:15 PM, 26-03-05, 26/3/5.
SHORT_FIRST_DATE = (
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*([AaPp][Mm])?)?$"
)
# a time, then its offset from UTC (so the -2024 of 05-03-2024 is not one)
UTC_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"
DATE_ORDER_NAMES = {"dmy": "day-first", "mdy": "month-first", "ymd": "year-first"}
# a month written without its day: 2023-11, 2023年11月, 2023/11, 202311 (a four-digit year
# first, so an Excel serial number, 45231, is not one)
MONTH_TEXT = r"^((?:19|20)\d{2})\s*(?:[年/.\-]\s*)?(\d{1,2})\s*月?$"
# the half of a 12-hour clock in a year-first timestamp
MERIDIEM = r"上午|下午|晚上|凌晨|AM|PM|am|pm"
# The forms most exports write, read first with one format each (see parse_in_two_steps): the
# full parse reads them exactly so, and it runs on the other values only.
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_TIMESTAMP = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
PLAIN_NUMBER = r"^-?(?:\d+|\d{{1,3}}(?:{thousands}\d{{3}})+)(?:{decimal}\d+)?$"
NON_ASCII = r"[^\x00-\x7F]"
PARSED_PREFIX = "_parsed_"
EXTRA_COLUMNS = "_extra"
FIRST_VALUE = "_first_value"
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
    notes: list[str] = field(default_factory=list)  # what was inferred: "dates read day-first"


def clean_text(
    expr: pl.Expr, null_tokens: tuple[str, ...] = NULL_TOKENS, ascii_only: bool = False
) -> pl.Expr:
    """Fold full-width characters, trim and collapse spaces, and turn blank markers into null.

    ``ascii_only`` says the values hold no character outside ASCII, which NFKC leaves as it
    is: the fold, the costliest step, is skipped."""
    unfolded = expr if ascii_only else expr.str.normalize("NFKC").str.replace_all(INVISIBLE, "")
    folded = (
        unfolded.str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.replace(EXCEL_TEXT_GUARD, "$1$2")
    )
    # one pass: a when/otherwise on `folded` would fold every value twice (half of conform)
    return folded.replace(list(null_tokens), None)


def parse_number(text: pl.Expr, decimal: str = ".", thousands: str = ",") -> pl.Expr:
    """Amounts as finance writes them: 1,234.50  ¥1,234  CNY 1,234  (1,234)  1,234-  1.2万  75%.

    Thousands marks must group digits by three, so a decimal comma in a column declared with
    decimal point (``1,5``) is refused rather than read as 15.
    """
    # the sign is read after the currency (¥-5,000.00, CNY -2,000), and only at either end of
    # what is left: 2024-03-05 is not a number
    unmarked = text.str.replace(r"^[A-Z]{3}\s*", "").str.replace_all(r"[¥￥元$€£%\s]", "")
    negative = unmarked.str.contains(r"^\(.*\)$|^-|-$")
    ten_thousands = unmarked.str.contains(r"万\)?-?$")  # 1.2万, 12.5万元
    body = unmarked.str.replace_all(r"[()万]", "").str.strip_chars("+-")
    t, d = re.escape(thousands), re.escape(decimal)
    well_grouped = body.str.contains(rf"^\d{{1,3}}({t}\d{{3}})+({d}\d*)?$")
    plain = body.str.replace_all(thousands, "", literal=True).str.replace(
        decimal, ".", literal=True
    )
    digits = (
        pl.when(body.str.contains(thousands, literal=True) & ~well_grouped)
        .then(None)
        .otherwise(plain)
        .cast(pl.Float64, strict=False)
    )
    value = pl.when(ten_thousands).then(digits * 10_000).otherwise(digits)
    return _within_limit(pl.when(negative).then(-value).otherwise(value))


def _within_limit(number: pl.Expr) -> pl.Expr:
    """The number, or null (refused) when it is nan, infinite (Float64's cast reads those) or
    too large for an amount (AMOUNT_LIMIT)."""
    return pl.when(number.abs() < AMOUNT_LIMIT).then(number)


def quick_number(text: pl.Expr, decimal: str = ".", thousands: str = ",") -> pl.Expr | None:
    """``parse_number``'s value for a plain number (-1234.5, 1,234.50), null for any other
    form; None when the marks are unusual enough that a plain number might read otherwise."""
    usual = all(len(m) == 1 and not m.isalnum() and m not in "+-" for m in (decimal, thousands))
    if not usual:
        return None
    plain = text.str.contains(
        PLAIN_NUMBER.format(decimal=re.escape(decimal), thousands=re.escape(thousands))
    )
    digits = text.str.replace_all(thousands, "", literal=True).str.replace(
        decimal, ".", literal=True
    )
    return pl.when(plain).then(_within_limit(digits.cast(pl.Float64, strict=False)))


def parse_month(text: pl.Expr) -> pl.Expr:
    """A calendar month as YYYY-MM: 2023-11, 2023年11月, 2023/11, 202311, or a date in it (an
    Excel date cell reads 2023-11-01 00:00:00, or its serial number in the 1900 date system);
    null for anything else."""
    parts = text.str.extract_groups(MONTH_TEXT)
    month = parts.struct.field("2").cast(pl.Int32, strict=False)
    written = pl.when(month.is_between(1, 12)).then(
        pl.format("{}-{}", parts.struct.field("1"), month.cast(pl.String).str.zfill(2))
    )
    return pl.coalesce(written, parse_datetime(text).dt.strftime("%Y-%m"))


def _year_first(text: pl.Expr) -> pl.Expr:
    # the separators of the date part only: the time keeps its fraction (14:30:00.000)
    unified = (
        text.str.replace(
            r"^(\d{4})[年/.\-](\d{1,2})[月/.\-](\d{1,2})[日号]?[ T]*", "${1}-${2}-${3} "
        )
        .str.replace(r"(\d{1,2})[时點点](\d{1,2})分(?:(\d{1,2})秒)?$", "${1}:${2}:${3}")
        .str.replace(r":$", "")
        .str.replace_all(MERIDIEM, "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    candidates = [
        unified.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in DATETIME_FORMATS
    ]
    value = pl.coalesce(candidates)
    # a 12-hour clock: 2024/3/5 下午 03:05 is 15:05, 上午 12:10 is 00:10
    meridiem = text.str.extract(MERIDIEM, 0)
    hour = value.dt.hour()
    afternoon = meridiem.is_in(["下午", "晚上", "PM", "pm"]) & (hour < 12)
    after_midnight = meridiem.is_in(["上午", "凌晨", "AM", "am"]) & (hour == 12)
    value = (
        pl.when(afternoon)
        .then(value + pl.duration(hours=12))
        .when(after_midnight)
        .then(value - pl.duration(hours=12))
        .otherwise(value)
    )
    # only a four-digit first part is a year: 05-03-24 must not read as the year 5
    return pl.when(text.str.contains(r"^\d{4}")).then(value)


def _date_in_order(text: pl.Expr, order: str) -> pl.Expr:
    """A SHORT_FIRST_DATE read in ``order``: ``dmy`` or ``mdy`` with a two- or four-digit year
    last, ``ymd`` with a two-digit year first (26-03-05); two-digit years are 20xx."""
    parts = text.str.extract_groups(SHORT_FIRST_DATE)
    first, second, third = (parts.struct.field(str(i)) for i in (1, 2, 3))
    if order == "ymd":
        short_year = (first.str.len_chars() == 2) & (third.str.len_chars() <= 2)
        year, month, day = pl.when(short_year).then(pl.lit("20") + first), second, third
    else:
        day, month = (first, second) if order == "dmy" else (second, first)
        digits = third.str.len_chars()
        year = pl.when(digits == 2).then(pl.lit("20") + third).when(digits == 4).then(third)
    hour = parts.struct.field("4").cast(pl.Int32).fill_null(0)
    meridiem = parts.struct.field("8").str.to_uppercase()
    hour = (
        pl.when((meridiem == "PM") & (hour < 12))
        .then(hour + 12)
        .when((meridiem == "AM") & (hour == 12))
        .then(0)
        .otherwise(hour)
    )
    iso = pl.format(
        "{}-{}-{} {}:{}:{}",
        year,
        month.str.zfill(2),
        day.str.zfill(2),
        hour.cast(pl.String).str.zfill(2),
        parts.struct.field("5").fill_null("00"),
        parts.struct.field("6").fill_null("00"),
    )
    fraction = parts.struct.field("7").str.pad_end(6, "0").cast(pl.Int64).fill_null(0)
    whole = iso.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
    return whole + pl.duration(microseconds=fraction)


def parse_datetime(
    text: pl.Expr,
    excel_epoch: dt.date = EXCEL_EPOCH_1900,
    formats: tuple[str, ...] = (),
    timezone: str | None = None,
) -> pl.Expr:
    """Dates and times in every form the exports use, as wall-clock time of the warehouse.

    Year-first forms (2024-03-05, 2024/3/5 14:30, 2024年3月5日, 20240305) and Excel serial day
    numbers (from the workbook's 1900 or 1904 epoch) are always read. ``formats`` adds a named
    order of day and month (``dmy``, ``mdy``), year-first with a two-digit year (``ymd``:
    26-03-05) or strptime formats. A value with a UTC offset
    (``Z``, ``+08:00``) is converted by it; a naive one is taken to be in ``timezone``.
    """
    is_serial = text.str.contains(r"^\d{5}(\.\d+)?$")
    serial = pl.lit(dt.datetime.combine(excel_epoch, dt.time())) + pl.duration(
        microseconds=(text.cast(pl.Float64, strict=False) * 86_400_000_000).round().cast(pl.Int64)
    )
    candidates = [_year_first(text)]
    for fmt in formats:
        if fmt in DATE_ORDER_NAMES:
            candidates.append(_date_in_order(text, fmt))
        else:
            candidates.append(text.str.to_datetime(fmt, strict=False, time_unit="us"))
    naive = pl.when(is_serial).then(serial).otherwise(pl.coalesce(candidates))
    if timezone is None:
        return naive
    naive = _in_warehouse_time(naive, timezone)
    with_offset = (
        text.str.replace("T", " ")
        .str.replace("Z$", "+00:00")
        .str.to_datetime("%Y-%m-%d %H:%M:%S%.f%z", strict=False, time_unit="us")
        .dt.convert_time_zone(WAREHOUSE_TIMEZONE)
        .dt.replace_time_zone(None)
    )
    return pl.when(text.str.contains(UTC_OFFSET)).then(with_offset).otherwise(naive)


def _in_warehouse_time(naive: pl.Expr, timezone: str) -> pl.Expr:
    if timezone == WAREHOUSE_TIMEZONE:
        return naive
    return (
        naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone(WAREHOUSE_TIMEZONE)
        .dt.replace_time_zone(None)
    )


def quick_datetime(text: pl.Expr, kind: str, timezone: str | None = None) -> pl.Expr:
    """``parse_datetime``'s value for 2024-03-05 (``kind`` date) or 2024-03-05 14:30:00
    (timestamp), null for any other form. Such a value has nothing the full parse rewrites
    (年, /, a fraction, T, an offset) and reads with the first of DATETIME_FORMATS that fits."""
    if kind == "date":
        pattern, fmt = ISO_DATE, "%Y-%m-%d"
    else:
        pattern, fmt = ISO_TIMESTAMP, DATETIME_FORMATS[0]
    naive = pl.when(text.str.contains(pattern)).then(
        text.str.to_datetime(fmt, strict=False, time_unit="us")
    )
    return naive if timezone is None else _in_warehouse_time(naive, timezone)


def parse_in_two_steps(values: pl.Series, quick: pl.Expr | None, full: pl.Expr) -> pl.Series:
    """``full`` of every value, computed in two steps (both expressions read
    ``pl.col(values.name)``, elementwise). ``quick`` gives the same answer as ``full`` for the
    values it reads and null for the others; ``full`` then parses each distinct value left once
    (a date column of 70,000 rows holds about a thousand days). A parse in every format the
    contract allows costs ten to twenty string passes; most exports write one form."""
    frame, name = values.to_frame(), values.name
    unread = values.is_not_null()
    read_quickly = frame.select(quick.alias(name))[name] if quick is not None else None
    if read_quickly is not None:
        unread = unread & read_quickly.is_null()
    rest = frame.with_row_index("_i").filter(unread)
    distinct = rest.select(pl.col(name).unique())
    parsed = distinct.select(pl.col(name).alias("_text"), full.alias("_value"))
    slow = rest.join(parsed, left_on=name, right_on="_text", how="left")
    result = read_quickly if read_quickly is not None else parsed["_value"].clear(len(values))
    return result.scatter(slow["_i"], slow["_value"]).alias(name) if slow.height else result


def infer_date_order(values: pl.Series, row_numbers: pl.Series | None = None) -> str | None:
    """The order of the parts of a column's SHORT_FIRST_DATEs, when its contract does not say it.

    Each value fits the orders its parts allow: day-first (a day up to 31, then a month up to
    12), month-first, and, with a two-digit year and day, year-first (26-03-05). The orders that
    every value fits are the column's: one settles it (25/3/2024 with 3/5/2024: day-first;
    26/3/5 with 26-03-15: year-first); a two-digit year first or last is told by the column's
    years (``_plausible_year_place``). A column whose values fit no order together, or several
    while a value reads as different dates in them (3/5/2024; 25/03/24, 2024 or 2025), raises
    SchemaError: guessing would load wrong dates silently. None when no value has this form.
    """
    if not values.str.contains(r"^\d{1,2}[/.\-]\d").any():
        return None  # the usual case, year-first: no need for the full pattern
    rows = row_numbers if row_numbers is not None else pl.Series(range(1, len(values) + 1))
    first, second, third = (pl.col("p").struct.field(str(i)).cast(pl.Int32) for i in (1, 2, 3))
    third_digits = pl.col("p").struct.field("3").str.len_chars()
    fits = {
        "dmy": first.is_between(1, 31) & second.is_between(1, 12) & third_digits.is_in([2, 4]),
        "mdy": first.is_between(1, 12) & second.is_between(1, 31) & third_digits.is_in([2, 4]),
        "ymd": (pl.col("p").struct.field("1").str.len_chars() == 2)
        & second.is_between(1, 12)
        & third.is_between(1, 31)
        & (third_digits <= 2),
    }
    year = pl.when(third_digits == 2).then(third + 2000).otherwise(third)
    # each order's reading of a value as one number, yyyymmdd
    readings = {
        "dmy": year * 10_000 + second * 100 + first,
        "mdy": year * 10_000 + first * 100 + second,
        "ymd": (first + 2000) * 10_000 + second * 100 + third,
    }
    parts = (
        pl.DataFrame({"text": values, "row": rows})
        .with_columns(pl.col("text").str.extract_groups(SHORT_FIRST_DATE).alias("p"))
        .filter(pl.col("p").struct.field("1").is_not_null())
        .with_columns(
            pl.sum_horizontal(
                fit.cast(pl.Int32) * (1 << i) for i, fit in enumerate(fits.values())
            ).alias("mask"),
            *(reading.alias(order) for order, reading in readings.items()),
        )
        .filter(pl.col("mask") > 0)  # a value no order reads is quarantined when parsed
    )
    if parts.is_empty():
        return None
    orders = list(fits)
    column_fits = 0b111
    narrowed_by = None  # the value that last ruled an order out
    for mask, row, text in (
        parts.group_by("mask", maintain_order=True)
        .agg(pl.col("row").first(), pl.col("text").first())
        .iter_rows()
    ):
        if not column_fits & mask:
            left = [o for i, o in enumerate(orders) if column_fits & (1 << i)]
            ruled = [o for i, o in enumerate(orders) if mask & (1 << i)]
            raise SchemaError(
                f"mixes {_order_names(left, 'or')} dates (data row {narrowed_by[0]}: "
                f"'{narrowed_by[1]}') and {_order_names(ruled, 'or')} ones (data row {row}: "
                f"'{text}')"
            )
        if column_fits & mask != column_fits:
            column_fits &= mask
            narrowed_by = (row, text)
    fitting = [o for i, o in enumerate(orders) if column_fits & (1 << i)]
    if "ymd" in fitting and len(fitting) > 1:
        fitting = _plausible_year_place(parts, fitting, dt.date.today())
    differing = parts.filter(pl.any_horizontal(pl.col(o) != pl.col(fitting[0]) for o in fitting))
    if differing.height:
        raise SchemaError(
            f"has dates that read {'both ' if len(fitting) == 2 else ''}"
            f"{_order_names(fitting, 'and')} (data row {differing['row'][0]}: "
            f"'{differing['text'][0]}') and none that settles the order; declare it with "
            + " or ".join(f"format: {o}" for o in fitting)
        )
    return fitting[0]  # every value reads the same in each order that fits (1/1/2024)


# A date is rarely this far from the day it is loaded (birth dates are not in exports).
PLAUSIBLE_YEARS_AWAY = 10


def _plausible_year_place(parts: pl.DataFrame, fitting: list[str], today: dt.date) -> list[str]:
    """The orders left when a two-digit year may be first or last (25/03/24, 24-03-25).

    Read in the wrong place, the years of a column are its days of the month: more distinct
    years (05/03/24, 17/04/24, 28/05/24 as year-first: 2005, 2017, 2028) and often far from
    today. The place with fewer distinct years wins; with as many, the only place whose years
    are all within PLAUSIBLE_YEARS_AWAY of today (01/01/25, 01/02/25: 2025, not 2001). When
    neither tells (a single 25/03/24), both stay and the column is refused as ambiguous."""
    year_last = [o for o in fitting if o != "ymd"]
    years = {
        place: parts[orders[0]] // 10_000
        for place, orders in (("first", ["ymd"]), ("last", year_last))
    }
    distinct = {place: values.n_unique() for place, values in years.items()}
    if distinct["first"] != distinct["last"]:
        return ["ymd"] if distinct["first"] < distinct["last"] else year_last
    near = {
        place: bool(((values - today.year).abs() <= PLAUSIBLE_YEARS_AWAY).all())
        for place, values in years.items()
    }
    if near["first"] != near["last"]:
        return ["ymd"] if near["first"] else year_last
    return fitting


def _order_names(orders: list[str], conjunction: str) -> str:
    names = [DATE_ORDER_NAMES[o] for o in orders]
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1] if len(names) > 1 else names[0]


def summary_row(first_value: pl.Expr, labels: tuple[str, ...]) -> pl.Expr:
    """Whether a row's first value marks it as a totals or footer row: a label, compared
    without spaces, alone or before a colon (合 计, 合计：, 合计：2条, 制表人：张三), where *
    stands for any text (Copyright*, Generated By*)."""
    if not labels:
        return pl.lit(False)
    squashed = first_value.str.replace_all(r"\s", "")
    pattern = "|".join(re.escape(re.sub(r"\s", "", label)).replace(r"\*", ".*") for label in labels)
    return squashed.str.contains(f"^(?:{pattern})(?:[:：].*)?$").fill_null(False)


def parse_boolean(text: pl.Expr, spec: ColumnSpec) -> pl.Expr:
    word = text.str.to_lowercase()
    return (
        pl.when(word.is_in(list(spec.true_words)))
        .then(True)
        .when(word.is_in(list(spec.false_words)))
        .then(False)
        .otherwise(None)
    )


def _parsed(
    text: pl.Series, spec: ColumnSpec, excel_epoch: dt.date, formats: tuple[str, ...], zone: str
) -> pl.Series:
    """A number, date or timestamp column parsed (``_typed`` reads it as PARSED_PREFIX + name)."""
    column = pl.col(text.name)
    if spec.type in ("int", "decimal"):
        decimal, thousands = spec.decimal_mark, spec.thousands_mark
        full = parse_number(column, decimal, thousands)
        quick = quick_number(column, decimal, thousands)
    else:
        timezone = None if spec.type == "date" else (spec.timezone or zone)
        full = parse_datetime(column, excel_epoch, formats, timezone)
        quick = quick_datetime(column, spec.type, timezone)
    return parse_in_two_steps(text, quick, full).alias(PARSED_PREFIX + spec.name)


def _typed(spec: ColumnSpec, excel_epoch: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """Return the typed value and an error message (null when fine) for one column; numbers,
    dates and timestamps come parsed (``_parsed``)."""
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
    if spec.type in ("date", "timestamp"):
        parsed = pl.col(PARSED_PREFIX + spec.name)
        no_date = text.str.contains(time_without_date(excel_epoch))
        value = pl.when(~no_date).then(parsed.dt.date() if spec.type == "date" else parsed)
        bad = text.is_not_null() & value.is_null()
        return value, pl.when(no_date).then(
            pl.format(f"{spec.name} has a time but no date: '{{}}'; export it with its date", text)
        ).when(bad).then(pl.format(f"invalid {spec.type} in {spec.name}: '{{}}'", text))
    if spec.type in ("int", "decimal"):
        number = pl.col(PARSED_PREFIX + spec.name)
        if spec.type == "int":
            whole = number.round(0) == number
            value = pl.when(whole).then(number.cast(pl.Int64, strict=False))
        else:
            value = number
    elif spec.type == "boolean":
        value = parse_boolean(text, spec)
    else:
        value = parse_month(text)
    bad = text.is_not_null() & value.is_null()
    return value, pl.when(bad).then(pl.format(f"invalid {spec.type} in {spec.name}: '{{}}'", text))


def time_without_date(excel_epoch: dt.date) -> str:
    """A time of day written alone (09:00, 9:30:00 PM, 下午 3:05), or a workbook's time cell,
    which the reader gives on Excel's day zero (1899-12-31; 1904-01-01 in the 1904 date system;
    1899-12-30 as Access writes it)."""
    day_zero = "|".join(sorted({"1899-12-30", "1899-12-31", excel_epoch.isoformat()}))
    clock = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    return rf"^(?:{MERIDIEM})?\s*{clock}\s*(?:{MERIDIEM})?$|^(?:{day_zero})[ T]{clock}$"


def _joined_columns(frame: pl.DataFrame, contract: SourceContract) -> dict[str, list[str]]:
    """Each column built ``from:`` several headers whose headers the file all has -> the file's
    headers, in the contract's order."""
    in_file = {normalize_header(h): h for h in frame.columns if h not in (ROW_NUMBER, ROW_PROBLEM)}
    return {
        spec.name: [in_file[normalize_header(h)] for h in spec.joined]
        for spec in contract.columns
        if spec.joined and all(normalize_header(h) in in_file for h in spec.joined)
    }


def joined_text(parts: list[pl.Expr], excel_epoch: dt.date) -> pl.Expr:
    """The parts' values joined by a space; blank when any part is blank. A workbook gives a
    date cell at midnight (2026-03-02 00:00:00) and a time cell on its day zero (1899-12-31
    09:12:00): joined, the date keeps its day and the time its clock, 2026-03-02 09:12:00."""
    day_zero = "|".join(sorted({"1899-12-30", "1899-12-31", excel_epoch.isoformat()}))
    trimmed = []
    for i, part in enumerate(parts):
        if i < len(parts) - 1:
            part = part.str.replace(r"[ T]00:00:00$", "")
        if i > 0:
            part = part.str.replace(rf"^(?:{day_zero})[ T]", "")
        trimmed.append(part)
    return pl.concat_str(trimmed, separator=" ")


def _clean_mapping(values: dict[str, str]) -> dict[str, str]:
    cleaned = pl.Series(list(values)).str.normalize("NFKC").str.strip_chars().to_list()
    return dict(zip(cleaned, values.values(), strict=True))


def _map_headers(frame: pl.DataFrame, contract: SourceContract) -> tuple[dict[str, str], list[str]]:
    by_header = contract.column_for_header()
    joined = contract.joined_headers()
    renames: dict[str, str] = {}
    unmapped: list[str] = []
    for header in frame.columns:
        if header in (ROW_NUMBER, ROW_PROBLEM):
            continue
        canonical = by_header.get(normalize_header(header))
        if canonical is None:
            if normalize_header(header) not in joined:
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
    joined = _joined_columns(frame, contract)
    present = set(renames.values()) | set(joined)
    missing = [c for c in contract.columns if c.name not in present]
    missing_required = [
        f"{c.name} ({'/'.join(c.headers) or ' + '.join(c.joined)})" for c in missing if c.required
    ]
    if missing_required:
        raise SchemaError("required columns missing: " + ", ".join(missing_required))

    original_columns = [c for c in frame.columns if c not in (ROW_NUMBER, ROW_PROBLEM)]
    extra = pl.struct(unmapped).struct.json_encode() if unmapped else pl.lit(None, dtype=pl.String)
    null_tokens = (*NULL_TOKENS, *contract.missing_values)
    ascii_only = _ascii_only(frame, original_columns)

    def cleaned_text(header: str) -> pl.Expr:
        return clean_text(pl.col(header).cast(pl.String), null_tokens, ascii_only[header])

    # each row's first value, to tell totals rows (it costs a pass)
    summary_labels = (*SUMMARY_ROWS, *contract.summary_rows)
    first_value = (
        pl.coalesce([cleaned_text(h) for h in original_columns])
        if original_columns
        else pl.lit(None, dtype=pl.String)
    )
    cleaned = frame.select(
        pl.col(ROW_NUMBER),
        pl.col(ROW_PROBLEM),
        extra.alias(EXTRA_COLUMNS),
        first_value.alias(FIRST_VALUE),
        *[cleaned_text(h).alias(c) for h, c in renames.items()],
        *[
            joined_text([cleaned_text(h) for h in headers], excel_epoch).alias(c)
            for c, headers in joined.items()
        ],
        *[pl.lit(None, dtype=pl.String).alias(c.name) for c in missing],
    )
    date_formats, notes = _date_formats(cleaned, contract)
    cleaned = cleaned.with_columns(
        _parsed(cleaned[spec.name], spec, excel_epoch, date_formats[spec.name], contract.timezone)
        for spec in contract.columns
        if spec.type in ("int", "decimal", "date", "timestamp")
    )

    typed_columns, errors = [], [pl.col(ROW_PROBLEM)]
    for spec in contract.columns:
        value, error = _typed(spec, excel_epoch)
        if spec.default is not None:
            value = value.fill_null(pl.lit(spec.default))
        typed_columns.append(value.alias(spec.name))
        # the cell's error says what is wrong; "invalid decimal: '#DIV/0!'" would not
        excel_error = pl.col(spec.name).is_in(EXCEL_ERRORS)
        errors.append(
            pl.when(excel_error)
            .then(
                pl.format(
                    f"Excel error {{}} in {spec.name}: fix the formula in the source and export "
                    "again",
                    pl.col(spec.name),
                )
            )
            .otherwise(error)
        )
        errors.append(
            pl.when(pl.col(spec.name).str.contains(MOJIBAKE)).then(
                pl.lit(f"mojibake in {spec.name}: the text was decoded wrongly before export")
            )
        )
        if spec.required:
            errors.append(
                pl.when(pl.col(spec.name).is_null()).then(pl.lit(f"missing value in {spec.name}"))
            )
        if spec.type == "text" and spec.name in contract.primary_key:
            errors.append(
                pl.when(pl.col(spec.name).str.contains(SCIENTIFIC_ID)).then(
                    pl.format(
                        f"{spec.name} in scientific notation ('{{}}'): Excel turned the ID into "
                        "a number and dropped its last digits; export the column as text",
                        pl.col(spec.name),
                    )
                )
            )
    # a totals row is not data: its one reason says so, whatever else it breaks
    is_summary = summary_row(pl.col(FIRST_VALUE), summary_labels)
    reason = (
        pl.when(is_summary)
        .then(pl.format("summary row ({}), not data", pl.col(FIRST_VALUE)))
        .otherwise(pl.concat_str(errors, separator="; ", ignore_nulls=True))
    )
    # lazily: the query optimizer computes each parse once, though a column's value and its
    # error message both read it (an eager select parsed every date and number twice)
    typed = (
        cleaned.lazy()
        .select(
            pl.col(ROW_NUMBER),
            pl.col(EXTRA_COLUMNS),
            *typed_columns,
            reason.alias(REASON),
        )
        .with_columns(
            pl.when(pl.col(REASON) == "").then(None).otherwise(pl.col(REASON)).alias(REASON)
        )
        .collect()
    )

    valid = typed.filter(pl.col(REASON).is_null())
    valid, duplicates = _split_duplicates(valid, contract)
    invalid = pl.concat(
        [typed.filter(pl.col(REASON).is_not_null()), duplicates], how="vertical_relaxed"
    )
    return Conformed(
        loaded=valid.select(ROW_NUMBER, EXTRA_COLUMNS, *[c.name for c in contract.columns]),
        quarantined=_with_raw_values(invalid.select(ROW_NUMBER, REASON), frame, original_columns),
        unmapped_columns=unmapped,
        missing_columns=[c.name for c in missing if not c.optional],
        notes=notes,
    )


def _ascii_only(frame: pl.DataFrame, columns: list[str]) -> dict[str, bool]:
    """Whether each column holds ASCII only (one scan, far cheaper than a Unicode fold)."""
    if not columns or frame.is_empty():
        return dict.fromkeys(columns, False)
    found = frame.select(
        (~pl.col(h).cast(pl.String).str.contains(NON_ASCII).any()).alias(h) for h in columns
    )
    return {h: bool(found[h][0]) for h in columns}


def _with_raw_values(
    quarantined: pl.DataFrame, frame: pl.DataFrame, original_columns: list[str]
) -> pl.DataFrame:
    """Each quarantined row with its values as the file wrote them (JSON by header), built for
    these rows only: most rows load, and their JSON would be thrown away."""
    raw_values = (
        pl.struct(original_columns).struct.json_encode() if original_columns else pl.lit("{}")
    )
    raw = frame.join(quarantined.select(ROW_NUMBER), on=ROW_NUMBER, how="semi").select(
        ROW_NUMBER, raw_values.alias(RAW_VALUES)
    )
    return (
        quarantined.sort(ROW_NUMBER)
        .join(raw, on=ROW_NUMBER, how="left", maintain_order="left")
        .select(ROW_NUMBER, REASON, RAW_VALUES)
    )


def _date_formats(
    cleaned: pl.DataFrame, contract: SourceContract
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Each column's date formats: the contract's, else the order its values settle."""
    formats: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    for spec in contract.columns:
        formats[spec.name] = spec.date_formats
        if spec.type not in ("date", "timestamp") or spec.date_formats:
            continue
        try:
            order = infer_date_order(cleaned[spec.name], cleaned[ROW_NUMBER])
        except SchemaError as exc:
            raise SchemaError(f"ambiguous dates: column {spec.name} {exc}") from exc
        if order is not None:
            formats[spec.name] = (order,)
            notes.append(f"dates in {spec.name} read {DATE_ORDER_NAMES[order]} (from the values)")
    return formats, notes


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
