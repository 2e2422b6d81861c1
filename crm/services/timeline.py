"""A firm's whole history in one list: consultations, needs, referrals, placements, follow-ups."""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.models import (
    Company,
    Consultation,
    FollowUp,
    Partner,
    Placement,
    Referral,
    TalentNeed,
    stored_id,
)
from crm.reference import Channel, Engagement, NeedStatus, ReferralOutcome
from crm.services.base import get_scoped


@dataclass(frozen=True)
class TimelineEvent:
    on: dt.date
    kind: str  # consultation | need | referral | placement | follow_up
    record_id: int
    title: str
    detail: str
    need_id: int | None = None  # the need a need, referral or placement belongs to


KIND_LABELS = {
    "consultation": "相談",
    "need": "人材ニーズ",
    "referral": "紹介",
    "placement": "成約",
    "follow_up": "フォローアップ",
}


def company_timeline(session: Session, actor: Actor, company_id: int) -> list[TimelineEvent]:
    """Newest first."""
    company = get_scoped(session, actor, Company, company_id)
    events: list[TimelineEvent] = []
    for c in session.exec(select(Consultation).where(Consultation.company_id == company.id)):
        events.append(
            TimelineEvent(
                c.consulted_on,
                "consultation",
                stored_id(c.id),
                f"相談（{Channel(c.channel).label}）",
                c.summary,
            )
        )
    needs = {
        n.id: n for n in session.exec(select(TalentNeed).where(TalentNeed.company_id == company.id))
    }
    for n in needs.values():
        events.append(
            TimelineEvent(
                n.opened_on,
                "need",
                stored_id(n.id),
                f"人材ニーズ: {n.role_title}",
                f"{Engagement(n.engagement).label}・{n.headcount}名・{NeedStatus(n.status).label}",
                n.id,
            )
        )
    if needs:
        rows = session.exec(
            select(Referral, Partner.name)
            .join(Partner, col(Partner.id) == col(Referral.partner_id))
            .where(col(Referral.need_id).in_(list(needs)))
        )
        for r, partner_name in rows:
            events.append(
                TimelineEvent(
                    r.referred_on,
                    "referral",
                    stored_id(r.id),
                    f"紹介: {partner_name}",
                    f"{needs[r.need_id].role_title}・{ReferralOutcome(r.outcome).label}",
                    r.need_id,
                )
            )
    for p in session.exec(select(Placement).where(Placement.company_id == company.id)):
        events.append(
            TimelineEvent(
                p.placed_on,
                "placement",
                stored_id(p.id),
                f"成約（{Engagement(p.engagement).label}）",
                needs[p.need_id].role_title if p.need_id in needs else "",
                p.need_id,
            )
        )
    for f in session.exec(select(FollowUp).where(FollowUp.company_id == company.id)):
        state = f"完了 {f.done_on:%Y-%m-%d}" if f.done_on else "未完了"
        events.append(
            TimelineEvent(
                f.due_on,
                "follow_up",
                stored_id(f.id),
                "フォローアップ",
                f"{state}・{f.notes or ''}",
            )
        )
    events.sort(key=lambda e: (e.on, e.kind, e.record_id), reverse=True)
    return events
