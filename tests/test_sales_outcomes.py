"""Deal-outcome and retention marts against figures computed here from the generator's truth
tables (plain Python on the parquet files, Chinese values mapped to codes here), sharing
nothing with the models under test. Definitions: DECISIONLOG.md, "Deal outcomes and customer
retention".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from conftest import STAGE_CODES, query, truth

pytestmark = pytest.mark.slow

LEAD_SOURCE_CODES = {
    "展会": "trade_show",
    "官网": "website",
    "学术会议": "academic_meeting",
    "转介绍": "referral",
    "400热线": "hotline",
}


@pytest.fixture(scope="module")
def build(clean_build) -> tuple[Path, Path]:
    home, exports, result = clean_build
    assert result.success
    return home / "warehouse.duckdb", exports


def quarter_of(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def previous_quarter(quarter: date) -> date:
    return (
        date(quarter.year - 1, 10, 1)
        if quarter.month == 1
        else quarter.replace(month=quarter.month - 3)
    )


def test_lost_reasons_and_the_stage_lost_from(build):
    db, exports = build
    history = defaultdict(list)
    for row in truth(exports, "opportunity_stage_history").to_dicts():
        history[row["opportunity_id"]].append((row["entered_at"], STAGE_CODES[row["stage"]]))
    expected: Counter = Counter()
    for opp in truth(exports, "opportunities").to_dicts():
        if STAGE_CODES[opp["current_stage"]] != "lost":
            continue
        funnel_stages = [stage for _, stage in sorted(history[opp["opportunity_id"]])]
        funnel_stages = [stage for stage in funnel_stages if stage not in ("won", "lost")]
        expected[(opp["lost_reason"], funnel_stages[-1] if funnel_stages else None)] += 1
    found = dict(
        ((reason, stage), count)
        for reason, stage, count in query(
            db,
            "select lost_reason, lost_from_stage, sum(opportunities_lost) "
            "from marts.rpt_lost_reasons_monthly group by all",
        )
    )
    assert found == dict(expected)
    assert sum(expected.values()) > 20  # the demo data has lost deals to check


def test_deal_size_per_month(build):
    db, exports = build
    won = defaultdict(list)
    for opp in truth(exports, "opportunities").to_dicts():
        if STAGE_CODES[opp["current_stage"]] == "won":
            won[opp["closed_on"].replace(day=1)].append(float(opp["amount"]))
    found = {
        month: (deals, float(amount))
        for month, deals, amount in query(
            db,
            "select month_start, sum(deals_won), sum(won_amount) "
            "from marts.rpt_deal_size_monthly group by all",
        )
    }
    assert set(found) == set(won)
    for month, amounts in won.items():
        assert found[month][0] == len(amounts), month
        assert found[month][1] == pytest.approx(sum(amounts)), month


def test_funnel_carries_the_lead_source(build):
    db, exports = build
    lead_sources = {
        lead["lead_id"]: LEAD_SOURCE_CODES[lead["lead_source"]]
        for lead in truth(exports, "leads").to_dicts()
    }
    expected = {
        opp["opportunity_id"]: lead_sources.get(opp["lead_id"])
        for opp in truth(exports, "opportunities").to_dicts()
    }
    found = dict(
        query(db, "select distinct opportunity_id, lead_source from marts.fct_funnel_stage_reached")
    )
    assert found == {opp: expected[opp] for opp in found}
    assert set(found.values()) - {None} == set(LEAD_SOURCE_CODES.values())


def test_retention_repeat_purchase_and_cross_sell(build):
    db, exports = build
    product_lines = {p["sku"]: p["product_line"] for p in truth(exports, "products").to_dicts()}
    lines_by_quarter: dict[str, dict[date, set]] = defaultdict(lambda: defaultdict(set))
    for order in truth(exports, "orders").to_dicts():
        quarter = quarter_of(order["ordered_on"])
        lines_by_quarter[order["account_id"]][quarter].add(product_lines[order["sku"]])
    first_quarter = min(q for quarters in lines_by_quarter.values() for q in quarters)

    expected = defaultdict(Counter)
    for quarters in lines_by_quarter.values():
        seen_lines: set = set()
        for quarter in sorted(quarters):
            cell = expected[quarter]
            cell["active"] += 1
            if seen_lines:
                cell["returning"] += 1
                cell["cross_sold"] += bool(quarters[quarter] - seen_lines)
            if previous_quarter(quarter) in quarters:
                cell["retained"] += 1
            seen_lines |= quarters[quarter]
        for quarter in quarters:
            # churned next quarter (the last quarter of the exports has no next one shown)
            following = (
                date(quarter.year + 1, 1, 1)
                if quarter.month == 10
                else quarter.replace(month=quarter.month + 3)
            )
            if following not in quarters:
                expected[following]["churned"] += 1
    found = {
        quarter: {
            "active": active,
            "returning": returning,
            "retained": retained,
            "cross_sold": cross_sold,
            "churned": churned,
        }
        for quarter, active, returning, retained, cross_sold, churned in query(
            db,
            "select quarter_start, sum(customers_active), sum(customers_returning), "
            "sum(customers_retained), sum(customers_cross_sold), sum(customers_churned) "
            "from marts.rpt_customer_retention_quarterly group by 1",
        )
    }
    assert min(found) == first_quarter
    for quarter, cell in found.items():
        want = expected[quarter]
        assert cell == {key: want[key] for key in cell}, quarter
