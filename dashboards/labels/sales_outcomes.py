"""Labels of the funnel's drill-down, breakdown and lost-reason sections and of the overview's
deal-size and retention figures."""

TEXTS: dict[str, dict[str, str]] = {
    "filter_region": {"zh": "大区", "en": "Region"},
    "filter_province": {"zh": "省区", "en": "Province unit"},
    "filter_team": {"zh": "团队", "en": "Team"},
    "filter_rep": {"zh": "销售代表", "en": "Rep"},
    "filter_channels": {"zh": "渠道", "en": "Channels"},
    "filter_lead_sources": {"zh": "线索来源", "en": "Lead sources"},
    "drill_caption": {
        "zh": "逐级下钻：公司 → 大区 → 省区 → 团队 → 销售代表。选择上级后，下级只列出其下属单位。",
        "en": "Drill down company → region → province unit → team → rep; each picker lists only "
        "the units under the one chosen above it.",
    },
    "breakdown_title": {"zh": "分维度对比", "en": "Breakdown"},
    "breakdown_by": {"zh": "分解维度", "en": "Break down by"},
    "breakdown_help": {
        "zh": "同一批商机（上方筛选）按所选维度拆分；"
        "各阶段转化率为该组到达该阶段的商机中推进到下一阶段的比例。",
        "en": "The same deals (filters above) split by the chosen dimension; each stage "
        "conversion is the share of the group's deals that reached the stage and advanced.",
    },
    "level_region": {"zh": "大区", "en": "Region"},
    "level_province": {"zh": "省区", "en": "Province unit"},
    "level_team": {"zh": "团队", "en": "Team"},
    "level_owner": {"zh": "销售代表", "en": "Rep"},
    "level_product_line": {"zh": "产品线", "en": "Product line"},
    "level_channel": {"zh": "渠道", "en": "Channel"},
    "level_lead_source": {"zh": "线索来源", "en": "Lead source"},
    "group_unassigned": {"zh": "（未归属）", "en": "(none)"},
    "col_group": {"zh": "分组", "en": "Group"},
    "col_entered": {"zh": "进入漏斗", "en": "Entered"},
    "col_won": {"zh": "赢单数", "en": "Won"},
    "col_win_rate": {"zh": "赢单率", "en": "Win rate"},
    "col_won_amount": {"zh": "赢单金额", "en": "Won amount"},
    "col_average_deal_size": {"zh": "平均成交金额", "en": "Average deal size"},
    "col_median_days_to_win": {"zh": "成交周期中位数（天）", "en": "Median days to win"},
    "col_conversion_of": {"zh": "{stage}转化率", "en": "{stage} conversion"},
    "lost_title": {"zh": "输单原因", "en": "Lost reasons"},
    "lost_help": {
        "zh": "上方筛选出的商机中当前为输单的商机，按 CRM 填写的输单原因统计。",
        "en": "Deals of the filtered group whose latest stage is lost, by the lost reason the "
        "CRM records.",
    },
    "lost_none": {"zh": "所选商机中没有输单。", "en": "No lost deals among the filtered deals."},
    "reason_not_given": {"zh": "（未填写）", "en": "(not given)"},
    "col_lost_reason": {"zh": "输单原因", "en": "Lost reason"},
    "col_opportunities_lost": {"zh": "输单数", "en": "Deals lost"},
    "col_amount_lost": {"zh": "输单金额", "en": "Amount lost"},
    "col_share_lost": {"zh": "占输单比例", "en": "Share of lost"},
    "kpi_average_deal_size": {"zh": "平均成交金额", "en": "Average deal size"},
    "kpi_average_deal_size_help": {
        "zh": "所选月份内赢单商机的金额合计 ÷ 赢单商机数（按商机结束日期计月）。",
        "en": "Amount of the deals won in the selected months ÷ deals won (month of the close "
        "date).",
    },
    "retention_title": {
        "zh": "客户复购、留存与交叉销售",
        "en": "Repeat purchase, retention, cross-sell",
    },
    "retention_help": {
        "zh": "按季度统计有订单的客户：复购率 = 老客户 ÷ 当季下单客户；"
        "留存率 = 上季下单且本季再下单 ÷ 上季下单客户；"
        "交叉销售率 = 买了新产品线的老客户 ÷ 老客户。",
        "en": "Customers with orders, per quarter: repeat purchase = returning ÷ active; "
        "retention = ordered last quarter and this one ÷ ordered last quarter; cross-sell = "
        "returning customers buying a product line new to them ÷ returning.",
    },
    "retention_none": {
        "zh": "所选月份内没有可比较的季度订单数据。",
        "en": "No quarter with orders to compare in the selected months.",
    },
    "quarter_running": {"zh": "（进行中）", "en": " (running)"},
    "series_repeat_purchase": {"zh": "复购率", "en": "Repeat purchase"},
    "series_retention": {"zh": "留存率", "en": "Retention"},
    "series_cross_sell": {"zh": "交叉销售率", "en": "Cross-sell"},
    "col_quarter": {"zh": "季度", "en": "Quarter"},
    "col_customers_active": {"zh": "下单客户", "en": "Active customers"},
    "col_customers_new": {"zh": "新客户", "en": "New"},
    "col_customers_returning": {"zh": "老客户", "en": "Returning"},
    "col_customers_previous_quarter": {"zh": "上季下单客户", "en": "Active last quarter"},
    "col_customers_retained": {"zh": "留存客户", "en": "Retained"},
    "col_customers_churned": {"zh": "流失客户", "en": "Churned"},
    "col_customers_cross_sold": {"zh": "交叉销售客户", "en": "Cross-sold"},
    "col_repeat_purchase_rate": {"zh": "复购率", "en": "Repeat purchase rate"},
    "col_retention_rate": {"zh": "留存率", "en": "Retention rate"},
    "col_cross_sell_rate": {"zh": "交叉销售率", "en": "Cross-sell rate"},
}
