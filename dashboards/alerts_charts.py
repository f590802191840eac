"""Tables of the sales alerts page (``pages/sales_alerts.py``): rule names, thresholds and the
alerts table. Pure functions of the frames ``dashboards.alerts_data`` returns."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from dashboards.charts import _formatted, _is_missing, _labelled, format_cny
from dashboards.i18n import t

# --- sales alerts -------------------------------------------------------------------------------


def alert_rule_names(rules: pd.DataFrame, lang: str) -> dict[str, str]:
    """Rule code -> rule name in ``lang`` (the code when the mart has no name)."""
    column = "alert_name_zh" if lang == "zh" else "alert_name_en"
    return {
        row["alert_rule"]: row[column] or row["alert_rule"]
        for row in rules.to_dict(orient="records")
    }


def format_threshold(value: float | None, unit: str | None, lang: str) -> str:
    """A threshold with its unit, e.g. ``15 天`` / ``15 days``, ``23.5 天``; ``—`` unknown."""
    if _is_missing(value):
        return "—"
    number = f"{value:,.1f}".removesuffix(".0")
    unit_label = t(f"unit_{unit}", lang) if unit in ("days", "hours") else (unit or "")
    return f"{number} {unit_label}".strip()


ALERT_COLUMNS = {
    "alert_name": "col_alert_rule",
    "subject_id": "col_subject",
    "owner_name": "col_owner",
    "manager_name": "col_manager",
    "team_name": "col_team",
    "days_since": "col_days_since",
    "threshold_label": "col_threshold",
    "amount": "col_amount",
    "last_touch_at": "col_last_touch",
}


def alerts_table(alerts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per alert with labelled columns, the rule name in ``lang`` and the threshold
    with its unit, in the order of ``alerts`` (longest untouched first)."""
    names = alerts["alert_name_zh" if lang == "zh" else "alert_name_en"]
    table = alerts.assign(
        alert_name=names.fillna(alerts["alert_rule"]),
        threshold_label=[
            format_threshold(value, unit, lang)
            for value, unit in zip(alerts["threshold"], alerts["threshold_unit"], strict=True)
        ],
    )
    return _labelled(table, ALERT_COLUMNS, lang)


def style_alerts_table(table: pd.DataFrame, lang: str) -> Styler:
    """Days with one decimal, amounts as ``¥1,234,567``, ``—`` for leads (no amount)."""
    formats = {
        "col_days_since": "{:,.1f}",
        "col_amount": format_cny,
        "col_last_touch": "{:%Y-%m-%d %H:%M}",
    }
    return _formatted(table, lang, formats)


def alerts_excel_formats(lang: str) -> dict[str, str]:
    """Excel number formats of :func:`alerts_table` for :func:`table_to_excel`."""
    return {
        t("col_days_since", lang): "0.0",
        t("col_amount", lang): "¥#,##0",
        t("col_last_touch", lang): "yyyy-mm-dd hh:mm",
    }
