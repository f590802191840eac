"""Labels of the sales funnel page (销售漏斗)."""

TEXTS = {
    "page_sales_funnel": {"zh": "销售漏斗", "en": "Sales funnel"},
    "sales_funnel_caption": {
        "zh": "按商机进入漏斗（初步接洽）的月份圈定商机，跟踪其后续各阶段的推进与赢单。",
        "en": "Opportunities are grouped by the month they entered the funnel (qualification) "
        "and followed through the later stages to won.",
    },
    "filter_months": {"zh": "进入漏斗月份", "en": "Funnel entry month"},
    "filter_teams": {"zh": "销售团队", "en": "Sales teams"},
    "filter_product_lines": {"zh": "产品线", "en": "Product lines"},
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
}
