"""Labels of the sales alerts page (销售预警)."""

TEXTS = {
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
}
