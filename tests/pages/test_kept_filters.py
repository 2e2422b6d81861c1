"""The secretariat filters every record list by regional block and hub, sees prefecture names,
and its choice holds across its pages for the session and travels in the page's link (issue 13,
item 6). Counts are checked against rows counted here, not by the services."""

import datetime as dt

import pytest
from sqlalchemy import text

from crm.reference import NeedStatus
from tests.pages.hub_helpers import link_labels, texts
from tests.utils.clock import pin_today
from tests.utils.factories import make_company, make_consultation, make_need, make_placement
from ui.views.need_board import STATUS_KEY

CONSULTATIONS = "pages/consultations.py"
NEEDS = "pages/needs.py"
PLACEMENTS = "pages/placements.py"
FOLLOWUPS = "pages/followups.py"
COMPANIES = "pages/companies.py"


@pytest.fixture
def two_hubs(session, actors, monkeypatch):
    """On 2026-12-02: Hokkaido (01, block 北海道) has 3 consultations, Aomori (02, block 東北)
    has 2; one placement each, so one follow-up each."""
    pin_today(monkeypatch, dt.date(2026, 12, 2))
    made = {}
    for actor, firms in ((actors.manager01, 3), (actors.manager02, 2)):
        for n in range(firms):
            company = make_company(session, actor, name=f"{actor.hub_code}番{n}株式会社")
            consultation = make_consultation(
                session, actor, company, on=dt.date(2026, 10, 1 + n), summary=f"相談{n}"
            )
            if n == 0:
                need = make_need(session, actor, consultation, role_title=f"部長{actor.hub_code}")
                made[actor.hub_code] = make_placement(session, actor, need, on=dt.date(2026, 11, 2))
    session.commit()
    return made


def counted(engine, table: str, hub: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text(f"select count(*) from {table} where hub_code = :hub"), {"hub": hub}
        ).scalar_one()


def listed_total(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("全 "))


def test_hub_choice_narrows_each_list_and_holds_across_pages(open_page, actors, two_hubs, app_env):
    at = open_page(actors.secretariat, CONSULTATIONS)
    assert not at.exception
    both = counted(app_env, "consultation", "01") + counted(app_env, "consultation", "02")
    assert listed_total(at) == f"全 {both} 件中 1〜{both} 件"

    at.sidebar.multiselect(key="af_hubs").select("02").run()
    aomori = counted(app_env, "consultation", "02")
    assert listed_total(at) == f"全 {aomori} 件中 1〜{aomori} 件"
    assert "青森県" in texts(at) and "北海道" not in texts(at)  # names, not codes
    assert "02" not in texts(at)
    assert at.query_params["hubs"] == "02"  # the link carries the choice

    # Another page keeps the choice: needs, placements, follow-ups and firms of Aomori only.
    at.switch_page(NEEDS).run()
    assert not at.exception
    assert at.sidebar.multiselect(key="af_hubs").value == ["02"]
    statuses = at.segmented_control(key=STATUS_KEY).options
    placed = dict(zip(NeedStatus.labels(), statuses, strict=True))["placed"]
    assert placed == f"成約（{counted(app_env, 'placement', '02')}）"
    at.switch_page(PLACEMENTS).run()
    assert {m.label: m.value for m in at.metric}["成約件数"] == "1"
    at.switch_page(FOLLOWUPS).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["予定"] == str(counted(app_env, "follow_up", "02"))
    at.switch_page(COMPANIES).run()
    assert link_labels(at) == sorted(link_labels(at)) and all(
        label.startswith("02番") for label in link_labels(at)
    )
    assert len(link_labels(at)) == counted(app_env, "company", "02")
    # And the dashboards, which share the same choice.
    at.switch_page("pages/national.py").run()
    assert not at.exception
    assert at.sidebar.multiselect(key="af_hubs").value == ["02"]


def test_block_choice_and_a_link_with_the_choice(open_page, actors, two_hubs, app_env):
    at = open_page(actors.secretariat, CONSULTATIONS)
    at.sidebar.multiselect(key="af_blocks").select("北海道").run()
    hokkaido = counted(app_env, "consultation", "01")
    assert listed_total(at) == f"全 {hokkaido} 件中 1〜{hokkaido} 件"
    assert at.sidebar.multiselect(key="af_hubs").options == ["北海道"]
    assert at.query_params["blocks"] == "北海道"

    # A copied link opens another session with the same choice.
    fresh = open_page(actors.secretariat, query={"hubs": "02"})
    fresh.switch_page(CONSULTATIONS).run()
    assert not fresh.exception
    assert fresh.sidebar.multiselect(key="af_hubs").value == ["02"]
    aomori = counted(app_env, "consultation", "02")
    assert listed_total(fresh) == f"全 {aomori} 件中 1〜{aomori} 件"


def test_a_link_with_an_unknown_hub_says_so_and_lists_everything(open_page, actors, two_hubs):
    at = open_page(actors.secretariat, query={"hubs": "99"})  # the landing page reads it
    assert not at.exception
    notes = [c.value for c in at.sidebar.caption]
    assert any("hubs=99" in note and "読み取れない" in note for note in notes), notes
    at.switch_page(CONSULTATIONS).run()
    assert at.sidebar.multiselect(key="af_hubs").value == []
    assert listed_total(at) == "全 5 件中 1〜5 件"


def test_a_hub_manager_has_no_hub_filter(open_page, actors, two_hubs):
    at = open_page(actors.manager01, CONSULTATIONS)
    assert not at.exception
    assert not [m for m in at.sidebar.multiselect if m.key == "af_hubs"]
    assert listed_total(at) == "全 3 件中 1〜3 件"


def test_search_finds_in_the_chosen_hubs_only(open_page, actors, two_hubs, app_env):
    at = open_page(actors.secretariat, "pages/search.py", query={"q": "番"})
    assert not at.exception
    firms = [label for label in link_labels(at) if label.endswith("株式会社")]
    assert len(firms) == counted(app_env, "company", "01") + counted(app_env, "company", "02")
    at.sidebar.multiselect(key="af_hubs").select("02").run()
    firms = [label for label in link_labels(at) if label.endswith("株式会社")]
    assert firms and all(label.startswith("02番") for label in firms)
    assert len(firms) == counted(app_env, "company", "02")
    assert "青森県" in texts(at) and "北海道" not in texts(at)
