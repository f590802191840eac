"""Labels of the sales overview page (销售概览): bookings, quota, revenue, team league."""

TEXTS = {
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
}
