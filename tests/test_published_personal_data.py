"""No personal data in the published copy: every text column of every published table of the
shared end-to-end build (real generated exports through the real Dagster job) is scanned for
mobile numbers, ID numbers and the contacts' names as the CRM export holds them (from the
generator's answer key, not from the marts)."""

from __future__ import annotations

import duckdb
import pytest
from conftest import truth

pytestmark = pytest.mark.slow

MOBILE = r"(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)"
ID_NUMBER = r"(^|[^0-9])[1-9][0-9]{16}[0-9Xx]([^0-9A-Za-z]|$)"


def test_no_text_column_of_the_published_copy_holds_personal_data(clean_build) -> None:
    home, exports, result = clean_build
    assert result.success
    # full names of two characters or more (one character would match everywhere); staff
    # names are work identities the marts show, so a contact who shares one is left out
    staff = set(truth(exports, "employees")["employee_name"].to_list())
    names = sorted(
        {n for n in truth(exports, "contacts")["contact_name"].to_list() if n and len(n) >= 2}
        - staff
    )
    con = duckdb.connect(str(home / "published.duckdb"), read_only=True)
    try:
        con.execute("create temp table contact_names (name varchar)")
        con.executemany("insert into contact_names values (?)", [[n] for n in names])
        # keys (``*_id``) are codes of the systems, some all digits: not personal data
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = 'main' "
            "and data_type = 'VARCHAR' and column_name not like '%\\_id' escape '\\'"
        ).fetchall()
        leaks = []
        for table, column in columns:
            (mobiles, ids, named) = con.execute(
                f"""
                select
                    count(*) filter (where regexp_matches("{column}", $mobile)),
                    count(*) filter (where regexp_matches("{column}", $id_number)),
                    count(*) filter (where exists (
                        select 1 from contact_names where contains(t."{column}", name))),
                from "{table}" as t
                """,
                {"mobile": MOBILE, "id_number": ID_NUMBER},
            ).fetchone()
            if mobiles or ids or named:
                leaks.append((table, column, mobiles, ids, named))
    finally:
        con.close()
    assert leaks == [], "(table, column, mobiles, ID numbers, contact names): " + repr(leaks)
