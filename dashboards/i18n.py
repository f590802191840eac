"""Labels of the cockpit in Chinese and English.

Every visible label goes through ``t(key)``; Chinese is the default language. The language is
chosen by the sidebar switch in ``dashboards/app.py`` and kept in ``st.session_state``.
"""

from __future__ import annotations

import importlib
import pkgutil

import streamlit as st

from dashboards import labels

LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
LANGUAGE_STATE_KEY = "lang"

TEXTS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "MedOps 经营驾驶舱", "en": "MedOps cockpit"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "nav_sales": {"zh": "销售", "en": "Sales"},
    "data_as_of": {"zh": "数据发布时间", "en": "Data published"},
    "filter_all": {"zh": "全部", "en": "All"},
    "table_rows_shown": {
        "zh": "显示前 {shown:,} 行，共 {total:,} 行；下载的 Excel 含全部行。",
        "en": "Showing the first {shown:,} of {total:,} rows; the Excel download has them all.",
    },
    "thin_export_invoice_ledger": {
        "zh": "应收来自发票台账：发票按核销日期视为全额回款，部分核销按导出日计入；"
        "台账只有业务员姓名，按业务员和产品线的归属不可用。",
        "en": "Receivables come from an invoice ledger: an invoice counts as paid in full on its "
        "settled date, a part-settlement from the export date; the ledger names reps by name "
        "only, so the split by rep and product line is not available.",
    },
    "thin_export_ticket_event_log": {
        "zh": "工单来自事件日志：无设备信息，SLA 按优先级默认政策、默认日历计算；"
        "到场、派工、备件和满意度不可用。",
        "en": "Tickets come from an event log: it names no device, so the SLA is each "
        "priority's default policy on the default calendar; arrival, dispatch, parts and "
        "satisfaction are not available.",
    },
    "download_excel": {"zh": "下载 Excel", "en": "Download Excel"},
    "no_rows": {
        "zh": "所选筛选条件下没有商机。",
        "en": "No opportunities match the selected filters.",
    },
    "missing_tables": {
        "zh": "发布文件中缺少销售数据表：{tables}。请重新运行 `medops run`。",
        "en": "The published file lacks the sales marts: {tables}. Run `medops run` again.",
    },
    "nav_data": {"zh": "数据", "en": "Data"},
    "unit_days": {"zh": "天", "en": "days"},
    "unit_hours": {"zh": "小时", "en": "hours"},
}


def _merge_area_labels() -> None:
    """Add the labels of every module in ``dashboards/labels/`` (one per cockpit area, each with
    its own ``TEXTS``), refusing a key that two modules define."""
    for module_info in pkgutil.iter_modules(labels.__path__):
        area = importlib.import_module(f"{labels.__name__}.{module_info.name}")
        clashes = TEXTS.keys() & area.TEXTS.keys()
        if clashes:
            raise ValueError(f"labels defined twice ({module_info.name}): {sorted(clashes)}")
        TEXTS.update(area.TEXTS)


_merge_area_labels()

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
