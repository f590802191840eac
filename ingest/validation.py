"""Expectations on the raw layer, derived from the source contracts, run with Great Expectations.

Ingest quarantines what a single row gets wrong (missing required value, wrong type, unknown
code, key repeated within a file). The expectations here look at a raw table as loaded, all its
files together, and add what the contract declares beyond that: value bounds (``min``/``max``)
and timestamps that must not go backwards (``ordered``). Every expectation is derived from the
contract, so a new or changed contract needs no code here:

- the primary key is unique within each file (``_file_name``): the raw table keeps several
  exports of a source, and the same key in two exports is how a record changes;
- required and primary-key columns are not null;
- columns with ``values`` hold only the codes the mapping yields;
- columns with ``min``/``max`` stay within them (nulls ignored);
- in each ``ordered`` group, every earlier column is <= every later one (rows where either is
  blank are ignored: a ticket not yet resolved has no resolution time).

An expectation is critical when the contract marks one of its columns ``critical: true``: the
nightly job then does not publish while it fails (the asset check ``critical_expectations`` is
blocking); the others warn. Results are returned and appended to ``raw._validation_results``,
one row per expectation per run. Great Expectations takes seconds to import, so it is imported
on first use only.

**Each load is validated once.** Every expectation above looks at one row, or at the rows of one
export file (the key is unique per ``_file_name``, and a file is one load), so a table's verdict
is the verdicts of its loads put together: it fails when one load fails, its counts are their
sums. A run validates only the loads no earlier run validated with the same suite, as one batch,
and keeps the batch's outcomes in ``pipeline_state.validation_batches`` (``combine_batches`` puts
the live ones together). A batch stops counting when one of its loads leaves the raw table (the
file was replaced): its other loads are validated again. A changed contract changes the suite's
fingerprint and every load is validated again. Rows without a load id (tables written by hand)
are validated every run. So a night with one new day of exports validates that day's rows, not
the table's history.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import polars as pl

from ingest.contracts import SourceContract
from ingest.load import RAW_SCHEMA, VALIDATION_RESULTS, ensure_ledger
from medops.settings import PIPELINE_STATE_SCHEMA

if TYPE_CHECKING:
    from types import ModuleType

    import great_expectations as gx

FILE_NAME_COLUMN = "_file_name"
# Unexpected values kept per expectation, as a sample for people to look at.
PARTIAL_UNEXPECTED_COUNT = 20
# The order of an expectation in its suite, kept in its meta: results come back reordered.
_ORDER = "medops_order"
# Whether an expectation blocks publishing, kept in its meta.
_CRITICAL = "medops_critical"
LOAD_COLUMN = "_load_id"
# The outcomes of each batch of loads validated, kept between runs.
BATCH_OUTCOMES = f"{PIPELINE_STATE_SCHEMA}.validation_batches"


@dataclass(frozen=True)
class ExpectationOutcome:
    """How one expectation fared on one raw table."""

    source: str
    system: str  # crm, erp or service: the contract's system
    expectation: str  # e.g. expect_column_values_to_be_between
    column_names: tuple[str, ...]
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None  # of the rows checked (nulls and ignored rows excluded)
    partial_unexpected: tuple[str | None, ...]
    error: str | None = None  # the expectation could not be evaluated
    critical: bool = False  # its failure blocks publishing (a critical column of the contract)
    # the rows the percentage is of: GX leaves out blank values and ignored rows, except for
    # the not-null expectation, whose blanks are what it counts
    checked_count: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "expectation": self.expectation,
            "columns": ",".join(self.column_names),
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "sample": list(self.partial_unexpected[:5]),
            "critical": self.critical,
            **({"error": self.error} if self.error else {}),
        }

    def describe(self) -> str:
        """One line for people: expectation(columns): how many rows, a few of them."""
        sample = ", ".join(str(v) for v in self.partial_unexpected[:3])
        found = f"{self.unexpected_count} rows" if self.unexpected_count is not None else "error"
        return f"{self.source}: {self.expectation}({','.join(self.column_names)}) {found}" + (
            f", e.g. {sample}" if sample else ""
        )


@functools.cache
def _gx() -> ModuleType:
    """Import Great Expectations once, quietly (no progress bars, no info logging)."""
    # With pyspark installed (the `spark` extra), GX probes pyspark's Spark Connect module, and
    # pyspark takes a process whose __main__ has no file (Dagster's run worker, launched by the
    # daemon) for a doctest run and exits it (sys.exit(0) in the middle of the import). MedOps
    # validates pandas frames only: GX is told Spark Connect is not there.
    sys.modules.setdefault("pyspark.sql.connect", None)
    import great_expectations

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    return great_expectations


def expectation_suite(contract: SourceContract) -> gx.ExpectationSuite:
    """The expectation suite of a source's raw table, derived from its contract."""
    gxe = _gx().expectations
    expectations: list = [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=[*contract.primary_key, FILE_NAME_COLUMN],
            ignore_row_if="any_value_is_missing",  # a blank key is the not-null check's finding
        )
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=c.name)
        for c in contract.columns
        if c.required or c.name in contract.primary_key
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(column=c.name, value_set=sorted(set(c.values.values())))
        for c in contract.columns
        if c.values
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(
            column=c.name, min_value=c.min_value, max_value=c.max_value
        )
        for c in contract.columns
        if c.min_value is not None or c.max_value is not None
    ]
    expectations += [
        # "earlier <= later" is GX's "A >= B" with A the later column
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=later,
            column_B=earlier,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
        for group in contract.ordered_columns
        for earlier, later in combinations(group, 2)
    ]
    critical = {c.name for c in contract.columns if c.critical}
    for order, expectation in enumerate(expectations):
        columns = set(_columns_of(expectation.configuration.kwargs)) - {FILE_NAME_COLUMN}
        expectation.meta = {_ORDER: order, _CRITICAL: bool(columns & critical)}
    return _gx().ExpectationSuite(name=f"raw_{contract.table}", expectations=expectations)


def _columns_of(kwargs: dict[str, Any]) -> tuple[str, ...]:
    if "column_list" in kwargs:
        return tuple(kwargs["column_list"])
    if "column_A" in kwargs:
        return (kwargs["column_A"], kwargs["column_B"])
    return (kwargs["column"],)


def _as_text(value: Any, column_types: dict[str, str], column: str | None = None) -> str | None:
    """An unexpected value as people would write it: 2024-03-05, 6, 'name=value, ...'."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={_as_text(v, column_types, k)}" for k, v in value.items())
    if value is None or pd.isna(value):
        return None
    if column_types.get(column) == "date":
        return pd.Timestamp(value).date().isoformat()
    if column_types.get(column) == "timestamp":
        return str(pd.Timestamp(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _partial_unexpected(
    values: list[Any], columns: tuple[str, ...], column_types: dict[str, str]
) -> tuple[str | None, ...]:
    texts = []
    for value in values[:PARTIAL_UNEXPECTED_COUNT]:
        if isinstance(value, tuple | list):  # a column pair: (A, B)
            value = dict(zip(columns, value, strict=True))
        texts.append(_as_text(value, column_types, columns[0]))
    return tuple(texts)


def suite_columns(suite: gx.ExpectationSuite) -> list[str]:
    """The columns a suite looks at, in the order its expectations name them."""
    names = [name for e in suite.expectations for name in _columns_of(e.configuration.kwargs)]
    return list(dict.fromkeys(names))


def read_raw_table(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    columns: list[str],
    loads: list[str] | None = None,
) -> pd.DataFrame:
    """The source's raw table, only the columns asked for (a 1M-row table stays small); with
    ``loads``, only those loads' rows and the rows without a load id."""
    selected = ", ".join(f'"{name}"' for name in columns)
    sql = f"select {selected} from {RAW_SCHEMA}.{contract.table}"
    if loads is None:
        return con.execute(sql).df()
    return con.execute(
        f"{sql} where {LOAD_COLUMN} is null or list_contains(?, {LOAD_COLUMN})", [loads]
    ).df()


@functools.cache
def _whole_frame_batches() -> gx.core.batch_definition.BatchDefinition:
    """One ephemeral context, pandas data source and whole-frame batch definition per process:
    building them saves the context's configuration several times (a tenth of a second per
    table), and nothing in them depends on the table validated."""
    gx = _gx()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(
        globally=False, metric_calculations=False
    )
    return (
        context.data_sources.add_pandas("raw")
        .add_dataframe_asset("raw_table")
        .add_batch_definition_whole_dataframe("whole_table")
    )


def run_suite(
    frame: pd.DataFrame, contract: SourceContract, suite: gx.ExpectationSuite
) -> list[ExpectationOutcome]:
    """Check a frame of a source's raw table against its suite; outcomes in suite order."""
    batch = _whole_frame_batches().get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(
        suite,
        result_format={
            "result_format": "SUMMARY",
            "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT,
        },
    )
    column_types = {c.name: c.type for c in contract.columns}
    outcomes = []
    for result in sorted(validation.results, key=lambda r: r.expectation_config.meta[_ORDER]):
        config = result.expectation_config
        columns = _columns_of(config.kwargs)
        details = result.result or {}
        error = None
        if result.exception_info and result.exception_info.get("raised_exception"):
            error = str(result.exception_info.get("exception_message"))
        element_count = details.get("element_count")
        outcomes.append(
            ExpectationOutcome(
                source=contract.source,
                system=contract.system,
                expectation=config.type,
                column_names=columns,
                success=bool(result.success),
                element_count=element_count,
                unexpected_count=details.get("unexpected_count"),
                unexpected_percent=details.get("unexpected_percent"),
                partial_unexpected=_partial_unexpected(
                    details.get("partial_unexpected_list") or [], columns, column_types
                ),
                error=error,
                critical=bool(config.meta.get(_CRITICAL)),
                checked_count=None
                if element_count is None
                else element_count - (details.get("missing_count") or 0),
            )
        )
    return outcomes


def suite_fingerprint(suite: gx.ExpectationSuite) -> str:
    """What a batch's outcomes depend on: the expectations as configured, and GX's version."""
    configured = [e.configuration.to_json_dict() for e in suite.expectations]
    text = json.dumps([_gx().__version__, configured], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def ensure_batch_outcomes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {PIPELINE_STATE_SCHEMA}")
    # one row per expectation of each batch, in suite order (expectation_order)
    con.execute(
        f"""
        create table if not exists {BATCH_OUTCOMES} (
            batch_id varchar not null,
            source varchar not null,
            suite_fingerprint varchar not null,
            load_ids varchar[] not null,
            validated_at timestamp not null,
            expectation_order integer not null,
            expectation varchar not null,
            column_names varchar,
            success boolean not null,
            element_count bigint,
            unexpected_count bigint,
            checked_count bigint,
            partial_unexpected varchar,
            error varchar,
            critical boolean not null
        )
        """
    )


def _live_batches(
    con: duckdb.DuckDBPyConnection, source: str, fingerprint: str, live_loads: list[str]
) -> list[tuple[str, list[str]]]:
    """The source's batches of this suite all of whose loads are still in the raw table, oldest
    first: (batch id, its loads)."""
    return con.execute(
        f"select batch_id, any_value(load_ids) from {BATCH_OUTCOMES} "
        "where source = ? and suite_fingerprint = ? "
        "group by batch_id having list_has_all(?, any_value(load_ids)) "
        "order by min(validated_at), batch_id",
        [source, fingerprint, live_loads],
    ).fetchall()


def _keep_batch(
    con: duckdb.DuckDBPyConnection,
    fingerprint: str,
    loads: list[str],
    validated_at: datetime,
    outcomes: list[ExpectationOutcome],
) -> str:
    """Keep a batch's outcomes; returns its id."""
    batch_id = uuid.uuid4().hex
    con.executemany(
        f"insert into {BATCH_OUTCOMES} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                batch_id,
                o.source,
                fingerprint,
                loads,
                validated_at,
                order,
                o.expectation,
                ",".join(o.column_names),
                o.success,
                o.element_count,
                o.unexpected_count,
                o.checked_count,
                json.dumps(list(o.partial_unexpected), ensure_ascii=False),
                o.error,
                o.critical,
            ]
            for order, o in enumerate(outcomes)
        ],
    )
    return batch_id


def _stored_batches(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, batch_ids: list[str]
) -> list[list[ExpectationOutcome]]:
    """The outcomes of kept batches, one list per batch in the order asked, each in suite order."""
    rows = con.execute(
        "select batch_id, expectation, column_names, success, element_count, unexpected_count, "
        f"checked_count, partial_unexpected, error, critical from {BATCH_OUTCOMES} "
        "where list_contains(?, batch_id) order by batch_id, expectation_order",
        [batch_ids],
    ).fetchall()
    by_batch: dict[str, list[ExpectationOutcome]] = {batch_id: [] for batch_id in batch_ids}
    for (
        batch_id, expectation, columns, success, elements, unexpected, checked, sample, error,
        critical,
    ) in rows:  # fmt: skip
        by_batch[batch_id].append(
            ExpectationOutcome(
                source=contract.source,
                system=contract.system,
                expectation=expectation,
                column_names=tuple(columns.split(",")) if columns else (),
                success=success,
                element_count=elements,
                unexpected_count=unexpected,
                unexpected_percent=_percent(unexpected, checked),
                partial_unexpected=tuple(json.loads(sample)),
                error=error,
                critical=critical,
                checked_count=checked,
            )
        )
    return [by_batch[batch_id] for batch_id in batch_ids]


def _percent(unexpected: int | None, checked: int | None) -> float | None:
    if unexpected is None or not checked:
        return None  # GX gives no percentage of no rows
    return unexpected / checked * 100


def _total(values: list[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(values)


def combine_batches(batches: list[list[ExpectationOutcome]]) -> list[ExpectationOutcome]:
    """A table's outcomes from its batches' (each in suite order): an expectation succeeds when
    it succeeded in every batch; counts add up; the sample is the first batches' unexpected
    values, as many as one validation keeps."""
    combined = []
    for parts in zip(*batches, strict=True):
        unexpected = _total([p.unexpected_count for p in parts])
        checked = _total([p.checked_count for p in parts])
        errors = [p.error for p in parts if p.error]
        samples = [value for p in parts for value in p.partial_unexpected]
        combined.append(
            ExpectationOutcome(
                source=parts[0].source,
                system=parts[0].system,
                expectation=parts[0].expectation,
                column_names=parts[0].column_names,
                success=all(p.success for p in parts),
                element_count=_total([p.element_count for p in parts]),
                unexpected_count=unexpected,
                unexpected_percent=_percent(unexpected, checked),
                partial_unexpected=tuple(samples[:PARTIAL_UNEXPECTED_COUNT]),
                error="; ".join(errors) or None,
                critical=parts[0].critical,
                checked_count=checked,
            )
        )
    return combined


def record_outcomes(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    validated_at: datetime,
    outcomes: list[ExpectationOutcome],
) -> None:
    """Append outcomes to raw._validation_results (history is kept)."""
    ensure_ledger(con)
    # one insert of a frame: executemany costs a statement per outcome
    rows = pl.DataFrame(
        {
            "run_id": [run_id] * len(outcomes),
            "validated_at": [validated_at] * len(outcomes),
            "source": [o.source for o in outcomes],
            "expectation": [o.expectation for o in outcomes],
            "column_names": [",".join(o.column_names) for o in outcomes],
            "success": [o.success for o in outcomes],
            "element_count": [o.element_count for o in outcomes],
            "unexpected_count": [o.unexpected_count for o in outcomes],
            "unexpected_percent": [o.unexpected_percent for o in outcomes],
            "partial_unexpected": [
                json.dumps(list(o.partial_unexpected), ensure_ascii=False) for o in outcomes
            ],
            "system": [o.system for o in outcomes],
        },
        schema={
            "run_id": pl.String,
            "validated_at": pl.Datetime("us"),
            "source": pl.String,
            "expectation": pl.String,
            "column_names": pl.String,
            "success": pl.Boolean,
            "element_count": pl.Int64,
            "unexpected_count": pl.Int64,
            "unexpected_percent": pl.Float64,
            "partial_unexpected": pl.String,
            "system": pl.String,
        },
    )
    names = ", ".join(rows.columns)
    con.register("incoming_outcomes", rows.to_arrow())
    try:
        con.execute(
            f"insert into {VALIDATION_RESULTS} ({names}) select {names} from incoming_outcomes"
        )
    finally:
        con.unregister("incoming_outcomes")


def validate_source(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, run_id: str
) -> list[ExpectationOutcome]:
    """Validate a source's raw table (the loads no earlier run validated, put together with
    the kept outcomes of the others) and record the table's outcomes under run_id."""
    validated_at = datetime.now()
    suite = expectation_suite(contract)
    fingerprint = suite_fingerprint(suite)
    ensure_batch_outcomes(con)
    live_loads, unloaded_rows = con.execute(
        f"select coalesce(list(distinct {LOAD_COLUMN}) filter ({LOAD_COLUMN} is not null), []), "
        f"count(*) filter ({LOAD_COLUMN} is null) from {RAW_SCHEMA}.{contract.table}"
    ).fetchone()
    kept = _live_batches(con, contract.source, fingerprint, live_loads)
    covered = {load for _, loads in kept for load in loads}
    new_loads = sorted(set(live_loads) - covered)
    batches = _stored_batches(con, contract, [batch_id for batch_id, _ in kept])
    if new_loads or unloaded_rows or not batches:
        frame = read_raw_table(con, contract, suite_columns(suite), new_loads)
        outcomes = run_suite(frame, contract, suite)
        if not unloaded_rows:
            batch_id = _keep_batch(con, fingerprint, new_loads, validated_at, outcomes)
            # batches that stopped counting (a load replaced, the contract changed) are not
            # needed again: a load id is never reused
            con.execute(
                f"delete from {BATCH_OUTCOMES} where source = ? and not list_contains(?, batch_id)",
                [contract.source, [*(kept_id for kept_id, _ in kept), batch_id]],
            )
        batches.append(outcomes)
    table_outcomes = batches[0] if len(batches) == 1 else combine_batches(batches)
    record_outcomes(con, run_id, validated_at, table_outcomes)
    return table_outcomes


def validate_sources(
    con: duckdb.DuckDBPyConnection, contracts: list[SourceContract], run_id: str
) -> dict[str, list[ExpectationOutcome]]:
    """Validate the raw table of every source; outcomes by source, in contract order."""
    return {contract.source: validate_source(con, contract, run_id) for contract in contracts}
