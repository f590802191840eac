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
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import polars as pl

from ingest.contracts import SourceContract
from ingest.load import RAW_SCHEMA, VALIDATION_RESULTS, ensure_ledger

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
    con: duckdb.DuckDBPyConnection, contract: SourceContract, columns: list[str]
) -> pd.DataFrame:
    """The source's raw table, only the columns asked for (a 1M-row table stays small)."""
    selected = ", ".join(f'"{name}"' for name in columns)
    return con.execute(f"select {selected} from {RAW_SCHEMA}.{contract.table}").df()


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
        outcomes.append(
            ExpectationOutcome(
                source=contract.source,
                system=contract.system,
                expectation=config.type,
                column_names=columns,
                success=bool(result.success),
                element_count=details.get("element_count"),
                unexpected_count=details.get("unexpected_count"),
                unexpected_percent=details.get("unexpected_percent"),
                partial_unexpected=_partial_unexpected(
                    details.get("partial_unexpected_list") or [], columns, column_types
                ),
                error=error,
                critical=bool(config.meta.get(_CRITICAL)),
            )
        )
    return outcomes


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
    """Validate a source's raw table and record the outcomes under run_id."""
    validated_at = datetime.now()
    suite = expectation_suite(contract)
    frame = read_raw_table(con, contract, suite_columns(suite))
    outcomes = run_suite(frame, contract, suite)
    record_outcomes(con, run_id, validated_at, outcomes)
    return outcomes


def validate_sources(
    con: duckdb.DuckDBPyConnection, contracts: list[SourceContract], run_id: str
) -> dict[str, list[ExpectationOutcome]]:
    """Validate the raw table of every source; outcomes by source, in contract order."""
    return {contract.source: validate_source(con, contract, run_id) for contract in contracts}
