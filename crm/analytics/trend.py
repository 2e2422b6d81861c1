"""The programme's headline series: monthly cumulative consultations against contracts."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from crm.actor import Actor
from crm.analytics.sql import month_of
from crm.errors import PermissionDenied
from crm.models import Consultation, Placement
from crm.timeutil import month_range, today_jst


@dataclass(frozen=True)
class TrendPoint:
    month: str  # YYYY-MM
    consultations: int  # in that month
    contracts: int
    cumulative_consultations: int
    cumulative_contracts: int


def allowed_hubs(actor: Actor, hubs: Iterable[str] | None) -> list[str] | None:
    """The hubs a query may count: the caller's selection within what the actor may read."""
    readable = actor.readable_hubs()
    if hubs is None:
        return None if readable is None else sorted(readable)
    chosen = sorted(set(hubs))
    if readable is not None and not set(chosen) <= readable:
        raise PermissionDenied("他の拠点の数値は閲覧できません。")
    return chosen


def _monthly_counts(session: Session, model, date_column, hubs: list[str] | None,
                    until: dt.date) -> dict[str, int]:
    month = month_of(date_column)
    statement = select(month, func.count()).where(date_column <= until).group_by(month)
    if hubs is not None:
        statement = statement.where(model.hub_code.in_(hubs))
    return dict(session.execute(statement).all())


def monthly_trend(session: Session, actor: Actor, hubs: Iterable[str] | None = None,
                  until: dt.date | None = None) -> list[TrendPoint]:
    """One point per month from the first recorded month to ``until`` (default: today, JST)."""
    until = until or today_jst()
    scope = allowed_hubs(actor, hubs)
    consultations = _monthly_counts(session, Consultation, Consultation.consulted_on, scope, until)
    contracts = _monthly_counts(session, Placement, Placement.placed_on, scope, until)
    months = sorted(set(consultations) | set(contracts))
    if not months:
        return []
    points, total_c, total_p = [], 0, 0
    for month in month_range(dt.date.fromisoformat(months[0] + "-01"), until):
        c, p = consultations.get(month, 0), contracts.get(month, 0)
        total_c, total_p = total_c + c, total_p + p
        points.append(TrendPoint(month, c, p, total_c, total_p))
    return points
