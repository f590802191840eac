"""A long table on the page: its first rows on screen, all of them in the download.

Formatting every cell of a table for the screen runs in the page's Python (a pandas Styler):
about a second per 5,000 rows, on every run of the page, for every user. At scale 1 the
company-wide sales alerts (12,000 rows) took 3.7 s to draw. The pages sort their tables most
urgent first, so the screen shows the first ``ROWS_SHOWN`` and says so; the Excel download
beside the table holds every row.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from pandas.io.formats.style import Styler

from dashboards.i18n import t

ROWS_SHOWN = 500


def show(
    container,
    table: pd.DataFrame,
    style: Callable[[pd.DataFrame], Styler],
    **dataframe_args,
) -> None:
    """``container.dataframe`` of ``style`` applied to ``table``'s first ``ROWS_SHOWN`` rows,
    with a note of how many rows the table has when it has more."""
    shown = table.head(ROWS_SHOWN)
    container.dataframe(style(shown), **dataframe_args)
    if len(table) > len(shown):
        container.caption(t("table_rows_shown").format(shown=len(shown), total=len(table)))
