"""A small known data set for the funnel and the partner table (tests/analytics/test_funnel.py,
test_partner_table.py, tests/pages/test_funnel_page.py).

Hub 01 in the period 2024-04-01..2024-09-30 (``PERIOD``): a seminar E1 (firms F1, F2, F3), a
briefing E2 held before the period (F4), two introductions by a bank (F5, F6), consultations
naming their event or introduction, needs referred to two agencies (A, B) with their reports,
placements, and a hub-02 firm (G1) that hub 01's figures must not count. Events, attendees,
introductions, the consultations' sources and the partners' reports are written directly (the
outreach and partner-portal services are written elsewhere); the rest through the services.
"""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, update

from crm.actor import Actor
from crm.models import (
    Consultation,
    Event,
    EventAttendee,
    Introduction,
    ReferralReport,
)
from crm.services import needs
from tests.utils.factories import (
    Actors,
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

D = dt.date
SINCE, UNTIL = D(2024, 4, 1), D(2024, 9, 30)


@dataclass
class FunnelWorld:
    actors: Actors
    bank: int
    agency_a: int
    agency_b: int
    e1: int
    e2: int


def _tag(session: Session, consultation, **source) -> None:
    session.exec(update(Consultation).where(Consultation.id == consultation.id).values(**source))  # type: ignore[call-overload,arg-type]


def _refer(session: Session, actor: Actor, need, partner: int, on: dt.date, reported=None):
    referral = needs.refer_need(
        session, actor, {"need_id": need.id, "partner_id": partner, "referred_on": on}
    )
    if reported is not None:
        session.add(
            ReferralReport(
                referral_id=referral.id,
                hub_code=referral.hub_code,
                partner_id=partner,
                stage="received",
                reported_on=reported,
            )
        )
        # A later report does not change when the first came.
        session.add(
            ReferralReport(
                referral_id=referral.id,
                hub_code=referral.hub_code,
                partner_id=partner,
                stage="presenting",
                candidate_count=2,
                reported_on=reported + dt.timedelta(days=30),
            )
        )
    return referral


def build_funnel_world(session: Session) -> FunnelWorld:
    a = make_actors(session)
    m1, m2 = a.manager01, a.manager02
    bank = make_partner(session, name="第一地方銀行", kind="regional_bank").id
    agency_a = make_partner(session, name="甲人材株式会社").id
    agency_b = make_partner(session, name="乙キャリア株式会社").id
    f = {n: make_company(session, m1, name=f"漏斗{n}工業株式会社") for n in range(1, 9)}

    e1 = Event(hub_code="01", held_on=D(2024, 5, 10), kind="seminar", title="攻めの経営セミナー")
    e2 = Event(hub_code="01", held_on=D(2024, 3, 1), kind="briefing", title="人材活用説明会")
    session.add_all([e1, e2])
    session.flush()
    for n in (1, 2, 3):
        session.add(EventAttendee(event_id=e1.id, company_id=f[n].id, hub_code="01"))
    session.add(EventAttendee(event_id=e2.id, company_id=f[4].id, hub_code="01"))
    i1 = Introduction(
        hub_code="01", partner_id=bank, company_id=f[5].id, introduced_on=D(2024, 5, 20)
    )
    i2 = Introduction(
        hub_code="01", partner_id=bank, company_id=f[6].id, introduced_on=D(2024, 6, 1)
    )
    session.add_all([i1, i2])
    session.flush()

    c1 = make_consultation(session, m1, f[1], on=D(2024, 5, 15))
    _tag(session, c1, event_id=e1.id)
    make_consultation(session, m1, f[1], on=D(2024, 6, 1))
    c2 = make_consultation(session, m1, f[2], on=D(2024, 5, 5), channel="inbound")
    c2b = make_consultation(session, m1, f[2], on=D(2024, 5, 20), channel="seminar")
    _tag(session, c2b, event_id=e1.id)
    c4 = make_consultation(session, m1, f[4], on=D(2024, 3, 5))
    c4b = make_consultation(session, m1, f[4], on=D(2024, 4, 10))
    _tag(session, c4b, event_id=e2.id)
    c5 = make_consultation(session, m1, f[5], on=D(2024, 5, 25))
    _tag(session, c5, introduction_id=i1.id)
    make_consultation(session, m1, f[6], on=D(2024, 6, 10), channel="financial_institution")
    c7 = make_consultation(session, m1, f[7], on=D(2024, 7, 1))
    c8 = make_consultation(session, m1, f[8], on=D(2023, 12, 1))

    n1 = make_need(session, m1, c1, category_id=1, opened_on=D(2024, 5, 20))
    n2 = make_need(session, m1, c2, category_id=2, engagement="side_job", opened_on=D(2024, 6, 1))
    n3 = make_need(session, m1, c5, category_id=1, opened_on=D(2024, 6, 1))
    n4 = make_need(session, m1, c7, category_id=3, opened_on=D(2024, 7, 5))
    n5 = make_need(session, m1, c8, category_id=1, opened_on=D(2024, 5, 1))
    n6 = make_need(session, m1, c4, category_id=2, opened_on=D(2024, 3, 15))

    _refer(session, m1, n1, agency_a, D(2024, 5, 25), reported=D(2024, 5, 28))
    _refer(session, m1, n1, agency_b, D(2024, 6, 1), reported=D(2024, 6, 15))
    _refer(session, m1, n2, agency_a, D(2024, 6, 5))
    _refer(session, m1, n3, agency_b, D(2024, 6, 3), reported=D(2024, 6, 5))
    _refer(session, m1, n5, agency_a, D(2024, 5, 2), reported=D(2024, 5, 9))
    _refer(session, m1, n6, agency_b, D(2024, 4, 5), reported=D(2024, 4, 20))

    make_placement(session, m1, n1, on=D(2024, 7, 15), partner_id=agency_a)
    make_placement(session, m1, n3, on=D(2024, 8, 1), partner_id=agency_b)
    make_placement(session, m1, n6, on=D(2024, 4, 20), partner_id=agency_b)
    make_placement(session, m1, n4, on=D(2024, 8, 10))
    make_placement(session, m1, n5, on=D(2024, 10, 15), partner_id=agency_a)

    # Hub 02: counted nationally, never in hub 01's figures.
    g1 = make_company(session, m2, name="他拠点商事株式会社")
    e3 = Event(hub_code="02", held_on=D(2024, 5, 1), kind="seminar", title="青森セミナー")
    session.add(e3)
    session.flush()
    session.add(EventAttendee(event_id=e3.id, company_id=g1.id, hub_code="02"))
    cg = make_consultation(session, m2, g1, on=D(2024, 5, 8))
    _tag(session, cg, event_id=e3.id)
    m = make_need(session, m2, cg, category_id=1)
    _refer(session, m2, m, agency_a, D(2024, 5, 10), reported=D(2024, 5, 11))
    make_placement(session, m2, m, on=D(2024, 6, 1), partner_id=agency_a)

    session.commit()
    assert e1.id is not None and e2.id is not None
    return FunnelWorld(a, bank, agency_a, agency_b, e1.id, e2.id)


@dataclass(frozen=True)
class Recount:
    """Plain SQL for the independent recounts: the days between two dates per dialect."""

    dialect: str

    def days(self, later: str, earlier: str) -> str:
        if self.dialect == "sqlite":
            return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"
