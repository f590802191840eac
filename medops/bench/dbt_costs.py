"""dbt's time split from its own artefacts, and its baseline: the compiled SQL of the same
models and tests run directly, in dependency order, on one DuckDB connection.

The difference is dbt's own overhead: start-up and parse, its introspection queries, the
transactions and renames of each materialization, and the test wrappers.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

# node kinds that the baseline cannot replay as SQL: their dbt time is left out of the ratio
NOT_REPLAYED = ("seed", "snapshot", "unit_test")


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def node_group(node: dict) -> str:
    """A node's layer for the report: seeds, staging, intermediate, marts, tests, ..."""
    kind = node["resource_type"]
    if kind == "model":
        fqn = node.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else "models"
        return f"python models ({layer})" if node.get("language") == "python" else layer
    return {"test": "tests", "seed": "seeds", "snapshot": "snapshots"}.get(kind, kind + "s")


def step_split(wall_seconds: float, run_results: dict, manifest: dict) -> dict:
    """One ``dbt build``: the wall clock split into start-up (process start, parse, the time
    before the first node and after the last) and the nodes' span; node seconds summed by
    group (on 2 threads the sums exceed the span)."""
    nodes = manifest["nodes"] | manifest.get("unit_tests", {})
    starts, ends, groups = [], [], {}
    for result in run_results["results"]:
        for timing in result.get("timing", []):
            if timing.get("started_at") and timing.get("completed_at"):
                starts.append(_moment(timing["started_at"]))
                ends.append(_moment(timing["completed_at"]))
        node = nodes.get(result["unique_id"])
        group = node_group(node) if node else "other"
        groups[group] = groups.get(group, 0.0) + result["execution_time"]
    span = (max(ends) - min(starts)).total_seconds() if starts else 0.0
    return {
        "wall": wall_seconds,
        "nodes_span": span,
        "startup_and_parse": max(wall_seconds - span, 0.0),
        "by_group": groups,
        "nodes": len(run_results["results"]),
    }


def slowest_nodes(artefacts: Path, count: int = 10) -> list[dict]:
    rows = []
    for path in sorted(artefacts.glob("*.run_results.json")):
        for result in json.loads(path.read_text())["results"]:
            rows.append({"node": result["unique_id"], "seconds": result["execution_time"]})
    return sorted(rows, key=lambda row: -row["seconds"])[:count]


def _replayable(artefacts: Path) -> tuple[dict[str, dict], float]:
    """Nodes dbt built in the run (with their compiled SQL, from each step's manifest), and
    the dbt seconds of those the baseline cannot replay."""
    built: dict[str, dict] = {}
    skipped_seconds = 0.0
    for results_path in sorted(artefacts.glob("*.run_results.json")):
        manifest = json.loads(
            results_path.with_name(results_path.name.replace("run_results", "manifest")).read_text()
        )
        nodes = manifest["nodes"] | manifest.get("unit_tests", {})
        for result in json.loads(results_path.read_text())["results"]:
            node = nodes.get(result["unique_id"])
            replayable = (
                node is not None
                and node["resource_type"] not in NOT_REPLAYED
                and node.get("language", "sql") == "sql"
                and node.get("compiled_code")
                and node["config"].get("materialized") != "ephemeral"
            )
            if replayable:
                built[result["unique_id"]] = node | {"dbt_seconds": result["execution_time"]}
            else:
                skipped_seconds += result["execution_time"]
    return built, skipped_seconds


def replay_compiled(warehouse: Path, artefacts: Path, scratch: Path) -> dict:
    """Run the compiled SQL of every model and test of the run on a copy of ``warehouse``, in
    dependency order, in one connection. Returns its seconds, and the dbt seconds to compare."""
    built, skipped_seconds = _replayable(artefacts)
    graph = {
        uid: [dep for dep in node["depends_on"]["nodes"] if dep in built]
        for uid, node in built.items()
    }
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / "warehouse.duckdb"  # the same file name: compiled SQL names "warehouse"
    shutil.copyfile(warehouse, copy)
    con = duckdb.connect(str(copy))
    models = tests = 0
    started = time.perf_counter()
    try:
        for uid in TopologicalSorter(graph).static_order():
            node = built[uid]
            code = node["compiled_code"]
            if node["resource_type"] == "test":
                con.execute(f"select count(*) from ({code}) as failures").fetchone()
                tests += 1
            else:
                kind = "view" if node["config"].get("materialized") == "view" else "table"
                con.execute(f"create or replace {kind} {node['relation_name']} as {code}")
                models += 1
    finally:
        con.close()
    seconds = time.perf_counter() - started
    copy.unlink()
    return {
        "seconds": seconds,
        "models": models,
        "tests": tests,
        "dbt_node_seconds": sum(node["dbt_seconds"] for node in built.values()),
        "dbt_not_replayed_seconds": skipped_seconds,
    }
