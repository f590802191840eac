"""Shareable views on every page (dashboards/url_state.py): a link with filters reproduces the
view, a tampered or malformed link falls back to the defaults with a message, and a page
opened without filters reopens with the user's last ones.

Runs the real app (``dashboards/app.py``, its navigation and remembering) in AppTest on the
end-to-end build. The filter values of each link are taken from the page's own options (the
scoped queries), so the test follows the generated data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import COCKPIT_TEST_ADMIN, COCKPIT_TEST_PASSWORD
from streamlit.testing.v1 import AppTest

from dashboards import (
    alerts_data,
    audit,
    auth,
    customers_data,
    data,
    funnel_data,
    sales_data,
    service_data,
    travel_data,
)
from dashboards import forecast_data as fd
from dashboards import receivables_data as ar
from dashboards.access import FULL_ACCESS
from dashboards.auth_session import SESSION_KEY
from dashboards.periods import month_label

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
TAMPERED = "T999' or 1=1 --"
# free text (searched with bound parameters): no value of it is invalid
TEXT_PARAMS = {"q"}


def _first_month(months: list) -> str:
    """A one-month range (never the default of twelve months)."""
    return f"{month_label(months[0])}..{month_label(months[0])}"


def _funnel(source: data.Published) -> dict[str, str]:
    org = funnel_data.funnel_org(source)
    return {
        "months": _first_month(funnel_data.month_range(source)),
        "product_lines": next(iter(funnel_data.code_names(source, "product_line", "zh"))),
        "region": org["region_id"].dropna().iloc[0],
    }


def _sales(source: data.Published) -> dict[str, str]:
    teams = sales_data.sales_teams(source)
    return {
        "months": _first_month(sales_data.sales_month_range(source)),
        "regions": teams["region_name"].dropna().iloc[0],
        "teams": teams["team_id"].iloc[0],
    }


def _alerts(source: data.Published) -> dict[str, str]:
    owners = alerts_data.alert_owners(source)
    return {
        "rules": alerts_data.alert_rules(source)["alert_rule"].iloc[0],
        "owners": owners["owner_id"].iloc[0],
    }


def _forecast(source: data.Published) -> dict[str, str]:
    options = fd.series_options(source)
    return {
        "measure": fd.MEASURES[1],
        "team": options[options["series_level"] == "team"]["series_key"].iloc[0],
        "ahead": "2",
    }


def _customer_360(source: data.Published) -> dict[str, str]:
    name = data.fetch_rows(
        source, "select customer_name from dim_customers order by golden_customer_id limit 1"
    )[0][0]
    hits = customers_data.search_customers(source, name)
    return {"q": name, "customer": hits["golden_customer_id"].iloc[-1]}


def _collisions(_: data.Published) -> dict[str, str]:
    return {"types": "group_owners", "shared": "1"}


def _aging(source: data.Published) -> dict[str, str]:
    dates = ar.as_of_dates(source)
    selection = ar.AgingSelection(as_of_date=dates["as_of_date"].iloc[1], basis="document")
    return {
        "as_of": f"{dates['as_of_date'].iloc[1]:%Y-%m-%d}",
        "basis": "document",
        "region": ar.choices(source, selection, "region")[0][0],
    }


def _compliance(_: data.Published) -> dict[str, str]:
    return {"types": "discount"}


def _travel(source: data.Published) -> dict[str, str]:
    teams = travel_data.travel_teams(source)
    return {
        "months": _first_month(travel_data.travel_months(source)),
        "provinces": teams["office_province"].dropna().iloc[0],
        "teams": teams["team_id"].iloc[0],
    }


def _service(source: data.Published) -> dict[str, str]:
    options = service_data.filter_options(source)
    return {
        "months": _first_month(options["months"]),
        "regions": options["region_name"][0],
        "tiers": options["service_tier"][0],
        "channels": options["channel"][0],
    }


def _service_assets(source: data.Published) -> dict[str, str]:
    options = service_data.filter_options(source)
    return {"months": _first_month(options["months"]), "models": options["device_model"][0]}


# page -> the link's filters (values among the page's options) and the widget each one sets
LINKS: dict[str, tuple[Callable[[data.Published], dict[str, str]], dict[str, str]]] = {
    "sales_funnel": (_funnel, {"months": "sales_funnel_months", "region": "sales_funnel_region"}),
    "sales_overview": (_sales, {"months": "sales_overview_months",
                                "teams": "sales_overview_teams"}),
    "sales_alerts": (_alerts, {"rules": "sales_alerts_rules"}),
    "sales_forecast": (_forecast, {"measure": "forecast_measure",
                                   "ahead": "forecast_months_ahead"}),
    "customer_360": (_customer_360, {"q": "customers_q", "customer": "customers_pick"}),
    "customer_collisions": (_collisions, {"shared": "customers_show_shared"}),
    "receivables_aging": (_aging, {"basis": "receivables_basis",
                                   "region": "receivables_pick_region"}),
    "receivables_compliance": (_compliance, {"types": "receivables_exception_types"}),
    "travel_cost": (_travel, {"months": "travel_months", "teams": "travel_teams"}),
    "service_cockpit": (_service, {"months": "service_months", "tiers": "service_tiers"}),
    "service_assets": (_service_assets, {"models": "service_assets_models"}),
}  # fmt: skip


@pytest.fixture(scope="module")
def links_home(clean_build) -> Path:
    home, _, result = clean_build
    assert result.success
    return home


@pytest.fixture
def home(links_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDOPS_HOME", str(links_home))
    return links_home


def _open(page: str, params: dict[str, str], admin: bool = False) -> AppTest:
    """A new session (a link opened in a new tab) on ``page`` with ``params`` in its URL;
    the admin's link is to their home page (the audit log), which opens first."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    if admin:
        at.session_state[SESSION_KEY] = auth.password_login(
            COCKPIT_TEST_ADMIN, COCKPIT_TEST_PASSWORD
        )
    else:
        at.run()
        at.switch_page(f"pages/{page}.py")
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def _url(at: AppTest) -> dict[str, list[str]]:
    return {
        name: value if isinstance(value, list) else [value]
        for name, value in at.query_params.items()
    }


@pytest.mark.parametrize("page", list(LINKS))
def test_a_link_reproduces_the_view_and_a_tampered_one_falls_back(home: Path, page: str) -> None:
    source = data.current_published(FULL_ACCESS)
    build_link, widgets = LINKS[page]
    link = build_link(source)
    at = _open(page, link)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]
    assert _url(at) == {name: [value] for name, value in link.items()}  # seeded, written back
    for param, key in widgets.items():
        value = at.session_state[key]
        shown = value if isinstance(value, list | tuple) else [value]
        if param == "months":
            assert "..".join(month_label(m) for m in shown) == link[param]
        elif param == "shared":
            assert value is True
        else:
            assert [str(v) for v in shown] == [link[param]]

    tampered = _open(page, {k: v if k in TEXT_PARAMS else TAMPERED for k, v in link.items()})
    assert not tampered.exception, [e.value for e in tampered.exception]
    warned = " ".join(w.value for w in tampered.warning)
    # the first bad parameter of a drill-down stops it: the pickers under it are not drawn
    assert any(f"参数 {name} " in warned for name in link), warned
    assert TAMPERED[:20] in warned
    # the defaults (left out of the URL, or the first option where there is no empty choice)
    assert not any(TAMPERED in values for values in _url(tampered).values()), _url(tampered)


def test_the_audit_page_link_keeps_user_and_event(home: Path) -> None:
    at = _open("admin_audit", {"user": "test.executive", "event": "page_view"}, admin=True)
    assert not at.exception and not at.warning
    assert at.text_input(key="audit_user").value == "test.executive"
    assert at.selectbox(key="audit_ev").value == "page_view"
    malformed = _open("admin_audit", {"user": "\x00" + "x" * 500, "event": "drop"}, admin=True)
    assert not malformed.exception
    assert malformed.text_input(key="audit_user").value == "x" * 100
    assert malformed.selectbox(key="audit_ev").value is None
    assert "参数 event " in malformed.warning[0].value


def test_a_page_opened_without_filters_reopens_with_the_last_ones(home: Path) -> None:
    link = _service(data.current_published(FULL_ACCESS))
    at = _open("service_cockpit", {})
    assert "months" not in _url(at)  # the default months are not written into links
    at.multiselect(key="service_regions").set_value([link["regions"]]).run()
    assert _url(at) == {"regions": [link["regions"]]}
    again = _open("service_cockpit", {})  # a new session, no parameters
    assert again.multiselect(key="service_regions").value == [link["regions"]]
    views = audit.entries(event="page_view")
    assert any(link["regions"] in str(detail) for detail in views["detail"])
