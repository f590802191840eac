"""Labels of the cockpit in Chinese and English.

Every visible label goes through ``t(key)``; Chinese is the default language. The language is
chosen by the sidebar switch in ``dashboards/app.py`` and kept in ``st.session_state``.
"""

from __future__ import annotations

import streamlit as st

LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
LANGUAGE_STATE_KEY = "lang"

TEXTS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "MedOps 经营驾驶舱", "en": "MedOps cockpit"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "nav_sales": {"zh": "销售", "en": "Sales"},
    "page_sales_funnel": {"zh": "销售漏斗", "en": "Sales funnel"},
    "sales_funnel_caption": {
        "zh": "按商机进入漏斗（初步接洽）的月份圈定商机，跟踪其后续各阶段的推进与赢单。",
        "en": "Opportunities are grouped by the month they entered the funnel (qualification) "
        "and followed through the later stages to won.",
    },
    "data_as_of": {"zh": "数据发布时间", "en": "Data published"},
    "filter_months": {"zh": "进入漏斗月份", "en": "Funnel entry month"},
    "filter_teams": {"zh": "销售团队", "en": "Sales teams"},
    "filter_product_lines": {"zh": "产品线", "en": "Product lines"},
    "filter_all": {"zh": "全部", "en": "All"},
    "kpi_opportunities": {"zh": "新增商机", "en": "Opportunities created"},
    "kpi_opportunities_help": {
        "zh": "所选月份内进入初步接洽阶段的商机数。",
        "en": "Opportunities that reached qualification in the selected months.",
    },
    "kpi_won": {"zh": "赢单数", "en": "Deals won"},
    "kpi_won_help": {
        "zh": "上述商机中当前状态为赢单的数量。",
        "en": "Of those opportunities, the ones whose latest stage is won.",
    },
    "kpi_win_rate": {"zh": "赢单率", "en": "Win rate"},
    "kpi_win_rate_help": {
        "zh": "赢单数 ÷ 新增商机数。",
        "en": "Deals won ÷ opportunities created.",
    },
    "kpi_won_amount": {"zh": "赢单金额", "en": "Won amount"},
    "kpi_won_amount_help": {
        "zh": "赢单商机的预计金额合计（人民币）。",
        "en": "Sum of the expected amount of the won deals (CNY).",
    },
    "kpi_days_to_win": {"zh": "成交周期中位数（天）", "en": "Median days to win"},
    "kpi_days_to_win_help": {
        "zh": "赢单商机从进入初步接洽到赢单的天数中位数。",
        "en": "Median days from qualification to won, over the won deals.",
    },
    "chart_funnel": {"zh": "商机漏斗", "en": "Opportunity funnel"},
    "chart_funnel_help": {
        "zh": "各阶段到达的商机数，百分比相对于初步接洽。跳过的阶段视为已到达。",
        "en": "Opportunities reaching each stage, in % of qualification. Skipped stages count "
        "as reached.",
    },
    "chart_trend": {"zh": "月度趋势", "en": "Monthly trend"},
    "chart_trend_help": {
        "zh": "每月新增商机（进入初步接洽）与赢单数（按赢单月份）。",
        "en": "Opportunities reaching qualification and deals won, by the month it happened.",
    },
    "series_new": {"zh": "新增商机", "en": "New opportunities"},
    "series_won": {"zh": "赢单数", "en": "Deals won"},
    "axis_month": {"zh": "月份", "en": "Month"},
    "axis_opportunities": {"zh": "商机数", "en": "Opportunities"},
    "table_conversion": {"zh": "阶段转化与停留时长", "en": "Stage conversion and time in stage"},
    "table_conversion_caption": {
        "zh": "停留天数只统计已离开该阶段的商机；跳过的阶段不计天数。",
        "en": "Days in stage count only deals that have left the stage; skipped stages have none.",
    },
    "col_stage_order": {"zh": "序号", "en": "#"},
    "col_stage": {"zh": "阶段", "en": "Stage"},
    "col_reached": {"zh": "到达商机数", "en": "Reached"},
    "col_advanced": {"zh": "推进到下一阶段", "en": "Advanced"},
    "col_conversion": {"zh": "阶段转化率", "en": "Conversion"},
    "col_amount": {"zh": "商机金额", "en": "Amount"},
    "col_stays": {"zh": "已完成停留", "en": "Completed stays"},
    "col_median_days": {"zh": "停留天数中位数", "en": "Median days"},
    "col_p75_days": {"zh": "停留天数 P75", "en": "P75 days"},
    "col_p90_days": {"zh": "停留天数 P90", "en": "P90 days"},
    "download_excel": {"zh": "下载 Excel", "en": "Download Excel"},
    "no_rows": {
        "zh": "所选筛选条件下没有商机。",
        "en": "No opportunities match the selected filters.",
    },
    "missing_tables": {
        "zh": "发布文件中缺少销售数据表：{tables}。请重新运行 `medops run`。",
        "en": "The published file lacks the sales marts: {tables}. Run `medops run` again.",
    },
}

# Shown before any data can be read, so in both languages at once.
MISSING_PUBLISHED = (
    "尚未找到已发布的数据文件 `{path}`。请先运行 `medops run`（或 `make demo` 生成演示数据），"
    "构建完成后刷新本页。\n\n"
    "No published data file found at `{path}`. Run `medops run` (or `make demo` for demo data) "
    "and reload this page when the build has finished."
)


def current_language() -> str:
    """The language picked in the sidebar, Chinese until the user switches."""
    lang = st.session_state.get(LANGUAGE_STATE_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None) -> str:
    """The label ``key`` in ``lang`` (default: the current language)."""
    return TEXTS[key][lang or current_language()]
