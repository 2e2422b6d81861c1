"""The partner's pages (issue 28): a partner signs in to its shared referrals and reports on
them; any other page, even run directly past the navigation, refuses it without data."""

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from crm.actor import PARTNER_REFUSED, SYSTEM, actor_for
from crm.models import Referral, ReferralReport
from crm.services import needs, partner_portal, users
from crm.timeutil import today_jst
from tests.utils.factories import make_company, make_consultation, make_need, make_partner
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parents[2]
FIRM = "秘密精機株式会社"
DAY = today_jst() - dt.timedelta(days=20)
OWN_PAGES = {"pages/partner_portal.py", "pages/inbox.py", "pages/account.py"}
OTHER_PAGES = sorted({path for entries in PAGES.values() for path, *_ in entries} - OWN_PAGES)


@pytest.fixture
def agent(engine, actors):
    with Session(engine, expire_on_commit=False) as s:
        partner = make_partner(s, name="みらい人材紹介株式会社")
        firm = make_company(s, actors.manager01, name=FIRM, industry="E", employees=60)
        need = make_need(s, actors.manager01, make_consultation(s, actors.manager01, firm, on=DAY))
        shared, hidden = (
            needs.refer_need(
                s,
                actors.manager01,
                {"need_id": need.id, "partner_id": partner.id, "referred_on": DAY},
            )
            for _ in range(2)
        )
        partner_portal.share_referral(
            s, actors.manager01, shared.id, expected_version=shared.version, share_firm_name=False
        )
        account = users.create_user(
            s, SYSTEM, username="agent", role="partner", partner_id=partner.id
        )
        s.commit()
        return actor_for(account), shared.id, hidden.id


def _shown(at: AppTest) -> str:
    """Every text the page put on screen (titles, text, tables, widgets' options)."""
    parts = [
        e.value
        for kind in ("title", "markdown", "caption", "text", "error", "warning", "info", "success")
        for e in getattr(at, kind)
    ]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    parts += [str(t.value) for t in at.table]
    parts += [str(m.value) for m in at.metric]
    parts += [str(o) for box in at.selectbox for o in box.options]
    return "\n".join(str(p) for p in parts)


def test_a_partner_lands_on_its_referrals(open_page, agent):
    actor, shared, _hidden = agent
    at = open_page(actor)
    assert not at.exception
    assert at.title[0].value == "紹介された人材ニーズ"
    [table] = at.dataframe
    assert list(table.value["企業"]) == ["北海道の製造業の企業（従業員50〜99人）"]
    assert FIRM not in _shown(at)


def test_a_partner_reports_a_placement(open_page, engine, agent):
    actor, shared, _hidden = agent
    at = open_page(actor)
    form = f"partner_report.{shared}"
    at.selectbox(key=f"{form}.stage").set_value("placed")
    at.date_input(key=f"{form}.placed_on").set_value(today_jst() - dt.timedelta(days=1))
    at.button(key=f"{form}._submit").click()
    at.run()
    assert not at.exception
    shown = [t.value for t in at.success] + [t.value for t in at.toast]
    assert any("「成約」を報告しました" in t for t in shown), shown
    with Session(engine) as s:
        assert s.get(Referral, shared).stage == "placed"
        assert len(s.exec(select(ReferralReport)).all()) == 1


@pytest.mark.parametrize("page", OTHER_PAGES)
def test_every_other_page_refuses_a_partner_without_data(app_env, agent, page):
    """Run directly (past the navigation, which does not list them for a partner)."""
    actor, _shared, _hidden = agent
    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    at.session_state["actor"] = actor
    at.query_params["q"] = "秘密精機"  # the search page searches only when asked something
    at.run()
    assert not at.exception
    refusals = [e.value for e in at.error]
    assert refusals and all(
        r in {"このページを開く権限がありません。", PARTNER_REFUSED} for r in refusals
    ), refusals
    assert FIRM not in _shown(at)
    assert "営業部長" not in _shown(at)


@pytest.mark.parametrize("page", sorted(OWN_PAGES - {"pages/partner_portal.py"}))
def test_a_partner_reads_its_own_notifications_and_account(open_page, agent, page):
    actor, _shared, _hidden = agent
    at = open_page(actor, page)
    assert not at.exception
    assert not at.error
    assert FIRM not in _shown(at)
