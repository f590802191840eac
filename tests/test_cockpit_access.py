"""Login, roles and row-level access of the cockpit (dashboards/access.py, auth.py, users.py).

The published file is the hand-written sales marts of tests/conftest.py plus an org hierarchy
written out below (dim_employees), customers (fct_customer_account_matches) and contacts with
unmasked personal data (as a build with MEDOPS_SHOW_PERSONAL_DATA=true publishes them). What
each role may see is worked out here in Python from that hierarchy, independently of the SQL
views the cockpit builds, and compared with what the cockpit's queries and pages return.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from conftest import _sales_rows, build_sales_published
from streamlit.testing.v1 import AppTest

from dashboards import audit, auth, data, overview_data, receivables_data, sales_data, users
from dashboards.access import AccessDenied, Scope
from dashboards.auth_session import SESSION_KEY

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
PASSWORD = "a long enough password"

# employee: (job role, unit, team, province unit, region) -- the CRM's org hierarchy
ORG = {
    "D_EAST": ("region_director", "R_EAST", None, None, "R_EAST"),
    "D_JS": ("province_manager", "P_JS", None, "P_JS", "R_EAST"),
    "M1": ("sales_manager", "T_EAST_1", "T_EAST_1", "P_JS", "R_EAST"),
    "E1": ("sales_rep", "T_EAST_1", "T_EAST_1", "P_JS", "R_EAST"),
    "E3": ("sales_rep", "T_EAST_1", "T_EAST_1", "P_JS", "R_EAST"),
    "D_SOUTH": ("region_director", "R_SOUTH", None, None, "R_SOUTH"),
    "M2": ("sales_manager", "T_SOUTH_1", "T_SOUTH_1", "P_GD", "R_SOUTH"),
    "E2": ("sales_rep", "T_SOUTH_1", "T_SOUTH_1", "P_GD", "R_SOUTH"),
}
# account: (golden customer, owner, team)
ACCOUNTS = {"A1": ("G1", "E1", "T_EAST_1"), "A2": ("G2", "E2", "T_SOUTH_1")}
# contact: (account, name, mobile) -- unmasked, as published with MEDOPS_SHOW_PERSONAL_DATA
CONTACTS = {"C1": ("A1", "王小明", "13812345678"), "C2": ("A2", "李四", "13987654321")}

# user: (role, employee id, org unit id)
USERS = {
    "exec": ("executive", None, None),
    "fin": ("finance", None, None),
    "analyst": ("analyst", None, None),
    "svc_south": ("service_director", None, "R_SOUTH"),
    "dir_east": ("sales_director", "D_EAST", None),
    "dir_js": ("sales_director", "D_JS", None),
    "lead_east": ("team_lead", "M1", None),
    "rep_e1": ("rep", "E1", None),
    "rep_e2": ("rep", "E2", None),
    "admin": ("admin", None, None),
}


def _employees_in(user: str) -> set[str] | None:
    """The employees whose rows ``user`` may see (None = everyone), walking the hierarchy."""
    role, employee, unit = USERS[user]
    if role in ("executive", "finance", "analyst"):
        return None
    if role == "admin":
        return set()
    if role == "rep":
        return {employee}
    if unit is None:
        unit = ORG[employee][2] if role == "team_lead" else ORG[employee][1]
    return {
        e for e, (_, _, team, province, region) in ORG.items() if unit in (team, province, region)
    }


def _units_in(user: str) -> set[str]:
    """Teams, province units and regions wholly inside ``user``'s scope."""
    employees = _employees_in(user)
    role, _, _ = USERS[user]
    if employees is None or role in ("rep", "admin"):
        return set()
    _, employee, unit = USERS[user]
    top = unit or (ORG[employee][2] if role == "team_lead" else ORG[employee][1])
    units = {top}
    for _, _, team, province, region in ORG.values():
        if top in (province, region):
            units |= {team} | ({province} if top == region else set())
    return units - {None}


def _visible(user: str, row: dict) -> bool:
    employees = _employees_in(user)
    if employees is None:
        return True
    accounts = {a for a, (_, owner, _) in ACCOUNTS.items() if owner in employees}
    golden = {ACCOUNTS[a][0] for a in accounts}
    units = _units_in(user)
    return (
        any(row.get(c) in employees for c in ("owner_id", "employee_id") if row.get(c))
        or any(row.get(c) in units for c in ("team_id", "province_unit_id", "region_id"))
        or row.get("account_id") in accounts
        or row.get("golden_customer_id") in golden
    )


def _rows() -> dict[str, list[dict]]:
    rows = _sales_rows()
    rows["dim_employees"] = [
        {"employee_id": e, "job_role": r, "unit_id": u, "team_id": t, "province_unit_id": p,
         "region_id": g, "employee_name": e, "mobile": "13700001111"}
        for e, (r, u, t, p, g) in ORG.items()
    ]  # fmt: skip
    rows["fct_customer_account_matches"] = [
        {"account_id": a, "golden_customer_id": g, "owner_id": o, "team_id": t}
        for a, (g, o, t) in ACCOUNTS.items()
    ]
    rows["dim_contacts"] = [
        {"contact_id": c, "account_id": a, "contact_name": n, "mobile": m}
        for c, (a, n, m) in CONTACTS.items()
    ]
    return rows


@pytest.fixture(scope="module")
def access_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("access_home")
    published = build_sales_published(home / "published.duckdb")
    con = duckdb.connect(str(published))
    try:
        for table, table_rows in _rows().items():
            if table.startswith("rpt_"):
                continue
            columns = list(table_rows[0])
            con.execute(f"create table {table} ({', '.join(f'{c} varchar' for c in columns)})")
            con.executemany(
                f"insert into {table} values ({', '.join('?' * len(columns))})",
                [[row[c] for c in columns] for row in table_rows],
            )
    finally:
        con.close()
    return home


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("access_users") / "users.yaml"
    for name, (role, employee, unit) in USERS.items():
        users.add_user(name, name, role, PASSWORD, employee_id=employee, unit_id=unit, path=path)
    return path


@pytest.fixture
def home(access_home: Path, users_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDOPS_HOME", str(access_home))
    monkeypatch.setenv("MEDOPS_USERS_FILE", str(users_file))
    return access_home


def scope_of(user: str) -> Scope:
    return auth.password_login(user, PASSWORD).scope


def _key(row: dict) -> tuple:
    """What identifies a row across the marts of the fixture (dates as yyyy-mm-dd)."""
    columns = ("month_start", "quarter_start", "team_id", "employee_id", "owner_id",
               "subject_id", "lead_source", "contact_id", "account_id")  # fmt: skip
    return tuple(str(row.get(c))[:10] if row.get(c) == row.get(c) else "None" for c in columns)


# --- the role x table matrix, against the hierarchy worked out above --------------------------


@pytest.mark.parametrize("user", list(USERS))
def test_every_role_sees_exactly_its_rows_of_every_table(home: Path, user: str) -> None:
    source = data.current_published(scope_of(user))
    for table, table_rows in _rows().items():
        frame = data.fetch_df(source, f"select * from {table}")
        got = sorted(_key(r) for r in frame.astype(object).to_dict("records"))
        expected = sorted(_key(r) for r in table_rows if _visible(user, r))
        assert got == expected, (user, table)


@pytest.mark.parametrize(
    ("user", "shown"),
    [("exec", ("王小明", "13812345678")), ("rep_e1", ("王小明", "13812345678")),
     ("analyst", ("王**", "138****5678"))],
)  # fmt: skip
def test_personal_data_is_masked_for_roles_not_allowed(home: Path, user: str, shown) -> None:
    source = data.current_published(scope_of(user))
    rows = data.fetch_rows(
        source, "select contact_name, mobile from dim_contacts where contact_id = 'C1'"
    )
    assert rows == [shown]


def test_a_query_without_a_scope_is_refused(home: Path) -> None:
    with pytest.raises(AccessDenied):
        data.fetch_df(data.current_published(), "select * from dim_employees")


# --- pages per role ---------------------------------------------------------------------------


def _app_as(user: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state[SESSION_KEY] = auth.password_login(user, PASSWORD)
    at.run()
    return at


def _page_paths(at: AppTest) -> set[str]:
    # the pages st.navigation registered for this session (the sidebar's entries)
    return {Path(i["script_path"]).stem.replace("_", "-") for i in at._registered_pages.values()}


@pytest.mark.anonymous
@pytest.mark.parametrize(
    ("user", "home_title", "pages"),
    [
        ("rep_e1", "我的今日", {"my-day", "customer-360", "sales-alerts", "receivables-aging",
                              "service-cockpit"}),
        ("admin", "审计日志", {"admin-audit", "admin-users", "operations"}),
        ("fin", "应收账龄", None),
    ],
)  # fmt: skip
def test_each_role_opens_on_its_page_and_sees_only_its_pages(
    home: Path, user: str, home_title: str, pages: set[str] | None
) -> None:
    at = _app_as(user)
    assert not at.exception, [e.value for e in at.exception]
    assert home_title in at.title[0].value
    if pages is not None:
        assert _page_paths(at) == pages
    else:
        assert "data-quality" not in _page_paths(at) and "admin-audit" not in _page_paths(at)


@pytest.mark.anonymous
def test_a_rep_cannot_reach_a_page_outside_the_role(home: Path) -> None:
    at = _app_as("rep_e1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/sales_overview.py")


@pytest.mark.anonymous
def test_cache_never_answers_one_scope_with_anothers_rows(home: Path) -> None:
    """Two reps open the same page with the same filters, one after the other."""
    seen = {}
    for user in ("rep_e1", "rep_e2", "rep_e1"):
        at = _app_as(user)
        at.switch_page("pages/sales_alerts.py").run()
        assert not at.exception, [e.value for e in at.exception]
        table = at.dataframe[0].value
        seen.setdefault(user, []).append(sorted(table.iloc[:, 1].astype(str)))
    assert seen["rep_e1"][0] == seen["rep_e1"][1] == ["O101", "O102"]
    assert seen["rep_e2"] == [["L201"]]


def test_another_teams_id_in_a_filter_gets_nothing(home: Path) -> None:
    """A rep (or a link) asking for another team's rows, through the queries' own filters."""
    rep = data.current_published(scope_of("rep_e2"))
    window = sales_data.SalesFilters(
        month_from=dt.date(2024, 1, 1), month_to=dt.date(2025, 3, 1), team_ids=("T_EAST_1",)
    )
    assert data.fetch_rows(rep, "select * from rpt_quota_attainment_monthly "
                           "where team_id = $team", {"team": "T_EAST_1"}) == []  # fmt: skip
    assert sales_data.sales_kpis(rep, window)["bookings"] in (None, 0)
    assert overview_data.alerts(rep)["subject_id"].tolist() == ["L201"]
    lead = data.current_published(scope_of("lead_east"))
    assert set(overview_data.alerts(lead)["subject_id"]) == {"O101", "O102", "O103"}
    assert receivables_data is not None


# --- login, lockout, expiry, logout ------------------------------------------------------------


def test_login_lockout_after_repeated_failures(home: Path) -> None:
    start = dt.datetime(2026, 12, 1, 9, 0)
    for minute in range(auth.max_failures()):
        with pytest.raises(auth.LoginRefused) as refused:
            auth.password_login(
                "rep_e1", "wrong password!", at=start + dt.timedelta(minutes=minute)
            )
        assert refused.value.key == "auth_failed"
    # the right password no longer opens the account while it is locked
    with pytest.raises(auth.LoginRefused) as refused:
        auth.password_login("rep_e1", PASSWORD, at=start + dt.timedelta(minutes=6))
    assert refused.value.key == "auth_locked"
    # after the lockout window it does, and the count starts again
    session = auth.password_login("rep_e1", PASSWORD, at=start + dt.timedelta(minutes=25))
    assert session.scope.unit_id == "E1"
    events = audit.entries(username="rep_e1")["event"].tolist()
    assert events[:2] == ["login_ok", "login_locked"]
    assert events.count("login_failed") == auth.max_failures()


@pytest.mark.anonymous
def test_login_form_then_logout(home: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert at.title[0].value == "登录 MedOps 经营驾驶舱"
    assert not at.dataframe and not at.metric  # nothing of the data before a login
    at.text_input(key="login_username").input("rep_e1")
    at.text_input(key="login_password").input("not it at all")
    at.button[0].click().run()
    assert "用户名或密码不正确" in at.error[0].value
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == "我的今日"
    at.button(key="logout").click().run()
    assert at.title[0].value == "登录 MedOps 经营驾驶舱"


@pytest.mark.anonymous
def test_expired_and_disabled_sessions_end(home: Path, users_file: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    session = auth.password_login("rep_e2", PASSWORD)
    old = session.last_seen_at - dt.timedelta(hours=1)
    at.session_state[SESSION_KEY] = type(session)(
        session.username, session.display_name, session.scope, old, old
    )
    at.run()
    assert "会话已过期" in at.info[0].value
    at.session_state[SESSION_KEY] = auth.password_login("rep_e2", PASSWORD)
    users.set_disabled("rep_e2", True, path=users_file)
    try:
        at.run()
        assert at.title[0].value == "登录 MedOps 经营驾驶舱"
        with pytest.raises(auth.LoginRefused):
            auth.password_login("rep_e2", PASSWORD)
    finally:
        users.set_disabled("rep_e2", False, path=users_file)


def test_passwords_are_stored_as_bcrypt_hashes(users_file: Path) -> None:
    text = users_file.read_text(encoding="utf-8")
    assert PASSWORD not in text
    assert text.count("$2b$") == len(USERS)
    with pytest.raises(ValueError):
        users.add_user("x", "x", "rep", "short", employee_id="E1", path=users_file)
    with pytest.raises(ValueError):
        users.add_user("x", "x", "superuser", PASSWORD, path=users_file)


# --- shareable views: filters in the URL, remembered, audited ---------------------------------


def _alerts_page(user: str, **params: str) -> AppTest:
    at = _app_as(user)
    at.switch_page("pages/sales_alerts.py")
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def _subjects(at: AppTest) -> list[str]:
    return sorted(at.dataframe[0].value.iloc[:, 1].astype(str))


@pytest.mark.anonymous
def test_a_link_reproduces_the_view_and_another_teams_id_in_it_gets_nothing(home: Path) -> None:
    at = _alerts_page("lead_east", teams="T_EAST_1")
    assert not at.exception and not at.warning
    assert at.multiselect(key="sales_alerts_teams").value == ["T_EAST_1"]
    assert _subjects(at) == ["O101", "O102", "O103"]
    # the same link opened by a rep of the other team: the id is not one of their options
    at = _alerts_page("rep_e2", teams="T_EAST_1")
    assert not at.exception
    assert "teams" in at.warning[0].value and "T_EAST_1" in at.warning[0].value
    assert _subjects(at) == ["L201"]


@pytest.mark.anonymous
def test_another_teams_id_in_a_sales_overview_link_widens_nothing(home: Path) -> None:
    def overview(**params: str) -> AppTest:
        # a link to the team lead's home page, opened in a new tab
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state[SESSION_KEY] = auth.password_login("lead_east", PASSWORD)
        for name, value in params.items():
            at.query_params[name] = value
        at.run()
        assert at.title[0].value == "销售概览"
        return at

    own = overview()
    tampered = overview(teams="T_SOUTH_1", regions="华南大区")
    assert not tampered.exception
    warned = " ".join(w.value for w in tampered.warning)
    assert "T_SOUTH_1" in warned and "华南大区" in warned
    assert tampered.multiselect(key="sales_overview_teams").value == []
    assert own.metric and [m.value for m in tampered.metric] == [m.value for m in own.metric]


@pytest.mark.anonymous
def test_a_malformed_url_parameter_gets_a_message_not_a_traceback(home: Path) -> None:
    at = _alerts_page("exec", rules="<script>alert(1)</script>%_", owners="")
    assert not at.exception
    assert "链接中的参数 rules 无效" in at.warning[0].value
    assert len(at.dataframe[0].value) == 5


@pytest.mark.anonymous
def test_last_filters_are_remembered_and_views_audited(home: Path) -> None:
    at = _alerts_page("dir_js")
    at.multiselect(key="sales_alerts_owners").set_value(["E1"]).run()
    assert _subjects(at) == ["O101", "O102"]
    assert at.query_params["owners"] in ("E1", ["E1"])
    again = _alerts_page("dir_js")  # a new session, the page opened without parameters
    assert again.multiselect(key="sales_alerts_owners").value == ["E1"]
    assert _subjects(again) == ["O101", "O102"]
    views = audit.entries(username="dir_js", event="page_view")
    assert '{"owners": ["E1"]}' in views["detail"].tolist()


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes behind every download button drawn, by media file id (AppTest keeps them in
    a storage it drops after each run)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, bytes] = {}
    load = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        file_id = load(self, path_or_data, mimetype, kind, filename)
        files[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


@pytest.mark.anonymous
@pytest.mark.parametrize(
    ("user", "subjects"),
    [("exec", ["L201", "L202", "O101", "O102", "O103"]), ("lead_east", ["O101", "O102", "O103"]),
     ("rep_e2", ["L201"]), ("dir_js", ["O101", "O102", "O103"])],
)  # fmt: skip
def test_downloads_hold_exactly_the_rows_the_user_may_see(
    home: Path, downloads: dict[str, bytes], user: str, subjects: list[str]
) -> None:
    import io

    import pandas as pd

    at = _alerts_page(user)
    (button,) = at.get("download_button")
    file_id = button.proto.url.rsplit("/", 1)[1].split(".")[0]
    sheet = pd.read_excel(io.BytesIO(downloads[file_id]))
    assert sorted(sheet.iloc[:, 1].astype(str)) == subjects
    # the independent expectation: alerts whose owner or team is in the user's scope
    expected = sorted(r["subject_id"] for r in _rows()["rpt_sales_alerts"] if _visible(user, r))
    assert subjects == expected


def test_personal_data_headers_seed_lists_every_pii_header_of_the_contracts() -> None:
    """The seed rpt_quarantine_reasons masks raw rows by must follow the ingest contracts."""
    import csv

    from ingest.contracts import load_contracts

    from_contracts = {
        (header, column.pii)
        for contract in load_contracts()
        for column in contract.columns
        if column.pii
        for header in column.headers
    }
    with (REPO_ROOT / "seeds" / "personal_data_headers.csv").open(encoding="utf-8") as seed:
        from_seed = {(row["header"], row["pii_kind"]) for row in csv.DictReader(seed)}
    assert from_seed == from_contracts
