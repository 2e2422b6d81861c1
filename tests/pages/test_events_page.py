"""セミナー・紹介 page (AppTest): a hub manager registers a seminar with a co-host, adds an
attending firm from the picker and records an introduction; the consultation form names the
seminar as the consultation's source; the secretariat reads the lists, read only, by hub."""

import datetime as dt

from sqlmodel import func, select

from crm.entities.outreach import Event, EventAttendee, EventCohost, Introduction
from crm.models import Consultation
from crm.services import outreach
from tests.pages.forms import fkey
from tests.pages.hub_helpers import frame_with, submit
from tests.utils.factories import make_company, make_partner

PAGE = "pages/events.py"
DAY = dt.date(2026, 12, 7)  # a Monday


def _count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_manager_registers_a_seminar_its_attendee_and_an_introduction(open_page, session, actors):
    bank = make_partner(session, name="山形中央銀行", kind="regional_bank")
    firm = make_company(session, actors.manager01, name="山形精密株式会社")
    make_company(session, actors.manager02, name="青森林業株式会社")
    session.commit()

    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    at.date_input(key=fkey(at, "event_new", "held_on")).set_value(DAY)
    at.text_input(key=fkey(at, "event_new", "title")).input("攻めの経営セミナー")
    at.multiselect(key=fkey(at, "event_new", "cohost_ids")).select(bank.id)
    submit(at, "セミナー・イベントを登録")
    assert not at.exception, at.exception
    assert _count(session, Event) == 1 and _count(session, EventCohost) == 1

    events = frame_with(at, "参加企業数")
    assert events["開催日"].tolist() == ["2026/12/07（月）"]
    assert events["共催"].tolist() == ["山形中央銀行"]
    assert events["参加企業数"].tolist() == [0]

    picker = at.selectbox(key="event_attend.company")
    assert picker.options == ["山形精密株式会社"]  # own hub's firms only
    picker.select(firm.id).run()
    [add] = [b for b in at.button if b.label == "参加企業に追加"]
    add.click().run()
    assert not at.exception
    assert _count(session, EventAttendee) == 1
    assert frame_with(at, "参加企業数")["参加企業数"].tolist() == [1]
    assert any("1 社登録しました" in s.value for s in at.success)

    at.selectbox(key=fkey(at, "introduction_new", "company_id")).select(firm.id)
    at.selectbox(key=fkey(at, "introduction_new", "partner_id")).select(bank.id)
    at.date_input(key=fkey(at, "introduction_new", "introduced_on")).set_value(DAY)
    submit(at, "紹介を記録")
    assert not at.exception
    assert _count(session, Introduction) == 1
    intro = frame_with(at, "紹介元")
    assert (intro["紹介元"].tolist(), intro["企業"].tolist()) == (
        ["山形中央銀行"],
        ["山形精密株式会社"],
    )


def test_the_consultation_form_names_the_seminar(open_page, session, actors):
    firm = make_company(session, actors.manager01, name="山形精密株式会社")
    other = make_company(session, actors.manager01, name="米沢織物株式会社")
    event = outreach.create_event(
        session, actors.manager01, {"held_on": DAY, "title": "攻めの経営セミナー"}
    )
    outreach.add_attendees(session, actors.manager01, event.id, [firm.id])
    session.commit()

    at = open_page(actors.manager01, "pages/consultations.py")
    source = at.selectbox(key=fkey(at, "consult", "source"))
    assert source.options == [] and source.value is None
    at.selectbox(key=fkey(at, "consult", "company_id")).select(other.id).run()
    assert at.selectbox(key=fkey(at, "consult", "source")).options == []
    at.selectbox(key=fkey(at, "consult", "company_id")).select(firm.id).run()
    source = at.selectbox(key=fkey(at, "consult", "source"))
    assert source.options == ["2026/12/07（月） セミナー「攻めの経営セミナー」"]
    assert source.value is None  # none by default
    source.select(f"event:{event.id}")
    at.selectbox(key=fkey(at, "consult", "channel")).select("visit")
    at.text_area(key=fkey(at, "consult", "summary")).input("セミナーの後に訪問")
    submit(at, "相談を記録")
    assert not at.exception
    session.expire_all()
    [logged] = session.exec(select(Consultation)).all()
    assert (logged.event_id, logged.channel) == (event.id, "visit")  # the channel as chosen


def test_the_secretariat_reads_the_lists_only(open_page, session, actors):
    bank = make_partner(session, name="山形中央銀行", kind="regional_bank")
    firm = make_company(session, actors.manager01, name="山形精密株式会社")
    outreach.create_event(
        session,
        actors.manager01,
        {"held_on": DAY, "title": "攻めの経営セミナー", "cohost_ids": [bank.id]},
    )
    outreach.create_event(session, actors.manager02, {"held_on": DAY, "title": "青森の説明会"})
    outreach.record_introduction(
        session,
        actors.manager01,
        {"partner_id": bank.id, "company_id": firm.id, "introduced_on": DAY},
    )
    session.commit()

    at = open_page(actors.secretariat, PAGE)
    assert not at.exception
    events = frame_with(at, "参加企業数")
    assert sorted(events["拠点"].tolist()) == ["北海道", "青森県"]
    assert not [b for b in at.button if b.label in ("セミナー・イベントを登録", "紹介を記録")]
    assert not [b for b in at.button if b.label == "参加企業に追加"]
    assert frame_with(at, "紹介元")["企業"].tolist() == ["山形精密株式会社"]
