"""Record lists that work like a spreadsheet, in the database: each list declares the orders it
offers (only those an index answers, so no list sorts more rows than it shows) and the filters
by its columns' values (a date range, a fiscal year, coded values); a ``ViewQuery`` chooses
among them and a page of rows is read with the count beside it.

The page (``ui.record_list``) keeps a query in the address, so a view can be reloaded, shared
and opened in another tab."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from crm.actor import Actor
from crm.auth.scope import scope_filter
from crm.models import Consultation, Placement, TalentNeed
from crm.reference import (
    AgeBand,
    Channel,
    Engagement,
    LabelledEnum,
    NeedStatus,
    SalaryBand,
    Stance,
)
from crm.timeutil import fiscal_year_bounds
from crm.vocabulary import term

MAX_PAGE = 200
PAGE_SIZES = (20, 50, 100)
LABELS = {"created_at": "登録日時"}


@dataclass(frozen=True)
class Choice:
    """A filter by a coded column's values (any of those chosen)."""

    key: str
    codes: type[LabelledEnum]


@dataclass(frozen=True)
class ListSpec:
    name: str
    model: type[SQLModel]
    date: str  # the business date: its range and fiscal year filter the list
    orders: tuple[str, ...]  # the columns it may be sorted by (an index leads with each)
    choices: tuple[Choice, ...]
    default_order: str

    def order(self, key: str | None) -> str:
        """The column ``key`` names when the list may be sorted by it, else the default; the
        id breaks ties."""
        return key if key in self.orders else self.default_order

    def label(self, key: str) -> str:
        return LABELS.get(key) or term(key)


@dataclass(frozen=True)
class ViewQuery:
    """What a list shows: its order, its filters and its page (all hashable: it is a key of
    the read cache)."""

    order: str | None = None
    descending: bool = True
    since: dt.date | None = None
    until: dt.date | None = None
    fiscal_year: int | None = None
    chosen: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    limit: int = 50
    offset: int = 0

    def codes(self, key: str) -> tuple[str, ...]:
        return dict(self.chosen).get(key, ())


CONSULTATIONS = ListSpec(
    name="consultations",
    model=Consultation,
    date="consulted_on",
    orders=("consulted_on", "next_action_on", "created_at"),
    choices=(Choice("channel", Channel), Choice("stance", Stance)),
    default_order="consulted_on",
)
PLACEMENTS = ListSpec(
    name="placements",
    model=Placement,
    date="placed_on",
    orders=("placed_on", "created_at"),
    choices=(
        Choice("engagement", Engagement),
        Choice("salary_band", SalaryBand),
        Choice("age_band", AgeBand),
    ),
    default_order="placed_on",
)
# The board shows one status at a time (its own control, not the view's filters); the
# category is a table of the programme, not a code list, so it is not a filter yet.
NEEDS = ListSpec(
    name="needs",
    model=TalentNeed,
    date="opened_on",
    orders=("opened_on", "created_at"),
    choices=(
        Choice("status", NeedStatus),
        Choice("engagement", Engagement),
        Choice("salary_band", SalaryBand),
    ),
    default_order="opened_on",
)
SPECS = {spec.name: spec for spec in (CONSULTATIONS, PLACEMENTS, NEEDS)}


def _filtered(spec: ListSpec, actor: Actor, statement: Any, view: ViewQuery, hubs: Sequence[str]):
    model = spec.model
    statement = scope_filter(statement, actor, model.hub_code, hubs)  # type: ignore[attr-defined]
    day = getattr(model, spec.date)
    since, until = view.since, view.until
    if view.fiscal_year is not None:
        first, last = fiscal_year_bounds(view.fiscal_year)
        since = max(since or first, first)
        until = min(until or last, last)
    if since is not None:
        statement = statement.where(col(day) >= since)
    if until is not None:
        statement = statement.where(col(day) <= until)
    for choice in spec.choices:
        codes = [c for c in view.codes(choice.key) if c in choice.codes.labels()]
        if codes:
            statement = statement.where(col(getattr(model, choice.key)).in_(codes))
    return statement


def count_view(
    session: Session, actor: Actor, list_name: str, view: ViewQuery, hubs: Sequence[str] = ()
) -> int:
    """How many rows the view holds (every page), counted by the database."""
    spec = SPECS[list_name]
    counted = select(func.count()).select_from(spec.model)
    return int(session.exec(_filtered(spec, actor, counted, view, hubs)).one())


def view_rows(
    session: Session, actor: Actor, list_name: str, view: ViewQuery, hubs: Sequence[str] = ()
) -> list[Any]:
    """One page of the view's rows in its order (never more than ``MAX_PAGE``)."""
    spec = SPECS[list_name]
    model = spec.model
    order = spec.order(view.order)
    column = col(getattr(model, order))
    ident = col(model.id)  # type: ignore[attr-defined]
    # Records without the date (no next action yet) come last either way; a column that is
    # never empty keeps the plain order its index answers.
    nullable = getattr(model, order).nullable
    if view.descending:
        first = column.desc().nulls_last() if nullable else column.desc()
        ordering = [first, ident.desc()]
    else:
        ordering = [column.asc().nulls_last() if nullable else column.asc(), ident.asc()]
    statement = _filtered(spec, actor, select(model), view, hubs).order_by(*ordering)
    limit = max(1, min(view.limit, MAX_PAGE))
    return list(session.exec(statement.offset(max(0, view.offset)).limit(limit)).all())


def count_view_by(
    session: Session,
    actor: Actor,
    list_name: str,
    view: ViewQuery,
    column: str,
    hubs: Sequence[str] = (),
) -> dict[str, int]:
    """The view's rows counted per value of a coded ``column`` (every code of the list, in its
    order, 0 where none), grouped in the database."""
    spec = SPECS[list_name]
    choice = next(c for c in spec.choices if c.key == column)
    grouped = col(getattr(spec.model, column))
    statement = _filtered(spec, actor, select(grouped, func.count()), view, hubs)
    counts = dict(session.exec(statement.group_by(grouped)).all())
    return {code: int(counts.get(code, 0)) for code in choice.codes.labels()}
