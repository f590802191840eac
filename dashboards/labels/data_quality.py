"""Labels of the data-quality page (数据质量): files, rows, quarantine, validation, arrivals."""

TEXTS = {
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
        "zh": "最新版本整份未能入库的文件：无法读取、缺少必填列或没有匹配的数据源约定。"
        "同名文件此前已入库的版本继续生效。",
        "en": "Files whose newest version was not loaded at all: unreadable, required columns "
        "missing or no source contract matches the name. An earlier loaded version of the "
        "file stays in force.",
    },
    "dq_kept_versions": {
        "zh": "{count} 个文件的最新版本整份被拒收，仍沿用此前已入库的版本，直到修正后的文件入库："
        "{files}",
        "en": "The newest version of {count} files was rejected whole; the version loaded "
        "before it stays in force until a corrected file loads: {files}",
    },
    "dq_kept_version": {
        "zh": "{file}（{rejected_at} 拒收；生效版本 {loaded_at} 入库，导出日期 {export_date}）",
        "en": "{file} (rejected {rejected_at}; in force: loaded {loaded_at}, exported "
        "{export_date})",
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
    "col_export_date": {"zh": "导出日期", "en": "Exported"},
    "col_newer_version_rejected_at": {"zh": "新版本拒收时间", "en": "Newer version rejected"},
    "col_newer_version_message": {"zh": "新版本拒收原因", "en": "Why it was rejected"},
    "freshness_fresh": {"zh": "正常", "en": "Fresh"},
    "freshness_warn": {"zh": "预警", "en": "Warn"},
    "freshness_error": {"zh": "超时", "en": "Stale"},
    "freshness_unknown": {"zh": "未知", "en": "Unknown"},
    "status_loaded": {"zh": "已入库", "en": "Loaded"},
    "status_rejected": {"zh": "已拒收", "en": "Rejected"},
    "status_previous_in_force": {
        "zh": "新版本已拒收，沿用上一版本",
        "en": "Newer version rejected; previous in force",
    },
    "download_files": {"zh": "下载文件明细", "en": "Download file list"},
}
