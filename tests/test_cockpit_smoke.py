"""Every cockpit page, in both languages, on the marts of the shared end-to-end build (real
generated data through the real Dagster job): no exception, no error box, and something shown.

The page-level suites check figures on hand-written marts; this one catches what only real data
reveals (an empty filter list, a null in a label, a mart a page expects but the build lacks).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import COCKPIT_TEST_ADMIN
from streamlit.testing.v1 import AppTest

from dashboards.access import Scope
from dashboards.auth_session import SESSION_KEY, AuthSession, now

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
PAGES = sorted(f"pages/{path.name}" for path in (REPO_ROOT / "dashboards" / "pages").glob("*.py"))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_the_built_warehouse(clean_build, monkeypatch, page: str, lang: str):
    home, _, result = clean_build
    assert result.success
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=180)
    if page.startswith("pages/admin_"):  # the admin's pages: only an admin has them
        admin = Scope("admin", "none", None, None, False)
        at.session_state[SESSION_KEY] = AuthSession(
            COCKPIT_TEST_ADMIN, "管理员", admin, now(), now()
        )
    at.run()
    if lang == "en":
        at.radio(key="lang").set_value("en").run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title, "the page shows its title"
    shown = (
        len(at.metric)
        + len(at.dataframe)
        + len(at.info)
        + len(at.text_input)
        + len(at.get("expandable"))
    )
    assert shown > 0, "the page shows figures, a table, a search box or a notice"
