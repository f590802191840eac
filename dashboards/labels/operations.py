"""Labels of the build-status notice (nightly operations)."""

TEXTS = {
    "ops_build_failed": {
        "zh": "数据截至 {as_of}（上次成功发布）；今晚的构建未通过检查，未发布：",
        "en": "Data as of {as_of} (last good publish); tonight's build failed checks and was "
        "not published:",
    },
    "ops_rolled_back": {
        "zh": "数据截至 {as_of}：已回滚到此前发布的版本（{copy_id}）。",
        "en": "Data as of {as_of}: rolled back to an earlier published copy ({copy_id}).",
    },
    "ops_page": {"zh": "运行与发布", "en": "Runs and publishing"},
    "ops_caption": {
        "zh": "夜间任务的最近运行与保留的发布版本；详情见 Dagster：{url}",
        "en": "Recent runs of the nightly jobs and the kept published copies; details in "
        "Dagster: {url}",
    },
    "ops_runs": {"zh": "最近运行", "en": "Recent runs"},
    "ops_no_runs": {"zh": "尚无运行记录（{path}）。", "en": "No run history yet ({path})."},
    "ops_copies": {"zh": "已发布版本（保留最近 7 个）", "en": "Published copies (last 7 kept)"},
    "ops_no_copies": {"zh": "尚无保留的发布版本。", "en": "No published copy kept yet."},
    "ops_col_run": {"zh": "运行", "en": "Run"},
    "ops_col_job": {"zh": "任务", "en": "Job"},
    "ops_col_status": {"zh": "状态", "en": "Status"},
    "ops_col_started": {"zh": "开始时间", "en": "Started"},
    "ops_col_minutes": {"zh": "耗时（分钟）", "en": "Minutes"},
    "ops_col_link": {"zh": "详情", "en": "Details"},
    "ops_col_current": {"zh": "当前", "en": "Current"},
    "ops_col_published": {"zh": "发布时间", "en": "Published"},
    "ops_col_files": {"zh": "文件数", "en": "Files"},
    "ops_col_checks": {"zh": "检查数", "en": "Checks"},
    "ops_col_warnings": {"zh": "警告", "en": "Warnings"},
    "ops_col_code": {"zh": "代码版本", "en": "Code version"},
    "ops_rollback_hint": {
        "zh": "回滚：medops rollback --list，然后 medops rollback [--to 时间]。",
        "en": "To roll back: medops rollback --list, then medops rollback [--to TIME].",
    },
}
