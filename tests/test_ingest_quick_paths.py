"""Ingest's quick paths give exactly what the full reading gives.

The two-step parse of dates, timestamps and numbers (conform.parse_in_two_steps): the quick
parse may only answer for values the full parse reads the same way, and must leave every other
to it. The field counts of a CSV's records counted by Polars (readers._quick_field_counts):
the csv module's counts, or None where they could differ.
"""

from __future__ import annotations

import csv
import dataclasses
import io

import polars as pl
import pytest

from ingest.conform import (
    clean_text,
    parse_datetime,
    parse_in_two_steps,
    parse_number,
    quick_datetime,
    quick_number,
)
from ingest.contracts import WAREHOUSE_TIMEZONE, load_contracts
from ingest.readers import _quick_field_counts

DATE_TEXTS = [
    "2024-03-05",
    "2024-03-05 14:30:00",
    "2024-03-05 14:30",
    "2024-03-05 14:30:00.5",
    "2024-03-05 14:30:00.123456",
    "2024-03-05T14:30:00",
    "2024-03-05 14:30:00+08:00",
    "2024-03-05 14:30:00Z",
    "2024-03-05 00:00:00",
    "2024-3-5",
    "2024/03/05",
    "2024/3/5 14:30",
    "2024.03.05",
    "2024年3月5日",
    "2024年3月5日 14:30:00",
    "20240305",
    "45356",
    "45356.5",
    "05-03-2024",
    "05/03/2024 14:30:00",
    "5.3.24 2:30:15 PM",
    "26-03-05 09:30",
    "26/3/5",
    "12024-03-05",
    "2024-02-30",
    "2024-02-29 23:59:59",
    "2023-02-29",
    "2024-03-05 24:00:00",
    "2024-13-01",
    "2024-03-10 02:30:00",  # does not exist in New York (clocks go forward)
    "2024-11-03 01:30:00",  # happens twice in New York
    "0000-01-01",
    "9999-12-31 23:59:59",
    "not a date",
    "",
    None,
]
NUMBER_TEXTS = [
    "1234",
    "-1234",
    "1234.50",
    "-0.5",
    "-0",
    "0001",
    "1,234.50",
    "-1,234,567.5",
    "1,234,56",
    "12,3456.5",
    "1.234,50",
    "1.234.567",
    "1,5",
    "1 234,5",
    "(1,234)",
    "1234-",
    "+1234",
    "1.2万",
    "75%",
    "¥1,234",
    "CNY 1,234",
    "1e5",
    "inf",
    "NaN",
    "1.2.3",
    "12,34",
    ".5",
    "5.",
    "",
    None,
]


def assert_same(got: pl.Series, expected: pl.Series) -> None:
    """Same type and the same value in every row (compared as text: year 0 has no Python date)."""
    assert got.dtype == expected.dtype
    assert got.cast(pl.String).to_list() == expected.cast(pl.String).to_list()


@pytest.mark.parametrize("kind", ["date", "timestamp"])
@pytest.mark.parametrize("formats", [(), ("dmy",), ("mdy",), ("ymd",), ("%d/%m/%Y %H:%M:%S",)])
@pytest.mark.parametrize("timezone", [None, WAREHOUSE_TIMEZONE, "UTC", "America/New_York"])
def test_two_step_dates_equal_the_full_parse(kind, formats, timezone):
    zone = None if kind == "date" else timezone
    values = pl.Series("v", DATE_TEXTS * 2, dtype=pl.String)  # repeated: parsed once each
    full = parse_datetime(pl.col("v"), formats=formats, timezone=zone)
    expected = values.to_frame().select(full.alias("v"))["v"]
    got = parse_in_two_steps(values, quick_datetime(pl.col("v"), kind, zone), full)
    assert_same(got, expected)
    # the quick parse really answers for the usual form, or the test proves nothing
    usual = "2024-03-05" if kind == "date" else "2024-03-05 14:30:00"
    quick = values.to_frame().select(quick_datetime(pl.col("v"), kind, zone).alias("q"))["q"]
    assert quick[DATE_TEXTS.index(usual)] is not None


@pytest.mark.parametrize(
    ("decimal", "thousands"), [(".", ","), (",", "."), (",", " "), (".", "'"), (".", "")]
)
def test_two_step_numbers_equal_the_full_parse(decimal, thousands):
    values = pl.Series("v", NUMBER_TEXTS * 2, dtype=pl.String)
    full = parse_number(pl.col("v"), decimal, thousands)
    expected = values.to_frame().select(full.alias("v"))["v"]
    got = parse_in_two_steps(values, quick_number(pl.col("v"), decimal, thousands), full)
    assert_same(got, expected)
    # -0 keeps its sign both ways
    assert str(got[NUMBER_TEXTS.index("-0")]) == str(expected[NUMBER_TEXTS.index("-0")])


def test_the_ascii_shortcut_of_clean_text_changes_nothing_on_ascii():
    values = pl.Series("v", ["  a  b ", "N/A", "-", "x\t\ny", "ABC", "", None, "null", "12 34"])
    folded = values.to_frame().select(clean_text(pl.col("v")))["v"]
    shortcut = values.to_frame().select(clean_text(pl.col("v"), ascii_only=True))["v"]
    assert shortcut.to_list() == folded.to_list()


# (text, whether the quick count must answer): what the csv module reads record by record
CSV_TEXTS = [
    ("a,b,c\n1,2,3\n", True),
    ("a,b,c\n1,2\n1,2,3,4\n\n1,,\n", True),
    ("a,b,c\r\n1,2,3\r\n\r\n4,5\r\n", True),
    ("a,b,c\n1,2,3", True),
    ('a,b,c\n"1,5",2,3\n"say ""hi""",,"x"\n"",""\n', True),
    ("a,b\n   \n ,\n", True),
    ('a,b\n"line\nbreak",2\n', False),
    ('a,b\nx"y,"z\n2",3\n', False),
    ('a,b\n1,2"3\n', False),
    ('a,b\n"open,2\n', False),
    ("a,b\r1,2\r", False),
    ("a,b\n1,\x002\n", False),
]


@pytest.mark.parametrize(("text", "quick"), CSV_TEXTS)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_quick_field_counts_are_the_csv_modules(text, quick, delimiter):
    text = text.replace(",", delimiter)
    contract = dataclasses.replace(load_contracts()[0], delimiter=delimiter)
    counts = _quick_field_counts(text, contract)
    if not quick:
        assert counts is None
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    assert counts == [len(record) for record in reader]


def test_a_line_longer_than_a_field_may_be_goes_to_the_csv_module():
    contract = load_contracts()[0]
    limits = dataclasses.replace(contract.limits, field_chars=10)
    text = "a,b\n" + "x" * 11 + ",1\n"
    assert _quick_field_counts(text, dataclasses.replace(contract, limits=limits)) is None
    assert _quick_field_counts(text, contract) == [2, 2]
