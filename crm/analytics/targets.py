"""Progress against the yearly targets (the PDCA check): the fiscal year's counts so far
against the approved target pro-rated by the share of the fiscal year that has elapsed."""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.summary import counts_by_hub
from crm.models import Hub, KpiTarget
from crm.targets import APPROVED
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst


def _targets(session: Session, actor: Actor, fy: int) -> list[KpiTarget]:
    statement = select(KpiTarget).where(KpiTarget.fiscal_year == fy)
    hubs = actor.readable_hubs()
    if hubs is not None:
        statement = statement.where(col(KpiTarget.hub_code).in_(hubs))
    return list(session.exec(statement).all())


def elapsed_share(fy: int, as_of: dt.date) -> float:
    """Share of fiscal year ``fy`` elapsed by the end of ``as_of`` (0 before it, 1 after)."""
    start, end = fiscal_year_bounds(fy)
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 1.0
    return ((as_of - start).days + 1) / ((end - start).days + 1)


@dataclass(frozen=True)
class TargetProgress:
    hub_code: str
    fiscal_year: int
    as_of: dt.date
    elapsed_share: float
    consultations: int  # fiscal year to date
    placements: int
    target_id: int | None = None
    target_version: int | None = None
    target_status: str | None = None
    target_consultations: int | None = None
    target_placements: int | None = None

    @property
    def approved(self) -> bool:
        return self.target_status == APPROVED

    def _expected(self, target: int | None) -> float | None:
        return None if target is None or not self.approved else target * self.elapsed_share

    @property
    def expected_consultations(self) -> float | None:
        """The approved target pro-rated to ``as_of`` (None without an approved target)."""
        return self._expected(self.target_consultations)

    @property
    def expected_placements(self) -> float | None:
        return self._expected(self.target_placements)

    @staticmethod
    def _ratio(actual: int, expected: float | None) -> float | None:
        return None if not expected else actual / expected

    @property
    def consultation_progress(self) -> float | None:
        """Actual against the pro-rated target (1.0 = on track)."""
        return self._ratio(self.consultations, self.expected_consultations)

    @property
    def placement_progress(self) -> float | None:
        return self._ratio(self.placements, self.expected_placements)

    @property
    def behind_consultations(self) -> bool:
        expected = self.expected_consultations
        return expected is not None and self.consultations < expected

    @property
    def behind_placements(self) -> bool:
        expected = self.expected_placements
        return expected is not None and self.placements < expected

    @property
    def behind(self) -> bool:
        return self.behind_consultations or self.behind_placements


def target_progress(
    session: Session,
    actor: Actor,
    fy: int | None = None,
    as_of: dt.date | None = None,
    filters: AnalyticsFilter | None = None,
) -> list[TargetProgress]:
    """One row per active hub the actor may read (within the filter's blocks/hubs): counts of
    fiscal year ``fy`` up to ``as_of`` (default today, JST) against its target."""
    as_of = as_of or today_jst()
    fy = fiscal_year(as_of) if fy is None else fy
    start, end = fiscal_year_bounds(fy)
    period = AnalyticsFilter(
        since=start,
        until=min(max(as_of, start), end),
        blocks=filters.blocks if filters else (),
        hubs=filters.hubs if filters else (),
    )
    scope = period.scope(actor)
    counts = counts_by_hub(session, actor, period) if as_of >= start else {}
    hubs = session.exec(select(Hub.code).where(Hub.active).order_by(Hub.code)).all()
    targets = {t.hub_code: t for t in _targets(session, actor, fy)}
    share = elapsed_share(fy, as_of)
    rows = []
    for code in hubs:
        if scope is not None and code not in scope:
            continue
        done, target = counts.get(code), targets.get(code)
        rows.append(
            TargetProgress(
                hub_code=code,
                fiscal_year=fy,
                as_of=as_of,
                elapsed_share=share,
                consultations=done.consultations if done else 0,
                placements=done.placements if done else 0,
                target_id=target.id if target else None,
                target_version=target.version if target else None,
                target_status=target.status if target else None,
                target_consultations=target.consultations if target else None,
                target_placements=target.placements if target else None,
            )
        )
    return rows
