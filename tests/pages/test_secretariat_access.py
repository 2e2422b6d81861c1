"""Who may open the secretariat's pages: the secretariat (no exception, even on an empty
database); a hub manager neither finds them in the navigation nor can run them."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
SECRETARIAT_PAGES = ["pages/national.py", "pages/prefectures.py", "pages/breakdowns.py"]


@pytest.mark.parametrize("page", SECRETARIAT_PAGES + ["pages/targets.py"])
def test_each_page_runs_for_the_secretariat_on_an_empty_database(open_page, actors, page):
    at = open_page(actors.secretariat, page)
    assert not at.exception
    assert at.title and at.title[0].value != ""
    assert not any("権限" in e.value for e in at.error)


@pytest.mark.parametrize("page", SECRETARIAT_PAGES)
def test_a_hub_manager_cannot_reach_secretariat_pages(open_page, actors, page):
    """A hub manager's navigation does not register the secretariat's pages at all."""
    at = open_page(actors.manager01)
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)


@pytest.mark.parametrize("page", SECRETARIAT_PAGES)
def test_secretariat_pages_refuse_a_hub_manager_who_runs_them(app_env, actors, page):
    """Even run directly (bypassing the navigation), the page itself refuses."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    at.session_state["actor"] = actors.manager01
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["このページを開く権限がありません。"]
    assert not at.metric and not at.get("vega_lite_chart")
