"""Long tables on the cockpit's pages: the screen shows the first rows and says how many there
are; the Excel download holds every row and is built once per content, never shared between
two tables that differ anywhere."""

from __future__ import annotations

import io

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboards import downloads, tables


def _long_table_page() -> None:
    import pandas as pd
    import streamlit as st

    from dashboards import tables

    rows = st.session_state["rows"]
    frame = pd.DataFrame({"客户": [f"C{i:05d}" for i in range(rows)], "金额": range(rows)})
    tables.show(st, frame, lambda shown: shown.style.format({"金额": "¥{:,}"}), hide_index=True)


def _page(rows: int) -> AppTest:
    at = AppTest.from_function(_long_table_page)
    at.session_state["rows"] = rows
    at.run()
    assert not at.exception
    return at


def test_a_long_table_shows_its_first_rows_and_says_how_many_there_are() -> None:
    at = _page(tables.ROWS_SHOWN + 250)
    shown = at.dataframe[0].value
    assert len(shown) == tables.ROWS_SHOWN
    assert list(shown["客户"][:2]) == ["C00000", "C00001"]  # the table's own order
    (note,) = at.caption
    total = tables.ROWS_SHOWN + 250
    assert note.value == f"显示前 500 行，共 {total:,} 行；下载的 Excel 含全部行。"


def test_a_short_table_is_shown_whole_without_a_note() -> None:
    at = _page(12)
    assert len(at.dataframe[0].value) == 12 and not at.caption


def test_the_workbook_holds_every_row_and_is_keyed_by_every_cell() -> None:
    big = pd.DataFrame({"id": range(150_000), "team": ["T1"] * 150_000})
    other = big.copy()
    other.loc[123_456, "team"] = "T2"  # one cell, far past any sample of the rows
    assert downloads.content_digest(big) != downloads.content_digest(other)
    assert downloads.content_digest(big) == downloads.content_digest(big.copy())
    assert downloads.content_digest(big) != downloads.content_digest(big.astype({"id": float}))

    first = pd.DataFrame({"客户": ["甲", "乙"], "金额": [1, 2]})
    second = first.assign(金额=[1, 3])
    books = [
        downloads._workbook(downloads.content_digest(frame), frame, "表", "zh", None)
        for frame in (first, second, first)
    ]
    sheets = [pd.read_excel(io.BytesIO(book)) for book in books]
    assert sheets[0]["金额"].tolist() == [1, 2] and sheets[1]["金额"].tolist() == [1, 3]
    assert books[2] == books[0]
