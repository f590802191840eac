"""Deal to cash (issue 14): the chain against what the generator planted, and the tie-outs.

The chain of every won deal is compared with the answer key's `deal_to_cash.csv`, which the
generator computes from its own tables (contract by the CRM key, order lines by contract,
devices by the order line they were delivered for), not from the marts. The tie-outs pass on
the built warehouse and each fails, naming the figure, on a copy broken on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import query

REPO = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"
TIE_OUTS = (
    "assert_d2c_won_amount_ties_to_sales",
    "assert_d2c_outstanding_ties_to_aging",
    "assert_d2c_warranty_ties_to_service",
    "assert_d2c_customer_revenue_ties_to_360",
)


def _frame(db: Path, sql: str, params: list | None = None) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return pl.DataFrame(cur.fetchall(), schema=names, orient="row")
    finally:
        con.close()


def _answer(exports: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(
        exports / "_answer_key" / f"{name}.csv",
        schema_overrides={
            "opportunity_id": pl.Utf8,
            "account_id": pl.Utf8,
            "order_id": pl.Utf8,
            "contract_id": pl.Utf8,
        },
    )


@pytest.fixture(scope="module")
def chain(clean_build) -> tuple[pl.DataFrame, pl.DataFrame, Path, Path]:
    home, exports, _ = clean_build
    db = home / "warehouse.duckdb"
    built = _frame(db, "select * from marts.fct_deal_to_cash")
    key = _answer(exports, "deal_to_cash")
    return built, key, db, exports


@pytest.mark.slow
def test_every_won_deal_is_a_row_and_each_step_matches_the_answer_key(chain):
    built, key, _, _ = chain
    assert built.height == key.height > 100
    joined = built.join(key, on="opportunity_id", how="full", suffix="_key")
    assert joined.filter(pl.col("opportunity_id").is_null()).height == 0
    for column in ("contracts", "order_lines", "devices_installed"):
        assert (joined[column] == joined[f"{column}_key"]).all(), column
    for column in ("ordered_amount", "billed_amount"):
        diff = (joined[column].cast(pl.Float64) - joined[f"{column}_key"]).abs()
        assert diff.max() < 0.005, column
        # totals to the cent as well
        assert round(joined[column].cast(pl.Float64).sum(), 2) == round(
            joined[f"{column}_key"].sum(), 2
        )
    # contract amounts in CNY to the cent; foreign-currency ones convert at the warehouse's rates
    cny = joined.filter(pl.col("foreign_currency_contracts") == 0)
    diff = (cny["contract_amount"].cast(pl.Float64) - cny["contract_amount_cny"]).abs()
    assert diff.max() < 0.005
    assert (joined["won_amount"].cast(pl.Float64) - joined["amount"]).abs().max() < 0.005


@pytest.mark.slow
def test_planted_leaks_show_at_their_step(chain):
    built, _, db, exports = chain
    stuck = dict(zip(built["opportunity_id"], built["stuck_at_step"], strict=True))
    no_contract = _answer(exports, "deals_won_without_contract")
    assert no_contract.height > 0
    assert {stuck[o] for o in no_contract["opportunity_id"]} == {"no_contract"}
    assert built.filter(pl.col("stuck_at_step") == "no_contract").height == no_contract.height
    no_order = _answer(exports, "contracts_without_orders").filter(
        pl.col("opportunity_id").is_not_null()
    )
    assert no_order.height > 0
    assert {stuck[o] for o in no_order["opportunity_id"]} == {"no_order"}
    # a partial delivery installs fewer devices than the line ordered, and the link finds them
    partial = _answer(exports, "partial_deliveries")
    assert partial.height > 0
    linked = _frame(
        db,
        "select order_id, line_no, count(*) as devices from intermediate.int_d2c_device_links "
        "where order_id is not null group by all",
    )
    got = partial.join(linked, on=["order_id", "line_no"], how="left")
    assert (got["devices"] == got["installed_units"]).all()
    # installs months after the order are linked to their order all the same
    late = _answer(exports, "late_installs")
    assert late.height > 0 and late["days_to_install"].min() >= 120
    links = _frame(db, "select serial_no, order_id from intermediate.int_d2c_device_links")
    got = late.join(links, on="serial_no", suffix="_linked")
    assert got.height == late.height and (got["order_id"] == got["order_id_linked"]).all()


@pytest.mark.slow
def test_contracts_without_deal_key_are_linked_by_the_account_rule(chain):
    _, _, db, exports = chain
    planted = _answer(exports, "contracts_without_deal_key")
    assert planted.height > 0
    links = _frame(
        db,
        "select contract_id, opportunity_id, link_method, link_confidence "
        "from intermediate.int_d2c_deal_contracts",
    )
    by_rule = links.filter(pl.col("link_method") == "rule:account+signed_after_win")
    # each planted contract to its true deal, and no other contract by rule
    assert sorted(zip(by_rule["contract_id"], by_rule["opportunity_id"], strict=True)) == sorted(
        zip(planted["contract_id"], planted["opportunity_id"], strict=True)
    )
    assert set(by_rule["link_confidence"].cast(pl.Float64)) == {0.6}
    keyed = links.filter(pl.col("link_method") == "key:opportunity_id")
    assert not set(keyed["contract_id"]) & set(planted["contract_id"])


@pytest.mark.slow
def test_write_offs_and_credit_notes_reach_the_chain(chain, clean_build):
    _, _, db, exports = chain
    truth = pl.read_parquet(exports / "_answer_key" / "truth" / "credit_notes.parquet")
    write_offs = _answer(exports, "write_offs")
    settled = query(
        db,
        "select sum(credited_amount), sum(written_off_amount) "
        "from intermediate.int_d2c_statement_settlement",
    )[0]
    assert float(settled[0]) == pytest.approx(round(truth["credit_amount"].sum(), 2), abs=0.005)
    assert float(settled[1]) == pytest.approx(
        round(write_offs["credit_amount"].cast(pl.Float64).sum(), 2), abs=0.005
    )
    # every unlinked order line and device is still there, counted
    lines = query(
        db, "select count(*), count(opportunity_id) from intermediate.int_d2c_order_lines"
    )
    orders = pl.read_parquet(exports / "_answer_key" / "truth" / "orders.parquet")
    assert lines[0][0] == orders.height and 0 < lines[0][1] < lines[0][0]
    # the link report counts every contract, order line and device once, linked or not
    counted = dict(
        query(db, "select row_kind, sum(row_count) from marts.rpt_deal_to_cash_links group by 1")
    )
    truth_dir = exports / "_answer_key" / "truth"
    assert counted == {
        "contract": pl.read_parquet(truth_dir / "contracts.parquet").height,
        "order_line": orders.height,
        "device": pl.read_parquet(truth_dir / "devices.parquet").height,
    }


def _failing_rows(db: Path, test_name: str) -> pl.DataFrame:
    """The rows a failed dbt test stored (--store-failures), wherever its audit schema is."""
    schemas = _frame(
        db, "select table_schema from information_schema.tables where table_name = ?", [test_name]
    )
    if schemas.is_empty():
        return pl.DataFrame()
    # identifiers cannot be parameters; both come from the catalogue and TIE_OUTS
    return _frame(db, f'select * from "{schemas["table_schema"][0]}"."{test_name}"')


def _dbt(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MEDOPS_HOME": str(home)}
    return subprocess.run(
        [str(DBT), *args], cwd=REPO / "dbt", env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_tie_outs_pass_and_each_fails_on_a_broken_copy(clean_build, tmp_path):
    home, _, _ = clean_build
    copy = tmp_path / "home"
    copy.mkdir()
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    select = ["--select", *TIE_OUTS]
    clean = _dbt(copy, "test", *select)
    assert clean.returncode == 0, clean.stdout[-3000:]
    assert "PASS=4 WARN=0 ERROR=0" in clean.stdout, clean.stdout[-3000:]

    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    try:
        # a payment on a statement it does not overpay is deleted
        payment_id, statement_id, amount = con.execute(
            """
            select p.payment_id, p.statement_id, p.payment_amount
            from raw.erp_payments as p
            inner join intermediate.int_d2c_statement_settlement as s
                on p.statement_id = s.statement_id
            where s.collected_amount + s.credited_amount < s.statement_amount - 1
                and s.collected_amount > 0 and p.payment_amount > 1
            order by p.payment_id limit 1
            """
        ).fetchone()
        con.execute("delete from raw.erp_payments where payment_id = ?", [payment_id])
        # an order line is duplicated under a new line number
        order_id, account_id = con.execute(
            "select order_id, account_id from raw.erp_orders "
            "where ordered_on >= (select max(ordered_on) from raw.erp_orders) - 90 "
            "order by order_id limit 1"
        ).fetchone()
        con.execute(
            "insert into raw.erp_orders select * replace (line_no + 1000 as line_no) "
            "from raw.erp_orders where order_id = ? and line_no = 1",
            [order_id],
        )
        # a won deal's amount is changed in the CRM
        opportunity_id = con.execute(
            "select opportunity_id from intermediate.int_opportunities "
            "where current_stage = 'won' order by opportunity_id limit 1"
        ).fetchone()[0]
        con.execute(
            "update raw.crm_opportunities set amount = amount + 12345.67 where opportunity_id = ?",
            [opportunity_id],
        )
    finally:
        con.close()
    # only the chain's side is rebuilt: the sales, aging and 360 marts keep their figures. The
    # raw rows were edited in place, not loaded, so the incremental staging of payments and
    # order lines is rebuilt in full (docs/operations.md, "Incremental build")
    rebuilt = _dbt(
        copy,
        "run",
        "--full-refresh",
        "--select",
        "stg_erp__payments",
        "stg_erp__orders",
        "int_ar_applications",
        "int_opportunities",
        "int_d2c_statement_settlement",
        "int_d2c_deal_contracts",
        "int_d2c_order_lines",
        "int_d2c_device_links",
        "fct_deal_to_cash",
        "--quiet",
    )
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    # warnings in dbt (a difference never stops a build), blocking checks in the nightly job
    # (tests/test_nightly_publish.py); dbt keeps the failing rows either way
    broken = _dbt(copy, "test", *select)
    assert broken.returncode == 0, broken.stdout[-3000:]
    for failed in (
        "assert_d2c_won_amount_ties_to_sales",
        "assert_d2c_outstanding_ties_to_aging",
        "assert_d2c_customer_revenue_ties_to_360",
    ):
        assert f"Warning in test {failed}" in broken.stdout, broken.stdout[-3000:]
    assert "in test assert_d2c_warranty_ties_to_service" not in broken.stdout

    failures = {name: _failing_rows(copy / "warehouse.duckdb", name) for name in TIE_OUTS}
    won = failures["assert_d2c_won_amount_ties_to_sales"]
    assert won.height == 1 and float(won["difference"][0]) == pytest.approx(12345.67)
    assert opportunity_id in won["explaining_deals"][0].split(",")
    owed = failures["assert_d2c_outstanding_ties_to_aging"]
    assert owed["statement_id"].to_list() == [statement_id]
    assert float(owed["difference"][0]) == pytest.approx(float(amount), abs=0.005)
    revenue = failures["assert_d2c_customer_revenue_ties_to_360"]
    assert revenue.height == 1 and float(revenue["difference"][0]) > 0
    assert f"{order_id}/1001" in revenue["explaining_order_lines"][0].split(",")
    accounts = _frame(
        copy / "warehouse.duckdb",
        "select account_id, golden_customer_id from intermediate.int_customer_accounts",
    )
    golden = accounts.filter(pl.col("account_id") == account_id)["golden_customer_id"][0]
    assert revenue["golden_customer_id"][0] == golden


def test_generator_plants_the_leaks_it_lists(tmp_path):
    """At a scale where every leak occurs, each planted list agrees with the exported truth."""
    from medops.generator import generate_exports

    summary = generate_exports(tmp_path, scale=0.05, seed=42, dirty_rate=0.0)
    planted = summary["planted"]
    for name in (
        "deals_won_without_contract",
        "contracts_without_orders",
        "partial_deliveries",
        "contracts_without_deal_key",
    ):
        assert planted[name] > 0, name
    assert planted["late_installs"] > 0 and planted["write_offs"] > 0
    truth_dir = tmp_path / "_answer_key" / "truth"
    orders = pl.read_parquet(truth_dir / "orders.parquet")
    contracts = pl.read_parquet(truth_dir / "contracts.parquet")
    statements = pl.read_parquet(truth_dir / "statements.parquet")
    payments = pl.read_parquet(truth_dir / "payments.parquet")
    unallocated = _answer(tmp_path, "unallocated_payments")
    # a deal without a contract has none; a contract without orders has no order line
    no_contract = _answer(tmp_path, "deals_won_without_contract")["opportunity_id"]
    assert not contracts["opportunity_id"].is_in(no_contract.implode()).any()
    # a contract without its deal key is exported without it, and its deal has no other
    unkeyed = _answer(tmp_path, "contracts_without_deal_key")
    assert unkeyed.height == planted["contracts_without_deal_key"] > 0
    exported = contracts.filter(pl.col("contract_id").is_in(unkeyed["contract_id"].implode()))
    assert exported.height == unkeyed.height and exported["opportunity_id"].is_null().all()
    assert not contracts["opportunity_id"].is_in(unkeyed["opportunity_id"].implode()).any()
    assert not set(unkeyed["opportunity_id"]) & set(no_contract)
    never_ordered = _answer(tmp_path, "contracts_without_orders")["contract_id"]
    assert not orders["contract_id"].is_in(never_ordered.implode()).any()
    # a write-off credits a whole unpaid statement a year after it fell due
    write_offs = _answer(tmp_path, "write_offs").join(
        statements, on="statement_id", suffix="_statement"
    )
    assert write_offs.height == planted["write_offs"]
    assert (write_offs["credit_amount"] == write_offs["statement_amount"]).all()
    assert (
        (write_offs["issued_on"].str.to_date() - write_offs["due_on"]).dt.total_days() == 365
    ).all()
    paid = set(payments["statement_id"].drop_nulls()) | set(unallocated["statement_id"])
    assert not set(write_offs["statement_id"]) & paid
    late = _answer(tmp_path, "late_installs")
    assert late["days_to_install"].min() >= 120
