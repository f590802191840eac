"""Load export files into the raw layer exactly once, with a ledger and a quarantine.

Each file is loaded in one DuckDB transaction: its rows, its quarantined rows and its ledger
entry commit together or not at all, so a load killed at any point can simply be run again.
A file is identified by its content hash (the same content is never loaded twice, whatever its
name) and by its name (a changed file with the same name replaces the rows it loaded before).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from ingest.conform import EXTRA_COLUMNS, RAW_VALUES, REASON, SchemaError, conform
from ingest.contracts import SourceContract, find_contract, load_contracts
from ingest.readers import ROW_NUMBER, UnreadableFileError, read_export

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._ingest_ledger"
QUARANTINE = f"{RAW_SCHEMA}._ingest_quarantine"
VALIDATION_RESULTS = f"{RAW_SCHEMA}._validation_results"
DUCKDB_TYPES = {
    "text": "varchar",
    "int": "bigint",
    "decimal": "double",
    "date": "date",
    "timestamp": "timestamp",
}
LINEAGE_COLUMNS = {
    "_load_id": "varchar",
    "_file_name": "varchar",
    "_row_number": "bigint",
    "_loaded_at": "timestamp",
    "_extra": "varchar",
}


@dataclass
class FileReport:
    file: str
    source: str | None
    status: str  # loaded | skipped | rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None
    unmapped_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    message: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reason_summary(reasons: pl.Series) -> dict[str, int]:
    """Count reasons by kind and column, without the per-row values ("unknown code in stage")."""
    kinds = Counter(
        part.split(":")[0].strip() for reason in reasons.to_list() for part in reason.split("; ")
    )
    return dict(kinds.most_common())


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(
        f"""
        create table if not exists {LEDGER} (
            load_id varchar primary key,
            source varchar,
            file_name varchar not null,
            file_path varchar not null,
            file_hash varchar not null,
            file_bytes bigint,
            encoding varchar,
            status varchar not null,
            rows_read bigint not null,
            rows_loaded bigint not null,
            rows_quarantined bigint not null,
            unmapped_columns varchar[],
            missing_columns varchar[],
            message varchar,
            loaded_at timestamp not null,
            superseded_by varchar,
            system varchar
        )
        """
    )
    con.execute(
        f"""
        create table if not exists {QUARANTINE} (
            load_id varchar not null,
            source varchar,
            file_name varchar not null,
            row_number bigint,
            reason varchar not null,
            raw_values varchar
        )
        """
    )
    # One row per expectation per validation run of a raw table (see ingest/validation.py);
    # history is kept so the cockpit can show when a check started failing.
    con.execute(
        f"""
        create table if not exists {VALIDATION_RESULTS} (
            run_id varchar not null,
            validated_at timestamp not null,
            source varchar not null,
            expectation varchar not null,
            column_names varchar,
            success boolean not null,
            element_count bigint,
            unexpected_count bigint,
            unexpected_percent double,
            partial_unexpected varchar,
            system varchar
        )
        """
    )
    # warehouses created before these tables recorded the contract's system
    for table in (LEDGER, VALIDATION_RESULTS):
        con.execute(f"alter table {table} add column if not exists system varchar")


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> None:
    """Create the source's raw table, adding columns a grown contract declares."""
    table = f"{RAW_SCHEMA}.{contract.table}"
    columns = {c.name: DUCKDB_TYPES[c.type] for c in contract.columns} | LINEAGE_COLUMNS
    ddl = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
    con.execute(f"create table if not exists {table} ({ddl})")
    existing = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, contract.table],
        ).fetchall()
    }
    for name, sql_type in columns.items():
        if name not in existing:
            con.execute(f'alter table {table} add column "{name}" {sql_type}')


def _already_loaded(con: duckdb.DuckDBPyConnection, file_hash: str) -> str | None:
    row = con.execute(
        f"select file_name from {LEDGER} where file_hash = ? and superseded_by is null",
        [file_hash],
    ).fetchone()
    return row[0] if row else None


def _commit_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_hash: str,
    contract: SourceContract | None,
    report: FileReport,
    loaded: pl.DataFrame | None,
    quarantined: pl.DataFrame,
) -> None:
    """Replace whatever an earlier version of this file loaded, in one transaction."""
    load_id = uuid.uuid4().hex
    now = datetime.now()
    con.begin()
    try:
        if contract is not None:
            con.execute(
                f"delete from {RAW_SCHEMA}.{contract.table} where _file_name = ?", [path.name]
            )
        con.execute(f"delete from {QUARANTINE} where file_name = ?", [path.name])
        con.execute(
            f"update {LEDGER} set superseded_by = ? where file_name = ? and superseded_by is null",
            [load_id, path.name],
        )
        if loaded is not None and loaded.height:
            rows = loaded.rename({EXTRA_COLUMNS: "_extra"}).with_columns(
                pl.lit(load_id).alias("_load_id"),
                pl.lit(path.name).alias("_file_name"),
                pl.lit(now).alias("_loaded_at"),
            )
            names = ", ".join(f'"{c}"' for c in rows.columns)
            con.register("incoming_rows", rows.to_arrow())
            con.execute(
                f"insert into {RAW_SCHEMA}.{contract.table} ({names}) "
                f"select {names} from incoming_rows"
            )
            con.unregister("incoming_rows")
        if quarantined.height:
            bad = quarantined.select(
                pl.lit(load_id).alias("load_id"),
                pl.lit(report.source, dtype=pl.String).alias("source"),
                pl.lit(path.name).alias("file_name"),
                pl.col(ROW_NUMBER).cast(pl.Int64).alias("row_number"),
                pl.col(REASON).alias("reason"),
                pl.col(RAW_VALUES).alias("raw_values"),
            )
            con.register("incoming_quarantine", bad.to_arrow())
            con.execute(f"insert into {QUARANTINE} select * from incoming_quarantine")
            con.unregister("incoming_quarantine")
        con.execute(
            f"insert into {LEDGER} (load_id, source, file_name, file_path, file_hash, "
            "file_bytes, encoding, status, rows_read, rows_loaded, rows_quarantined, "
            "unmapped_columns, missing_columns, message, loaded_at, system) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                report.source,
                path.name,
                str(path.resolve()),
                file_hash,
                path.stat().st_size,
                report.encoding,
                report.status,
                report.rows_read,
                report.rows_loaded,
                report.rows_quarantined,
                report.unmapped_columns,
                report.missing_columns,
                report.message,
                now,
                contract.system if contract is not None else None,
            ],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _whole_file_rejection(reason: str) -> pl.DataFrame:
    return pl.DataFrame(
        {ROW_NUMBER: [None], REASON: [reason], RAW_VALUES: [None]},
        schema={ROW_NUMBER: pl.Int64, REASON: pl.String, RAW_VALUES: pl.String},
    )


def ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, contracts: list[SourceContract]
) -> FileReport:
    """Load one export file; return what happened to every row."""
    ensure_ledger(con)
    file_hash = file_sha256(path)
    earlier_name = _already_loaded(con, file_hash)
    if earlier_name is not None:
        return FileReport(
            file=path.name,
            source=None,
            status="skipped",
            message=f"same content already loaded as {earlier_name}",
        )
    contract = find_contract(path.name, contracts)
    if contract is None:
        report = FileReport(
            file=path.name,
            source=None,
            status="rejected",
            message="no source contract matches this file name",
        )
        _commit_file(
            con, path, file_hash, None, report, None, _whole_file_rejection(report.message)
        )
        return report

    report = FileReport(file=path.name, source=contract.source, status="loaded")
    try:
        rows = read_export(path, contract)
        report.encoding = rows.encoding
        report.rows_read = rows.frame.height
        conformed = conform(rows.frame, contract, rows.excel_epoch)
    except (UnreadableFileError, SchemaError) as exc:
        report.status = "rejected"
        report.message = str(exc)
        report.reasons = {str(exc): 1}
        _commit_file(con, path, file_hash, contract, report, None, _whole_file_rejection(str(exc)))
        return report

    report.rows_loaded = conformed.loaded.height
    report.rows_quarantined = conformed.quarantined.height
    report.reasons = reason_summary(conformed.quarantined[REASON])
    report.unmapped_columns = conformed.unmapped_columns
    report.missing_columns = conformed.missing_columns
    if conformed.unmapped_columns or conformed.missing_columns:
        report.message = (
            f"schema drift: unmapped columns {conformed.unmapped_columns} kept in _extra; "
            f"missing optional columns {conformed.missing_columns} loaded as null"
        )
    ensure_raw_table(con, contract)
    _commit_file(con, path, file_hash, contract, report, conformed.loaded, conformed.quarantined)
    return report


def export_files(path: Path) -> list[Path]:
    """The files of a drop: a single file, or every file below a folder.

    Hidden files and folders starting with ``_`` or ``.`` (answer keys, editor droppings) are
    not exports.
    """
    if path.is_file():
        return [path]
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and not any(part.startswith(("_", ".", "~$")) for part in p.relative_to(path).parts)
    )


def ingest_path(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contracts: list[SourceContract] | None = None,
) -> list[FileReport]:
    contracts = contracts if contracts is not None else load_contracts()
    files = export_files(path)
    # every declared source gets its table, so the models downstream build even before the
    # first file of a source arrives
    ensure_ledger(con)
    for contract in contracts:
        ensure_raw_table(con, contract)
    return [ingest_file(con, file, contracts) for file in files]
