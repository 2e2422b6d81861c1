"""Record lists that work like a spreadsheet, in the database: each list declares the orders it
offers (only those an index answers, so no list sorts more rows than it shows) and the filters
by its columns' values (a date range, a fiscal year, coded values); a ``ViewQuery`` chooses
among them and a page of rows is read with the count beside it.

The page (``ui.record_list``) keeps a query in the address, so a view can be reloaded, shared
and opened in another tab."""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, DateTime, false, func, or_
from sqlmodel import Session, SQLModel, col, select

from crm.actor import Actor
from crm.auth.scope import scope_filter
from crm.models import AuditLog, Company, Consultation, FollowUp, Placement, TalentNeed, UserAccount
from crm.reference import (
    JSIC_DIVISIONS,
    PREFECTURES,
    AgeBand,
    Channel,
    Engagement,
    LabelledEnum,
    NeedStatus,
    Role,
    SalaryBand,
    Stance,
)
from crm.search import match_companies
from crm.services.audit import ACTION_LABELS, AuditEntry
from crm.services.base import ENTITY_LABELS
from crm.services.followups import DONE, OVERDUE, UPCOMING
from crm.services.users import AccountSummary
from crm.timeutil import JST, fiscal_year_bounds, today_jst, utcnow
from crm.vocabulary import term

MAX_PAGE = 200
# At most 50 rows a page: a row of linked cells is a dozen page elements, and a page stays under
# the 1,000 elements a browser draws quickly (tests/browser/test_phone_width.py counts them).
PAGE_SIZES = (20, 50)
LABELS = {
    "created_at": "登録日時",
    "kana_key": "企業名カナ",
    "prefecture_code": "所在地（都道府県）",
    "at": "日時",
    "action": "操作",
    "entity": "対象",
    "hub_code": "拠点",
    "username": "利用者名",
    "role": "役割",
    "last_sign_in_at": "最終サインイン",
}
PREFECTURE_NAMES = {code: names[0] for code, names in PREFECTURES.items()}


@dataclass(frozen=True)
class Choice:
    """A filter by a coded column's values (any of those chosen): an enum's codes, or a fixed
    table of codes and their names (業種, 都道府県)."""

    key: str
    codes: type[LabelledEnum] | Mapping[str, str]

    def labels(self) -> Mapping[str, str]:
        return self.codes if isinstance(self.codes, Mapping) else self.codes.labels()


@dataclass(frozen=True)
class Condition:
    """A filter by cases that are not one column's codes (a follow-up is 期限超過 by its due
    date and today): any of the cases chosen. ``where(case, today)`` is a case's SQL
    condition."""

    key: str
    title: str
    cases: tuple[tuple[str, str], ...]  # (code, label), in the order offered
    where: Callable[[str, dt.date], Any]
    default: tuple[str, ...] = ()  # the cases a list starts with (none: every row)

    def labels(self) -> dict[str, str]:
        return dict(self.cases)


# Narrows every read of a list by the text typed in its search box (possibly empty), given the
# statement and the database's dialect (which index answers).
Search = Callable[[Any, str, str], Any]


@dataclass(frozen=True)
class ListSpec:
    name: str
    model: type[SQLModel]
    date: str  # the business date: its range and fiscal year filter the list
    orders: tuple[str, ...]  # the columns it may be sorted by (an index leads with each)
    choices: tuple[Choice, ...]
    default_order: str
    # What a list needs beyond the coded columns of a hub's records.
    conditions: tuple[Condition, ...] = ()
    search: Search | None = None
    search_hint: str = ""
    descending: bool = True  # the default direction (a list of names reads あ to ん)
    # Columns a page may pin to one value (?company=ID: one firm's follow-ups).
    fixed: tuple[str, ...] = ()
    # A list only this role reads, of every hub (the audit trail, the accounts): anyone else
    # is refused (PermissionDenied) before anything is read.
    reader: Role | None = None
    # What a row is read as, when the page must not hold the stored row (an account's
    # password hash) or needs it decoded (an audit entry's changes).
    shape: Callable[[Any], Any] | None = None
    # The records have a 拠点担当者 (``assignee_id``): the view filters by ``assignee`` (account ids
    # as text, and ``none`` for 未割り当て; the page turns 「自分」 into the reader's id, so the
    # read cache, keyed by scope and not by person, never answers one person with another's).
    assignable: bool = False

    def order(self, key: str | None) -> str:
        """The column ``key`` names when the list may be sorted by it, else the default; the
        id breaks ties."""
        return key if key in self.orders else self.default_order

    def label(self, key: str) -> str:
        return LABELS.get(key) or term(key)

    def dated(self, key: str) -> bool:
        """Whether column ``key`` holds days or stamps (its order reads newest or oldest)."""
        return isinstance(_kind(getattr(self.model, key)), Date | DateTime)


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
    text: str = ""  # the list's search box
    pinned: tuple[tuple[str, int | str], ...] = field(default=())  # a spec's ``fixed`` columns
    today: dt.date | None = None  # the day its conditions are read on (None: today in Japan)
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
    assignable=True,
)
# Firms read あ to ん by kana (migration 0016 indexes kana_key for every hub at once: the
# secretariat's default order), or by when they were registered.
COMPANIES = ListSpec(
    name="companies",
    model=Company,
    date="created_at",
    orders=("kana_key", "created_at"),
    choices=(
        Choice("industry", JSIC_DIVISIONS),
        Choice("prefecture_code", PREFECTURE_NAMES),
    ),
    default_order="kana_key",
    assignable=True,
    search=match_companies,  # merged firms are left out whatever is typed
    search_hint="企業名・カナ・法人番号の一部（全角可）",
    descending=False,
)


def _follow_up_state(state: str, today: dt.date) -> Any:
    """The SQL condition of a follow-up ``state`` (crm.services.followups) on ``today``."""
    done = col(FollowUp.done_on)
    if state == DONE:
        return done.is_not(None)
    due = col(FollowUp.due_on)
    return done.is_(None) & (due < today if state == OVERDUE else due >= today)


FOLLOW_UPS = ListSpec(
    name="followups",
    model=FollowUp,
    date="due_on",
    orders=("due_on",),
    choices=(),
    default_order="due_on",
    conditions=(
        Condition(
            "state",
            "状態",
            ((OVERDUE, "期限超過"), (UPCOMING, "予定"), (DONE, "完了")),
            _follow_up_state,
            default=(OVERDUE, UPCOMING),
        ),
    ),
    fixed=("company_id",),
    descending=False,  # the most overdue first
    assignable=True,
)


def _match_username(statement: Any, text: str, _dialect: str) -> Any:
    """Entries of the user names holding ``text`` (any case)."""
    if not text:
        return statement
    name = func.lower(col(AuditLog.username))
    return statement.where(name.contains(text.lower(), autoescape=True))


# The trail is read newest first by its stamp (ix_audit_at); 対象 and 記録ID may be pinned from
# the address (?entity=company&entity_id=12: one record's history).
AUDIT = ListSpec(
    name="audit",
    model=AuditLog,
    date="at",
    orders=("at",),
    choices=(
        Choice("action", ACTION_LABELS),
        Choice("entity", ENTITY_LABELS),
        Choice("hub_code", PREFECTURE_NAMES),
    ),
    default_order="at",
    search=_match_username,
    search_hint="利用者名の一部",
    fixed=("entity", "entity_id"),
    reader=Role.ADMIN,
    shape=AuditEntry.of,
)


ACTIVE, DISABLED, LOCKED = "active", "disabled", "locked"


def _account_state(state: str, _today: dt.date) -> Any:
    """An account is 停止 when disabled, else ロック中 while its lock runs, else 有効 (one
    case each): the lock is read at this moment, not on a day."""
    active = col(UserAccount.active)
    until = col(UserAccount.locked_until)
    if state == DISABLED:
        return active.is_(False)
    locked = until.is_not(None) & (until > utcnow())
    return active.is_(True) & (locked if state == LOCKED else ~locked)


def _match_account(statement: Any, text: str, _dialect: str) -> Any:
    """Accounts whose user name or display name holds ``text`` (any case)."""
    if not text:
        return statement
    wanted = text.lower()
    return statement.where(
        or_(
            func.lower(col(UserAccount.username)).contains(wanted, autoescape=True),
            func.lower(col(UserAccount.display_name)).contains(wanted, autoescape=True),
        )
    )


# A few hundred accounts at most: every order reads them all without an index of its own.
ACCOUNTS = ListSpec(
    name="accounts",
    model=UserAccount,
    date="created_at",
    orders=("username", "last_sign_in_at", "created_at"),
    choices=(Choice("role", Role), Choice("hub_code", PREFECTURE_NAMES)),
    default_order="username",
    conditions=(
        Condition(
            "state",
            "状態",
            ((ACTIVE, "有効"), (DISABLED, "停止"), (LOCKED, "ロック中")),
            _account_state,
        ),
    ),
    search=_match_account,
    search_hint="利用者名・表示名の一部",
    descending=False,
    reader=Role.ADMIN,
    shape=AccountSummary.of,
)
SPECS = {
    spec.name: spec
    for spec in (CONSULTATIONS, PLACEMENTS, NEEDS, COMPANIES, FOLLOW_UPS, AUDIT, ACCOUNTS)
}


def _kind(column: Any) -> Any:
    """A column's SQL type, under the decorator that keeps stamps in UTC."""
    return getattr(column.type, "impl", column.type)


def _japan_midnight(day: dt.date) -> dt.datetime:
    """The first instant of a day in Japan (the stamps are UTC)."""
    return dt.datetime.combine(day, dt.time(), JST).astimezone(dt.UTC)


ASSIGNEE = "assignee"
UNASSIGNED = "none"


def _assigned(statement: Any, model: Any, cases: tuple[str, ...]) -> Any:
    """Rows given to any of the accounts ``cases`` names (or to nobody, ``none``)."""
    if not cases:
        return statement
    column = col(model.assignee_id)
    wanted = [
        column.is_(None) if c == UNASSIGNED else column == int(c)
        for c in cases
        if c == UNASSIGNED or c.isdigit()
    ]
    return statement.where(or_(*wanted) if wanted else false())


def _filtered(
    session: Session,
    spec: ListSpec,
    actor: Actor,
    statement: Any,
    view: ViewQuery,
    hubs: Sequence[str],
):
    model = spec.model
    if spec.reader is not None:
        actor.require_role(spec.reader)
    statement = scope_filter(statement, actor, model.hub_code, hubs)  # type: ignore[attr-defined]
    day = getattr(model, spec.date)
    since, until = view.since, view.until
    if view.fiscal_year is not None:
        first, last = fiscal_year_bounds(view.fiscal_year)
        since = max(since or first, first)
        until = min(until or last, last)
    if isinstance(_kind(day), DateTime):
        # A stamp: the days are Japan's, the stamps UTC.
        if since is not None:
            statement = statement.where(col(day) >= _japan_midnight(since))
        if until is not None:
            after = _japan_midnight(until + dt.timedelta(days=1))
            statement = statement.where(col(day) < after)
    else:
        if since is not None:
            statement = statement.where(col(day) >= since)
        if until is not None:
            statement = statement.where(col(day) <= until)
    for choice in spec.choices:
        codes = [c for c in view.codes(choice.key) if c in choice.labels()]
        if codes:
            statement = statement.where(col(getattr(model, choice.key)).in_(codes))
    for condition in spec.conditions:
        cases = [c for c in view.codes(condition.key) if c in condition.labels()]
        if cases:
            today = view.today or today_jst()
            statement = statement.where(or_(*(condition.where(c, today) for c in cases)))
    if spec.assignable:
        statement = _assigned(statement, model, view.codes(ASSIGNEE))
    for name, value in view.pinned:
        # A column the list does not let a page pin (a hand-made query) shows nothing.
        pinned = col(getattr(model, name)) == value if name in spec.fixed else false()
        statement = statement.where(pinned)
    if spec.search is not None:
        statement = spec.search(statement, view.text, session.get_bind().dialect.name)
    return statement


def count_view(
    session: Session, actor: Actor, list_name: str, view: ViewQuery, hubs: Sequence[str] = ()
) -> int:
    """How many rows the view holds (every page), counted by the database."""
    spec = SPECS[list_name]
    counted = select(func.count()).select_from(spec.model)
    return int(session.exec(_filtered(session, spec, actor, counted, view, hubs)).one())


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
    statement = _filtered(session, spec, actor, select(model), view, hubs).order_by(*ordering)
    limit = max(1, min(view.limit, MAX_PAGE))
    rows = session.exec(statement.offset(max(0, view.offset)).limit(limit)).all()
    return [spec.shape(row) for row in rows] if spec.shape is not None else list(rows)


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
    statement = _filtered(session, spec, actor, select(grouped, func.count()), view, hubs)
    counts = dict(session.exec(statement.group_by(grouped)).all())
    return {code: int(counts.get(code, 0)) for code in choice.labels()}
