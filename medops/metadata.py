"""The dbt project's metadata check: what an analyst reads on the docs site must be there.

Rules, on dbt's ``target/manifest.json`` (and, when given, the columns the warehouse really
has):

- every model, source table, seed, metric, semantic model and exposure has a description;
- every documented column of a model has a description, and with the warehouse's columns at
  hand, every column a model really has is documented;
- every mart (``models/marts/``) enforces a contract (so its yml lists every column with its
  type) and has a primary-key test: ``unique`` on a column that is also not null (a
  ``not_null`` test or constraint), or a ``unique_combination`` test over its key columns.

Run ``medops metadata-check`` (after ``dbt parse``); CI runs it in the tests.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import duckdb

from medops.settings import DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
PRIMARY_KEY_TESTS = {"unique_combination"}


def _described(node: Mapping) -> bool:
    return bool((node.get("description") or "").strip())


def _key_tests(manifest: Mapping) -> dict[str, dict[str, set[str]]]:
    """model id -> test name -> the columns it tests (``*`` for model-level tests)."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        model = node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), None)
        if model is not None:
            found[model][node["test_metadata"]["name"]].add(node.get("column_name") or "*")
    return found


def _has_primary_key(model: Mapping, tests: Mapping[str, set[str]]) -> bool:
    if any(name in tests for name in PRIMARY_KEY_TESTS):
        return True
    not_null = set(tests.get("not_null", ()))
    for column, spec in model["columns"].items():
        if any(c.get("type") == "not_null" for c in spec.get("constraints") or ()):
            not_null.add(column)
    return bool(set(tests.get("unique", ())) & not_null)


def problems(
    manifest: Mapping, warehouse_columns: Mapping[str, set[str]] | None = None
) -> list[str]:
    """What the project lacks, one line each; ``warehouse_columns`` maps a model's name to the
    columns its relation has in the warehouse."""
    found: list[str] = []
    project = manifest["metadata"].get("project_name")
    tests = _key_tests(manifest)
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node.get("package_name") != project:
            continue
        kind = node["resource_type"]
        if kind not in ("model", "seed", "snapshot"):
            continue
        name = node["name"]
        if not _described(node):
            found.append(f"{kind} {name}: no description")
        if kind != "model":
            continue
        for column, spec in node["columns"].items():
            if not _described(spec):
                found.append(f"model {name}: column {column} has no description")
        if warehouse_columns is not None and name in warehouse_columns:
            documented = {c.lower() for c in node["columns"]}
            for column in sorted(warehouse_columns[name] - documented):
                found.append(f"model {name}: column {column} is not documented")
        if "marts" in node["fqn"][1:2]:
            if not node["config"].get("contract", {}).get("enforced"):
                found.append(f"mart {name}: no enforced contract")
            if not _has_primary_key(node, tests.get(unique_id, {})):
                found.append(f"mart {name}: no primary-key test (unique + not null)")
    for kind in ("sources", "metrics", "semantic_models", "exposures"):
        for node in manifest.get(kind, {}).values():
            if node.get("package_name") == project and not _described(node):
                found.append(f"{kind[:-1].replace('_', ' ')} {node['name']}: no description")
    return found


def warehouse_columns(warehouse: Path) -> dict[str, set[str]]:
    """Model name -> the columns of its relation in the warehouse (every schema but raw
    ingest ones; a model's name is its relation's name)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name, lower(column_name) from information_schema.columns "
            "where table_schema in ('staging', 'intermediate', 'marts', 'semantic', 'snapshots')"
        ).fetchall()
    finally:
        con.close()
    found: dict[str, set[str]] = defaultdict(set)
    for table, column in rows:
        found[table].add(column)
    return dict(found)


def load_manifest(path: Path | None = None) -> dict:
    path = path or MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `cd dbt && dbt parse` first")
    return json.loads(path.read_text(encoding="utf-8"))
