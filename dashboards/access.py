"""Who may see which rows: roles, scopes from the org hierarchy, and the scoped connection.

A user's role (in the users file, see ``dashboards.users``) decides the *level* of their
scope; the org unit at that level comes from the CRM's org hierarchy as published in
``dim_employees`` (company > region > province unit > team > rep), never typed by hand:

- company-wide roles (executive, finance, analyst) see every row;
- a sales director sees the unit they head (their ``unit_id``: a region or a province unit),
  a team lead their team, a service director their region (or the company when not linked);
- a rep or engineer sees only rows they own, or rows of customers they own.

Access is enforced in the query: every cockpit query's cursor (``apply_scope``) shadows each
published table it reads with a temporary view of the same name that keeps only the scope's
rows and masks personal data for roles not allowed to see it. The scope reaches the SQL as
bound parameters (in temporary tables), never formatted into it. A table with no column that
ties a row to the org or to a customer is visible only to company-wide scopes, unless it is a
code table listed in ``REFERENCE_TABLES``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb


class AccessDenied(Exception):
    """A query without a scope, or a user whose scope cannot be resolved."""


# Levels from the widest to the narrowest. ``none`` sees no data rows at all (the admin).
LEVELS = ("company", "region", "province_unit", "team", "own", "none")


@dataclass(frozen=True)
class Role:
    """What a role may see: the level of its scope, personal data or not, its pages (url
    paths; ``None`` = every data page) and the page it opens on."""

    level: str
    personal_data: bool
    pages: tuple[str, ...] | None
    home: str


_SALES_PAGES = (
    "sales-funnel",
    "sales-overview",
    "sales-alerts",
    "sales-forecast",
    "customer-360",
    "customer-collisions",
    "customer-tiers",
    "receivables-aging",
    "receivables-overview",
    "receivables-compliance",
    "deal-to-cash",
    "travel-cost",
)
ROLES = {
    "executive": Role("company", True, None, "executive-overview"),
    "finance": Role(
        "company",
        True,
        (
            "receivables-aging",
            "receivables-overview",
            "receivables-compliance",
            "deal-to-cash",
            "travel-cost",
            "executive-overview",
            "sales-overview",
            "service-cockpit",
            "customer-360",
        ),
        "receivables-aging",
    ),
    # "unit" levels are resolved from the linked employee's (or unit's) place in the hierarchy
    "service_director": Role(
        "unit",
        True,
        ("service-cockpit", "service-assets", "receivables-aging", "customer-360"),
        "service-cockpit",
    ),
    "sales_director": Role("unit", True, ("my-day", *_SALES_PAGES), "sales-overview"),
    "team_lead": Role("team", True, ("my-day", *_SALES_PAGES), "sales-overview"),
    "rep": Role(
        "own",
        True,
        ("my-day", "customer-360", "sales-alerts", "receivables-aging", "service-cockpit"),
        "my-day",
    ),
    "analyst": Role("company", False, None, "data-quality"),
    "admin": Role("none", False, ("admin-audit", "admin-users", "operations"), "admin-audit"),
}
ADMIN_PAGES = ("admin-audit", "admin-users")


@dataclass(frozen=True)
class Scope:
    """The rows a session may see. Hashable: it is part of every cached query's key, so one
    scope's cached result never answers another's."""

    role: str
    level: str
    unit_id: str | None
    employee_id: str | None
    personal_data: bool

    def may_open(self, url_path: str) -> bool:
        pages = ROLES[self.role].pages
        if pages is None:
            return url_path not in ADMIN_PAGES
        return url_path in pages


FULL_ACCESS = Scope("executive", "company", None, None, True)


def resolve_scope(
    con: duckdb.DuckDBPyConnection, role: str, employee_id: str | None, unit_id: str | None
) -> Scope:
    """The scope of a user with ``role``, linked to ``employee_id`` and/or an org ``unit_id``,
    from the published org hierarchy (``dim_employees``). Raises AccessDenied when the link
    is missing or not in the hierarchy."""
    if role not in ROLES:
        raise AccessDenied(f"unknown role {role!r}")
    policy = ROLES[role]
    if policy.level in ("company", "none"):
        return Scope(role, policy.level, None, employee_id, policy.personal_data)
    if policy.level == "own":
        if not employee_id:
            raise AccessDenied(f"role {role} needs an employee id")
        return Scope(role, "own", employee_id, employee_id, policy.personal_data)
    if employee_id and not unit_id:
        row = con.execute(
            "select unit_id, team_id from dim_employees where employee_id = ?", [employee_id]
        ).fetchone()
        if row is None:
            raise AccessDenied(f"employee {employee_id} is not in the org hierarchy")
        unit_id = row[1] if policy.level == "team" else row[0]
    if not unit_id:
        if role == "service_director":  # not tied to a region: the whole company's service
            return Scope(role, "company", None, employee_id, policy.personal_data)
        raise AccessDenied(f"role {role} needs an employee id or an org unit")
    level = _unit_level(con, unit_id)
    if level is None:
        raise AccessDenied(f"org unit {unit_id} is not in the org hierarchy")
    if policy.level == "team" and level != "team":
        raise AccessDenied(f"team lead linked to {unit_id}, which is not a team")
    return Scope(role, level, unit_id, employee_id, policy.personal_data)


def _unit_level(con: duckdb.DuckDBPyConnection, unit_id: str) -> str | None:
    """Which level of the hierarchy ``unit_id`` is (region, province_unit or team)."""
    row = con.execute(
        """
        select
            case
                when bool_or(region_id = $unit) then 'region'
                when bool_or(province_unit_id = $unit) then 'province_unit'
                when bool_or(team_id = $unit) then 'team'
            end,
        from dim_employees
        """,
        {"unit": unit_id},
    ).fetchone()
    return row[0] if row else None


# Columns that tie a row to the org or to a customer -> the scope set they are checked in.
# A row is visible when any of them is in the scope; the coarser org columns count only for
# scopes at least that wide (a rep never sees a row just because it is their team's).
_OWNER_COLUMNS = {
    "owner_id": "scope_employees",
    "employee_id": "scope_employees",
    "engineer_id": "scope_employees",
    "team_id": "scope_teams",
    "province_unit_id": "scope_province_units",
    "region_id": "scope_regions",
    "account_id": "scope_accounts",
    "golden_customer_id": "scope_customers",
}
# Code tables and targets with nothing about people or customers: visible to every scope.
REFERENCE_TABLES = frozenset(
    {
        "_closed_months",
        "_published",
        "_source_arrivals",
        "dim_ar_aging_buckets",
        "dim_lead_sources",
        "dim_lost_reasons",
        "dim_product_lines",
        "dim_sales_channels",
        "rpt_export_shapes",
        "rpt_service_kpi_targets",
    }
)
# Personal data: column -> mask macro. Free-text columns get every mobile number and ID
# number inside them masked.
PERSONAL_COLUMNS = {
    "contact_name": "medops_mask_name",
    "mobile": "medops_mask_phone",
    "phone": "medops_mask_phone",
    "id_number": "medops_mask_id_number",
    "example_raw_values": "medops_mask_text",
}
MOBILE_PATTERN = r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"
ID_NUMBER_PATTERN = r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])"
_MASK_MACROS = [
    # same shapes as the warehouse's mask_personal_data macro: 王**, 138****5678
    """create or replace temp macro medops_mask_name(x) as
        case when x is not null then left(x, 1) || repeat('*', greatest(length(x) - 1, 1)) end""",
    """create or replace temp macro medops_mask_phone(x) as
        case
            when length(x) >= 7 then left(x, 3) || '****' || right(x, 4)
            when x is not null then '****'
        end""",
    """create or replace temp macro medops_mask_id_number(x) as
        case
            when length(x) >= 10 then left(x, 6) || repeat('*', length(x) - 10) || right(x, 4)
            when x is not null then '****'
        end""",
    # DuckDB's RE2 has no look-around: match a digit run and mask runs of mobile/ID shape
    r"""create or replace temp macro medops_mask_text(x) as
        regexp_replace(
            regexp_replace(x, '(^|[^0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})([^0-9]|$)',
                '\1\2****\3\4', 'g'),
            '(^|[^0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])([^0-9A-Za-z]|$)',
            '\1\2********\3\4', 'g')""",
]

# The scope's sets, from the org hierarchy, with the scope as bound parameters ($level,
# $unit, $employee). Without dim_employees (a partial publish) only the unit itself counts.
_SCOPE_SETS = {
    "scope_employees": """
        select employee_id as id from {db}.main.dim_employees
        where ($level = 'own' and employee_id = $unit)
            or ($level = 'team' and team_id = $unit)
            or ($level = 'province_unit' and province_unit_id = $unit)
            or ($level = 'region' and region_id = $unit)
        """,
    "scope_teams": """
        select distinct team_id as id from {db}.main.dim_employees
        where team_id is not null and (
            ($level = 'team' and team_id = $unit)
            or ($level = 'province_unit' and province_unit_id = $unit)
            or ($level = 'region' and region_id = $unit))
        """,
    "scope_province_units": """
        select distinct province_unit_id as id from {db}.main.dim_employees
        where province_unit_id is not null and (
            ($level = 'province_unit' and province_unit_id = $unit)
            or ($level = 'region' and region_id = $unit))
        """,
    "scope_regions": "select $unit as id where $level = 'region'",
}
_SCOPE_SETS_WITHOUT_HIERARCHY = {
    "scope_employees": "select $unit as id where $level = 'own'",
    "scope_teams": "select $unit as id where $level = 'team'",
    "scope_province_units": "select $unit as id where $level = 'province_unit'",
    "scope_regions": "select $unit as id where $level = 'region'",
}
# Customers (CRM accounts and golden customers) owned by someone in the scope.
_CUSTOMER_SETS = {
    "scope_accounts": """
        select distinct account_id as id from {db}.main.fct_customer_account_matches
        where owner_id in (select id from scope_employees)
            or team_id in (select id from scope_teams)
        """,
    "scope_customers": """
        select distinct golden_customer_id as id from {db}.main.fct_customer_account_matches
        where owner_id in (select id from scope_employees)
            or team_id in (select id from scope_teams)
        """,
}

# A service director's customers are also the customers their service org covers: those with
# a device in the scope's regions under warranty or a service contract (DECISIONLOG.md,
# "Receivables of covered customers"). Rows of those golden customers (their receivables,
# their 360) are the director's to see; tickets and devices stay those of the regions.
_COVERED_CUSTOMERS = """
    insert into scope_customers
    select distinct matches.golden_customer_id
    from {db}.main.dim_service_devices as devices
    inner join {db}.main.fct_customer_account_matches as matches
        on devices.account_id = matches.account_id
    where devices.coverage_status in ('warranty', 'service_contract')
        and devices.region_id in (select id from scope_regions)
"""


def apply_scope(con: duckdb.DuckDBPyConnection, scope: Scope | None, sql: str) -> None:
    """Make every table ``sql`` names the scope's view of it, on ``con``: a cursor of its own
    (``dashboards.connections``), whose temporary views and tables no other query sees."""
    if scope is None:
        raise AccessDenied("no query without a login")
    if scope.level == "company" and scope.personal_data:
        return
    (database,) = con.execute("select current_database()").fetchone()
    db = '"' + database.replace('"', '""') + '"'
    columns: dict[str, list[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = 'main' order by table_name, ordinal_position",
        [database],
    ).fetchall():
        columns.setdefault(table, []).append(column)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql.lower()))
    named = [table for table in columns if table.lower() in words]
    if not named:
        return
    row_filtered = scope.level != "company"
    if row_filtered:
        _create_scope_sets(con, scope, db, columns)
    if not scope.personal_data:
        for macro in _MASK_MACROS:
            con.execute(macro)
    for table in named:
        select = _masked_select(columns[table]) if not scope.personal_data else "*"
        where = _row_filter(table, columns[table]) if row_filtered else "true"
        con.execute(
            f'create temp view "{table}" as select {select} from {db}.main."{table}" where {where}'
        )


def _create_scope_sets(
    con: duckdb.DuckDBPyConnection, scope: Scope, db: str, columns: dict[str, list[str]]
) -> None:
    params = {"level": scope.level, "unit": scope.unit_id or ""}
    sets = _SCOPE_SETS if "dim_employees" in columns else _SCOPE_SETS_WITHOUT_HIERARCHY
    for name, query in sets.items():
        used = {key for key in params if f"${key}" in query}
        con.execute(
            f"create temp table {name} as {query.format(db=db)}",
            {key: params[key] for key in used},
        )
    for name, query in _CUSTOMER_SETS.items():
        if "fct_customer_account_matches" in columns:
            con.execute(f"create temp table {name} as {query.format(db=db)}")
        else:
            con.execute(f"create temp table {name} (id varchar)")
    covers = {"dim_service_devices", "fct_customer_account_matches"} <= set(columns)
    if scope.role == "service_director" and covers:
        con.execute(_COVERED_CUSTOMERS.format(db=db))


def _row_filter(table: str, table_columns: list[str]) -> str:
    if table in REFERENCE_TABLES:
        return "true"
    checks = [
        f'"{column}" in (select id from {scope_set})'
        for column, scope_set in _OWNER_COLUMNS.items()
        if column in table_columns
    ]
    return " or ".join(checks) if checks else "false"


def _masked_select(table_columns: list[str]) -> str:
    masked = [
        f'{macro}("{column}") as "{column}"'
        for column, macro in PERSONAL_COLUMNS.items()
        if column in table_columns
    ]
    return f"* replace ({', '.join(masked)})" if masked else "*"
