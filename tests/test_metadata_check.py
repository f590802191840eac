"""The dbt metadata check (medops/metadata.py): the project passes it, and it catches each kind
of gap on a manifest with that gap put in."""

from __future__ import annotations

import copy

import pytest

from medops import metadata


@pytest.fixture(scope="module")
def manifest() -> dict:
    return metadata.load_manifest()


def test_project_metadata_is_complete(manifest):
    assert metadata.problems(manifest) == []


@pytest.mark.slow
def test_every_warehouse_column_is_documented(manifest, clean_build):
    home, _exports, result = clean_build
    assert result.success
    columns = metadata.warehouse_columns(home / "warehouse.duckdb")
    assert len(columns) > 100
    assert metadata.problems(manifest, columns) == []


def _node(manifest: dict, name: str) -> dict:
    return next(
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] == name
    )


def test_each_gap_is_reported(manifest):
    broken = copy.deepcopy(manifest)
    _node(broken, "stg_crm__accounts")["description"] = " "
    next(iter(_node(broken, "int_employee_teams")["columns"].values()))["description"] = ""
    _node(broken, "rpt_ar_kpis_monthly")["config"]["contract"]["enforced"] = False
    mart = _node(broken, "dim_customers")
    for node_id, node in list(broken["nodes"].items()):
        if node["resource_type"] == "test" and node.get("attached_node") == mart["unique_id"]:
            if (node.get("test_metadata") or {}).get("name") == "unique":
                del broken["nodes"][node_id]
    next(iter(broken["metrics"].values()))["description"] = ""
    found = metadata.problems(broken, {"fct_leads": {"lead_id", "not_in_yml"}})
    assert "model stg_crm__accounts: no description" in found
    assert any(line.startswith("model int_employee_teams: column ") for line in found)
    assert "mart rpt_ar_kpis_monthly: no enforced contract" in found
    assert "mart dim_customers: no primary-key test (unique + not null)" in found
    assert "model fct_leads: column not_in_yml is not documented" in found
    assert any(line.startswith("metric ") for line in found)
    assert len(found) == 6
