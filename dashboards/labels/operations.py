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
}
