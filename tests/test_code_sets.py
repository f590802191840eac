"""Open code sets: the codes the contracts map export values onto are the codes of the seeds a
company edits, and the staging tests read those seeds, never a list of their own."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from ingest.contracts import load_contracts

REPO = Path(__file__).resolve().parent.parent

# (source, column) -> (seed, seed column): the code sets a company makes its own
CODE_SETS = {
    ("crm_accounts", "account_type"): ("account_types", "account_type"),
    ("crm_leads", "product_line"): ("product_lines", "product_line"),
    ("crm_leads", "lead_source"): ("lead_sources", "lead_source"),
    ("crm_opportunities", "product_line"): ("product_lines", "product_line"),
    ("crm_opportunities", "channel"): ("sales_channels", "channel"),
    ("crm_opportunities", "current_stage"): ("opportunity_stages", "stage_code"),
    ("crm_opportunity_stage_history", "stage"): ("opportunity_stages", "stage_code"),
    ("erp_products", "product_line"): ("product_lines", "product_line"),
    ("erp_products", "product_category"): ("product_lines", "product_category"),
    ("svc_tickets", "channel"): ("service_ticket_channels", "channel"),
    ("svc_tickets", "priority"): ("service_priorities", "priority"),
    ("svc_tickets", "ticket_status"): ("service_ticket_statuses", "status_code"),
    ("svc_ticket_history", "ticket_status"): ("service_ticket_statuses", "status_code"),
    ("svc_ticket_history", "priority"): ("service_priorities", "priority"),
}
# Vocabularies the models give a fixed meaning to (a grade decides the service tier, a unit
# level the org tree, a currency the exchange rate...): not a company's to rename.
FIXED_VOCABULARIES = {
    ("crm_accounts", "hospital_grade"),
    ("crm_accounts", "coordinate_system"),
    ("crm_campaigns", "campaign_type"),
    ("crm_employees", "job_role"),
    ("crm_leads", "lead_status"),
    ("crm_org_units", "unit_level"),
    ("crm_visits", "activity_type"),
    ("erp_contract_changes", "changed_field"),
    ("erp_contracts", "currency"),
    ("erp_credit_notes", "credit_reason"),
    ("erp_payments", "payment_method"),
    ("svc_service_contracts", "coverage"),
    ("svc_tickets", "resolution_mode"),
}


def _seed_codes(seed: str, column: str) -> set[str]:
    with (REPO / "seeds" / f"{seed}.csv").open(encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def _mapped_columns() -> dict[tuple[str, str], set[str]]:
    return {
        (contract.source, column.name): set(column.values.values())
        for contract in load_contracts()
        for column in contract.columns
        if column.values
    }


def test_every_mapped_column_is_a_known_code_set_or_a_fixed_vocabulary():
    mapped = set(_mapped_columns())
    assert mapped == set(CODE_SETS) | FIXED_VOCABULARIES


def test_contract_values_map_onto_the_codes_of_the_seeds():
    for key, codes in _mapped_columns().items():
        if key in CODE_SETS:
            seed, column = CODE_SETS[key]
            assert codes <= _seed_codes(seed, column), (key, codes - _seed_codes(seed, column))


def test_staging_tests_of_code_sets_read_the_seeds():
    """Each code-set column of a staging model is tested against its seed (a relationships
    test), with no accepted_values list of its own."""
    models = {}
    for yml in (REPO / "dbt" / "models" / "staging").glob("*/_*__models.yml"):
        for model in yaml.safe_load(yml.read_text(encoding="utf-8"))["models"]:
            models[model["name"]] = {c["name"]: c.get("data_tests", []) for c in model["columns"]}
    prefixes = {"crm": "stg_crm__", "erp": "stg_erp__", "svc": "stg_service__"}
    for (source, column), (seed, seed_column) in CODE_SETS.items():
        system, entity = source.split("_", 1)
        tests = models[prefixes[system] + entity][column]
        relationships = [t["relationships"]["arguments"] for t in tests if "relationships" in t]
        assert relationships == [{"to": f"ref('{seed}')", "field": seed_column}], (source, column)
        assert not any("accepted_values" in t for t in tests if isinstance(t, dict))


def test_seeds_of_code_sets_name_every_code_in_both_languages():
    for seed in {seed for seed, _ in CODE_SETS.values()}:
        with (REPO / "seeds" / f"{seed}.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        names = [c for c in rows[0] if re.search(r"_name_(zh|en)$", c)]
        assert {n[-2:] for n in names} >= {"zh", "en"}, seed
        assert all(row[n] for row in rows for n in names), seed


# the worked examples' contracts (examples/*/): their code columns map onto the same seeds
EXAMPLE_CODE_SETS = {
    ("crm_opportunities_current", "current_stage"): ("opportunity_stages", "stage_code"),
    ("fsm_ticket_events", "ticket_status"): ("service_ticket_statuses", "status_code"),
    ("fsm_ticket_events", "priority"): ("service_priorities", "priority"),
}


def test_example_contracts_map_onto_the_codes_of_the_seeds():
    contracts = sorted((REPO / "examples").glob("*/*.yml"))
    if not contracts:
        pytest.skip("no worked examples in this checkout")
    checked = set()
    for path in contracts:
        contract = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, column in contract["columns"].items():
            key = (contract["source"], name)
            if key in EXAMPLE_CODE_SETS and isinstance(column, dict) and column.get("values"):
                codes = {str(code) for code in column["values"].values()}
                assert codes <= _seed_codes(*EXAMPLE_CODE_SETS[key]), key
                checked.add(key)
    assert checked == set(EXAMPLE_CODE_SETS)
