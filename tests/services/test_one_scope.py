"""One scoping function, the one that refuses (issue 23, item 4): a hub manager who asks for
another hub's data is refused with the same PermissionDenied and the same words on every path
(service lists and counts, search, today's work, analytics, exports, the API); before, the
service lists narrowed such a request silently to nothing while analytics refused it."""

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from crm.actor import SYSTEM, allowed_hubs
from crm.analytics.breakdowns import all_breakdowns
from crm.analytics.comparison import hub_comparison
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.analytics.trend import monthly_trend
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.csvio.export import full_export, weekly_export
from crm.errors import PermissionDenied
from crm.search import search_everything
from crm.services import (
    companies,
    consultations,
    followups,
    lookups,
    needs,
    placements,
    today,
)
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

REFUSAL = "他の拠点（青森県）のデータは閲覧できません。自拠点（北海道）のデータだけを閲覧できます。"
OTHER = ("02",)
ON = dt.date(2025, 6, 2)


@pytest.fixture
def hubs(session, actors):
    """A firm with a consultation, a need and a placement (and its follow-up) in hubs 01, 02."""
    for actor in (actors.manager01, actors.manager02):
        firm = make_company(session, actor, name=f"拠点{actor.hub_code}検索株式会社")
        consultation = make_consultation(
            session, actor, firm, on=ON, next_action="再訪", next_action_on=ON
        )
        make_placement(session, actor, make_need(session, actor, consultation), on=ON)
    session.commit()
    return actors


# Every read a hub manager can aim at other hubs: (name, read(session, actor, hubs)).
READS: dict[str, Callable] = {
    "companies.search_companies": lambda s, a, h: companies.search_companies(s, a, hubs=h),
    "companies.search_companies(hub_code)": lambda s, a, h: companies.search_companies(
        s, a, hub_code=h[0]
    ),
    "companies.count_search_results": lambda s, a, h: companies.count_search_results(s, a, hubs=h),
    "lookups.find_companies(hub_code)": lambda s, a, h: lookups.find_companies(s, a, hub_code=h[0]),
    "consultations.list_consultations": lambda s, a, h: consultations.list_consultations(
        s, a, hubs=h
    ),
    "consultations.count_consultations": lambda s, a, h: consultations.count_consultations(
        s, a, hubs=h
    ),
    "needs.list_needs": lambda s, a, h: needs.list_needs(s, a, hubs=h),
    "needs.count_needs_by_status": lambda s, a, h: needs.count_needs_by_status(s, a, hubs=h),
    "placements.list_placements": lambda s, a, h: placements.list_placements(s, a, hubs=h),
    "placements.count_placements": lambda s, a, h: placements.count_placements(s, a, hubs=h),
    "followups.list_follow_ups": lambda s, a, h: followups.list_follow_ups(s, a, hubs=h),
    "followups.count_follow_ups": lambda s, a, h: followups.count_follow_ups(s, a, hubs=h),
    "followups.count_follow_ups_by_state": lambda s, a, h: followups.count_follow_ups_by_state(
        s, a, hubs=h
    ),
    "search.search_everything": lambda s, a, h: search_everything(s, a, "検索", hubs=h),
    "today.todays_counts": lambda s, a, h: today.todays_counts(s, a, hub_code=h[0], today=ON),
    "today.todays_work": lambda s, a, h: today.todays_work(s, a, hub_code=h[0], today=ON),
    "analytics.headline_figures": lambda s, a, h: headline_figures(s, a, AnalyticsFilter(hubs=h)),
    "analytics.monthly_trend": lambda s, a, h: monthly_trend(s, a, hubs=h),
    "analytics.hub_comparison": lambda s, a, h: hub_comparison(s, a, AnalyticsFilter(hubs=h)),
    "analytics.all_breakdowns": lambda s, a, h: all_breakdowns(s, a, AnalyticsFilter(hubs=h)),
    "export.weekly_export": lambda s, a, h: weekly_export(s, a, hub=h[0]),
    "export.full_export": lambda s, a, h: full_export(s, a, hub=h[0]),
}


@pytest.mark.parametrize("read", list(READS))
def test_a_hub_manager_asking_for_another_hub_is_refused_in_the_same_words(session, hubs, read):
    with pytest.raises(PermissionDenied) as refused:
        READS[read](session, hubs.manager01, OTHER)
    assert str(refused.value) == REFUSAL


@pytest.mark.parametrize("read", list(READS))
def test_the_same_read_of_the_own_hub_or_by_the_secretariat_is_answered(session, hubs, read):
    """The control: the refusal above is about the hub asked for, nothing else."""
    READS[read](session, hubs.manager01, ("01",))
    READS[read](session, hubs.secretariat, OTHER)


def test_a_national_readers_choice_narrows_and_a_hub_managers_own_scope_is_kept(session, hubs):
    """What the one function answers when it does not refuse."""
    assert allowed_hubs(hubs.secretariat, None) is None
    assert allowed_hubs(hubs.secretariat, ["02", "01", "02"]) == ["01", "02"]
    assert allowed_hubs(hubs.manager01, None) == ["01"]
    assert allowed_hubs(hubs.manager01, ["01"]) == ["01"]
    listed = consultations.list_consultations(session, hubs.secretariat, hubs=OTHER)
    assert {c.hub_code for c in listed} == {"02"}
    assert {c.hub_code for c in consultations.list_consultations(session, hubs.manager01)} == {"01"}


def test_the_api_refuses_it_in_the_same_words(engine, hubs):
    with Session(engine) as s:
        token = api_tokens.create_token(s, SYSTEM, hubs.manager01.username)[1]
        s.commit()
    with TestClient(create_api(lambda: engine), base_url="http://crm.test") as client:
        for path, params in (
            ("/headline", {"hubs": "02"}),
            ("/trend", {"hubs": "2"}),  # read as 02, as everywhere
            ("/prefectures", {"hubs": "01,02"}),
            ("/firms", {"hub": "02"}),
        ):
            answer = client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 403, (path, answer.text)
            assert answer.json()["error"] == REFUSAL, path
