"""A data set with known counts per hub, month, category and engagement, written through the
services, and plain-Python counts over the same records (independent of the SQL under test)."""

import datetime as dt
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session

from crm.actor import SYSTEM, Actor, actor_for
from crm.analytics.filters import AnalyticsFilter, hubs_in_block
from crm.services import users
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

HUBS = ["01", "02", "06", "40"]  # 北海道, 東北 ×2, 九州・沖縄
CHANNELS = ["visit", "seminar", "financial_institution", "large_firm", "inbound", "other"]
ENGAGEMENTS = ["mid_career", "secondment", "side_job"]
AGE_BANDS = ["under_30", "30s", "40s", "50s", "60_plus", None]
RESIDENCES = ["same_prefecture", "tokyo_area", "other_region", None]
INDUSTRIES = ["E", "D", "G", "I", None]
FIRST_DAY = dt.date(2019, 1, 1)
SPAN_DAYS = 900  # to mid-2021


@dataclass(frozen=True)
class C:  # a consultation
    hub: str
    company: int
    on: dt.date
    channel: str


@dataclass(frozen=True)
class N:  # a need
    hub: str
    company: int
    on: dt.date
    category: int
    engagement: str


@dataclass(frozen=True)
class P:  # a placement
    hub: str
    company: int
    on: dt.date
    category: int  # the need's
    engagement: str  # the placement's own
    age_band: str | None
    residence: str | None
    partner: int | None
    industry: str | None


@dataclass
class KnownData:
    managers: dict[str, Actor]
    secretariat: Actor
    admin: Actor
    partners: dict[int, str]
    consultations: list[C] = field(default_factory=list)
    needs: list[N] = field(default_factory=list)
    placements: list[P] = field(default_factory=list)

    # --- the test's own counting ----------------------------------------------------------

    @staticmethod
    def _hub_ok(hub: str, f: AnalyticsFilter) -> bool:
        if f.hubs and hub not in f.hubs:
            return False
        return not f.blocks or any(hub in hubs_in_block(b) for b in f.blocks)

    @staticmethod
    def _date_ok(day: dt.date, f: AnalyticsFilter) -> bool:
        return (f.since is None or day >= f.since) and (f.until is None or day <= f.until)

    def c_in(self, f: AnalyticsFilter) -> list[C]:
        return [c for c in self.consultations if self._hub_ok(c.hub, f) and self._date_ok(c.on, f)]

    def n_in(self, f: AnalyticsFilter) -> list[N]:
        return [
            n
            for n in self.needs
            if self._hub_ok(n.hub, f)
            and self._date_ok(n.on, f)
            and (not f.category_ids or n.category in f.category_ids)
            and (not f.engagements or n.engagement in f.engagements)
        ]

    def p_in(self, f: AnalyticsFilter) -> list[P]:
        return [
            p
            for p in self.placements
            if self._hub_ok(p.hub, f)
            and self._date_ok(p.on, f)
            and (not f.category_ids or p.category in f.category_ids)
            and (not f.engagements or p.engagement in f.engagements)
        ]

    def first_consultation(self, company: int) -> dt.date | None:
        days = [c.on for c in self.consultations if c.company == company]
        return min(days) if days else None

    def expected_headline(self, f: AnalyticsFilter) -> dict:
        consultations, placements = self.c_in(f), self.p_in(f)
        days = [
            (p.on - self.first_consultation(p.company)).days
            for p in placements
            if self.first_consultation(p.company) is not None
        ]
        per_company = Counter(p.company for p in placements)
        return {
            "consultations": len(consultations),
            "companies_consulted": len({c.company for c in consultations}),
            "needs_opened": len(self.n_in(f)),
            "placements": len(placements),
            "median_days_to_placement": statistics.median(days) if days else None,
            "companies_placed": len(per_company),
            "companies_placed_repeatedly": sum(1 for n in per_company.values() if n > 1),
        }


def build_known_data(session: Session, seed: int = 20161) -> KnownData:
    rng = random.Random(seed)
    base = make_actors(session)
    managers = {"01": base.manager01, "02": base.manager02}
    for hub in HUBS[2:]:
        managers[hub] = actor_for(
            users.create_user(
                session,
                SYSTEM,
                username=f"manager{hub}",
                role="hub_manager",
                hub_code=hub,
                display_name=f"manager{hub}",
            )
        )
    partners = {}
    for name in ["東北人材バンク", "九州キャリア", "日本人材機構"]:
        partner = make_partner(session, name=name)
        partners[partner.id] = name
    data = KnownData(
        managers=managers, secretariat=base.secretariat, admin=base.admin, partners=partners
    )

    for hub in HUBS:
        actor = managers[hub]
        for _ in range(rng.randint(3, 6)):
            industry = rng.choice(INDUSTRIES)
            company = make_company(session, actor, industry=industry)
            dates = sorted(
                FIRST_DAY + dt.timedelta(days=rng.randrange(SPAN_DAYS))
                for _ in range(rng.randint(1, 6))
            )
            for on in dates:
                channel = rng.choice(CHANNELS)
                consultation = make_consultation(session, actor, company, on=on, channel=channel)
                data.consultations.append(C(hub, company.id, on, channel))
                if rng.random() < 0.45:
                    continue
                opened = on + dt.timedelta(days=rng.randrange(20))
                category = rng.randint(1, 4)
                engagement = rng.choice(ENGAGEMENTS)
                need = make_need(
                    session,
                    actor,
                    consultation,
                    category_id=category,
                    engagement=engagement,
                    opened_on=opened,
                    headcount=rng.randint(1, 2),
                )
                data.needs.append(N(hub, company.id, opened, category, engagement))
                for _ in range(rng.choice([0, 1, 1, 2])):
                    placed = opened + dt.timedelta(days=rng.randrange(5, 200))
                    own = engagement if rng.random() < 0.8 else rng.choice(ENGAGEMENTS)
                    age, residence = rng.choice(AGE_BANDS), rng.choice(RESIDENCES)
                    partner = rng.choice([*partners, None])
                    make_placement(
                        session,
                        actor,
                        need,
                        on=placed,
                        engagement=own,
                        age_band=age,
                        previous_residence=residence,
                        partner_id=partner,
                    )
                    data.placements.append(
                        P(hub, company.id, placed, category, own, age, residence, partner, industry)
                    )
    session.commit()
    return data
