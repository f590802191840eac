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
    "funnel_current_stage_only": {
        "zh": "{count} / {total} 个商机的导出只有当前阶段：其间阶段为推断，阶段停留时间不可用。",
        "en": "{count} of {total} deals were exported with their current stage only: the "
        "stages before it are inferred and time in stage is not available.",
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
    # --- data quality ---------------------------------------------------------------------------
    "nav_data": {"zh": "数据", "en": "Data"},
    "page_data_quality": {"zh": "数据质量", "en": "Data quality"},
    "data_quality_caption": {
        "zh": "各导出文件的读取、入库与隔离情况，校验结果，以及各数据源的最新文件与时效。",
        "en": "What happened to the rows of every export file, the validation results, and "
        "each source's newest file and how old it is.",
    },
    "dq_missing_tables": {
        "zh": "发布文件中缺少数据质量表：{tables}。相关部分暂不显示，请重新运行 `medops run`。",
        "en": "The published file lacks the data-quality marts: {tables}. Those sections are "
        "hidden; run `medops run` again.",
    },
    "dq_no_files": {
        "zh": "尚未导入任何文件。把导出文件放入导出目录后运行 `medops run`。",
        "en": "No file has been ingested yet. Put the exports in the drop folder and run "
        "`medops run`.",
    },
    "kpi_files": {"zh": "文件数", "en": "Files"},
    "kpi_files_help": {
        "zh": "当前生效的导出文件数（同名文件以最新版本为准）。",
        "en": "Export files in force (the latest version of each file name).",
    },
    "kpi_files_rejected": {"zh": "拒收文件", "en": "Files rejected"},
    "kpi_files_rejected_help": {
        "zh": "整份未能入库的文件：无法读取、缺少必填列或没有匹配的数据源约定。",
        "en": "Files not loaded at all: unreadable, required columns missing or no source "
        "contract matches the name.",
    },
    "kpi_rows_read": {"zh": "读取行数", "en": "Rows read"},
    "kpi_rows_read_help": {
        "zh": "从生效文件中读取的数据行数（含被拒收文件的行）。",
        "en": "Data rows read from the files in force (rows of rejected files included).",
    },
    "kpi_rows_loaded": {"zh": "入库行数", "en": "Rows loaded"},
    "kpi_rows_loaded_help": {
        "zh": "通过约定检查、写入原始层的行数。",
        "en": "Rows that passed the contract and were loaded into the raw layer.",
    },
    "kpi_rows_quarantined": {"zh": "隔离行数", "en": "Quarantined"},
    "kpi_rows_quarantined_help": {
        "zh": "因缺失必填值、类型错误、未知代码或重复而隔离的行数。",
        "en": "Rows set aside for a missing required value, a wrong type, an unknown code or "
        "a duplicate.",
    },
    "kpi_quarantine_share": {"zh": "隔离率", "en": "Quarantined %"},
    "kpi_quarantine_share_help": {
        "zh": "隔离行数 ÷ 已入库文件的读取行数。",
        "en": "Rows quarantined ÷ rows read from the files that loaded.",
    },
    "kpi_failed_expectations": {"zh": "未通过校验", "en": "Failed checks"},
    "kpi_failed_expectations_help": {
        "zh": "各数据源最近一次校验中未通过的校验项数。",
        "en": "Expectations that failed in the latest validation run of each source.",
    },
    "dq_sources": {"zh": "各数据源概况与时效", "en": "Sources and freshness"},
    "dq_sources_caption": {
        "zh": "距今按构建时间 {measured_at} 计算；阈值见 seeds/source_freshness_thresholds.csv。"
        "只列出已交付过文件的数据源。",
        "en": "Ages as of the build at {measured_at}; thresholds in "
        "seeds/source_freshness_thresholds.csv. Only sources that delivered a file are listed.",
    },
    "dq_arrivals": {"zh": "按时到达", "en": "Expected arrival"},
    "dq_arrivals_help": {
        "zh": "各数据源契约（arrival）约定的每日到达时间（北京时间）。过了约定时间加宽限仍未收到"
        "新文件即为迟到，并向数据团队发送一次告警。",
        "en": "The daily time each source's contract (arrival) expects its export, Beijing "
        "time. A source with no new file after that time plus its grace is late; the data "
        "team is alerted once.",
    },
    "dq_arrivals_on_time": {
        "zh": "{count} 个数据源均已按时到达。",
        "en": "All {count} sources arrived on time.",
    },
    "dq_arrivals_late": {
        "zh": "{count} 个数据源未按时到达：{sources}",
        "en": "{count} sources have not arrived on time: {sources}",
    },
    "col_expected_by": {"zh": "约定到达", "en": "Expected by"},
    "col_late_after": {"zh": "迟到判定时间", "en": "Late after"},
    "col_last_arrival": {"zh": "最近到达", "en": "Last arrival"},
    "col_arrival": {"zh": "到达状态", "en": "Arrival"},
    "arrival_late": {"zh": "迟到", "en": "Late"},
    "arrival_on_time": {"zh": "已到达", "en": "Arrived"},
    "dq_reasons": {"zh": "主要隔离原因", "en": "Top quarantine reasons"},
    "dq_reasons_help": {
        "zh": "按原因类别（不含具体值）统计的隔离行数，图中为前 15 项；"
        "一行有多个问题时计入每个类别。",
        "en": "Rows quarantined by kind of problem (without the values), the top 15 in the "
        "chart; a row with several problems counts under each.",
    },
    "dq_no_reasons": {
        "zh": "没有隔离的行或拒收的文件。",
        "en": "No rows quarantined, no file rejected.",
    },
    "dq_validation": {"zh": "未通过的校验项", "en": "Failed expectations"},
    "dq_no_validation": {
        "zh": "尚无校验结果。",
        "en": "No validation results yet.",
    },
    "dq_validation_passed": {
        "zh": "最近一次校验的 {count} 项全部通过。",
        "en": "All {count} expectations of the latest runs passed.",
    },
    "dq_files": {"zh": "文件明细", "en": "Files"},
    "filter_sources": {"zh": "数据源", "en": "Sources"},
    "no_source": {"zh": "（未匹配数据源）", "en": "(no contract)"},
    "col_system": {"zh": "系统", "en": "System"},
    "col_source": {"zh": "数据源", "en": "Source"},
    "col_files": {"zh": "文件数", "en": "Files"},
    "col_files_rejected": {"zh": "拒收文件", "en": "Rejected"},
    "col_rows_read": {"zh": "读取行数", "en": "Rows read"},
    "col_rows_loaded": {"zh": "入库行数", "en": "Rows loaded"},
    "col_rows_quarantined": {"zh": "隔离行数", "en": "Rows quarantined"},
    "col_quarantine_share": {"zh": "隔离率", "en": "Quarantine share"},
    "col_last_file": {"zh": "最新文件", "en": "Last file"},
    "col_last_loaded_at": {"zh": "最新入库时间", "en": "Last loaded"},
    "col_age_hours": {"zh": "距今（小时）", "en": "Age (hours)"},
    "col_freshness": {"zh": "时效", "en": "Freshness"},
    "col_reason_kind": {"zh": "原因", "en": "Reason"},
    "col_example": {"zh": "示例", "en": "Example"},
    "col_example_file": {"zh": "示例文件", "en": "Example file"},
    "col_example_row": {"zh": "示例行号", "en": "Example row"},
    "col_expectation": {"zh": "校验项", "en": "Expectation"},
    "col_columns": {"zh": "字段", "en": "Columns"},
    "col_element_count": {"zh": "检查行数", "en": "Rows checked"},
    "col_unexpected_count": {"zh": "异常行数", "en": "Unexpected"},
    "col_unexpected_percent": {"zh": "异常占比", "en": "Unexpected %"},
    "col_partial_unexpected": {"zh": "异常值示例", "en": "Sample values"},
    "col_validated_at": {"zh": "校验时间", "en": "Validated at"},
    "col_file_name": {"zh": "文件名", "en": "File"},
    "col_status": {"zh": "状态", "en": "Status"},
    "col_encoding": {"zh": "编码", "en": "Encoding"},
    "col_unmapped_columns": {"zh": "未识别列", "en": "Unmapped columns"},
    "col_missing_columns": {"zh": "缺少的列", "en": "Missing columns"},
    "col_message": {"zh": "说明", "en": "Message"},
    "col_loaded_at": {"zh": "入库时间", "en": "Loaded at"},
    "freshness_fresh": {"zh": "正常", "en": "Fresh"},
    "freshness_warn": {"zh": "预警", "en": "Warn"},
    "freshness_error": {"zh": "超时", "en": "Stale"},
    "freshness_unknown": {"zh": "未知", "en": "Unknown"},
    "status_loaded": {"zh": "已入库", "en": "Loaded"},
    "status_rejected": {"zh": "已拒收", "en": "Rejected"},
    "download_files": {"zh": "下载文件明细", "en": "Download file list"},
    # --- sales overview -------------------------------------------------------------------------
    "page_sales_overview": {"zh": "销售概览", "en": "Sales overview"},
    "sales_overview_caption": {
        "zh": "所选月份的签单额、指标与达成率、订单收入和线索跟进情况，按大区与团队查看。",
        "en": "Bookings, quota and attainment, order revenue and lead follow-up in the "
        "selected months, by region and team.",
    },
    "sales_missing_tables": {
        "zh": "发布文件中缺少销售指标表：{tables}。请重新运行 `medops run`。",
        "en": "The published file lacks the sales KPI marts: {tables}. Run `medops run` again.",
    },
    "sales_no_data": {
        "zh": "销售指标表中还没有数据（没有指标、赢单、订单或线索）。",
        "en": "The sales KPI marts hold no rows yet (no quota, won deals, orders or leads).",
    },
    "filter_sales_months": {"zh": "月份", "en": "Months"},
    "filter_regions": {"zh": "大区", "en": "Regions"},
    "kpi_bookings": {"zh": "签单额", "en": "Bookings"},
    "kpi_bookings_help": {
        "zh": "赢单商机的预计金额合计（人民币），按赢单日期所在月份、归属当前负责人。",
        "en": "Expected amount of the deals won (CNY), by the month they closed, credited to "
        "the current owner.",
    },
    "kpi_quota": {"zh": "指标", "en": "Quota"},
    "kpi_quota_help": {
        "zh": "所选月份、团队的销售指标合计（人民币）。",
        "en": "Sum of the reps' quotas in the selected months and teams (CNY).",
    },
    "kpi_attainment": {"zh": "指标达成率", "en": "Attainment"},
    "kpi_attainment_help": {
        "zh": "签单额合计 ÷ 指标合计（不是各月达成率的平均）。无指标月份的签单额只计入分子。",
        "en": "Total bookings ÷ total quota (not an average of the monthly rates). Bookings "
        "of months without quota add to the numerator only.",
    },
    "kpi_deals_won": {"zh": "赢单数", "en": "Deals won"},
    "kpi_deals_won_help": {
        "zh": "所选月份内赢单的商机数。",
        "en": "Opportunities won in the selected months.",
    },
    "kpi_revenue": {"zh": "订单收入", "en": "Order revenue"},
    "kpi_revenue_help": {
        "zh": "订单数量 × 成交单价（人民币），按下单月份、客户负责人所在团队；不含退货。",
        "en": "Quantity × unit price of the orders (CNY), by order month and the account "
        "owner's team; returns not included.",
    },
    "kpi_contacted_24h": {"zh": "24小时跟进率", "en": "24 h follow-up"},
    "kpi_contacted_24h_help": {
        "zh": "24 小时内首次联系的线索 ÷ 所选月份新建的全部线索。",
        "en": "Leads first contacted within 24 h ÷ all leads created in the selected months.",
    },
    "chart_bookings": {"zh": "签单额与指标", "en": "Bookings vs quota"},
    "chart_bookings_help": {
        "zh": "每月签单额（柱）与指标（线）。",
        "en": "Bookings (bars) and quota (line) per month.",
    },
    "series_bookings": {"zh": "签单额", "en": "Bookings"},
    "series_quota": {"zh": "指标", "en": "Quota"},
    "axis_amount_zh": {"zh": "金额（万元）", "en": "Amount (CNY 10k)"},
    "axis_amount_en": {"zh": "金额（百万元）", "en": "Amount (CNY M)"},
    "table_team_league": {"zh": "团队排行", "en": "Team league table"},
    "table_team_league_caption": {
        "zh": "达成率 = 签单额合计 ÷ 指标合计；收入按客户负责人所在团队统计。",
        "en": "Attainment = total bookings ÷ total quota; revenue counts under the account "
        "owner's team.",
    },
    "no_team": {"zh": "（无团队）", "en": "(no team)"},
    "col_region": {"zh": "大区", "en": "Region"},
    "col_team": {"zh": "团队", "en": "Team"},
    "col_bookings": {"zh": "签单额", "en": "Bookings"},
    "col_quota": {"zh": "指标", "en": "Quota"},
    "col_attainment": {"zh": "达成率", "en": "Attainment"},
    "col_deals_won": {"zh": "赢单数", "en": "Deals won"},
    "col_revenue": {"zh": "订单收入", "en": "Order revenue"},
    # --- sales alerts ---------------------------------------------------------------------------
    "page_sales_alerts": {"zh": "销售预警", "en": "Alerts"},
    "sales_alerts_caption": {
        "zh": "商机超期未跟进、线索超时未联系和商机阶段停滞；规则与阈值见 "
        "seeds/sales_alert_rules.csv。",
        "en": "Deals without follow-up, leads not contacted in time and deals stuck in a "
        "stage; rules and thresholds in seeds/sales_alert_rules.csv.",
    },
    "alerts_as_of": {"zh": "预警截至（CRM 最新导出事件）", "en": "Alerts as of (latest CRM event)"},
    "alerts_missing_table": {
        "zh": "发布文件中缺少预警表：{tables}。请重新运行 `medops run`。",
        "en": "The published file lacks the alerts mart: {tables}. Run `medops run` again.",
    },
    "alerts_none": {
        "zh": "当前没有预警。",
        "en": "No open alerts.",
    },
    "alerts_none_filtered": {
        "zh": "所选筛选条件下没有预警。",
        "en": "No alerts match the selected filters.",
    },
    "kpi_alerts_total": {"zh": "预警合计", "en": "All alerts"},
    "kpi_alerts_total_help": {
        "zh": "所选大区、团队与负责人的全部预警数。",
        "en": "Open alerts in the selected regions, teams and owners.",
    },
    "kpi_alert_rule_help": {
        "zh": "该规则的预警数（按大区、团队与负责人筛选，不受规则筛选影响）。",
        "en": "Alerts of this rule (filtered by region, team and owner, not by rule).",
    },
    "filter_rules": {"zh": "预警规则", "en": "Rules"},
    "filter_owners": {"zh": "负责人", "en": "Owners"},
    "table_alerts": {"zh": "预警明细", "en": "Alert list"},
    "table_alerts_caption": {
        "zh": "按距今天数从长到短排列；距今天数从最后跟进时间算到预警截至时间。",
        "en": "Longest untouched first; days since run from the last touch to the as-of moment.",
    },
    "col_alert_rule": {"zh": "预警规则", "en": "Rule"},
    "col_subject": {"zh": "商机/线索编号", "en": "Deal / lead"},
    "col_owner": {"zh": "负责人", "en": "Owner"},
    "col_manager": {"zh": "直属上级", "en": "Manager"},
    "col_days_since": {"zh": "距今天数", "en": "Days since"},
    "col_threshold": {"zh": "阈值", "en": "Threshold"},
    "col_last_touch": {"zh": "最后跟进时间", "en": "Last touch"},
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
