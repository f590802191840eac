"""Load export files into the raw layer exactly once, with a ledger and a quarantine.

Each file is loaded in one DuckDB transaction: its rows, its quarantined rows and its ledger
entry commit together or not at all, so a load killed at any point can simply be run again.
A file is identified by its content hash (the same content is never loaded twice, whatever its
name) and by its name (a changed file with the same name replaces the rows it loaded before).
A version rejected whole replaces nothing: the rows of the version loaded before it stay in
force until a readable version arrives, and the ledger keeps the rejection beside them.

A file is read and conformed in a worker process with a deadline (``limits.seconds`` of its
contract, see ``ingest/worker.py``): a file that would hang the reader, or crash it, is
rejected with the reason like any other bad file, and the files after it still load. A
rejection is recorded in the ledger with the fingerprint of the contracts it was judged by, so
the same file is not read again every night until it or its contract changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
import zoneinfo
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest.conform import EXTRA_COLUMNS, RAW_VALUES, REASON, parse_datetime
from ingest.contracts import (
    EPOCH_FORMATS,
    WAREHOUSE_TIMEZONE,
    SourceContract,
    load_contracts,
    matching_contracts,
)
from ingest.readers import ROW_NUMBER, UnreadableFileError
from ingest.worker import IsolatedReader, shared_reader

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._ingest_ledger"
QUARANTINE = f"{RAW_SCHEMA}._ingest_quarantine"
VALIDATION_RESULTS = f"{RAW_SCHEMA}._validation_results"
DUCKDB_TYPES = {
    "text": "varchar",
    "int": "bigint",
    "decimal": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    # a calendar month as its text YYYY-MM, what the marts join on
    "month": "varchar",
}
LINEAGE_COLUMNS = {
    "_load_id": "varchar",
    "_file_name": "varchar",
    "_row_number": "bigint",
    "_loaded_at": "timestamp",
    "_extra": "varchar",
    # the day the source system wrote the file (see export_date_of_file): dbt reads this,
    # never the file name
    "_export_date": "date",
}
EXPORT_DATE = "_export_date"
NO_DATA_ROWS = "no data rows: the file holds only its header"


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
    export_date: dt.date | None = None
    export_date_from: str | None = None  # column, file name or modification time
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        fields = asdict(self)
        fields["export_date"] = self.export_date.isoformat() if self.export_date else None
        return fields

    def add_message(self, text: str) -> None:
        self.message = f"{self.message}; {text}" if self.message else text


@dataclass
class Evaluation:
    """What reading a file gave, before anything is written."""

    report: FileReport
    contract: SourceContract | None
    loaded: pl.DataFrame | None
    quarantined: pl.DataFrame
    fingerprint: str  # of the contracts that matched the file name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# how Python holds the bytes of a file name that are not UTF-8 (os.fsdecode's surrogateescape)
UNDECODED_BYTES = re.compile("[\udc80-\udcff]")


def legible(path: str) -> str:
    """A file name or path as text. A name that is not UTF-8 is read as GB18030: a zip packed
    on Chinese Windows and unpacked on Linux keeps the GBK bytes of its names, which Python
    holds as surrogates and DuckDB, logs and files refuse. Each part of the path is read whole
    (some GBK byte pairs are also UTF-8); bytes that are not GB18030 either become U+FFFD."""
    return "/".join(
        os.fsencode(part).decode("gb18030", "replace") if UNDECODED_BYTES.search(part) else part
        for part in path.split("/")
    )


def export_name(path: Path) -> str:
    """The name that identifies an export file in the ledger and the raw tables."""
    return legible(path.name)


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
            system varchar,
            export_date date,
            export_date_from varchar,
            contract_fingerprint varchar
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
    # warehouses created before these tables recorded the contract's system, export date ...
    for table in (LEDGER, VALIDATION_RESULTS):
        con.execute(f"alter table {table} add column if not exists system varchar")
    for column, sql_type in (
        ("export_date", "date"),
        ("export_date_from", "varchar"),
        ("contract_fingerprint", "varchar"),
    ):
        con.execute(f"alter table {LEDGER} add column if not exists {column} {sql_type}")


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


def skip_reason(con: duckdb.DuckDBPyConnection, file_hash: str, fingerprint: str) -> str | None:
    """Why a file need not be read again: its content was loaded, or was rejected under the
    same contracts (a changed contract gets a rejected file another try)."""
    row = con.execute(
        f"select file_name, status, message, contract_fingerprint from {LEDGER} "
        "where file_hash = ? and superseded_by is null order by loaded_at desc limit 1",
        [file_hash],
    ).fetchone()
    if row is None:
        return None
    file_name, status, message, earlier_fingerprint = row
    if status != "rejected":
        return f"same content already loaded as {file_name}"
    if earlier_fingerprint == fingerprint:
        return (
            f"same content already rejected as {file_name} ({message}); "
            "change the file or its contract to try again"
        )
    return None


def _commit_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_hash: str,
    evaluation: Evaluation,
    in_force: LoadedVersion | None,
) -> None:
    """Record the file in one transaction. A loaded version replaces every earlier version of
    its name (rows, quarantined rows, ledger entries); a version rejected whole replaces only
    an earlier rejected one, so the loaded version in force stays (and its report says so)."""
    report, contract = evaluation.report, evaluation.contract
    loaded, quarantined = evaluation.loaded, evaluation.quarantined
    file_name = export_name(path)
    load_id = uuid.uuid4().hex
    now = dt.datetime.now()
    _note_version_kept(report, in_force)
    replaced = "file_name = ? and superseded_by is null"
    if report.status != "loaded":
        replaced += " and status = 'rejected'"
    con.begin()
    try:
        if report.status == "loaded":
            earlier = {in_force.table} if in_force is not None and in_force.table else set()
            for table in sorted(earlier | {contract.table}):
                con.execute(f"delete from {RAW_SCHEMA}.{table} where _file_name = ?", [file_name])
        con.execute(
            f"delete from {QUARANTINE} where load_id in (select load_id from {LEDGER} "
            f"where {replaced})",
            [file_name],
        )
        con.execute(f"update {LEDGER} set superseded_by = ? where {replaced}", [load_id, file_name])
        if loaded is not None and loaded.height:
            rows = loaded.rename({EXTRA_COLUMNS: "_extra"}).with_columns(
                pl.lit(load_id).alias("_load_id"),
                pl.lit(file_name).alias("_file_name"),
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
                pl.lit(file_name).alias("file_name"),
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
            "unmapped_columns, missing_columns, message, loaded_at, system, export_date, "
            "export_date_from, contract_fingerprint) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                report.source,
                file_name,
                legible(str(path.resolve())),
                file_hash,
                path.stat().st_size if path.exists() else None,
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
                report.export_date,
                report.export_date_from,
                evaluation.fingerprint,
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


def contracts_fingerprint(contracts: list[SourceContract]) -> str:
    return ",".join(f"{c.source}:{c.fingerprint}" for c in contracts) or "none"


def _parse_export_date(text: str, fmt: str | None) -> dt.date | None:
    try:
        if fmt in EPOCH_FORMATS:
            seconds = int(text) / (1000 if fmt == "epoch_ms" else 1)
            instant = dt.datetime.fromtimestamp(seconds, zoneinfo.ZoneInfo(WAREHOUSE_TIMEZONE))
            return instant.date()
        if fmt is None:
            return dt.datetime.strptime(re.sub(r"\D", "", text), "%Y%m%d").date()
        return dt.datetime.strptime(text, fmt).date()
    except (ValueError, OverflowError, OSError):
        return None


def export_date_of_file(path: Path, contract: SourceContract) -> tuple[dt.date, str]:
    """The file's export date: from the contract's file-name pattern, else the file's
    modification time (as a date in the warehouse's time zone). A contract's export-date
    column, tried first, is applied per row by ``_with_export_date``."""
    spec = contract.export_date
    match = re.search(spec.file_name, export_name(path))
    if match:
        text = match.group(1) if match.groups() else match.group(0)
        found = _parse_export_date(text, spec.format)
        if found is not None:
            return found, "file name"
    modified = dt.datetime.fromtimestamp(
        path.stat().st_mtime, zoneinfo.ZoneInfo(WAREHOUSE_TIMEZONE)
    )
    return modified.date(), "modification time"


def _with_export_date(
    loaded: pl.DataFrame, contract: SourceContract, file_date: dt.date
) -> pl.DataFrame:
    column = contract.export_date.column
    if column is None:
        return loaded.with_columns(pl.lit(file_date, dtype=pl.Date).alias(EXPORT_DATE))
    spec = next(c for c in contract.columns if c.name == column)
    value = pl.col(column)
    if spec.type == "text":
        value = parse_datetime(value)
    elif spec.type not in ("date", "timestamp"):
        value = pl.lit(None, dtype=pl.Date)
    return loaded.with_columns(
        pl.coalesce(value.cast(pl.Date), pl.lit(file_date, dtype=pl.Date)).alias(EXPORT_DATE)
    )


def evaluate_file(
    path: Path, contracts: list[SourceContract], reader: IsolatedReader
) -> Evaluation:
    """Read a file against the contracts and say what would happen to every row; nothing is
    written. Never raises for a bad file: the evaluation is a rejection with the reason."""
    matches = matching_contracts(export_name(path), contracts)
    fingerprint = contracts_fingerprint(matches)
    if not matches:
        return _rejection(path, contracts, fingerprint, "no source contract matches this file name")
    if len(matches) > 1:
        names = ", ".join(c.label for c in matches)
        message = f"matches several source contracts: {names}; make their file_pattern exclusive"
        return _rejection(path, contracts, fingerprint, message)
    [contract] = matches
    report = FileReport(file=export_name(path), source=contract.source, status="rejected")
    try:
        report.export_date, report.export_date_from = export_date_of_file(path, contract)
        size_mb = path.stat().st_size / 1_048_576
        if size_mb > contract.limits.file_mb:
            raise UnreadableFileError(
                f"file is {size_mb:,.0f} MB, over the limit of {contract.limits.file_mb:g} MB "
                "(limits.file_mb)"
            )
        report.encoding, report.rows_read, conformed = reader.read(path, contract)
    except (UnreadableFileError, OSError) as exc:  # OSError: gone, or no worker could start
        report.rows_read = getattr(exc, "rows_read", 0)
        report.encoding = getattr(exc, "encoding", None)
        report.message = str(exc)
        report.reasons = {str(exc): 1}
        return Evaluation(report, contract, None, _whole_file_rejection(str(exc)), fingerprint)

    report.status = "loaded"
    report.rows_loaded = conformed.loaded.height
    report.rows_quarantined = conformed.quarantined.height
    report.reasons = reason_summary(conformed.quarantined[REASON])
    report.unmapped_columns = conformed.unmapped_columns
    report.missing_columns = conformed.missing_columns
    if report.rows_read == 0:
        report.warnings.append(NO_DATA_ROWS)
    if conformed.unmapped_columns or conformed.missing_columns:
        report.warnings.append(
            f"schema drift: unmapped columns {conformed.unmapped_columns} kept in _extra; "
            f"columns not in the file {conformed.missing_columns} (not required) loaded as null"
        )
    for text in [*report.warnings, *conformed.notes]:
        report.add_message(text)
    loaded = _with_export_date(conformed.loaded, contract, report.export_date)
    column = contract.export_date.column
    if column is not None and loaded[column].is_not_null().any():
        report.export_date, report.export_date_from = loaded[EXPORT_DATE].max(), "column"
    return Evaluation(report, contract, loaded, conformed.quarantined, fingerprint)


@dataclass(frozen=True)
class LoadedVersion:
    """The loaded version of a file name in force: the one a new version replaces if it loads,
    and keeps in force if it is rejected whole."""

    table: str | None  # raw table its rows are in; None when its contract is gone
    loaded_at: dt.datetime
    export_date: dt.date | None


def _loaded_version(
    con: duckdb.DuckDBPyConnection, file_name: str, contracts: list[SourceContract]
) -> LoadedVersion | None:
    row = con.execute(
        f"select source, loaded_at, export_date from {LEDGER} "
        "where file_name = ? and superseded_by is null and status = 'loaded'",
        [file_name],
    ).fetchone()
    if row is None:
        return None
    source, loaded_at, export_date = row
    tables = {c.source: c.table for c in contracts}
    return LoadedVersion(tables.get(source), loaded_at, export_date)


def _note_version_kept(report: FileReport, in_force: LoadedVersion | None) -> None:
    """A version rejected whole says which version stays in force in its place."""
    if report.status == "rejected" and in_force is not None:
        exported = f" (exported {in_force.export_date})" if in_force.export_date else ""
        report.add_message(
            f"the version loaded {in_force.loaded_at:%Y-%m-%d %H:%M}{exported} stays in force "
            "until a corrected version of this file loads"
        )


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contracts: list[SourceContract],
    reader: IsolatedReader = shared_reader,
    refusal: str | None = None,
) -> FileReport:
    """Load one export file; return what happened to every row. A file that cannot be
    opened, or whose rows the warehouse refuses, is a rejection with its reason too, as is a
    file given a ``refusal`` (why its drop cannot load it)."""
    ensure_ledger(con)
    name = export_name(path)
    fingerprint = contracts_fingerprint(matching_contracts(name, contracts))
    try:
        file_hash = file_sha256(path)
    except OSError as exc:
        # the same unreadable name is skipped, with its reason, until it can be read
        file_hash = f"unreadable:{name}"
        refusal = f"cannot open the file: {exc}"
    evaluation = None if refusal is None else _rejection(path, contracts, fingerprint, refusal)
    skipped = skip_reason(con, file_hash, fingerprint)
    if skipped is not None:
        return FileReport(file=name, source=None, status="skipped", message=skipped)
    evaluation = evaluation or evaluate_file(path, contracts, reader)
    in_force = _loaded_version(con, name, contracts)
    try:
        if evaluation.contract is not None and evaluation.report.status == "loaded":
            ensure_raw_table(con, evaluation.contract)
        _commit_file(con, path, file_hash, evaluation, in_force)
    except duckdb.Error as exc:
        # e.g. a contract that changed a column's type under an existing raw table
        table = evaluation.contract.table if evaluation.contract else "the raw layer"
        evaluation = _rejection(
            path, contracts, fingerprint, f"the warehouse refused the rows for {table}: {exc}"
        )
        _commit_file(con, path, file_hash, evaluation, in_force)
    return evaluation.report


def _rejection(
    path: Path, contracts: list[SourceContract], fingerprint: str, message: str
) -> Evaluation:
    matches = matching_contracts(export_name(path), contracts)
    report = FileReport(
        file=export_name(path),
        source=matches[0].source if len(matches) == 1 else None,
        status="rejected",
        message=message,
        reasons={message: 1},
    )
    return Evaluation(report, None, None, _whole_file_rejection(message), fingerprint)


def check_path(
    path: Path,
    contracts: list[SourceContract],
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[FileReport]:
    """Dry run of a drop: what ingest would do with each file, writing nothing. Given a
    (read-only) connection to the warehouse, files ingest would skip are reported as such."""
    ledger_exists = con is not None and bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, LEDGER.split(".")[1]],
        ).fetchone()[0]
    )
    files = export_files(path)
    refusals = _same_name_refusals(path, files)
    return [
        _check_file(
            file, contracts, shared_reader, con if ledger_exists else None, refusals.get(file)
        )
        for file in files
    ]


def _check_file(
    file: Path,
    contracts: list[SourceContract],
    reader: IsolatedReader,
    con: duckdb.DuckDBPyConnection | None,
    refusal: str | None,
) -> FileReport:
    """What ``ingest_file`` would report for the file, in the same order of decisions."""
    name = export_name(file)
    fingerprint = contracts_fingerprint(matching_contracts(name, contracts))
    if con is not None:
        skipped = skip_reason(con, file_sha256(file), fingerprint)
        if skipped is not None:
            return FileReport(file=name, source=None, status="skipped", message=skipped)
    if refusal is not None:
        report = _rejection(file, contracts, fingerprint, refusal).report
    else:
        report = evaluate_file(file, contracts, reader).report
    if con is not None:
        _note_version_kept(report, _loaded_version(con, name, contracts))
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
        (
            p
            for p in path.rglob("*")
            if p.is_file()
            and not any(part.startswith(("_", ".", "~$")) for part in p.relative_to(path).parts)
        ),
        key=_load_order,
    )


# a browser's name for a file downloaded again: `crm_offices_20261121 (1).csv`
DOWNLOADED_AGAIN = re.compile(r"^(.*) \((\d+)\)(\.[^.]*)$")


def _load_order(path: Path) -> tuple:
    """Files load in path order, except that a download again (`name (1).csv`) loads after
    the file it repeats: rows of one export date go to the file loaded last, and the second
    download is the newer one."""
    again = DOWNLOADED_AGAIN.match(path.name)
    if again is None:
        return (str(path.parent), path.name, 0)
    stem, copy, suffix = again.groups()
    return (str(path.parent), stem + suffix, int(copy))


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
    refusals = _same_name_refusals(path, files)
    return [ingest_file(con, file, contracts, refusal=refusals.get(file)) for file in files]


def _same_name_refusals(root: Path, files: list[Path]) -> dict[Path, str]:
    """Why each file that shares its name with another file of the drop is not loaded. A
    file's name identifies its export (a later file of that name replaces its rows), so two
    different files of one name (a branch's folder each) would replace each other's rows."""
    by_name: dict[str, list[Path]] = {}
    for file in files:
        by_name.setdefault(export_name(file), []).append(file)
    refusals = {}
    for name, alike in by_name.items():
        if len(alike) > 1 and len({_content_of(file) for file in alike}) > 1:
            where = ", ".join(legible(str(file.relative_to(root))) for file in alike)
            for file in alike:
                refusals[file] = (
                    f"{len(alike)} different files of this drop are named {name} ({where}): a "
                    "file's name identifies its export, so none of them is loaded; give each "
                    "its own name (its branch, say) and drop them again"
                )
    return refusals


def _content_of(file: Path) -> str:
    """The file's hash; its path when it cannot be read (ingest then says why)."""
    try:
        return file_sha256(file)
    except OSError:
        return str(file)
