"""What a nightly build has to rebuild: the dbt nodes downstream of an input that changed since
the last published build.

Every model is a function of its inputs (the source tables and seeds upstream of it), of its own
code and of the project's macros and configuration, and the build is deterministic
(tests/test_incremental_build.py): an as-of date comes from the data, and the few models that
read today's date are tagged ``reads_clock`` and rebuilt every night. So a model none of whose
upstream sources changed since the last publish, in a project whose code is the same, would be
rebuilt into the same rows: a night with one day of visits, orders and tickets need not rebuild
the customers, the org, the contracts or the calendar.

So each publish records what its build read, in the warehouse itself (a restored warehouse
brings its own record): a fingerprint of every dbt source and one of the project's code. Each
dbt step of the next run compares the sources with that record and rebuilds only the nodes
downstream of a source whose fingerprint differs. It rebuilds everything when there is no record
(a new warehouse), when the code fingerprint differs (a deployment, a changed seed), or when the
run asks for it (``medops run --full``). Only a publish moves the record: after a failed or
unpublished run, the next one still rebuilds everything that changed since the last publish.

Fingerprints: a raw export table changes only through ingest, which writes a ledger row for every
load and marks the loads it supersedes, so its fingerprint is its loads' ids and successors in
the ledger (no scan of the table's rows). The other sources (customer matching, the forecasts,
the ingest ledger and validation results) are small tables, fingerprinted by content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from ingest.contracts import SourceContract
from ingest.load import LEDGER, RAW_SCHEMA

BASELINE_SCHEMA = "build_baseline"
BASELINE_TABLE = f"{BASELINE_SCHEMA}.published_inputs"
# the baseline row that holds the code fingerprint, next to one row per dbt source
CODE = "code"
# the fingerprint of a source whose table does not exist (yet)
ABSENT = "absent"
# the run tag of a nightly run that rebuilds every node whatever changed (`medops run --full`)
BUILD_TAG = "medops/build"
FULL_BUILD = "full"
# the dbt tag of a model that reads the clock (today's date): rebuilt every night, with its
# downstream, whatever changed
CLOCK_TAG = "reads_clock"
# dbt resource types a build materializes (tests run with the models they test)
BUILT_TYPES = ("model", "seed", "snapshot")


def code_fingerprint(manifest: dict) -> str:
    """A hash of everything in the dbt project that decides what a node builds: each node's
    file checksum, configuration and dependencies, every macro's SQL, each source's relation."""
    code = {
        "nodes": {
            uid: [node["checksum"]["checksum"], node["config"], node["depends_on"]]
            for uid, node in manifest["nodes"].items()
        },
        "macros": {uid: macro["macro_sql"] for uid, macro in manifest["macros"].items()},
        "sources": {uid: source["relation_name"] for uid, source in manifest["sources"].items()},
    }
    return hashlib.sha256(json.dumps(code, sort_keys=True, default=str).encode()).hexdigest()


# Single-row queries here are read with fetchall(): DuckDB leaves a result read with fetchone()
# unfinished, and the caller's next relation (con.sql) on the connection then fails.
def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
        > 0
    )


def source_fingerprints(
    con: duckdb.DuckDBPyConnection, manifest: dict, contracts: Iterable[SourceContract]
) -> dict[str, str]:
    """dbt source unique id -> the fingerprint of its table now."""
    loaded_by: dict[str, list[str]] = {}
    for contract in contracts:
        loaded_by.setdefault(contract.table, []).append(contract.source)
    ledger = table_exists(con, RAW_SCHEMA, LEDGER.split(".")[-1])
    prints = {}
    for uid, source in sorted(manifest["sources"].items()):
        schema, table = source["schema"], source["identifier"]
        if not table_exists(con, schema, table):
            prints[uid] = ABSENT
        elif schema == RAW_SCHEMA and table in loaded_by and ledger:
            count, total = con.execute(
                f"select count(*), coalesce(sum(hash(load_id, superseded_by)::hugeint), 0) "
                f"from {LEDGER} where source in ?",
                [loaded_by[table]],
            ).fetchall()[0]
            prints[uid] = f"loads:{count}:{total}"
        else:
            # schema and table names come from dbt's manifest, not from user input
            prints[uid] = content_fingerprint(con, f'select * from "{schema}"."{table}"')
    return prints


def files_fingerprint(folder: Path, pattern: str) -> str:
    """A hash of the names and bytes of the files matching ``pattern`` under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob(pattern)):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def content_fingerprint(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """Rows and an order-independent hash of every row ``query`` returns (a query of the
    project's own, never user text)."""
    count, total = con.execute(
        f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from ({query}) t"
    ).fetchall()[0]
    return f"rows:{count}:{total}"


@dataclass(frozen=True)
class Baseline:
    """What the last published build read."""

    run_id: str
    code: str
    sources: dict[str, str]


def published_inputs(con: duckdb.DuckDBPyConnection) -> Baseline | None:
    if not table_exists(con, BASELINE_SCHEMA, BASELINE_TABLE.split(".")[-1]):
        return None
    rows = con.execute(f"select input, fingerprint, run_id from {BASELINE_TABLE}").fetchall()
    code = [(fingerprint, run_id) for name, fingerprint, run_id in rows if name == CODE]
    if not code:
        return None
    return Baseline(
        run_id=code[0][1],
        code=code[0][0],
        sources={name: fingerprint for name, fingerprint, _ in rows if name != CODE},
    )


def record_published_inputs(
    con: duckdb.DuckDBPyConnection, run_id: str, code: str, sources: dict[str, str]
) -> None:
    """Replace the record with what the build just published read, in one transaction."""
    con.execute(f"create schema if not exists {BASELINE_SCHEMA}")
    con.execute(
        f"create table if not exists {BASELINE_TABLE} "
        "(input varchar primary key, fingerprint varchar not null, run_id varchar not null)"
    )
    con.begin()
    try:
        con.execute(f"delete from {BASELINE_TABLE}")
        con.executemany(
            f"insert into {BASELINE_TABLE} values (?, ?, ?)",
            [(CODE, code, run_id), *((uid, fp, run_id) for uid, fp in sorted(sources.items()))],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def downstream(manifest: dict, roots: Iterable[str]) -> set[str]:
    """Every node below ``roots`` in dbt's graph (the roots themselves excluded)."""
    children = manifest["child_map"]
    found: set[str] = set()
    pending = list(roots)
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def in_dependency_order(manifest: dict, nodes: Iterable[str]) -> list[str]:
    """``nodes`` with each after the ones of them it depends on."""
    chosen = set(nodes)
    parents = manifest["parent_map"]
    graph = {uid: [p for p in parents.get(uid, []) if p in chosen] for uid in sorted(chosen)}
    return list(TopologicalSorter(graph).static_order())


@dataclass(frozen=True)
class BuildPlan:
    """``rebuild`` is None for a full build (``reason`` says why), else the unique ids of the
    models, seeds and snapshots to build, downstream of ``changed`` sources."""

    reason: str
    changed: tuple[str, ...] = ()
    rebuild: frozenset[str] | None = None
    baseline_run_id: str | None = None

    @property
    def full(self) -> bool:
        return self.rebuild is None


def plan_build(
    con: duckdb.DuckDBPyConnection,
    manifest: dict,
    contracts: Iterable[SourceContract],
    full: bool = False,
) -> BuildPlan:
    if full:
        return BuildPlan(reason="a full build was asked for")
    baseline = published_inputs(con)
    if baseline is None:
        return BuildPlan(reason="no build has been published from this warehouse")
    if baseline.code != code_fingerprint(manifest):
        return BuildPlan(reason=f"the dbt project changed since run {baseline.run_id}")
    now = source_fingerprints(con, manifest, contracts)
    changed = tuple(
        uid for uid, fingerprint in now.items() if baseline.sources.get(uid) != fingerprint
    )
    clock = [uid for uid, node in manifest["nodes"].items() if CLOCK_TAG in node["tags"]]
    rebuild = frozenset(
        uid
        for uid in {*clock, *downstream(manifest, [*changed, *clock])}
        if uid.split(".")[0] in BUILT_TYPES
    )
    return BuildPlan(
        reason=f"sources changed since run {baseline.run_id}",
        changed=changed,
        rebuild=rebuild,
        baseline_run_id=baseline.run_id,
    )
