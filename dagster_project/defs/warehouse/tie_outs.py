"""The deal-to-cash tie-outs as blocking asset checks of the nightly job.

Each tie-out is a singular dbt test (dbt/tests/deal_to_cash/) comparing a figure of the chain
with the same figure on another area's mart. Those marts are built in different dbt steps of
the job (Python assets sit between them), so dbt's "buildable" test selection never picks the
tests: the dbt step that builds the chain's mart runs them (``TIE_OUT_TESTS``) and records dbt's
results, and this check reports them once every mart they read is built (its dependencies are
the tests' own parents, read from the dbt manifest). Where no step of the run ran them (a night
that rebuilt none of that step, the `audit_and_publish` job), it runs them with `dbt test`.

In dbt the tie-outs are warnings (dbt_project.yml), so a difference never stops the build; here
a failed tie-out blocks publishing and names the figure, the difference and the rows that
explain it (dbt keeps the failing rows; the first ones are shown in the check's metadata).
"""

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.defs.warehouse.assets import (
    CHAIN,
    MANIFEST,
    TIE_OUT_TESTS,
    LayerGroupTranslator,
    keep_parse_state,
)
from dagster_project.defs.warehouse.run_results import recorded_checked_tests
from dagster_project.resources import WarehouseResource, dbt_project
from medops.settings import DBT_NIGHTLY_FLAGS

TEST_PREFIX = "assert_d2c_"
SHOWN_OFFENDERS = 10
# the first offender in the description (the run's failure account) is cut here; the metadata
# keeps the rows whole
DESCRIBED_OFFENDER_CHARS = 600
# dbt's statuses of a test that found rows: warn at the tie-outs' severity (fail at error)
FOUND_ROWS = ("warn", "fail")


def _parents(node: dict, manifest_nodes: dict) -> list[dg.AssetKey]:
    translator = LayerGroupTranslator()
    return [
        translator.get_asset_key(manifest_nodes[parent])
        for parent in node["depends_on"]["nodes"]
        if parent in manifest_nodes
    ]


def check_name(test_name: str) -> str:
    """The check's name: the test's without its prefix (won_amount_ties_to_sales)."""
    return test_name.removeprefix(TEST_PREFIX)


def _rule(node: dict) -> str:
    """The test's first comment line(s): which figure is compared with which."""
    lines = []
    for line in node["raw_code"].splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return " ".join(lines)


_MANIFEST_NODES = {**MANIFEST["nodes"], **MANIFEST["sources"]}


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            check_name(name),
            asset=CHAIN,
            additional_deps=[key for key in _parents(node, _MANIFEST_NODES) if key != CHAIN],
            blocking=True,
            description=_rule(node),
        )
        for name, node in sorted(TIE_OUT_TESTS.items())
    ],
    name="deal_to_cash_tie_outs",
)
def deal_to_cash_tie_outs(
    context: dg.AssetCheckExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """The tie-outs' results on the engine that builds the models, one per test: those a dbt
    step of this run recorded, the others from `dbt test`; dbt's exit status is not the verdict
    (each test's own status is). A tie-out that engine does not run yet (Spark, until the
    marts it reads are ported) is reported as not evaluated, a warning that does not block."""
    engine = warehouse.engine
    not_enabled = set(engine.not_enabled(node["unique_id"] for node in TIE_OUT_TESTS.values()))
    results = recorded_checked_tests(context.instance, context.run.run_id)
    not_run = "the test did not run"
    run = sorted(
        name
        for name, node in TIE_OUT_TESTS.items()
        if node["unique_id"] not in not_enabled and node["unique_id"] not in results
    )
    context.log.info(
        f"tie-outs: {len(results)} run by this run's dbt build, {len(run)} run with dbt test"
    )
    if run:
        invocation = dbt.cli(
            ["test", "--select", " ".join(run), *DBT_NIGHTLY_FLAGS, *engine.dbt_target_args],
            manifest=dbt_project.manifest_path,
            raise_on_error=False,
            target_path=engine.dbt_target_path,
        ).wait()
        if engine.dbt_target_path is None:
            # on Spark dbt keeps its parse state in its own target folder
            keep_parse_state(invocation.target_path)
        if (invocation.target_path / "run_results.json").exists():
            artifact = invocation.get_artifact("run_results.json")
            results.update((result["unique_id"], result) for result in artifact["results"])
        else:  # dbt stopped before running anything (a parse or connection error)
            not_run = str(invocation.get_error() or "dbt did not run")
    failed_relations = [
        result["relation_name"]
        for result in results.values()
        if result["status"] in FOUND_ROWS and result.get("relation_name")
    ]
    engine.extract(failed_relations)
    with warehouse.connect() as con, engine.models(con) as models:
        for name, node in sorted(TIE_OUT_TESTS.items()):
            rule = _rule(node)
            if node["unique_id"] in not_enabled:
                yield dg.AssetCheckResult(
                    asset_key=CHAIN,
                    check_name=check_name(name),
                    passed=False,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=f"not evaluated: not run on {engine.name} (the marts it reads "
                    f"are disabled on its dbt target). {rule}",
                    metadata={"dbt_test": name},
                )
                continue
            result = results.get(node["unique_id"])
            status = result["status"] if result else "not run"
            shown: list[dict] = []
            found_rows = status in FOUND_ROWS
            if found_rows and result.get("relation_name"):
                # the relation is the one dbt just wrote (from its own artifact, not user input)
                cursor = models.execute(
                    f"select * from {result['relation_name']} limit {SHOWN_OFFENDERS}"
                )
                columns = [d[0] for d in cursor.description]
                shown = [
                    dict(zip(columns, map(str, row), strict=True)) for row in cursor.fetchall()
                ]
            passed = status == "pass"
            if passed:
                description = rule
            elif found_rows:
                description = f"{result['failures']} rows differ beyond the tolerance: {rule}"
                if shown:
                    first = {k: v for k, v in shown[0].items() if k != "tie_out"}
                    description += f" First: {first}"[:DESCRIBED_OFFENDER_CHARS]
            else:
                message = (result or {}).get("message") or not_run
                description = f"dbt test {status}: {message}"
            yield dg.AssetCheckResult(
                asset_key=CHAIN,
                check_name=check_name(name),
                passed=passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=description,
                metadata={
                    "dbt_test": name,
                    "offending_rows": int((result or {}).get("failures") or 0),
                    "first_offenders": dg.MetadataValue.json(shown),
                },
            )
