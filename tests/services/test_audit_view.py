"""The audit log and the accounts list through the one list component
(crm.services.record_views AUDIT and ACCOUNTS): each view's rows and count are those a plain SQL
reading of every row finds, on SQLite and PostgreSQL; only an administrator reads them."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlmodel import Session

from crm.auth.signin import authenticate
from crm.errors import PermissionDenied
from crm.models import AuditLog, UserAccount
from crm.reference import PREFECTURES
from crm.services.audit import ACTION_LABELS, AuditEntry
from crm.services.base import ENTITY_LABELS
from crm.services.record_views import ViewQuery, count_view, count_view_by, view_rows
from crm.services.users import AccountSummary, create_user
from crm.timeutil import JST, utcnow
from tests.utils.factories import make_actors, make_company

USERS = ("manager01", "manager02", "admin", None)
ACTIONS = ("create", "update", "sign_in", "export")
HUBS = ("01", "02", None)
ENTITIES = ("company", "consultation", None)


@pytest.fixture
def trail(any_engine):
    """The trail the factories write, plus 48 entries at stamps around Japan's midnight and
    the fiscal year's first day (two of them at the same moment: the id breaks the tie)."""
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        make_company(session, actors.manager01, name="監査一号株式会社")
        make_company(session, actors.manager02, name="監査二号株式会社")
        for n in range(48):
            # 14:30 and 15:30 UTC: 23:30 on one day and 00:30 on the next in Japan; from
            # 2026/03/29 over the fiscal year's first day (2026/04/01 in Japan).
            at = dt.datetime(2026, 3, 29, 14 + n % 2, 30, tzinfo=dt.UTC) + dt.timedelta(n // 8)
            if n == 47:
                at = dt.datetime(2026, 3, 29, 14, 30, tzinfo=dt.UTC)  # a tie with the first
            session.add(
                AuditLog(
                    at=at,
                    username=USERS[n % 4],
                    action=ACTIONS[n % 4 if n % 5 else 1],
                    hub_code=HUBS[n % 3],
                    entity=ENTITIES[n % 3],
                    entity_id=str(n % 6) if n % 3 != 2 else None,
                )
            )
        session.commit()
        authenticate(session, "manager01", "no password set")  # a sign-in failure, commits
        session.commit()
        yield session, actors


def _stamp(value) -> dt.datetime:
    """A stamp as the database gives it to plain SQL (text on SQLite), in UTC."""
    stamp = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _expected(session, view: ViewQuery) -> list[int]:
    """The view read from every entry by plain SQL, filtered and ordered by hand."""
    rows = session.exec(
        text("SELECT id, at, username, action, hub_code, entity, entity_id FROM audit_log")
    ).all()
    # Codes the list does not know (a hand-edited address) choose nothing.
    known = set(ACTION_LABELS) | set(ENTITY_LABELS) | set(PREFECTURES)
    chosen = {key: [c for c in codes if c in known] for key, codes in view.chosen}
    pinned = dict(view.pinned)
    picked = []
    for ident, at, username, action, hub, entity, entity_id in rows:
        day = _stamp(at).astimezone(JST).date()
        if view.since and day < view.since or view.until and day > view.until:
            continue
        if view.fiscal_year is not None and not (
            dt.date(view.fiscal_year, 4, 1) <= day <= dt.date(view.fiscal_year + 1, 3, 31)
        ):
            continue
        if chosen.get("action") and action not in chosen["action"]:
            continue
        if chosen.get("hub_code") and hub not in chosen["hub_code"]:
            continue
        if chosen.get("entity") and entity not in chosen["entity"]:
            continue
        if view.text and view.text.lower() not in (username or "").lower():
            continue
        if pinned and (entity, entity_id) != (pinned["entity"], pinned["entity_id"]):
            continue
        picked.append((_stamp(at), ident))
    picked.sort(reverse=view.descending)
    return [ident for _at, ident in picked]


VIEWS = [
    ViewQuery(),
    ViewQuery(descending=False, limit=20, offset=20),
    ViewQuery(since=dt.date(2026, 3, 30), until=dt.date(2026, 3, 31)),
    ViewQuery(fiscal_year=2026, chosen=(("action", ("create", "sign_in")),)),
    ViewQuery(fiscal_year=2025, chosen=(("hub_code", ("02",)),)),
    ViewQuery(chosen=(("hub_code", ("01", "02")), ("entity", ("company",)))),
    ViewQuery(text="MANAGER0"),
    ViewQuery(pinned=(("entity", "company"), ("entity_id", "3"))),
    ViewQuery(chosen=(("action", ("no_such_action",)),)),  # a hand-made address: ignored
    ViewQuery(text="%"),  # a LIKE wildcard typed is a character, not a pattern: none
]


@pytest.mark.parametrize("view", VIEWS)
def test_an_audit_view_reads_what_plain_sql_finds(trail, view):
    session, actors = trail
    expected = _expected(session, view)
    got = view_rows(session, actors.admin, "audit", view)
    assert [e.id for e in got] == expected[view.offset : view.offset + view.limit]
    assert all(isinstance(e, AuditEntry) for e in got)
    assert count_view(session, actors.admin, "audit", view) == len(expected)


def test_the_views_are_not_empty(trail):
    """The control: the filters above choose some entries, not none."""
    session, _actors = trail
    for view in VIEWS[:-1]:
        assert _expected(session, view), view


def test_a_japan_day_and_the_count_per_action(trail):
    session, actors = trail
    # 2026/03/31 in Japan: from 15:30 UTC on 03/30 to 14:30 UTC on 03/31, not 14:30 on 03/30.
    view = ViewQuery(since=dt.date(2026, 3, 31), until=dt.date(2026, 3, 31))
    stamps = [e.at for e in view_rows(session, actors.admin, "audit", view)]
    assert stamps and {s.astimezone(JST).date() for s in stamps} == {dt.date(2026, 3, 31)}
    counts = count_view_by(session, actors.admin, "audit", ViewQuery(), "action")
    grouped = session.exec(text("SELECT action, COUNT(*) FROM audit_log GROUP BY action"))
    plain = dict(grouped.all())
    assert {k: v for k, v in counts.items() if v} == plain


@pytest.mark.parametrize("who", ["manager01", "manager02", "secretariat"])
@pytest.mark.parametrize("name", ["audit", "accounts"])
def test_only_an_administrator_reads_them(trail, who, name):
    session, actors = trail
    actor = getattr(actors, who)
    for read in (
        lambda: view_rows(session, actor, name, ViewQuery()),
        lambda: count_view(session, actor, name, ViewQuery()),
        lambda: count_view(session, actor, name, ViewQuery(), ["01"]),
    ):
        with pytest.raises(PermissionDenied):
            read()


# --- the accounts list ------------------------------------------------------------------


@pytest.fixture
def accounts(any_engine):
    """The four test accounts, a disabled one, a locked one and one that signed in."""
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        for n, (name, role, hub) in enumerate(
            [
                ("yamagata", "hub_manager", "06"),
                ("akita_stop", "hub_manager", "05"),
                ("Tokyo_Office", "secretariat", None),
            ]
        ):
            user = create_user(
                session, actors.admin, username=name, role=role, hub_code=hub, display_name=name
            )
            user.created_at = dt.datetime(2025, 4, 1 + n, 1, 0, tzinfo=dt.UTC)
        session.flush()
        stopped = session.get(UserAccount, _id(session, "akita_stop"))
        stopped.active = False
        locked = session.get(UserAccount, _id(session, "yamagata"))
        locked.locked_until = utcnow() + dt.timedelta(minutes=15)
        session.get(UserAccount, actors.manager02.user_id).last_sign_in_at = dt.datetime(
            2026, 1, 5, 3, 0, tzinfo=dt.UTC
        )
        session.commit()
        yield session, actors


def _id(session, username: str) -> int:
    return session.exec(
        text("SELECT id FROM user_account WHERE username = :u"), params={"u": username}
    ).one()[0]


STATE_SQL = {
    "active": "active AND (locked_until IS NULL OR locked_until <= :now)",
    "disabled": "NOT active",
    "locked": "active AND locked_until > :now",
}


def _expected_accounts(session, view: ViewQuery) -> list[str]:
    """The view as plain SQL: roles, hubs, states, the name searched, the order."""
    where, params = ["1 = 1"], {"now": utcnow().replace(tzinfo=None)}
    for key in ("role", "hub_code"):
        codes = dict(view.chosen).get(key, ())
        if codes:
            names = [f":{key}{n}" for n in range(len(codes))]
            where.append(f"{key} IN ({', '.join(names)})")
            params |= {name[1:]: code for name, code in zip(names, codes, strict=True)}
    states = dict(view.chosen).get("state", ())
    if states:
        where.append("(" + " OR ".join(f"({STATE_SQL[s]})" for s in states) + ")")
    if view.text:
        where.append("(LOWER(username) LIKE :q OR LOWER(display_name) LIKE :q)")
        params["q"] = f"%{view.text.lower()}%"
    order = view.order or "username"
    direction = "DESC" if view.descending else "ASC"
    sql = (
        f"SELECT username FROM user_account WHERE {' AND '.join(where)}"
        f" ORDER BY {order} IS NULL, {order} {direction}, id {direction}"
    )
    return [r[0] for r in session.exec(text(sql), params=params).all()]


ACCOUNT_VIEWS = [
    ViewQuery(descending=False),
    ViewQuery(order="created_at"),
    ViewQuery(order="last_sign_in_at"),
    ViewQuery(descending=False, chosen=(("role", ("hub_manager",)),)),
    ViewQuery(descending=False, chosen=(("hub_code", ("05", "06")),)),
    ViewQuery(descending=False, chosen=(("state", ("locked",)),)),
    ViewQuery(descending=False, chosen=(("state", ("disabled",)),)),
    ViewQuery(descending=False, chosen=(("state", ("active",)),)),
    ViewQuery(descending=False, text="tokyo"),
    ViewQuery(descending=False, text="MANAGER"),
]


@pytest.mark.parametrize("view", ACCOUNT_VIEWS)
def test_an_account_view_reads_what_plain_sql_finds(accounts, view):
    session, actors = accounts
    expected = _expected_accounts(session, view)
    assert expected  # every view above chooses some accounts
    got = view_rows(session, actors.admin, "accounts", view)
    assert all(isinstance(a, AccountSummary) for a in got)  # never the stored row (its hash)
    assert [a.username for a in got] == expected
    assert count_view(session, actors.admin, "accounts", view) == len(expected)


def test_the_states_are_one_each(accounts):
    session, actors = accounts

    def names(state: str) -> set[str]:
        view = ViewQuery(chosen=(("state", (state,)),))
        return {a.username for a in view_rows(session, actors.admin, "accounts", view)}

    assert names("locked") == {"yamagata"}
    assert names("disabled") == {"akita_stop"}
    every = {a.username for a in view_rows(session, actors.admin, "accounts", ViewQuery())}
    assert names("active") == every - {"yamagata", "akita_stop"}
