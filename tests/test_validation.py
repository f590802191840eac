"""Raw-layer expectations: hand-made raw tables with known violations, counted by hand.

Each planted problem below is written next to the row that carries it; the expected counts are
worked out from those comments, not from the code under test.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.exports.assets import CONTRACTS, raw_asset_key, raw_exports
from dagster_project.resources import WarehouseResource
from ingest.contracts import SourceContract, load_contracts
from ingest.load import ensure_ledger, ensure_raw_table, ingest_path
from ingest.validation import (
    ExpectationOutcome,
    expectation_suite,
    read_raw_table,
    run_suite,
    suite_columns,
    validate_source,
)
from medops.generator import generate_exports

UNIQUE = "expect_compound_columns_to_be_unique"
NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"
ORDERED = "expect_column_pair_values_a_to_be_greater_than_b"  # A (later) >= B (earlier)

JAN = "svc_tickets_2025-01.xlsx"
FEB = "svc_tickets_2025-02.xlsx"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, 6, hour, minute)


# svc_tickets: (ticket_id, _file_name, account_id, priority, created, accepted, resolved, sat)
TICKETS = [
    ("T1", JAN, "A1", "p1_critical", at(9), at(9, 10), at(12), 5),
    ("T1", JAN, "A1", "p1_critical", at(9), at(9, 10), at(12), 4),  # key twice in one file
    ("T1", FEB, "A1", "p1_critical", at(9), at(9, 10), at(12), 5),  # next export: allowed
    ("T2", JAN, "A2", "p3_medium", at(10), at(9), None, 6),  # accepted before created; sat 6
    ("T3", JAN, "A2", "p3_medium", at(11), None, at(10), None),  # resolved before created;
    # its accepted is blank, so the pairs with accepted_at ignore the row
    ("T4", JAN, None, "urgent", at(8), None, None, 0),  # no account; unknown code; sat 0
]

# statements: (statement_id, account_id, statement_on, due_on, statement_amount)
STATEMENTS = [
    ("S1", "A1", date(2025, 3, 31), date(2025, 4, 30), 1000.0),
    ("S2", "A1", date(2025, 3, 31), date(2025, 3, 1), -50.5),  # due before statement; negative
    ("S3", "A2", date(2025, 4, 30), None, 0.0),  # required due date blank; pair ignored
]


@pytest.fixture(scope="module")
def contracts() -> dict[str, SourceContract]:
    return {c.source: c for c in load_contracts()}


@pytest.fixture()
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_ledger(connection)
    yield connection
    connection.close()


def insert(con, contract: SourceContract, columns: list[str], rows: list[tuple]) -> None:
    ensure_raw_table(con, contract)
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    con.executemany(f"insert into raw.{contract.table} ({names}) values ({marks})", rows)


def failures(outcomes: list[ExpectationOutcome]) -> dict[tuple[str, str], int | None]:
    return {
        (o.expectation, ",".join(o.column_names)): o.unexpected_count
        for o in outcomes
        if not o.success
    }


def by_key(outcomes: list[ExpectationOutcome]) -> dict[tuple[str, str], ExpectationOutcome]:
    return {(o.expectation, ",".join(o.column_names)): o for o in outcomes}


def test_suite_is_derived_from_the_contract(contracts):
    suite = expectation_suite(contracts["svc_tickets"])
    kinds = [(e.configuration.type, e.configuration.kwargs) for e in suite.expectations]
    assert kinds[0] == (
        UNIQUE,
        {"column_list": ["ticket_id", "_file_name"], "ignore_row_if": "any_value_is_missing"},
    )
    not_null = [k["column"] for t, k in kinds if t == NOT_NULL]
    assert not_null == ["ticket_id", "account_id", "priority", "created_at"]
    in_set = {k["column"]: k["value_set"] for t, k in kinds if t == IN_SET}
    assert in_set["priority"] == ["p1_critical", "p2_high", "p3_medium", "p4_low"]
    assert set(in_set) == {"channel", "priority", "resolution_mode", "ticket_status"}
    between = [
        (k["column"], k.get("min_value"), k.get("max_value")) for t, k in kinds if t == BETWEEN
    ]
    assert between == [("satisfaction", 1, 5)]
    # six lifecycle timestamps: every one of the 15 pairs, later column first
    pairs = [(k["column_A"], k["column_B"]) for t, k in kinds if t == ORDERED]
    assert len(pairs) == 15
    assert ("resolved_at", "created_at") in pairs and ("closed_at", "resolved_at") in pairs
    assert all(
        k["or_equal"] and k["ignore_row_if"] == "either_value_is_missing"
        for t, k in kinds
        if t == ORDERED
    )
    # the currency codes of two spellings each appear once
    currency = expectation_suite(contracts["erp_contracts"]).expectations
    [codes] = [
        e.configuration.kwargs["value_set"] for e in currency if e.configuration.type == IN_SET
    ]
    assert codes == ["CNY", "EUR", "USD"]


def test_planted_ticket_problems_are_counted_exactly(con, contracts):
    insert(
        con,
        contracts["svc_tickets"],
        [
            "ticket_id",
            "_file_name",
            "account_id",
            "priority",
            "created_at",
            "accepted_at",
            "resolved_at",
            "satisfaction",
        ],
        TICKETS,
    )
    outcomes = validate_source(con, contracts["svc_tickets"], "run-1")
    assert failures(outcomes) == {
        (UNIQUE, "ticket_id,_file_name"): 2,  # both rows of T1 in the January file
        (NOT_NULL, "account_id"): 1,  # T4
        (IN_SET, "priority"): 1,  # T4's "urgent"
        (BETWEEN, "satisfaction"): 2,  # 6 and 0
        (ORDERED, "accepted_at,created_at"): 1,  # T2; T3 and T4 have no accepted_at
        (ORDERED, "resolved_at,created_at"): 1,  # T3
    }
    assert all(o.unexpected_count == 0 for o in outcomes if o.success)
    assert all(o.element_count == len(TICKETS) for o in outcomes)
    got = by_key(outcomes)
    assert set(got[(BETWEEN, "satisfaction")].partial_unexpected) == {"6", "0"}
    assert got[(BETWEEN, "satisfaction")].unexpected_percent == pytest.approx(40.0)  # 2 of 5 set
    assert got[(ORDERED, "accepted_at,created_at")].partial_unexpected == (
        "accepted_at=2025-01-06 09:00:00, created_at=2025-01-06 10:00:00",
    )
    assert got[(ORDERED, "accepted_at,created_at")].unexpected_percent == pytest.approx(25.0)
    assert got[(UNIQUE, "ticket_id,_file_name")].partial_unexpected == (
        f"ticket_id=T1, _file_name={JAN}",
        f"ticket_id=T1, _file_name={JAN}",
    )


def test_planted_statement_problems_and_results_table(con, contracts):
    contract = contracts["erp_statements"]
    insert(
        con,
        contract,
        ["statement_id", "account_id", "statement_on", "due_on", "statement_amount", "_file_name"],
        [(*row, "erp_statements_2025.csv") for row in STATEMENTS],
    )
    outcomes = validate_source(con, contract, "run-2")
    assert failures(outcomes) == {
        (NOT_NULL, "due_on"): 1,  # S3
        (BETWEEN, "statement_amount"): 1,  # S2's -50.5
        (ORDERED, "due_on,statement_on"): 1,  # S2; S3 has no due date
    }
    rows = con.execute(
        "select run_id, source, expectation, column_names, success, element_count, "
        "unexpected_count, partial_unexpected from raw._validation_results order by all"
    ).fetchall()
    assert len(rows) == len(outcomes)
    assert {r[:2] for r in rows} == {("run-2", "erp_statements")}
    stored = {(r[2], r[3]): (r[4], r[5], r[6], json.loads(r[7])) for r in rows}
    assert stored[(BETWEEN, "statement_amount")] == (False, 3, 1, ["-50.5"])
    assert stored[(ORDERED, "due_on,statement_on")] == (
        False,
        3,
        1,
        ["due_on=2025-03-01, statement_on=2025-03-31"],
    )
    assert stored[(NOT_NULL, "statement_id")] == (True, 3, 0, [])
    # statement_amount is critical in the contract: its expectations, and only they, block
    critical = {
        (o.expectation, ",".join(o.column_names)): o.success for o in outcomes if o.critical
    }
    assert critical == {(NOT_NULL, "statement_amount"): True, (BETWEEN, "statement_amount"): False}

    validate_source(con, contract, "run-3")  # history is kept
    runs = con.execute("select count(distinct run_id) from raw._validation_results").fetchone()
    assert runs == (2,)


def test_clean_export_passes_every_expectation(tmp_path, con, contracts):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "erp_statements_2025-05.csv").write_text(
        "对账单号,客户编码,结算期间,对账日期,到期日,对账金额,销售员工号\n"
        "S1,A1,2025-04,2025-04-30,2025-05-30,1200.00,E1\n"
        "S2,A2,2025-04,2025-04-30,2025-04-30,0,E1\n",
        encoding="utf-8-sig",
    )
    [report] = ingest_path(con, drop, list(contracts.values()))
    assert report.rows_loaded == 2
    outcomes = validate_source(con, contracts["erp_statements"], "run-clean")
    assert outcomes and all(o.success for o in outcomes)
    assert {o.element_count for o in outcomes} == {2}


def test_raw_exports_reports_a_check_per_raw_asset(tmp_path):
    exports = tmp_path / "exports"
    generate_exports(exports, scale=0.01, seed=3, dirty_rate=0.0)
    home = tmp_path / "home"
    result = dg.materialize(
        [raw_exports],
        resources={"warehouse": WarehouseResource(home=str(home))},
        run_config={"ops": {"raw_exports": {"config": {"exports_dir": str(exports)}}}},
    )
    assert result.success
    all_evaluations = result.get_asset_check_evaluations()
    evaluations = {e.asset_key: e for e in all_evaluations if e.check_name == "raw_expectations"}
    assert set(evaluations) == {raw_asset_key(c) for c in CONTRACTS}
    assert all(e.severity == dg.AssetCheckSeverity.WARN for e in evaluations.values())
    # the tables whose contracts mark critical columns also carry the blocking check, passed
    critical = {e.asset_key: e for e in all_evaluations if e.check_name == "critical_expectations"}
    assert {k.to_user_string() for k in critical} == {"erp/erp_payments", "erp/erp_statements"}
    assert all(e.passed and e.severity == dg.AssetCheckSeverity.ERROR for e in critical.values())
    assert len(all_evaluations) == len(evaluations) + len(critical)
    # clean generated exports break nothing the contracts declare
    failed = {k.to_user_string(): e.metadata for k, e in evaluations.items() if not e.passed}
    assert failed == {}

    # the step closed the warehouse; every expectation of the run was recorded
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        recorded = con.execute(
            "select count(*), count(distinct source), count(distinct run_id) "
            "from raw._validation_results"
        ).fetchone()
    finally:
        con.close()
    expected = sum(e.metadata["expectations"].value for e in evaluations.values())
    assert recorded == (expected, len(CONTRACTS), 1)


STATEMENT_HEADER = "对账单号,客户编码,结算期间,对账日期,到期日,对账金额,销售员工号\n"


def write_statements(folder, name: str, lines: list[str]) -> None:
    (folder / name).write_text(
        STATEMENT_HEADER + "".join(f"{line}\n" for line in lines), "utf-8-sig"
    )


def whole_table_outcomes(con, contract: SourceContract) -> list[ExpectationOutcome]:
    """The table validated in one go, every row read: what the loads' outcomes must add up to."""
    suite = expectation_suite(contract)
    return run_suite(read_raw_table(con, contract, suite_columns(suite)), contract, suite)


def assert_same_verdicts(got: list[ExpectationOutcome], whole: list[ExpectationOutcome]) -> None:
    assert [(o.expectation, o.column_names) for o in got] == [
        (o.expectation, o.column_names) for o in whole
    ]
    for mine, theirs in zip(got, whole, strict=True):
        assert (mine.success, mine.element_count, mine.unexpected_count) == (
            theirs.success,
            theirs.element_count,
            theirs.unexpected_count,
        ), mine.describe()
        assert mine.unexpected_percent == pytest.approx(theirs.unexpected_percent)
        assert sorted(map(str, mine.partial_unexpected)) == sorted(
            map(str, theirs.partial_unexpected)
        )


def kept_batches(con) -> list[tuple[int, int]]:
    """(loads, expectations) of each kept batch of statements, oldest first."""
    return con.execute(
        "select len(any_value(load_ids)), count(*) from pipeline_state.validation_batches "
        "where source = 'erp_statements' group by batch_id order by min(validated_at)"
    ).fetchall()


def test_each_load_is_validated_once_and_the_table_verdict_adds_up(tmp_path, con, contracts):
    contract = contracts["erp_statements"]
    drop = tmp_path / "drop"
    drop.mkdir()
    write_statements(
        drop,
        "erp_statements_2025-04.csv",
        [
            "S1,A1,2025-03,2025-03-31,2025-04-30,1000.00,E1",
            "S2,A1,2025-03,2025-03-31,2025-03-01,-50.50,E1",  # due before statement; negative
        ],
    )
    ingest_path(con, drop, list(contracts.values()))
    first = validate_source(con, contract, "night-1")
    assert_same_verdicts(first, whole_table_outcomes(con, contract))
    assert kept_batches(con) == [(1, len(first))]

    # the next night brings one more file: only its load is read, the verdict is the table's
    write_statements(
        drop,
        "erp_statements_2025-05.csv",
        [
            "S3,A2,2025-04,2025-04-30,2025-05-30,200.00,E2",
            "S4,A2,2025-04,2025-04-30,2025-05-30,-7.00,E2",  # negative
            "S5,A3,2025-04,2025-04-30,2025-04-01,30.00,E2",  # due before statement
        ],
    )
    ingest_path(con, drop, list(contracts.values()))
    second = validate_source(con, contract, "night-2")
    assert_same_verdicts(second, whole_table_outcomes(con, contract))
    assert kept_batches(con) == [(1, len(first)), (1, len(first))]
    got = by_key(second)
    assert got[(BETWEEN, "statement_amount")].unexpected_count == 2  # S2 and S4
    assert got[(BETWEEN, "statement_amount")].unexpected_percent == pytest.approx(40.0)
    assert got[(ORDERED, "due_on,statement_on")].unexpected_count == 2  # S2 and S5

    # nothing new: no load is validated again, the results are recorded for the run all the same
    third = validate_source(con, contract, "night-3")
    assert third == second
    assert len(kept_batches(con)) == 2
    assert con.execute(
        "select count(*) from raw._validation_results where run_id = 'night-3'"
    ).fetchone() == (len(third),)

    # April's file corrected: its old load leaves the table, so does its batch; the new load is
    # validated, May's is kept
    write_statements(
        drop, "erp_statements_2025-04.csv", ["S1,A1,2025-03,2025-03-31,2025-04-30,1000.00,E1"]
    )
    ingest_path(con, drop, list(contracts.values()))
    fourth = validate_source(con, contract, "night-4")
    assert_same_verdicts(fourth, whole_table_outcomes(con, contract))
    assert by_key(fourth)[(BETWEEN, "statement_amount")].unexpected_count == 1  # S4 only
    assert kept_batches(con) == [(1, len(first)), (1, len(first))]


def test_a_changed_contract_validates_every_load_again(tmp_path, con, contracts):
    contract = contracts["erp_statements"]
    drop = tmp_path / "drop"
    drop.mkdir()
    for month in ("04", "05"):
        write_statements(
            drop,
            f"erp_statements_2025-{month}.csv",
            [f"S{month},A1,2025-03,2025-03-31,2025-04-30,9000.00,E1"],
        )
    ingest_path(con, drop, list(contracts.values()))
    assert all(o.success for o in validate_source(con, contract, "before"))
    # the contract now caps a statement at 5,000: both loads are read again under the new suite
    capped = replace(
        contract,
        columns=[
            replace(c, max_value=5000) if c.name == "statement_amount" else c
            for c in contract.columns
        ],
    )
    after = by_key(validate_source(con, capped, "after"))
    assert after[(BETWEEN, "statement_amount")].unexpected_count == 2
    assert kept_batches(con) == [(2, len(expectation_suite(capped).expectations))]
