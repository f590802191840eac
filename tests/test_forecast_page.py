"""The cockpit's sales-forecast page (AppTest) and its queries.

The published file is written here from hand-written rows, with the columns and types of the
marts' enforced contracts (dbt/models/marts/forecast/_forecast__models.yml). Expected figures
worked out by hand from these rows:

- Company bookings, tonight: weighted pipeline 1,200,000 / 900,000 / 600,000 for 2026-11 ..
  2027-01; time series 1,000,000 (80 %: 800,000 .. 1,200,000) each month.
- Accuracy beside it (months ahead 0): weighted pipeline MAPE 25.0 %, bias 10.0 %; time series
  MAPE 20.0 %, bias -5.0 %, 80 % interval hit 75.0 %.
- Coverage, 2026-10: T1 weighted 300,000 / quota 400,000 = 75.0 %; T2 100,000 / 400,000 =
  25.0 %; all teams (400,000 / 800,000) = 50.0 % (the mean of the two ratios would be 50.0 %
  too, so 2026-11 differs: T1 300,000 / 100,000, T2 100,000 / 700,000 -> 400,000 / 800,000 =
  50.0 %, where the mean of 300 % and 14.3 % would be 157.1 %).
- Pipeline health 2026-10, all: created 3 + 2 = 5, overdue 1 + 0 = 1; T1 x imaging only: 3.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards import forecast_data as fd
from dashboards.access import FULL_ACCESS

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
PAGE = "pages/sales_forecast.py"
MODELS_YML = REPO_ROOT / "dbt" / "models" / "marts" / "forecast" / "_forecast__models.yml"
D = dt.date

TEAMS = {"T1": "华东一组", "T2": "华南一组"}


def _actuals() -> list[dict]:
    rows = []
    for month, amount in ((D(2026, 9, 1), 950_000), (D(2026, 10, 1), 1_050_000)):
        rows.append(_actual("bookings", "company", "all", None, month, amount, True))
        rows.append(_actual("bookings", "team", "T1", "华东一组", month, amount * 0.6, True))
        rows.append(_actual("bookings", "team", "T2", "华南一组", month, amount * 0.4, True))
        rows.append(
            _actual(
                "bookings", "product_line", "imaging_equipment", "影像设备", month, 400_000, True
            )
        )
        rows.append(
            _actual("bookings", "product_line", "lab_reagents", "检验试剂", month, 200_000, True)
        )
        rows.append(_actual("collections", "company", "all", None, month, 800_000, True))
    rows.append(_actual("bookings", "company", "all", None, D(2026, 11, 1), 300_000, False))
    return rows


def _actual(measure, level, key, name, month, amount, complete) -> dict:
    return {
        "measure": measure,
        "series_level": level,
        "series_key": key,
        "series_name": name,
        "month_start": month,
        "is_complete": complete,
        "actual_amount": amount,
        "events": 1,
    }


def _latest() -> list[dict]:
    rows = []
    months = (D(2026, 11, 1), D(2026, 12, 1), D(2027, 1, 1))
    for ahead, (month, weighted) in enumerate(
        zip(months, (1_200_000, 900_000, 600_000), strict=True)
    ):
        common = {
            "measure": "bookings",
            "series_level": "company",
            "series_key": "all",
            "series_name": None,
            "origin_month": D(2026, 11, 1),
            "months_ahead": ahead,
            "target_month": month,
        }
        rows.append(
            common
            | {
                "forecast_method": "weighted_pipeline",
                "forecast_amount": weighted,
                "backtest_mape": 0.25 if ahead == 0 else None,
                "backtest_bias": 0.10 if ahead == 0 else None,
                "backtest_months": 12,
            }
        )
        rows.append(
            common
            | {
                "forecast_method": "time_series",
                "forecast_amount": 1_000_000,
                "lo_80": 800_000,
                "hi_80": 1_200_000,
                "lo_95": 700_000,
                "hi_95": 1_300_000,
                "backtest_mape": 0.20 if ahead == 0 else None,
                "backtest_bias": -0.05 if ahead == 0 else None,
                "backtest_months": 12,
            }
        )
    return rows


def _accuracy() -> list[dict]:
    common = {
        "measure": "bookings",
        "series_level": "company",
        "series_key": "all",
        "months_ahead": 0,
        "months_compared": 12,
        "months_with_actual": 12,
        "first_origin_month": D(2025, 10, 1),
        "last_origin_month": D(2026, 10, 1),
    }
    return [
        common | {"forecast_method": "weighted_pipeline", "mape": 0.25, "bias": 0.10},
        common
        | {
            "forecast_method": "time_series",
            "mape": 0.20,
            "bias": -0.05,
            "interval_80_hit_rate": 0.75,
        },
    ]


def _backtest() -> list[dict]:
    rows = []
    for method, forecast in (("weighted_pipeline", 1_155_000), ("time_series", 997_500)):
        rows.append(
            {
                "forecast_method": method,
                "measure": "bookings",
                "series_level": "company",
                "series_key": "all",
                "origin_month": D(2026, 10, 1),
                "months_ahead": 0,
                "target_month": D(2026, 10, 1),
                "forecast_amount": forecast,
                "actual_amount": 1_050_000,
                "error_amount": forecast - 1_050_000,
                "abs_pct_error": abs(forecast - 1_050_000) / 1_050_000,
            }
        )
    return rows


def _health() -> list[dict]:
    rows = []
    for month in (D(2026, 10, 1), D(2026, 11, 1)):
        rows.append(_health_row(month, "T1", "imaging_equipment", created=3, overdue=1, open_=4))
        rows.append(_health_row(month, "T2", "lab_reagents", created=2, overdue=0, open_=2))
    return rows


def _health_row(month, team, line, created, overdue, open_) -> dict:
    return {
        "month_start": month,
        "team_id": team,
        "team_name": TEAMS[team],
        "product_line": line,
        "opportunities_created": created,
        "amount_created": created * 100_000,
        "open_opportunities": open_,
        "open_amount": open_ * 200_000,
        "weighted_open_amount": open_ * 50_000,
        "overdue_opportunities": overdue,
        "overdue_amount": overdue * 200_000,
        "close_dates_pushed_out": 0,
        "moved_out_of_month": 0,
        "moved_out_amount": 0,
    }


COVERAGE = {  # (month, team): (weighted open, quota ahead)
    (D(2026, 10, 1), "T1"): (300_000, 400_000),
    (D(2026, 10, 1), "T2"): (100_000, 400_000),
    (D(2026, 11, 1), "T1"): (300_000, 100_000),
    (D(2026, 11, 1), "T2"): (100_000, 700_000),
}


def _coverage() -> list[dict]:
    return [
        {
            "month_start": month,
            "team_id": team,
            "team_name": TEAMS[team],
            "coverage_months": 3,
            "open_amount": weighted * 3,
            "weighted_open_amount": weighted,
            "quota_amount": quota,
            "coverage": weighted / quota,
        }
        for (month, team), (weighted, quota) in COVERAGE.items()
    ]


ROWS = {
    "rpt_forecast_actuals_monthly": _actuals,
    "rpt_forecast_latest": _latest,
    "rpt_forecast_accuracy": _accuracy,
    "rpt_forecast_backtest": _backtest,
    "rpt_pipeline_health_monthly": _health,
    "rpt_pipeline_coverage_monthly": _coverage,
}


def build_forecast_published(path: Path, marts: tuple[str, ...] = tuple(ROWS)) -> Path:
    models = yaml.safe_load(MODELS_YML.read_text(encoding="utf-8"))["models"]
    contracts = {m["name"]: {c["name"]: c["data_type"] for c in m["columns"]} for m in models}
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for mart in marts:
            columns = contracts[mart]
            con.execute(
                f"create table {mart} ({', '.join(f'{n} {t}' for n, t in columns.items())})"
            )
            for row in ROWS[mart]():
                con.execute(
                    f"insert into {mart} ({', '.join(columns)}) "
                    f"values ({', '.join('?' * len(columns))})",
                    [row.get(column) for column in columns],
                )
    finally:
        con.close()
    return path


@pytest.fixture
def forecast_home(tmp_path: Path) -> Path:
    home = tmp_path / "forecast_home"
    build_forecast_published(home / "published.duckdb")
    return home


@pytest.fixture
def published(forecast_home: Path, monkeypatch: pytest.MonkeyPatch) -> data.Published:
    monkeypatch.setenv("MEDOPS_HOME", str(forecast_home))
    source = data.current_published(FULL_ACCESS)
    assert source is not None
    return source


def run_page(home: Path, monkeypatch: pytest.MonkeyPatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [df.value.data if hasattr(df.value, "data") else df.value for df in at.dataframe]


def test_page_in_chinese(forecast_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(forecast_home, monkeypatch)
    assert [title.value for title in at.title] == ["销售预测"]
    accuracy, latest, backtest, coverage, health = frames(at)
    # accuracy beside the forecast: both methods, as stored
    acc = accuracy.set_index("方法")
    assert acc.loc["加权商机法", "MAPE"] == pytest.approx(0.25)
    assert acc.loc["时间序列法", "偏差"] == pytest.approx(-0.05)
    assert acc.loc["时间序列法", "落入80%区间"] == pytest.approx(0.75)
    # tonight's forecast: three months per method, intervals only for the time series
    assert len(latest) == 6
    weighted = latest[latest["方法"] == "加权商机法"]
    assert weighted["预测值"].tolist() == [1_200_000, 900_000, 600_000]
    assert weighted["80%下限"].isna().all()
    assert latest[latest["方法"] == "时间序列法"]["95%上限"].tolist() == [1_300_000] * 3
    assert set(backtest["方法"]) == {"加权商机法", "时间序列法"}
    # coverage over all teams is recomputed from the sums, not averaged
    assert coverage["覆盖率"].tolist() == pytest.approx([0.5, 0.5])
    assert health["新建商机数"].tolist() == [5, 5]
    assert health["逾期商机"].tolist() == [1, 1]
    assert len(at.get("download_button")) == 5


def test_page_in_english(forecast_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(forecast_home, monkeypatch, lang="en")
    assert [title.value for title in at.title] == ["Sales forecast"]
    accuracy = frames(at)[0]
    assert list(accuracy.columns[:4]) == ["Method", "Months ahead", "MAPE", "Bias"]
    assert set(accuracy["Method"]) == {"Weighted pipeline", "Time series"}


def test_team_and_product_line_filters(
    forecast_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page(forecast_home, monkeypatch)
    at.selectbox(key="forecast_team").set_value("T1").run()
    assert not at.exception
    coverage, health = frames(at)[-2:]
    assert coverage["覆盖率"].tolist() == pytest.approx([0.75, 3.0])
    assert health["新建商机数"].tolist() == [3, 3]
    assert any("华东一组" in text.value for text in at.text)  # shown as text, not Markdown
    assert not at.info
    at.selectbox(key="forecast_product_line").set_value("lab_reagents").run()
    # the forecast stays the team's (there is no team x product line series) and says so;
    # pipeline health takes both filters: T1 has no lab reagents deals
    assert at.info
    assert frames(at)[-1].empty


def test_collections_have_no_product_line(
    forecast_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page(forecast_home, monkeypatch)
    at.radio(key="forecast_measure").set_value("collections").run()
    at.selectbox(key="forecast_product_line").set_value("imaging_equipment").run()
    assert not at.exception
    assert at.info
    assert any("全公司" in text.value and "回款额" in text.value for text in at.text)


def test_page_without_its_marts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "partial"
    build_forecast_published(home / "published.duckdb", marts=("rpt_forecast_latest",))
    at = run_page(home, monkeypatch)
    assert "rpt_pipeline_health_monthly" in at.error[0].value


def test_series_for() -> None:
    assert fd.series_for("bookings", None, None) == fd.Series("bookings", "company", "all")
    assert fd.series_for("bookings", "T1", "lab_reagents") == fd.Series("bookings", "team", "T1")
    assert fd.series_for("bookings", None, "lab_reagents").level == "product_line"
    assert fd.series_for("collections", None, "lab_reagents").level == "company"


def test_excel_download_of_the_forecast_table(published: data.Published) -> None:
    from dashboards import forecast_charts as fc
    from dashboards.charts import table_to_excel

    latest = fd.latest_forecast(published, fd.Series("bookings", "company", "all"))
    table = fc.table(latest, fc.LATEST_COLUMNS, "zh")
    workbook = table_to_excel(table, "预测", "zh", number_formats=fc.excel_formats(table, "zh"))
    back = pd.read_excel(io.BytesIO(workbook))
    assert back["预测值"].tolist() == [1_000_000] * 3 + [1_200_000, 900_000, 600_000]
    assert back["预测月份"].tolist()[:3] == ["2026-11", "2026-12", "2027-01"]
