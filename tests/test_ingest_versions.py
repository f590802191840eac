"""Versions of one export file (the same name sent again): a version rejected whole keeps the
loaded version before it in force until a corrected version loads; a version that loads, bad
rows and all, replaces it. Expected rows and reasons by hand."""

from __future__ import annotations

from ingest_support import rows_by_key, write_export

from ingest.contracts import BUNDLED_CONTRACTS_DIR, load_contracts
from ingest.load import check_path, ingest_path

NAME = "erp_payments_20261121.csv"
HEADER = "回款单号,客户编码,对账单号,回款日期,回款金额"
# the ERP's export re-sent with the amount in 万元: the column no longer matches (the values
# would be off by 10,000), so the file is rejected whole
HEADER_IN_WAN = "回款单号,客户编码,对账单号,回款日期,回款金额（万元）"
V1_ROWS = [
    "P1,C1,S1,2026-11-20,1200.00",
    "P2,C2,S2,2026-11-20,800.00",
    "P3,,S3,2026-11-20,50.00",  # no customer: quarantined
]
MISSING_AMOUNT = "required columns missing: payment_amount (回款金额/payment_amount)"


def payments(con) -> dict[str, tuple]:
    return rows_by_key(con, "select payment_id, payment_amount from raw.erp_payments order by 1")


def quarantine(con) -> list[tuple]:
    return con.execute(
        "select ledger.status, quarantine.row_number, quarantine.reason "
        "from raw._ingest_quarantine as quarantine "
        "join raw._ingest_ledger as ledger using (load_id) order by ledger.loaded_at"
    ).fetchall()


def ledger(con) -> list[tuple]:
    """Every version of the file, oldest first: status, rows loaded, not replaced."""
    return con.execute(
        "select status, rows_loaded, superseded_by is null from raw._ingest_ledger "
        "order by loaded_at"
    ).fetchall()


def loaded_at_of_first_version(con) -> str:
    [(loaded_at,)] = con.execute(
        "select strftime(loaded_at, '%Y-%m-%d %H:%M') from raw._ingest_ledger "
        "where status = 'loaded' order by loaded_at limit 1"
    ).fetchall()
    return loaded_at


def test_a_rejected_version_keeps_the_loaded_one_in_force_until_a_corrected_one_loads(
    tmp_path, con
):
    drop, contracts = tmp_path / "drop", load_contracts()
    write_export(drop / NAME, HEADER, V1_ROWS)
    [first] = ingest_path(con, drop, contracts)
    assert (first.status, first.rows_loaded, first.rows_quarantined) == ("loaded", 2, 1)

    write_export(drop / NAME, HEADER_IN_WAN, ["P1,C1,S1,2026-11-20,0.12"])
    kept = (
        f"the version loaded {loaded_at_of_first_version(con)} (exported 2026-11-21) stays in "
        "force until a corrected version of this file loads"
    )
    # the dry run says so before anything is written
    [checked] = check_path(drop, contracts, con)
    assert (checked.status, checked.message) == ("rejected", f"{MISSING_AMOUNT}; {kept}")
    [rejected] = ingest_path(con, drop, contracts)
    assert (rejected.status, rejected.rows_read) == ("rejected", 1)
    assert rejected.message == f"{MISSING_AMOUNT}; {kept}"
    # the first version's rows and quarantined row stay; the rejection is recorded beside them
    assert payments(con) == {"P1": (1200.0,), "P2": (800.0,)}
    assert quarantine(con) == [
        ("loaded", 3, "missing value in account_id"),
        ("rejected", None, MISSING_AMOUNT),
    ]
    assert ledger(con) == [("loaded", 2, True), ("rejected", 0, True)]

    # a re-run reads nothing again and records nothing twice
    [again] = ingest_path(con, drop, contracts)
    assert again.status == "skipped"
    assert again.message.startswith(f"same content already rejected as {NAME} ({MISSING_AMOUNT}")
    assert ledger(con) == [("loaded", 2, True), ("rejected", 0, True)]
    assert len(quarantine(con)) == 2

    # another unreadable version replaces the earlier rejection, not the loaded version
    (drop / NAME).write_bytes(b"")
    [empty] = ingest_path(con, drop, contracts)
    assert empty.message == f"file is empty; {kept}"
    assert payments(con) == {"P1": (1200.0,), "P2": (800.0,)}
    assert ledger(con) == [("loaded", 2, True), ("rejected", 0, False), ("rejected", 0, True)]
    assert quarantine(con) == [
        ("loaded", 3, "missing value in account_id"),
        ("rejected", None, "file is empty"),
    ]

    # the corrected version loads and replaces both
    write_export(drop / NAME, HEADER, ["P1,C1,S1,2026-11-20,1250.00"])
    [corrected] = ingest_path(con, drop, contracts)
    assert (corrected.status, corrected.rows_loaded) == ("loaded", 1)
    assert payments(con) == {"P1": (1250.0,)}
    assert quarantine(con) == []
    assert [entry[2] for entry in ledger(con)] == [False, False, False, True]


def test_a_version_with_bad_rows_still_replaces_the_one_before(tmp_path, con):
    drop, contracts = tmp_path / "drop", load_contracts()
    write_export(drop / NAME, HEADER, V1_ROWS)
    ingest_path(con, drop, contracts)
    write_export(
        drop / NAME,
        HEADER,
        ["P1,C1,S1,2026-11-20,1200.00", "P2,C2,S2,2026年13月1日,800.00"],
    )
    [second] = ingest_path(con, drop, contracts)

    assert (second.status, second.rows_loaded, second.rows_quarantined) == ("loaded", 1, 1)
    assert "stays in force" not in second.message
    # the file loaded: its bad row is quarantined and P2 and P3 of the first version are gone
    assert payments(con) == {"P1": (1200.0,)}
    assert quarantine(con) == [("loaded", 2, "invalid date in paid_on: '2026年13月1日'")]
    assert ledger(con) == [("loaded", 2, False), ("loaded", 1, True)]


def test_versions_refused_by_the_drop_or_the_warehouse_keep_the_loaded_one(tmp_path, con):
    drop, contracts = tmp_path / "drop", load_contracts()
    write_export(drop / NAME, HEADER, V1_ROWS)
    ingest_path(con, drop, contracts)
    (drop / NAME).unlink()

    # two branches send different files of the name: neither is loaded
    write_export(drop / "bj" / NAME, HEADER, ["BJ1,C1,S1,2026-11-20,100"])
    write_export(drop / "sh" / NAME, HEADER, ["SH1,C2,S2,2026-11-20,200"])
    reports = ingest_path(con, drop, contracts)
    assert [r.status for r in reports] == ["rejected", "rejected"]
    assert all("stays in force" in r.message for r in reports)
    assert payments(con) == {"P1": (1200.0,), "P2": (800.0,)}

    # a contract that retypes a column under the raw table: the warehouse refuses the rows
    for folder in ("bj", "sh"):
        (drop / folder / NAME).unlink()
    retyped = tmp_path / "retyped"
    retyped.mkdir()
    (retyped / "erp_payments.yml").write_text(
        (BUNDLED_CONTRACTS_DIR / "erp_payments.yml")
        .read_text(encoding="utf-8")
        .replace("paid_on], type: date", "paid_on], type: text"),
        encoding="utf-8",
    )
    write_export(drop / NAME, HEADER, ["P1,C1,S1,2026年11月20日,1200.00"])
    [refused] = ingest_path(con, drop, load_contracts([retyped]))
    assert refused.message.startswith("the warehouse refused the rows for erp_payments: ")
    assert refused.message.endswith("stays in force until a corrected version of this file loads")
    assert payments(con) == {"P1": (1200.0,), "P2": (800.0,)}
    assert [status for status, _, in_force in ledger(con) if in_force] == ["loaded", "rejected"]
