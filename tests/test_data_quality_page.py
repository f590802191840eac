"""The cockpit's data-quality page (AppTest) and the data-quality marts built by dbt.

Page and queries: the published file of the ``data_quality_home`` fixture (tests/conftest.py),
five hand-written files. Worked out by hand from those rows:

- files 5 (L1..L5), rejected 2 (L3 erp_orders, L4 notes_20261121.txt);
- rows read 100 + 200 + 50 + 0 + 40 = 390, loaded 95 + 190 + 40 = 325, quarantined 5 + 10 = 15;
- quarantine share = 15 / rows read from loaded files (100 + 200 + 40 = 340) = 4.41% -> "4.4%";
- failed expectations: crm_visits longitude and svc_tickets resolved/created -> 2;
- freshness, as of 2026-11-21 10:00 with warn 48 h / error 168 h: crm_accounts and crm_visits
  fresh (~7.9 h), erp_orders error (no file loaded), svc_tickets warn (80 h);
- top reason: "unknown code in activity_type" of crm_visits, 6 rows.

Marts: ``test_marts_built_by_dbt`` ingests hand-made files into a fresh warehouse and runs the
real dbt models; the expected figures are written next to the rows that carry them.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import build_data_quality_published, metrics
from streamlit.testing.v1 import AppTest

from dashboards import charts, data, data_quality_charts, data_quality_data
from dashboards.access import FULL_ACCESS

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
PAGE = "pages/data_quality.py"
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
DBT = str(Path(sys.executable).parent / "dbt")


def run_page(home: Path, monkeypatch: pytest.MonkeyPatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one data frame on the page that has ``column``."""
    tables = [frame.value for frame in at.dataframe if column in frame.value.columns]
    assert len(tables) == 1, [list(frame.value.columns) for frame in at.dataframe]
    return tables[0]


@pytest.fixture
def published(data_quality_home: Path, monkeypatch: pytest.MonkeyPatch) -> data.Published:
    monkeypatch.setenv("MEDOPS_HOME", str(data_quality_home))
    source = data.current_published(FULL_ACCESS)
    assert source is not None
    return source


# --- the page ----------------------------------------------------------------------------------


def test_page_in_chinese(data_quality_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(data_quality_home, monkeypatch)
    assert [title.value for title in at.title] == ["数据质量"]
    assert metrics(at) == {
        "文件数": "5",
        "拒收文件": "2",
        "读取行数": "390",
        "入库行数": "325",
        "隔离行数": "15",
        "隔离率": "4.4%",
        "未通过校验": "2",
    }
    assert not at.error

    sources = table_with(at, "时效")
    assert sources["数据源"].tolist() == ["crm_accounts", "crm_visits", "erp_orders", "svc_tickets"]
    assert sources["时效"].tolist() == ["正常", "正常", "超时", "预警"]
    assert sources["隔离行数"].tolist() == [5, 10, 0, 0]

    reasons = table_with(at, "原因")
    assert len(reasons) == 6
    assert reasons.iloc[0][["数据源", "原因", "隔离行数"]].tolist() == [
        "crm_visits",
        "未知代码（activity_type）",  # the kind "unknown code in activity_type" in Chinese
        6,
    ]
    assert "（未匹配数据源）" in reasons["数据源"].tolist()  # notes_20261121.txt
    assert reasons["隔离行数"].sum() == 3 + 2 + 6 + 4 + 1 + 1

    failed = table_with(at, "校验项")
    assert sorted(failed["数据源"]) == ["crm_visits", "svc_tickets"]
    assert failed["异常行数"].tolist() == [7, 2]  # most unexpected rows first

    files = table_with(at, "文件名")
    assert len(files) == 5
    assert files["状态"].value_counts().to_dict() == {"已入库": 3, "已拒收": 2}


def test_page_in_english(data_quality_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(data_quality_home, monkeypatch, lang="en")
    assert [title.value for title in at.title] == ["Data quality"]
    assert metrics(at) == {
        "Files": "5",
        "Files rejected": "2",
        "Rows read": "390",
        "Rows loaded": "325",
        "Quarantined": "15",
        "Quarantined %": "4.4%",
        "Failed checks": "2",
    }
    assert table_with(at, "Freshness")["Freshness"].tolist() == ["Fresh", "Fresh", "Stale", "Warn"]
    assert "(no contract)" in table_with(at, "Reason")["Source"].tolist()
    assert set(table_with(at, "File")["Status"]) == {"Loaded", "Rejected"}


def test_page_says_which_version_stays_in_force(
    data_quality_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the accounts' newest version was rejected whole; L1, loaded before it, stays in force
    con = duckdb.connect(str(data_quality_home / "published.duckdb"))
    try:
        con.execute(
            "update rpt_ingest_files set export_date = '2026-11-20', "
            "newer_version_load_id = 'L6', newer_version_rejected_at = '2026-11-22 02:05:00', "
            "newer_version_message = 'required columns missing: account_name' "
            "where load_id = 'L1'"
        )
    finally:
        con.close()

    at = run_page(data_quality_home, monkeypatch)
    assert metrics(at)["拒收文件"] == "3"  # with erp_orders and notes_20261121.txt
    assert at.warning[0].value == (
        "1 个文件的最新版本整份被拒收，仍沿用此前已入库的版本，直到修正后的文件入库："
        "crm_accounts_20261120.xlsx（2026-11-22 02:05 拒收；生效版本 2026-11-21 02:05 入库，"
        "导出日期 2026-11-20）"
    )
    accounts = table_with(at, "文件名").set_index("文件名").loc["crm_accounts_20261120.xlsx"]
    assert accounts["状态"] == "新版本已拒收，沿用上一版本"
    assert accounts[["入库行数", "新版本拒收原因"]].tolist() == [
        95,
        "required columns missing: account_name",
    ]

    at = run_page(data_quality_home, monkeypatch, lang="en")
    assert at.warning[0].value.endswith(
        "crm_accounts_20261120.xlsx (rejected 2026-11-22 02:05; in force: loaded "
        "2026-11-21 02:05, exported 2026-11-20)"
    )


def test_source_filter_on_the_reasons(
    data_quality_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page(data_quality_home, monkeypatch)
    at.multiselect(key="data_quality_sources").select("crm_visits").run()
    assert not at.exception
    reasons = table_with(at, "原因")
    assert reasons["原因"].tolist() == ["未知代码（activity_type）", "格式无效（checked_in_at）"]
    assert reasons["隔离行数"].tolist() == [6, 4]
    assert metrics(at)["隔离行数"] == "15"  # the filter applies to the reasons only


def test_a_link_with_the_source_filter(
    data_quality_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDOPS_HOME", str(data_quality_home))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page(PAGE)
    at.query_params["sources"] = ["crm_visits", "no_such_source"]
    at.run()
    assert not at.exception
    assert at.multiselect(key="data_quality_sources").value == ["crm_visits"]
    assert "参数 sources 无效（`no_such_source`）" in at.warning[0].value
    assert table_with(at, "原因")["隔离行数"].tolist() == [6, 4]
    assert at.query_params["sources"] in ("crm_visits", ["crm_visits"])  # the valid part


def test_page_with_missing_marts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "partial_home"
    build_data_quality_published(home / "published.duckdb", marts=("rpt_ingest_files",))
    at = run_page(home, monkeypatch)
    message = at.error[0].value
    for mart in ("rpt_quarantine_reasons", "rpt_validation_latest", "rpt_source_freshness"):
        assert mart in message
    assert "rpt_ingest_files" not in message
    shown = metrics(at)
    assert (shown["文件数"], shown["隔离行数"], shown["未通过校验"]) == ("5", "15", "—")
    assert len(table_with(at, "文件名")) == 5


def test_page_with_empty_marts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "empty_marts_home"
    build_data_quality_published(home / "published.duckdb", empty=True)
    for lang in ("zh", "en"):
        at = run_page(home, monkeypatch, lang=lang)
        assert not at.error
        shown = list(metrics(at).values())
        assert shown == ["0", "0", "0", "0", "0", "—", "0"]
        assert not at.dataframe
    infos = " ".join(info.value for info in at.info)
    assert "No file has been ingested yet" in infos and "No validation results yet" in infos


def test_page_explains_missing_marts(cockpit_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDOPS_HOME", str(cockpit_home))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page(PAGE).run()  # a published file with only the sales marts
    assert not at.exception
    assert "rpt_ingest_files" in at.error[0].value


# --- the queries -------------------------------------------------------------------------------


def test_queries(published: data.Published) -> None:
    assert data_quality_data.ingest_kpis(published) == {
        "files": 5,
        "files_rejected": 2,
        "rows_read": 390,
        "rows_loaded": 325,
        "rows_quarantined": 15,
        "quarantine_share": pytest.approx(15 / 340),
    }
    assert data_quality_data.quarantine_sources(published) == [
        "crm_visits",
        "crm_accounts",
        "",  # notes_20261121.txt, no contract
        "erp_orders",
    ]
    whole_files = data_quality_data.quarantine_reasons(published, ("", "erp_orders"))
    assert whole_files["is_whole_file"].all() and whole_files["rows_quarantined"].sum() == 2
    assert data_quality_data.quarantine_reasons(published)["rows_quarantined"].sum() == 17
    ages = data_quality_data.source_freshness(published).set_index("source")["age_hours"]
    assert ages["svc_tickets"] == pytest.approx(80)
    assert pd.isna(ages["erp_orders"])
    assert data.missing_marts(published, data_quality_data.DATA_QUALITY_MARTS) == []


def test_files_excel_export(published: data.Published) -> None:
    table = data_quality_charts.files_table(data_quality_data.ingest_files(published), "zh")
    workbook = charts.table_to_excel(
        table,
        sheet_name="数据质量",
        lang="zh",
        number_formats=data_quality_charts.files_excel_formats("zh"),
    )
    back = pd.read_excel(io.BytesIO(workbook), sheet_name="数据质量")
    assert back["读取行数"].sum() == 390
    assert back["文件名"].iloc[0] == "notes_20261121.txt"  # newest first


# --- the marts, built by dbt from hand-made files ---------------------------------------------

# Version 1 of the stage history; replaced below by version 2 under the same name, so neither
# its rows nor its quarantined row ("missing value in stage") may show in the marts.
STAGE_HISTORY_V1 = "\n".join(
    [
        "商机编号,阶段,进入时间,操作人工号",
        "SJ001,初步接洽,2026-01-05 09:00:00,E001",
        "SJ001,,2026-01-20 10:00:00,E001",  # missing value in stage
    ]
)

# Version 2: 9 data rows, 3 loaded (rows 1, 2, 8), 6 quarantined; 备注 is no contract column.
STAGE_HISTORY_V2 = "\n".join(
    [
        "商机编号,阶段,进入时间,操作人工号,备注",
        "SJ001,初步接洽,2026-01-05 09:00:00,E001,首次",  # 1 ok
        "SJ001,需求确认,2026-01-20 10:00:00,E001,",  # 2 ok
        "SJ002,谈判中,2026-02-01 09:00:00,E002,",  # 3 unknown code in stage
        ",初步接洽,2026-02-03 09:00:00,E002,",  # 4 missing value in opportunity_id
        "SJ003,方案报价,not a date,E003,",  # 5 invalid timestamp in entered_at
        "SJ004,洽谈,,E004,",  # 6 unknown code in stage; missing value in entered_at
        "SJ001,初步接洽,2026-01-05 09:00:00,E001,首次",  # 7 duplicate row (same as row 1)
        "SJ005,赢单,2026-03-01 09:00:00,E005,",  # 8 ok
        "SJ005,赢单,2026-03-01 09:00:00,E006,",  # 9 duplicate key, other values than row 8
    ]
)
STAGE_HISTORY = "crm_opportunity_stage_history_20261121.csv"
OFFICES = "crm_offices_20261121.csv"  # 2 rows, required office_name missing -> rejected
VISITS = "crm_visits_20261121.csv"  # bytes no text encoding decodes -> rejected, unread
README = "readme.txt"  # no contract matches -> rejected

# Two runs of one expectation on crm_opportunity_stage_history.stage:
# (run, validated at, success, rows checked, unexpected, unexpected percent, sample)
VALIDATION_ROWS = [
    ("R1", "2026-11-20 02:30:00", False, 4, 1, 25.0, '["谈判中"]'),  # older run: failed
    ("R2", "2026-11-21 02:30:00", True, 3, 0, 0.0, "[]"),  # latest run: passed
]


def _build_tiny_warehouse(home: Path) -> None:
    from ingest.load import VALIDATION_RESULTS, ingest_path

    drop = home / "drop"
    drop.mkdir(parents=True)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        (drop / STAGE_HISTORY).write_text(STAGE_HISTORY_V1 + "\n", encoding="utf-8")
        ingest_path(con, drop)
        (drop / STAGE_HISTORY).write_text(STAGE_HISTORY_V2 + "\n", encoding="utf-8")
        (drop / OFFICES).write_text(
            "办事处编码,省份\nOF001,上海市\nOF002,广东省\n", encoding="utf-8"
        )
        (drop / VISITS).write_bytes(b"\x80\x80\x80\xff\n")
        (drop / README).write_text("not an export\n", encoding="utf-8")
        ingest_path(con, drop)
        for run_id, validated_at, success, checked, unexpected, percent, sample in VALIDATION_ROWS:
            con.execute(
                f"insert into {VALIDATION_RESULTS} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    validated_at,
                    "crm_opportunity_stage_history",
                    "expect_column_values_to_be_in_set",
                    "stage",
                    success,
                    checked,
                    unexpected,
                    percent,
                    sample,
                    "crm",
                ],
            )
    finally:
        con.close()


def _dbt_build(home: Path, *models: str) -> None:
    """Build the data-quality marts (and ``models``) on the home's warehouse, with their tests."""
    result = subprocess.run(
        [
            DBT,
            "build",
            "--select",
            *models,
            "+path:models/marts/data_quality",
            # only tests whose every parent is selected (a relationships test to an
            # unselected model would read a table this tiny warehouse never built)
            "--indirect-selection",
            "cautious",
            "--target-path",
            str(home / "dbt_target"),
            "--log-path",
            str(home / "dbt_logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "MEDOPS_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _mart(con: duckdb.DuckDBPyConnection, table: str, order_by: str) -> pd.DataFrame:
    return con.execute(f"select * from marts.{table} order by {order_by}").df()


@pytest.mark.slow
def test_marts_built_by_dbt(tmp_path: Path) -> None:
    home = tmp_path / "dq_warehouse"
    _build_tiny_warehouse(home)
    _dbt_build(home)

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        files = _mart(con, "rpt_ingest_files", "file_name").set_index("file_name")
        reasons = _mart(con, "rpt_quarantine_reasons", "file_name, reason_kind")
        validation = _mart(con, "rpt_validation_latest", "source")
        freshness = _mart(con, "rpt_source_freshness", "source").set_index("source")
    finally:
        con.close()

    # files in force: version 2 of the stage history and the three rejected files
    assert sorted(files.index) == sorted([STAGE_HISTORY, OFFICES, VISITS, README])
    history = files.loc[STAGE_HISTORY]
    assert (history["source"], history["system"], history["status"]) == (
        "crm_opportunity_stage_history",
        "crm",
        "loaded",
    )
    assert history[["rows_read", "rows_loaded", "rows_quarantined", "rows_rejected"]].tolist() == [
        9,
        3,
        6,
        0,
    ]
    assert history["quarantine_share"] == pytest.approx(6 / 9)
    assert (history["encoding"], history["unmapped_columns"]) == ("utf-8", "备注")
    assert pd.isna(history["missing_columns"]) and history["earlier_versions"] == 1
    offices = files.loc[OFFICES]
    assert offices[["rows_read", "rows_loaded", "rows_quarantined", "rows_rejected"]].tolist() == [
        2,
        0,
        0,
        2,
    ]
    assert offices["status"] == "rejected" and pd.isna(offices["quarantine_share"])
    assert files.loc[VISITS, "status"] == "rejected" and pd.isna(files.loc[VISITS, "encoding"])
    assert pd.isna(files.loc[README, "source"]) and pd.isna(files.loc[README, "system"])

    # reasons: kinds as counted in the comments of STAGE_HISTORY_V2; row 6 counts twice
    history_reasons = reasons[reasons["file_name"] == STAGE_HISTORY].set_index("reason_kind")
    assert history_reasons["rows_quarantined"].to_dict() == {
        "duplicate key": 1,
        "duplicate row": 1,
        "invalid timestamp in entered_at": 1,
        "missing value in entered_at": 1,
        "missing value in opportunity_id": 1,
        "unknown code in stage": 2,
        # the 3 loaded rows: this warehouse has no opportunities, so the warehouse holds
        # them back from the funnel (int_held_back_child_rows) and counts them here
        "parent not loaded": 3,
    }
    unknown = history_reasons.loc["unknown code in stage"]
    assert (unknown["example_row_number"], unknown["example_reason"]) == (
        3,
        "unknown code in stage: '谈判中'",
    )
    assert '"阶段":"谈判中"' in unknown["example_raw_values"]
    assert unknown["share_of_rows_read"] == pytest.approx(2 / 9)
    assert history_reasons.loc["missing value in entered_at", "example_row_number"] == 6
    assert not history_reasons["is_whole_file"].any()
    whole = reasons[reasons["file_name"] != STAGE_HISTORY].set_index("file_name")
    assert whole["reason_kind"].to_dict() == {
        OFFICES: "required columns missing",
        README: "no source contract matches this file name",
        VISITS: "text is neither UTF-8, UTF-16 nor GB18030/GBK",
    }
    assert whole["is_whole_file"].all() and (whole["rows_quarantined"] == 1).all()
    assert whole["example_row_number"].isna().all()

    # validation: only the latest run (R2) of the source
    assert validation[
        ["run_id", "success", "element_count", "unexpected_count"]
    ].values.tolist() == [["R2", True, 3, 0]]
    assert validation.loc[0, "system"] == "crm" and validation.loc[0, "column_names"] == "stage"

    # freshness: every contracted source that delivered a file; readme.txt has none
    assert freshness.index.tolist() == [
        "crm_offices",
        "crm_opportunity_stage_history",
        "crm_visits",
    ]
    assert freshness["files_in_force"].tolist() == [1, 1, 1]
    assert freshness["freshness_status"].to_dict() == {
        "crm_offices": "error",  # its only file was rejected
        "crm_opportunity_stage_history": "fresh",  # loaded seconds ago; warn after 48 h
        "crm_visits": "error",
    }
    history_fresh = freshness.loc["crm_opportunity_stage_history"]
    assert history_fresh["last_file_name"] == STAGE_HISTORY
    assert history_fresh[["rows_read", "rows_loaded", "rows_quarantined"]].tolist() == [9, 3, 6]
    assert 0 <= history_fresh["age_hours"] < 1
    assert (history_fresh["warn_after_hours"], history_fresh["error_after_hours"]) == (48, 168)
    assert history_fresh["measured_at"] >= history_fresh["last_loaded_at"]
    assert freshness.loc["crm_offices", "last_file_status"] == "rejected"
    assert pd.isna(freshness.loc["crm_offices", "age_hours"])


# Versions of one payments export (the same name sent again). Version 2 is rejected whole: the
# ERP wrote the amount in 万元, a unit whose header does not match. Version 1 stays in force.
PAYMENTS = "erp_payments_20261121.csv"
PAYMENTS_V1 = "\n".join(
    [
        "回款单号,客户编码,对账单号,回款日期,回款金额",
        "P1,C1,S1,2026-11-20,1200.00",
        "P2,C2,S2,2026-11-20,800.00",
        "P3,,S3,2026-11-20,50.00",  # missing value in account_id
    ]
)
PAYMENTS_V2 = PAYMENTS_V1.replace("回款金额", "回款金额（万元）")
PAYMENTS_V3 = "\n".join(
    ["回款单号,客户编码,对账单号,回款日期,回款金额", "P1,C1,S1,2026-11-20,1250.00"]
)


@pytest.mark.slow
def test_a_rejected_version_keeps_the_loaded_one_in_staging_and_the_marts(tmp_path: Path) -> None:
    from ingest.load import ingest_path

    home = tmp_path / "versions_warehouse"
    drop = home / "drop"
    drop.mkdir(parents=True)

    def deliver(text: str, runs: int = 1) -> None:
        (drop / PAYMENTS).write_text(text + "\n", encoding="utf-8")
        con = duckdb.connect(str(home / "warehouse.duckdb"))
        try:
            for _ in range(runs):
                ingest_path(con, drop)
        finally:
            con.close()
        # stg_erp__payments is incremental: each build after the first reads only changes
        _dbt_build(home, "stg_erp__payments")

    def built() -> tuple[dict, pd.Series, dict, pd.Series, int]:
        con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
        try:
            staged = dict(
                con.execute(
                    "select payment_id, cast(payment_amount as double) "
                    "from staging.stg_erp__payments"
                ).fetchall()
            )
            files = _mart(con, "rpt_ingest_files", "file_name")
            reasons = _mart(con, "rpt_quarantine_reasons", "loaded_at, reason_kind")
            sources = _mart(con, "rpt_source_freshness", "source")
            versions = con.execute("select count(*) from raw._ingest_ledger").fetchone()[0]
        finally:
            con.close()
        assert len(files) == len(sources) == 1  # one file name, one source
        kinds = {r.reason_kind: (r.is_whole_file, r.rows_quarantined) for r in reasons.itertuples()}
        return staged, files.iloc[0], kinds, sources.iloc[0], versions

    deliver(PAYMENTS_V1)
    _, first, _, _, _ = built()

    deliver(PAYMENTS_V2, runs=2)  # the second run skips it
    staged, file, kinds, fresh, versions = built()
    assert staged == {"P1": 1200.0, "P2": 800.0}
    assert versions == 2
    # the version in force is the first, and the file says its newer version was rejected
    assert file["load_id"] == first["load_id"] and file["loaded_at"] == first["loaded_at"]
    assert (file["status"], file["rows_read"], file["rows_loaded"], file["rows_quarantined"]) == (
        "loaded",
        3,
        2,
        1,
    )
    assert file["export_date"] == pd.Timestamp("2026-11-21")
    assert file["newer_version_rejected_at"] > file["loaded_at"]
    assert file["newer_version_message"] == (
        "required columns missing: payment_amount (回款金额/payment_amount); the version loaded "
        f"{first['loaded_at']:%Y-%m-%d %H:%M} (exported 2026-11-21) stays in force until a "
        "corrected version of this file loads"
    )
    # nothing is lost: the first version's quarantined row and the rejection both count
    assert kinds == {
        "missing value in account_id": (False, 1),
        "required columns missing": (True, 1),
    }
    assert (fresh["last_file_status"], fresh["last_file_at"]) == (
        "rejected",
        file["newer_version_rejected_at"],
    )
    assert fresh["last_loaded_at"] == first["loaded_at"]
    assert fresh[["files_in_force", "files_loaded", "files_rejected", "rows_loaded"]].tolist() == [
        1,
        1,
        1,
        2,
    ]

    deliver(PAYMENTS_V3)
    staged, file, kinds, fresh, versions = built()
    assert staged == {"P1": 1250.0}
    assert (file["status"], file["rows_loaded"], file["earlier_versions"]) == ("loaded", 1, 2)
    assert pd.isna(file["newer_version_load_id"]) and pd.isna(file["newer_version_message"])
    assert kinds == {}
    assert (fresh["last_file_status"], fresh["files_rejected"]) == ("loaded", 0)
