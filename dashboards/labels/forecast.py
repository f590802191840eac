"""Labels of the sales-forecast page (销售预测)."""

TEXTS = {
    "forecast_page": {"zh": "销售预测", "en": "Sales forecast"},
    "forecast_caption": {
        "zh": "两种方法并列：加权商机法（按历史阶段转化率和成交时长加权在手商机）与时间序列法"
        "（AutoETS，含预测区间）；每个预测旁边是它在历史回测中的准确度。",
        "en": "Two methods side by side: the weighted pipeline (open deals weighted by the "
        "historical stage-to-win conversion and time to close) and a time series (AutoETS, "
        "with prediction intervals); beside each forecast, its accuracy in the backtest.",
    },
    "forecast_measure": {"zh": "指标", "en": "Measure"},
    "forecast_measure_bookings": {"zh": "签单额", "en": "Bookings"},
    "forecast_measure_collections": {"zh": "回款额", "en": "Collections"},
    "forecast_team": {"zh": "团队", "en": "Team"},
    "forecast_product_line": {"zh": "产品线", "en": "Product line"},
    "forecast_all": {"zh": "全部", "en": "All"},
    "forecast_company": {"zh": "全公司", "en": "Company"},
    "forecast_series_shown": {"zh": "预测对象", "en": "Series shown"},
    "forecast_team_over_line": {
        "zh": "预测按团队或按产品线分别建模：同时选择时显示该团队的预测；商机健康度按两者筛选。",
        "en": "Forecasts are modelled per team or per product line: with both chosen the "
        "team's forecast is shown; pipeline health is filtered by both.",
    },
    "forecast_collections_no_line": {
        "zh": "回款不区分产品线：显示全公司（或所选团队）的回款预测。",
        "en": "Collections are not split by product line: the company's (or the chosen "
        "team's) collections forecast is shown.",
    },
    "forecast_missing_tables": {
        "zh": "已发布的数据中缺少预测数据表：{tables}。请运行夜间任务（medops run）。",
        "en": "The published data lacks the forecast tables: {tables}. Run the nightly job "
        "(medops run).",
    },
    "forecast_no_data": {"zh": "该对象暂无预测。", "en": "No forecast for this series yet."},
    "forecast_chart": {"zh": "预测与实际", "en": "Forecast vs actual"},
    "forecast_chart_help": {
        "zh": "实线为实际值（本月未结束，为截至目前）；虚线为回测中提前{ahead}个月所做的预测；"
        "右侧为本次预测，阴影为时间序列法的80%/95%预测区间。",
        "en": "Solid: actuals (the current month so far). Dotted: backtest forecasts made "
        "{ahead} month(s) ahead. Right: tonight's forecast; shaded: the time series' 80% / "
        "95% prediction intervals.",
    },
    "forecast_backtest_ahead": {"zh": "回测提前月数", "en": "Backtest months ahead"},
    "forecast_series_actual": {"zh": "实际", "en": "Actual"},
    "forecast_method_weighted_pipeline": {"zh": "加权商机法", "en": "Weighted pipeline"},
    "forecast_method_time_series": {"zh": "时间序列法", "en": "Time series"},
    "forecast_backtest_suffix": {"zh": "（回测）", "en": " (backtest)"},
    "forecast_interval_80": {"zh": "80%区间", "en": "80% interval"},
    "forecast_interval_95": {"zh": "95%区间", "en": "95% interval"},
    "forecast_table": {"zh": "本次预测", "en": "Tonight's forecast"},
    "forecast_accuracy_table": {"zh": "回测准确度", "en": "Backtest accuracy"},
    "forecast_accuracy_caption": {
        "zh": "MAPE = 各月|预测−实际|÷实际的平均（实际为0的月份不计）；偏差 = (预测合计−实际合计)"
        "÷实际合计，正数表示高估。口径见 DECISIONLOG.md。",
        "en": "MAPE = mean of |forecast − actual| ÷ actual over the months (months with an "
        "actual of 0 left out); bias = (total forecast − total actual) ÷ total actual, above 0 "
        "= too high. Definitions: DECISIONLOG.md.",
    },
    "forecast_backtest_table": {"zh": "回测明细", "en": "Backtest detail"},
    "forecast_health": {"zh": "商机健康度", "en": "Pipeline health"},
    "forecast_coverage_chart": {"zh": "商机覆盖率", "en": "Pipeline coverage"},
    "forecast_coverage_help": {
        "zh": "月初加权在手商机 ÷ 当月起{months}个月的指标；1.0表示预计恰好完成指标。"
        "按团队筛选，不按产品线（指标不分产品线）。",
        "en": "Weighted open pipeline at the month's start ÷ quota of that month and the next "
        "({months} months); 1.0 = expected to meet quota exactly. Filtered by team, not product "
        "line (quotas have none).",
    },
    "forecast_health_table": {
        "zh": "商机创建、在手、逾期与推迟",
        "en": "Pipeline created, open, overdue, slipped",
    },
    "forecast_health_caption": {
        "zh": "在手与加权为月初0点的商机状态（时点还原）；逾期 = 月初仍未关闭且预计成交日期已过；"
        "推迟 = 当月导出中看到预计成交日期被推后（需要多次导出才有数据）。",
        "en": "Open and weighted: the pipeline as it stood at 00:00 on the first of the month "
        "(point in time); overdue = still open at the month's start with its expected close "
        "date past; pushed out = a later close date seen in an export of the month (needs "
        "successive exports).",
    },
    "forecast_col_method": {"zh": "方法", "en": "Method"},
    "forecast_col_target_month": {"zh": "预测月份", "en": "Target month"},
    "forecast_col_origin_month": {"zh": "预测起点", "en": "Origin"},
    "forecast_col_months_ahead": {"zh": "提前月数", "en": "Months ahead"},
    "forecast_col_forecast": {"zh": "预测值", "en": "Forecast"},
    "forecast_col_lo_80": {"zh": "80%下限", "en": "80% low"},
    "forecast_col_hi_80": {"zh": "80%上限", "en": "80% high"},
    "forecast_col_lo_95": {"zh": "95%下限", "en": "95% low"},
    "forecast_col_hi_95": {"zh": "95%上限", "en": "95% high"},
    "forecast_col_actual": {"zh": "实际值", "en": "Actual"},
    "forecast_col_error": {"zh": "误差", "en": "Error"},
    "forecast_col_ape": {"zh": "绝对百分比误差", "en": "Abs. % error"},
    "forecast_col_mape": {"zh": "MAPE", "en": "MAPE"},
    "forecast_col_bias": {"zh": "偏差", "en": "Bias"},
    "forecast_col_months_compared": {"zh": "回测月数", "en": "Months compared"},
    "forecast_col_hit_80": {"zh": "落入80%区间", "en": "Within 80% interval"},
    "forecast_col_month": {"zh": "月份", "en": "Month"},
    "forecast_col_created": {"zh": "新建商机数", "en": "Deals created"},
    "forecast_col_created_amount": {"zh": "新建金额", "en": "Amount created"},
    "forecast_col_open": {"zh": "月初在手商机", "en": "Open at month start"},
    "forecast_col_open_amount": {"zh": "在手金额", "en": "Open amount"},
    "forecast_col_weighted": {"zh": "加权在手金额", "en": "Weighted open amount"},
    "forecast_col_overdue": {"zh": "逾期商机", "en": "Overdue deals"},
    "forecast_col_overdue_amount": {"zh": "逾期金额", "en": "Overdue amount"},
    "forecast_col_pushed": {"zh": "成交日期推后", "en": "Close dates pushed out"},
    "forecast_col_moved_out": {"zh": "推出当月", "en": "Moved out of month"},
    "forecast_col_quota": {"zh": "指标", "en": "Quota"},
    "forecast_col_coverage": {"zh": "覆盖率", "en": "Coverage"},
}
