"""Labels of the closed-month notes (``dashboards.closed_months``)."""

TEXTS = {
    "closed_tag": {"zh": "已关账", "en": "closed"},
    "closed_months_note": {
        "zh": "{months} 已关账（{closed_at}）：{what}显示关账时冻结的数字；"
        "关账后的更正不改变这些数字，作为调整记入下月。",
        "en": "{months} closed ({closed_at}): {what} as frozen at the close; corrections made "
        "since do not change them and show as adjustments in the next month.",
    },
    "closed_months_adjustment": {
        "zh": "关账后的更正（应收余额，现值减冻结值）：{adjustment}。",
        "en": "Corrections since the close (outstanding now minus frozen): {adjustment}.",
    },
    "closed_what_aging": {"zh": "账龄", "en": "aging"},
    "closed_what_quota": {"zh": "签约额、配额与达成率", "en": "bookings, quota and attainment"},
    "closed_what_sla": {"zh": "SLA 达成率", "en": "SLA attainment"},
    "closed_sla_by_model": {
        "zh": "已关账月份（{months}）的关账快照不按设备型号拆分：按型号筛选时，"
        "这些月份的 SLA 达成率按当前数据计算。",
        "en": "The close's snapshot of {months} is not split by device model: with a model "
        "chosen, SLA attainment of those months is computed from the current data.",
    },
}
