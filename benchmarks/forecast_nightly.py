"""Time of the nightly forecast: `python benchmarks/forecast_nightly.py [MEDOPS_HOME]`.

Runs on a built warehouse (`medops run` first). Measures, each in a fresh interpreter so that
nothing is warm: importing statsforecast (numba), and the time-series step of the Dagster
asset `forecasts` (backtest at every origin plus tonight's forecast, every series); then the
dbt models of the weighted pipeline and the forecast marts (`dbt build` of that selection,
tests included). Prints the backtest's company-level accuracy as well. Results go to
BENCHMARKS.md by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DBT = str(Path(sys.executable).parent / "dbt")
DBT_SELECTION = ["snap_crm__opportunities", "int_opportunity_history+"]

_IMPORT = "import time; t = time.perf_counter(); import statsforecast.models; " + (
    "print(f'{time.perf_counter() - t:.1f}')"
)
_FORECAST = """
import sys, time, duckdb
from medops.forecast import store
from medops.forecast.timeseries import forecast_all_origins
con = duckdb.connect(sys.argv[1], read_only=True)
settings, actuals = store.read_settings(con), store.read_actuals(con)
con.close()
t = time.perf_counter()
frame = forecast_all_origins(actuals, settings)
series = frame.select("measure", "series_level", "series_key").unique().height
origins = frame["origin_month"].n_unique()
print(f"{time.perf_counter() - t:.1f} {series} {origins} {frame.height}")
"""


def _python(code: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [PYTHON, "-c", code, *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def main(home: Path) -> None:
    warehouse = home / "warehouse.duckdb"
    out = sys.stdout
    out.write(f"statsforecast import (cold process): {_python(_IMPORT)} s\n")
    seconds, series, origins, rows = _python(_FORECAST, str(warehouse)).split()
    out.write(
        f"time-series step: {seconds} s for {series} series x {origins} origins ({rows} rows)\n"
    )
    started = time.perf_counter()
    subprocess.run(
        [DBT, "build", "--quiet", "--select", *DBT_SELECTION],
        cwd=REPO_ROOT / "dbt",
        env={**os.environ, "MEDOPS_HOME": str(home)},
        check=True,
    )
    out.write(
        f"dbt build of the forecast models and tests: {time.perf_counter() - started:.1f} s\n"
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select forecast_method, measure, months_ahead, months_compared, mape, bias "
            "from marts.rpt_forecast_accuracy where series_level = 'company' order by all"
        ).fetchall()
        out.write("company accuracy (method, measure, months ahead, months, MAPE, bias):\n")
        for method, measure, ahead, months, mape, bias in rows:
            out.write(f"  {method:18} {measure:12} {ahead} {months:3} {mape:6.1%} {bias:+6.1%}\n")
        rows = con.execute(
            "select forecast_method, series_level, months_ahead, count(*), median(mape), "
            "sum(abs(forecast_total - actual_total)) / sum(actual_total) "
            "from marts.rpt_forecast_accuracy where measure = 'bookings' "
            "and series_level <> 'company' group by all order by all"
        ).fetchall()
        out.write("bookings by level (method, level, ahead, series, median MAPE, |bias| wtd):\n")
        for method, level, ahead, count, mape, bias in rows:
            out.write(f"  {method:18} {level:12} {ahead} {count:3} {mape:6.1%} {bias:6.1%}\n")
    finally:
        con.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else os.environ["MEDOPS_HOME"]))
