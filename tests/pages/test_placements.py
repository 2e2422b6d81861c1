"""成約 page: placements by period, and recording one (never identifying the person)."""

import datetime as dt

import pytest
from sqlmodel import func, select

from crm.models import FollowUp, Placement, TalentNeed
from crm.timeutil import fiscal_year, today_jst
from tests.pages.forms import fkey
from tests.pages.hub_helpers import links, message_under, open_panel, submit, texts
from tests.utils.clock import pin_today
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

PAGE = "pages/placements.py"
# The records below sit in FY2026 (2026-04-01 .. 2027-03-31) and the page counts this fiscal
# year to today by default, so today is pinned inside it.
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    pin_today(monkeypatch, TODAY)


def _need(session, actor, name="山形精密株式会社", on=dt.date(2026, 4, 1), **kw):
    company = make_company(session, actor, name=name)
    return make_need(session, actor, make_consultation(session, actor, company, on=on), **kw)


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_list_shows_the_hubs_placements_in_the_period(open_page, session, actors):
    need = _need(
        session, actors.manager01, headcount=5, role_title="営業部長", on=dt.date(2025, 11, 1)
    )
    make_placement(session, actors.manager01, need, on=dt.date(2026, 5, 10))
    make_placement(session, actors.manager01, need, on=dt.date(2026, 9, 1), engagement="side_job")
    make_placement(session, actors.manager01, need, on=dt.date(2025, 12, 1))  # last FY
    theirs = _need(session, actors.manager02, name="青森林業株式会社", role_title="他拠点")
    make_placement(session, actors.manager02, theirs, on=dt.date(2026, 6, 1))
    session.commit()

    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    # Default view: this fiscal year (from 2026-04-01).
    open_panel(at, "placements")
    assert at.selectbox(key="placements.view.fy").value == fiscal_year(today_jst())
    assert _metrics(at) == {"成約件数": "2", "中途採用": "1", "出向・研修": "0", "副業・兼業": "1"}
    cells = texts(at)
    assert [c for c in cells if c.startswith("20")] == ["2026/09/01", "2026/05/10"]
    assert [label for label, _p, params in links(at) if "need" in params] == ["営業部長"] * 2

    at.selectbox(key="placements.view.fy").set_value(0).run()  # すべて
    at.date_input(key="placements.view.from").set_value(dt.date(2025, 1, 1)).run()
    assert at.query_params["fy"] in ("all", ["all"])
    assert _metrics(at)["成約件数"] == "3"
    assert [c for c in texts(at) if c.startswith("20")] == [
        "2026/09/01",
        "2026/05/10",
        "2025/12/01",
    ]

    at = open_page(actors.secretariat, PAGE)
    assert not at.exception
    assert _metrics(at)["成約件数"] == "3"
    assert "青森県" in texts(at) and "他拠点" in [label for label, _p, _q in links(at)]
    assert not [b for b in at.button if b.label == "成約を記録"]


def test_record_a_placement_against_a_referred_need(open_page, session, actors):
    need = _need(session, actors.manager01, engagement="secondment")
    partner = make_partner(session, name="みちのく人材")
    session.commit()

    at = open_page(actors.manager01, PAGE, query={"need": str(need.id)})
    assert not at.exception
    assert any("個人を特定できる項目はありません" in c.value for c in at.caption)
    labels = [w.label for w in (*at.text_input, *at.text_area, *at.selectbox, *at.date_input)]
    assert not [
        label
        for label in labels
        if any(word in label for word in ("氏名", "生年月日", "住所 ", "電話"))
    ]
    assert at.selectbox(key=fkey(at, "placement_new", "need_id")).value == need.id
    at.date_input(key=fkey(at, "placement_new", "placed_on")).set_value(dt.date(2026, 10, 1))
    at.selectbox(key=fkey(at, "placement_new", "partner_id")).select(partner.id)
    at.selectbox(key=fkey(at, "placement_new", "salary_band")).select("8m_10m")
    at.selectbox(key=fkey(at, "placement_new", "age_band")).select("40s")
    at.selectbox(key=fkey(at, "placement_new", "previous_residence")).select("tokyo_area")
    submit(at, "成約を記録")
    assert not at.exception

    session.expire_all()
    [placement] = session.exec(select(Placement)).all()
    assert (
        placement.need_id,
        placement.company_id,
        placement.hub_code,
        placement.placed_on,
        placement.engagement,
        placement.partner_id,
        placement.salary_band,
        placement.age_band,
        placement.previous_residence,
    ) == (
        need.id,
        need.company_id,
        "01",
        dt.date(2026, 10, 1),
        "secondment",
        partner.id,
        "8m_10m",
        "40s",
        "tokyo_area",
    )
    assert session.get(TalentNeed, need.id).status == "placed"
    [follow_up] = session.exec(select(FollowUp)).all()
    # 90 days after 2026/10/01 is 12/30, in the year-end break: the next business day.
    assert follow_up.due_on == dt.date(2027, 1, 4)
    assert any("フォローアップを 2027/01/04（月） に予定しました" in s.value for s in at.success)
    # The placed need is no longer offered; the form is empty again.
    assert at.selectbox(key=fkey(at, "placement_new", "need_id")).options == []
    assert _metrics(at)["出向・研修"] == "1"


def test_bad_placement_input_writes_nothing(open_page, session, actors):
    need = _need(session, actors.manager01)
    session.commit()
    at = open_page(actors.manager01, PAGE)
    submit(at, "成約を記録")
    assert message_under(at, "placement_new.need_id") == "必須項目です"

    at.selectbox(key=fkey(at, "placement_new", "need_id")).select(need.id)
    at.date_input(key=fkey(at, "placement_new", "placed_on")).set_value(
        today_jst() + dt.timedelta(days=1)
    )
    submit(at, "成約を記録")
    assert message_under(at, "placement_new.placed_on") == "未来の日付は入力できません"
    assert message_under(at, "placement_new.need_id") is None

    at.date_input(key=fkey(at, "placement_new", "placed_on")).set_value(dt.date(2026, 3, 1))
    submit(at, "成約を記録")
    assert message_under(at, "placement_new.placed_on") == "ニーズの受付日より前の日付です"

    session.expire_all()
    assert session.exec(select(func.count()).select_from(Placement)).one() == 0
    assert session.get(TalentNeed, need.id).status == "open"
    assert at.selectbox(key=fkey(at, "placement_new", "need_id")).value == need.id  # input kept
