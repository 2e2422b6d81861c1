"""The three counted facts (consultations, needs, placements) as filtered SELECTs.

Each builder takes the columns to select and returns a statement already restricted to the
hubs in ``scope``, the filter's period (on the fact's own date) and, for needs and placements,
its talent categories and forms of engagement. Callers add GROUP BY and run it.
"""

from sqlalchemy import Select, select
from sqlmodel import col

from crm.analytics.filters import AnalyticsFilter
from crm.models import Consultation, Placement, TalentNeed


def _period(statement: Select, column, filters: AnalyticsFilter, dated: bool) -> Select:
    if dated and filters.since is not None:
        statement = statement.where(column >= filters.since)
    if filters.until is not None:
        statement = statement.where(column <= filters.until)
    return statement


def _hubs(statement: Select, column, scope: list[str] | None) -> Select:
    return statement if scope is None else statement.where(column.in_(scope))


def consultations(
    *columns, filters: AnalyticsFilter, scope: list[str] | None, dated: bool = True
) -> Select:
    """Consultations in the period. ``dated=False`` drops the start date (cumulative to
    ``until``). Category and engagement do not apply to consultations."""
    statement = select(*columns).select_from(Consultation)
    statement = _hubs(statement, Consultation.hub_code, scope)
    return _period(statement, Consultation.consulted_on, filters, dated)


def needs(
    *columns, filters: AnalyticsFilter, scope: list[str] | None, dated: bool = True
) -> Select:
    statement = select(*columns).select_from(TalentNeed)
    statement = _hubs(statement, TalentNeed.hub_code, scope)
    statement = _period(statement, TalentNeed.opened_on, filters, dated)
    if filters.category_ids:
        statement = statement.where(col(TalentNeed.category_id).in_(filters.category_ids))
    if filters.engagements:
        statement = statement.where(col(TalentNeed.engagement).in_(filters.engagements))
    return statement


def placements(
    *columns,
    filters: AnalyticsFilter,
    scope: list[str] | None,
    dated: bool = True,
    join_need: bool = False,
) -> Select:
    """Placements in the period. The engagement filter reads the placement's own engagement
    (it may differ from the need's); the category is the need's."""
    statement = select(*columns).select_from(Placement)
    if join_need or filters.category_ids:
        statement = statement.join(TalentNeed, col(TalentNeed.id) == col(Placement.need_id))
    statement = _hubs(statement, Placement.hub_code, scope)
    statement = _period(statement, Placement.placed_on, filters, dated)
    if filters.category_ids:
        statement = statement.where(col(TalentNeed.category_id).in_(filters.category_ids))
    if filters.engagements:
        statement = statement.where(col(Placement.engagement).in_(filters.engagements))
    return statement
