"""The dbt project as assets, and the published copy of its marts that the cockpit reads."""

import json
import os
import re
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    dbt_assets,
)

from dagster_project.defs.warehouse.run_results import (
    CHECKED_DBT_TESTS,
    DBT_TESTS,
    REBUILT,
    UNCHANGED_SINCE_RUN,
    check_results,
    checked_test_results,
    dbt_test_results,
    kept_assets,
)
from dagster_project.resources import WarehouseResource, dbt_project, model_relation
from ingest.contracts import load_contracts
from medops.arrival_clock import schedule_rows
from medops.build_changes import (
    BUILD_TAG,
    BUILT_TYPES,
    FULL_BUILD,
    code_fingerprint,
    in_dependency_order,
    plan_build,
    record_published_inputs,
    source_fingerprints,
)
from medops.engine import Engine, SparkEngine
from medops.notify import FRESHNESS_MART, Notifier, late_source_alerts
from medops.publish import PUBLISHED_PREFIXES, UnchangedMarts, publish_marts
from medops.settings import DBT_NIGHTLY_BUILD, NIGHTLY_JOB_NAME


class LayerGroupTranslator(DagsterDbtTranslator):
    """dbt folders decide Dagster groups: staging, intermediate, marts, reference (seeds)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None


# dagster-dbt gives every dbt invocation a target folder of its own (<7 hex> or
# <step>-<run id 7>-<7 hex>: artifacts and compiled SQL, about 10 MB here). Four a night fill a
# disk within a year, so the folders of invocations older than a week are removed.
KEEP_DBT_INVOCATIONS_DAYS = 7
DBT_INVOCATION_FOLDER = re.compile(r"^(?:.+-[0-9a-f]{7}-)?[0-9a-f]{7}$")


def prune_dbt_invocations(target: Path, now: float) -> list[Path]:
    """Remove the invocation folders under dbt's ``target`` last written before the kept days."""
    cutoff = now - KEEP_DBT_INVOCATIONS_DAYS * 86400
    removed = []
    for folder in sorted(target.iterdir()) if target.is_dir() else []:
        if (
            folder.is_dir()
            and DBT_INVOCATION_FOLDER.match(folder.name)
            and folder.stat().st_mtime < cutoff
        ):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


PROJECT_TARGET = dbt_project.project_dir / dbt_project.target_path
MANIFEST = json.loads(dbt_project.manifest_path.read_text())
# each dbt asset's node: the build plan speaks in dbt's unique ids
UNIQUE_ID_BY_KEY = {
    LayerGroupTranslator().get_asset_key(node): uid
    for uid, node in MANIFEST["nodes"].items()
    if node["resource_type"] in BUILT_TYPES
}
KEY_BY_UNIQUE_ID = {uid: key for key, uid in UNIQUE_ID_BY_KEY.items()}
# The deal-to-cash tie-outs (dbt/tests/deal_to_cash/) read marts of different dbt steps, so
# dbt's buildable selection never picks them. They are added to the step that builds the chain's
# mart (the last to be built of the marts they read), which records dbt's results; the blocking
# checks of tie_outs.py report them, and run them with `dbt test` only when no step did.
TIE_OUT_TESTS_PATH = "tests/deal_to_cash/"
TIE_OUT_TESTS = {
    node["name"]: node
    for node in MANIFEST["nodes"].values()
    if node["resource_type"] == "test" and node["original_file_path"].startswith(TIE_OUT_TESTS_PATH)
}
TIE_OUT_TEST_IDS = frozenset(node["unique_id"] for node in TIE_OUT_TESTS.values())
CHAIN = dg.AssetKey(["marts", "fct_deal_to_cash"])
# dagster-dbt names a node's output after its asset key
UNIQUE_ID_BY_NAME = {key.to_python_identifier(): uid for key, uid in UNIQUE_ID_BY_KEY.items()}


def keep_parse_state(invocation_target: Path, project_target: Path = PROJECT_TARGET) -> None:
    """Make this dbt invocation's parse state the one the next invocation starts from.

    dagster-dbt copies dbt's partial-parse file from the project's target folder into each
    invocation's own folder and leaves the updated one there. The file is only valid for the
    profile that wrote it, and the profile holds the warehouse's path ($MEDOPS_HOME): for any
    other home every dbt step of a run parsed the whole project again (6 s each). Copied back,
    only the first step of a run in a new home parses in full."""
    state = invocation_target / "partial_parse.msgpack"
    if not state.exists():
        return
    project_state = project_target / state.name
    staged = project_state.with_name(f"{state.name}.{invocation_target.name}")
    shutil.copyfile(state, staged)
    os.replace(staged, project_state)  # atomic: a concurrent dbt reads the old or the new


# dbt's ~600 data tests are not Dagster asset checks: as checks, each test cost three events in
# the run's event log (planned, output, evaluation; ~35 ms each in Dagster's SQLite storage),
# over a minute a night whatever the data's size. They still run in `dbt build` and fail its
# step at severity error; their outcomes are recorded once per step (``DBT_TESTS``) for the run
# audit. The checks Dagster shows are the blocking mart checks, the tie-outs and the Great
# Expectations suites.
@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=LayerGroupTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=False)
    ),
)
def warehouse_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """dbt build: seeds, staging, intermediate and marts with their data tests (the unit tests
    run in the test suite, see ``DBT_NIGHTLY_BUILD``); in a nightly run, only the nodes
    downstream of a source that changed since the last publish (medops/build_changes.py)."""
    removed = prune_dbt_invocations(PROJECT_TARGET, time.time())
    if removed:
        context.log.info(f"removed {len(removed)} dbt invocation folders older than a week")
    step = {UNIQUE_ID_BY_KEY[key]: key for key in context.selected_asset_keys}
    engine = warehouse.engine
    if isinstance(engine, SparkEngine):
        yield from _build_on_spark(context, dbt, engine, step)
        return
    with warehouse.connect() as con:
        plan = plan_build(con, MANIFEST, load_contracts(), full=not _builds_changes_only(context))
    unchanged = sorted(set(step) - plan.rebuild) if not plan.full else []
    context.log.info(
        f"{plan.reason}; rebuilding {len(step) - len(unchanged)} of the {len(step)} dbt nodes "
        f"of this step" + (f"; changed sources: {', '.join(plan.changed)}" if unchanged else "")
    )
    # first: Dagster takes a step's assets in dependency order, and no unchanged node is
    # downstream of a rebuilt one
    for uid in in_dependency_order(MANIFEST, unchanged):
        yield dg.MaterializeResult(
            asset_key=step[uid],
            metadata={REBUILT: False, UNCHANGED_SINCE_RUN: plan.baseline_run_id},
        )
    if len(unchanged) < len(step):
        yield from _dbt_build(context, dbt, engine, [_selector(uid) for uid in unchanged])


def _build_on_spark(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    engine: SparkEngine,
    step: dict[str, dg.AssetKey],
):
    """The step's nodes that Spark builds, all of them (Spark rebuilds its tables whole: the
    build plan of changed sources is DuckDB's, recorded in its warehouse); the nodes its target
    disables (the snapshot, the dbt Python model: docs/spark.md) are reported as not built."""
    not_ported = engine.not_enabled(step)
    context.log.info(
        f"building {len(step) - len(not_ported)} of the {len(step)} dbt nodes of this step on "
        "Spark"
        + (
            f"; not built on Spark (docs/spark.md): "
            f"{', '.join(sorted(MANIFEST['nodes'][uid]['name'] for uid in not_ported))}"
            if not_ported
            else ""
        )
    )
    not_built = {
        uid: dg.MaterializeResult(
            asset_key=step[uid],
            metadata={"rebuilt": False, "not_built_on": "spark: disabled on its target"},
        )
        for uid in not_ported
    }
    if len(not_ported) < len(step):
        # dbt leaves out the selected nodes its Spark target disables; they are reported among
        # the built ones, in dependency order (a model Spark builds may read one it does not,
        # through the DuckDB build: the dbt Python model)
        yield from _dbt_build(context, dbt, engine, [], not_built)
    else:
        yield from (not_built[uid] for uid in in_dependency_order(MANIFEST, not_built))


def _dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    engine: Engine,
    excluded: list[str],
    not_built: dict[str, dg.MaterializeResult] | None = None,
):
    tie_outs = sorted(TIE_OUT_TESTS) if CHAIN in context.selected_asset_keys else []
    args = [
        *DBT_NIGHTLY_BUILD,
        *engine.dbt_target_args,
        # dagster-dbt adds the step's own selection to this one
        *(["--select", " ".join(tie_outs)] if tie_outs else []),
        *(["--exclude", " ".join(excluded)] if excluded else []),
    ]
    invocation = dbt.cli(args, context=context, target_path=engine.dbt_target_path)
    try:
        # dagster-dbt observes each test it does not map to a check: recorded below instead
        events = (event for event in invocation.stream() if not _is_test_observation(event))
        if isinstance(engine, SparkEngine):
            yield from _completed_from_run_results(
                context, invocation, list(events), not_built or {}
            )
        else:
            yield from events
    finally:
        if engine.dbt_target_path is None:
            # on Spark dbt keeps its parse state in its own target folder
            keep_parse_state(invocation.target_path)
        # also when a test of severity error failed the build: the audit says which
        tests = dbt_test_results(invocation, checked=TIE_OUT_TEST_IDS)
        checked = checked_test_results(invocation, TIE_OUT_TEST_IDS)
        if tests or checked:
            context.log_event(
                dg.AssetObservation(
                    asset_key=min(context.selected_asset_keys),
                    metadata={
                        DBT_TESTS: dg.MetadataValue.json(tests),
                        CHECKED_DBT_TESTS: dg.MetadataValue.json(checked),
                    },
                )
            )


def _completed_from_run_results(
    context: dg.AssetExecutionContext,
    invocation: DbtCliInvocation,
    events: list,
    not_built: dict[str, dg.MaterializeResult],
):
    """A Spark step's events, with those the stream lost and the nodes Spark does not build
    (`not_built`), in dependency order. dagster-dbt reads dbt's JSON log from the output dbt
    shares with Spark's JVM, whose warnings break lines, and a broken line's node has no event
    (20 of 44 seeds once, on a loaded machine); dbt's run results say what it built. Dagster
    takes a step's assets in dependency order."""
    outputs = {
        **not_built,
        **{
            UNIQUE_ID_BY_NAME[event.output_name]: event
            for event in events
            if isinstance(event, dg.Output)
        },
    }
    for result in invocation.get_artifact("run_results.json")["results"]:
        key = KEY_BY_UNIQUE_ID.get(result["unique_id"])
        if key in context.selected_asset_keys and result["status"] == "success":
            outputs.setdefault(
                result["unique_id"],
                dg.MaterializeResult(
                    asset_key=key, metadata={"unique_id": result["unique_id"], "status": "success"}
                ),
            )
    for uid in in_dependency_order(MANIFEST, outputs):
        yield outputs[uid]
    yield from (event for event in events if not isinstance(event, dg.Output))


def _builds_changes_only(context: dg.AssetExecutionContext) -> bool:
    """A nightly run rebuilds what changed, unless tagged for a full build; a run of chosen
    assets (the UI's "Materialize") builds them whatever changed."""
    return (
        context.run.job_name == NIGHTLY_JOB_NAME and context.run.tags.get(BUILD_TAG) != FULL_BUILD
    )


def _selector(unique_id: str) -> str:
    """The node's dbt selector: its fully qualified name (as dagster-dbt selects)."""
    return ".".join(MANIFEST["nodes"][unique_id]["fqn"])


def _is_test_observation(event: object) -> bool:
    if not isinstance(event, dg.AssetObservation):
        return False
    unique_id = event.metadata.get("unique_id")
    return unique_id is not None and str(unique_id.value).startswith("test.")


MART_KEYS = [
    key for key in warehouse_dbt_assets.keys if key.path[-1].startswith(PUBLISHED_PREFIXES)
]


def _unchanged_marts(context: dg.AssetExecutionContext) -> UnchangedMarts | None:
    """The marts this run kept, unchanged since the run that last built them (one run: the
    last publish's), which the publish may take from that run's copy."""
    kept = kept_assets(context.instance, context.run.run_id)
    if len(kept) != 1:
        return None
    [(run_id, keys)] = kept.items()
    return UnchangedMarts(run_id, frozenset(key.path[-1] for key in keys if key in MART_KEYS))


@dg.asset(deps=MART_KEYS, group_name="cockpit", kinds={"duckdb"})
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """The marts copied to the file the cockpit reads, swapped in atomically. It runs only when
    every dbt test of severity error and every blocking check upstream passed (write-audit-
    publish); the copy and its run audit are kept for `medops rollback`. On Spark, the marts
    are those Spark built, extracted (medops/engine.py)."""
    checks = check_results(context.instance, context.run.run_id)
    contracts = load_contracts()
    schedule = schedule_rows(contracts)
    engine = warehouse.engine
    marts = [model_relation(key) for key in MART_KEYS]
    not_built = engine.not_built(marts)
    if not_built:
        context.log.warning(
            f"{len(not_built)} of the {len(marts)} marts are not built on {engine.name} (not "
            f"ported yet, docs/spark.md) and not published: {', '.join(not_built)}"
        )
    engine.extract(sorted(set(marts) - set(not_built)))
    unchanged = _unchanged_marts(context)
    counts, copy = publish_marts(
        warehouse.paths,
        context.run.run_id,
        checks,
        schedule,
        models=engine.models_database,
        unchanged=unchanged,
    )
    kept_from = copy.audit["kept_from"]
    context.log.info(
        f"published {len(counts)} marts to {warehouse.paths.published}"
        + (
            f"; {len(copy.audit['kept_tables'])} unchanged, kept from copy {kept_from}"
            if kept_from
            else ""
        )
    )
    if context.run.job_name == NIGHTLY_JOB_NAME and not isinstance(engine, SparkEngine):
        # every dbt node of the job is now built from these inputs: the next nightly run
        # rebuilds what changes after them (a run of chosen assets may have left some behind).
        # Spark builds every node it has each night and records nothing: the record describes
        # the DuckDB warehouse's models.
        with warehouse.connect() as con:
            sources = source_fingerprints(con, MANIFEST, contracts)
            record_published_inputs(con, context.run.run_id, code_fingerprint(MANIFEST), sources)
    # the freshness mart is not published where the engine does not build it yet
    late = late_source_alerts(warehouse.paths.published) if FRESHNESS_MART in counts else []
    notifier = Notifier.from_home(warehouse.paths)
    for alert in late:
        context.log.warning(alert.title)
        if notifier is not None:
            notifier.send(alert)
    return dg.MaterializeResult(
        metadata={
            "tables": counts,
            "path": str(warehouse.paths.published),
            "kept_copy": str(copy.path),
            "checks_passed": sum(c["passed"] for c in checks),
            "checks_failed_warn": sum(not c["passed"] for c in checks),
            "export_files": len(copy.audit["files"]),
            "code_version": copy.audit["code_version"] or "unknown",
            "late_sources": len(late),
        }
    )
